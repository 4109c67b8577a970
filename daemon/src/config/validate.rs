//! Validation: the parsed files ([`super::raw`]) → a [`Plan`], or every problem found.
//!
//! Pure: no I/O besides making the main file's directory absolute. Each section is read
//! with the raw readers, which record an error and fall back to the default, so one bad
//! value never hides another. Cross-section checks (a schedule's `source`, `report` and
//! `deliver` against `[sources]` and `[destinations]`, unique schedule names) run only when
//! the main file parsed; otherwise they would only repeat its syntax error.

use std::collections::BTreeMap;
use std::path::{Component, Path, PathBuf};
use std::time::Duration;

use chrono_tz::Tz;

use super::destinations::read_destinations;
use super::env::Env;
use super::error::ConfigErrors;
use super::plan::{DaemonPlan, Plan, RetryPolicy, SourcePlan, StorePlan};
use super::raw::{Diagnostics, Field, SourceFile, Table, join_key, table_to_json};
use super::schedules::{ScheduleCtx, read_schedules};
use super::secrets::{PASSWORD_KEYS, read_secret};
use super::suggest;
use crate::secret::Secret;
use crate::store::postgres::{connect_options, url_has_password};

/// Keys of the main file's root.
const MAIN_KEYS: &[&str] = &["daemon", "store", "sources", "destinations", "schedule"];
/// Root keys allowed only in the main file (a `schedules.d` file holding one is told to
/// move it).
const MAIN_ONLY_KEYS: &[&str] = &["daemon", "store", "sources", "destinations"];
const DAEMON_KEYS: &[&str] = &[
    "timezone",
    "state_dir",
    "plugin_dir",
    "max_parallel_runs",
    "keep_files",
    "keep_history",
    "run_timeout",
    "misfire_grace",
    "shutdown_timeout",
];
const RETRY_KEYS: &[&str] = &["attempts", "initial", "max_delay", "max_elapsed"];

/// Default `state_dir` outside systemd.
pub const DEFAULT_STATE_DIR: &str = "/var/lib/reportd";
/// Last default plugin directory (after the executable's directory).
pub const DEFAULT_PLUGIN_DIR: &str = "/usr/lib/reportd/plugins";

/// One configuration file's path (as it should be printed) and text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConfigText {
    pub path: PathBuf,
    pub text: String,
}

/// Validates in-memory files: `main` is `reportd.toml`, `schedule_files` the
/// `schedules.d/*.toml` files in load order. [`super::load_with`] is this plus reading.
pub fn validate(
    main: ConfigText,
    schedule_files: Vec<ConfigText>,
    env: &Env,
) -> Result<Plan, ConfigErrors> {
    let files: Vec<SourceFile> = std::iter::once(main)
        .chain(schedule_files)
        .enumerate()
        .map(|(i, f)| SourceFile::new(f.path, i, f.text))
        .collect();
    let mut diags = Diagnostics::default();
    let plan = check(&files, env, &mut diags);
    finish(plan, diags)
}

/// `Ok(plan)` when nothing was recorded.
pub(crate) fn finish(plan: Option<Plan>, diags: Diagnostics) -> Result<Plan, ConfigErrors> {
    match plan {
        Some(plan) if diags.is_empty() => Ok(plan),
        _ => Err(ConfigErrors(diags.into_sorted())),
    }
}

/// What schedules may refer to, from the main file.
#[derive(Debug, Default)]
pub(crate) struct Refs {
    /// Source name → its plugin (`None` when the plugin key itself was wrong).
    pub sources: BTreeMap<String, Option<String>>,
    /// Destination names, including ones whose table had errors.
    pub destinations: Vec<String>,
}

/// Checks every file (`files[0]` is the main file) and builds the plan; errors go to
/// `diags`, and the plan is only meaningful when none were recorded.
pub(crate) fn check(files: &[SourceFile], env: &Env, diags: &mut Diagnostics) -> Option<Plan> {
    let main = files.first()?;
    let base = config_dir(main.path());
    let mut warnings = Vec::new();
    let parsed: Vec<_> = files.iter().map(|f| (f, f.parse(diags))).collect();

    let mut daemon = default_daemon(env, &mut warnings);
    let mut store = StorePlan::Sqlite {
        path: daemon.state_dir.join("reportd.db"),
    };
    let mut sources = BTreeMap::new();
    let mut destinations = BTreeMap::new();
    let mut refs = None;
    if let Some((file, Some(doc))) = parsed.first() {
        let mut root = Table::new(file, String::new(), 0, doc.get_ref());
        root.check_keys(MAIN_KEYS, diags);
        read_daemon(&root, &base, &mut daemon, diags);
        store = read_store(&root, &base, &daemon.state_dir, diags);
        let (source_plans, source_refs) = read_sources(&root, &base, diags);
        sources = source_plans;
        let (destination_plans, destination_names) = read_destinations(&root, &base, diags);
        destinations = destination_plans;
        refs = Some(Refs {
            sources: source_refs,
            destinations: destination_names,
        });
    }

    let mut ctx = ScheduleCtx::new(&daemon, refs.as_ref());
    let mut schedules = Vec::new();
    for (i, (file, doc)) in parsed.iter().enumerate() {
        let Some(doc) = doc else { continue };
        let root = Table::new(file, String::new(), 0, doc.get_ref());
        if i > 0 {
            check_schedule_file_keys(&root, diags);
        }
        schedules.extend(read_schedules(&root, &mut ctx, diags));
    }
    warnings.append(&mut ctx.warnings);

    Some(Plan {
        main_file: main.path().to_path_buf(),
        files: files.iter().map(|f| f.path().to_path_buf()).collect(),
        daemon,
        store,
        sources,
        destinations,
        schedules,
        warnings,
    })
}

/// A `schedules.d` file holds `[[schedule]]` only.
fn check_schedule_file_keys(root: &Table<'_, '_>, diags: &mut Diagnostics) {
    for (key, _) in root.entries() {
        let name: &str = key.get_ref();
        if name == "schedule" {
            continue;
        }
        if MAIN_ONLY_KEYS.contains(&name) {
            diags.push(
                root.file,
                key.span().start,
                join_key("", name),
                None,
                format!("{name:?} is only allowed in reportd.toml"),
                "move it to reportd.toml".to_owned(),
            );
        } else {
            root.unknown_key(key, &["schedule"], diags);
        }
    }
}

/// The main file's directory, absolute (relative paths in the files are resolved from it).
pub(crate) fn config_dir(main_file: &Path) -> PathBuf {
    let dir = match main_file.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    };
    normalize(&std::path::absolute(dir).unwrap_or_else(|_| dir.to_path_buf()))
}

/// Drops `.` components (`/etc/reportd/./x` → `/etc/reportd/x`); `..` stays, since
/// resolving it without the filesystem is wrong across symlinks.
/// Lexical clean-up: drops `.` and folds `dir/..`, so logs and status entries show
/// `/etc/reportd/../out` as `/etc/out`. (Lexical, like `realpath -s`: a `..` after a symlink
/// is folded too, which is what someone reading the config file expects.)
fn normalize(path: &Path) -> PathBuf {
    let mut out = PathBuf::new();
    for c in path.components() {
        match c {
            Component::CurDir => {}
            Component::ParentDir
                if out
                    .components()
                    .next_back()
                    .is_some_and(|l| matches!(l, Component::Normal(_))) =>
            {
                out.pop();
            }
            Component::ParentDir if out.has_root() => {}
            other => out.push(other),
        }
    }
    out
}

/// `path` if absolute, else `base/path`.
pub(crate) fn resolve(base: &Path, path: &str) -> PathBuf {
    normalize(&base.join(path))
}

/// A non-empty path string, resolved against `base`.
pub(crate) fn read_path(
    field: &Field<'_, '_>,
    base: &Path,
    example: &str,
    diags: &mut Diagnostics,
) -> Option<PathBuf> {
    let s = field.str(diags)?;
    if s.trim().is_empty() {
        field.error(
            diags,
            "empty path".to_owned(),
            format!("write a directory path such as {example:?}"),
        );
        return None;
    }
    Some(resolve(base, s))
}

/// An IANA zone name.
pub(crate) fn read_zone(field: &Field<'_, '_>, diags: &mut Diagnostics) -> Option<Tz> {
    let name = field.str(diags)?;
    if let Ok(tz) = name.parse::<Tz>() {
        return Some(tz);
    }
    let mut fix = "use an IANA zone name such as \"America/Sao_Paulo\"".to_owned();
    if let Some(suggestion) =
        suggest::closest(name, chrono_tz::TZ_VARIANTS.iter().map(|tz| tz.name()))
    {
        fix.push_str(&format!(" (did you mean {suggestion:?}?)"));
    }
    field.error(diags, format!("unknown time zone {name:?}"), fix);
    None
}

/// `[A-Za-z0-9._-]+`: schedule, source and destination names (they appear in file names,
/// logs and CLI arguments).
pub(crate) fn valid_name(name: &str) -> bool {
    !name.is_empty()
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-'))
}

/// `name` with every disallowed character replaced by `-`, for fixes.
pub(crate) fn sanitized_name(name: &str) -> String {
    let s: String = name
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-') {
                c
            } else {
                '-'
            }
        })
        .collect();
    if s.is_empty() {
        "my-name".to_owned()
    } else {
        s
    }
}

/// The daemon section's defaults, from the environment.
fn default_daemon(env: &Env, warnings: &mut Vec<String>) -> DaemonPlan {
    let timezone = match env.system_tz.as_deref() {
        None => Tz::UTC,
        Some(name) => name.parse::<Tz>().unwrap_or_else(|_| {
            warnings.push(format!(
                "system time zone {name:?} is not an IANA zone name; daemon.timezone defaults to UTC"
            ));
            Tz::UTC
        }),
    };
    let state_dir = env
        .state_directory
        .clone()
        .unwrap_or_else(|| PathBuf::from(DEFAULT_STATE_DIR));
    let plugin_dirs = env
        .exe_dir
        .iter()
        .cloned()
        .chain(std::iter::once(PathBuf::from(DEFAULT_PLUGIN_DIR)))
        .collect();
    DaemonPlan {
        timezone,
        state_dir,
        plugin_dirs,
        max_parallel_runs: 4,
        keep_files: Duration::from_secs(24 * 3600),
        keep_history: Duration::from_secs(90 * 24 * 3600),
        run_timeout: Duration::from_secs(30 * 60),
        misfire_grace: Duration::from_secs(5 * 60),
        shutdown_timeout: Duration::from_secs(60),
    }
}

/// `[daemon]`, over the defaults in `plan`.
fn read_daemon(root: &Table<'_, '_>, base: &Path, plan: &mut DaemonPlan, diags: &mut Diagnostics) {
    let Some(field) = root.get("daemon") else {
        return;
    };
    let Some(mut t) = field.table(diags) else {
        return;
    };
    t.check_keys(DAEMON_KEYS, diags);
    if let Some(tz) = t.get("timezone").and_then(|f| read_zone(&f, diags)) {
        plan.timezone = tz;
    }
    if let Some(dir) = t
        .get("state_dir")
        .and_then(|f| read_path(&f, base, DEFAULT_STATE_DIR, diags))
    {
        plan.state_dir = dir;
    }
    if let Some(field) = t.get("plugin_dir") {
        let fix = "write a directory or a list of directories, e.g. plugin_dir = [\"/opt/reportd/plugins\"]";
        let dirs = if field.value.get_ref().is_array() {
            field.array(diags, fix).and_then(|items| {
                let dirs: Vec<_> = items
                    .iter()
                    .map(|item| read_path(item, base, DEFAULT_PLUGIN_DIR, diags))
                    .collect();
                dirs.into_iter().collect::<Option<Vec<_>>>()
            })
        } else if field.value.get_ref().is_str() {
            read_path(&field, base, DEFAULT_PLUGIN_DIR, diags).map(|d| vec![d])
        } else {
            field.type_error(diags, "a string or an array of strings", fix);
            None
        };
        match dirs {
            Some(dirs) if dirs.is_empty() => field.error(
                diags,
                "no plugin directory listed".to_owned(),
                fix.to_owned(),
            ),
            Some(dirs) => plan.plugin_dirs = dirs,
            None => {}
        }
    }
    if let Some(n) = t
        .get("max_parallel_runs")
        .and_then(|f| f.integer(1..=64, diags))
    {
        // In 1..=64, so the cast cannot truncate.
        plan.max_parallel_runs = n as usize;
    }
    let durations: [(&str, &mut Duration); 5] = [
        ("keep_files", &mut plan.keep_files),
        ("keep_history", &mut plan.keep_history),
        ("run_timeout", &mut plan.run_timeout),
        ("misfire_grace", &mut plan.misfire_grace),
        ("shutdown_timeout", &mut plan.shutdown_timeout),
    ];
    for (key, slot) in durations {
        if let Some(d) = t.get(key).and_then(|f| f.duration(diags)) {
            *slot = d;
        }
    }
}

/// `[store]`: `url`, and for PostgreSQL the password (`password`, `password_file`,
/// `password_env` or `password_credential`, else in the URL — not both).
fn read_store(
    root: &Table<'_, '_>,
    base: &Path,
    state_dir: &Path,
    diags: &mut Diagnostics,
) -> StorePlan {
    let default = StorePlan::Sqlite {
        path: state_dir.join("reportd.db"),
    };
    let Some(field) = root.get("store") else {
        return default;
    };
    let Some(mut t) = field.table(diags) else {
        return default;
    };
    let mut keys = vec!["url"];
    keys.extend_from_slice(PASSWORD_KEYS);
    t.check_keys(&keys, diags);
    let password = read_secret(&t, PASSWORD_KEYS, base, diags);
    let password_key = PASSWORD_KEYS.iter().find_map(|k| t.get(k).map(|f| (*k, f)));
    let Some(field) = t.get("url") else {
        if let Some((key, f)) = password_key {
            f.error_showing(
                diags,
                None,
                format!("{key} is given but [store] has no url (the default store is SQLite)"),
                "add url = \"postgres://user@host/dbname\", or remove the password".to_owned(),
            );
        }
        return default;
    };
    let Some(url) = field.str(diags) else {
        return default;
    };
    match parse_store_url(url, base) {
        Ok(StorePlan::Postgres { url, .. }) => {
            if let Some((key, f)) = password_key.filter(|_| url_has_password(url.expose())) {
                f.error_showing(
                    diags,
                    None,
                    format!("the store password is given twice: in the url and in {key}"),
                    format!("remove the password from the url (keep {key}), or remove {key}"),
                );
            }
            StorePlan::Postgres {
                url,
                password: password.flatten(),
            }
        }
        Ok(plan) => {
            if let Some((key, f)) = password_key {
                f.error_showing(
                    diags,
                    None,
                    format!("{key} applies to a postgres:// store only; this store is SQLite"),
                    format!("remove {key}"),
                );
            }
            plan
        }
        Err((message, fix)) => {
            let scheme = url.split_once(':').map(|(scheme, _)| scheme.to_owned());
            field.error_showing(diags, scheme, message, fix);
            default
        }
    }
}

/// `sqlite://PATH` (relative to `base`), `sqlite:///abs/path`, `postgres://...`.
/// Error messages name the scheme, never the whole URL: it may hold a password.
fn parse_store_url(url: &str, base: &Path) -> Result<StorePlan, (String, String)> {
    const FIX: &str =
        "use url = \"sqlite:///var/lib/reportd/reportd.db\" or \"postgres://user@host/dbname\"";
    if url.starts_with("postgres://") || url.starts_with("postgresql://") {
        // Parsed now so that a bad port or sslmode is a configuration error, not a start
        // failure; the parser's messages never repeat the URL.
        return match connect_options(url) {
            Ok(_) => Ok(StorePlan::Postgres {
                url: Secret::new(url),
                password: None,
            }),
            Err(e) => Err((
                format!("the PostgreSQL store url does not parse: {e}"),
                "use postgres://user@host[:port]/dbname[?sslmode=verify-full], with \
                 special characters percent-encoded"
                    .to_owned(),
            )),
        };
    }
    if let Some(rest) = url.strip_prefix("sqlite:") {
        let path = rest.strip_prefix("//").unwrap_or(rest);
        if path.is_empty() {
            return Err((
                format!("store url {url:?} has no database path"),
                FIX.to_owned(),
            ));
        }
        if path.contains('?') {
            return Err((
                format!("store url {url:?} has query parameters, which are not supported"),
                "remove the part from \"?\" on".to_owned(),
            ));
        }
        return Ok(StorePlan::Sqlite {
            path: resolve(base, path),
        });
    }
    match url.split_once(':') {
        Some((scheme, _)) if !scheme.is_empty() => Err((
            format!("unsupported store url scheme {scheme:?}"),
            FIX.to_owned(),
        )),
        _ => Err((
            "store url has no scheme (sqlite: or postgres:)".to_owned(),
            FIX.to_owned(),
        )),
    }
}

/// `[sources.NAME]`: the plans, and every defined name with its plugin for references.
fn read_sources(
    root: &Table<'_, '_>,
    base: &Path,
    diags: &mut Diagnostics,
) -> (
    BTreeMap<String, SourcePlan>,
    BTreeMap<String, Option<String>>,
) {
    let mut plans = BTreeMap::new();
    let mut refs = BTreeMap::new();
    let Some(field) = root.get("sources") else {
        return (plans, refs);
    };
    let Some(sources) = field.table(diags) else {
        return (plans, refs);
    };
    for (key, _) in sources.entries() {
        let name: &str = key.get_ref();
        let Some(field) = sources.get(name) else {
            continue;
        };
        check_name_key(&sources, key.span().start, name, "source", diags);
        let Some(t) = field.table(diags) else {
            refs.insert(name.to_owned(), None);
            continue;
        };
        let plugin = t
            .required(
                "plugin",
                "plugin = \"telephony\" (loads libreportd_telephony.so)",
                diags,
            )
            .and_then(|f| read_plugin_name(&f, diags));
        refs.insert(name.to_owned(), plugin.clone());
        let settings = table_to_json(&t, &["plugin"], diags);
        if let (Some(plugin), Some(settings)) = (plugin, settings) {
            plans.insert(
                name.to_owned(),
                SourcePlan {
                    name: name.to_owned(),
                    plugin,
                    settings,
                    config_dir: base.to_path_buf(),
                },
            );
        }
    }
    (plans, refs)
}

/// A plugin name: `[a-z0-9_]+` (it becomes `libreportd_<name>.so`).
fn read_plugin_name(field: &Field<'_, '_>, diags: &mut Diagnostics) -> Option<String> {
    let name = field.str(diags)?;
    let valid = !name.is_empty()
        && name
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_');
    if valid {
        return Some(name.to_owned());
    }
    let suggestion: String = name
        .to_ascii_lowercase()
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { '_' })
        .collect();
    field.error(
        diags,
        format!(
            "invalid plugin name {name:?}: only lowercase letters, digits and \"_\" are allowed"
        ),
        format!("write the name of libreportd_<name>.so, e.g. {suggestion:?}"),
    );
    None
}

/// Records an error when the table key `name` (of a source or destination) is not a valid
/// name; `offset` is the key's position.
pub(crate) fn check_name_key(
    table: &Table<'_, '_>,
    offset: usize,
    name: &str,
    what: &str,
    diags: &mut Diagnostics,
) {
    if valid_name(name) {
        return;
    }
    diags.push(
        table.file,
        offset,
        join_key(&table.path, name),
        Some(name.to_owned()),
        format!(
            "invalid {what} name {name:?}: only letters, digits, \".\", \"_\" and \"-\" are allowed"
        ),
        format!("rename it, e.g. {:?}", sanitized_name(name)),
    );
}

/// `retry = { attempts, initial, max_delay, max_elapsed }` over `default`.
pub(crate) fn read_retry(
    field: Option<Field<'_, '_>>,
    default: RetryPolicy,
    diags: &mut Diagnostics,
) -> RetryPolicy {
    let mut policy = default;
    let Some(field) = field else { return policy };
    let Some(mut t) = field.table(diags) else {
        return policy;
    };
    t.check_keys(RETRY_KEYS, diags);
    if let Some(n) = t.get("attempts").and_then(|f| f.integer(1..=100, diags)) {
        // In 1..=100, so the cast cannot truncate.
        policy.attempts = n as u32;
    }
    let initial = t.get("initial");
    let max_delay = t.get("max_delay");
    let initial_ok = initial.as_ref().and_then(|f| f.duration(diags));
    let max_delay_ok = max_delay.as_ref().and_then(|f| f.duration(diags));
    policy.initial = initial_ok.unwrap_or(policy.initial);
    policy.max_delay = max_delay_ok.unwrap_or(policy.max_delay);
    if let Some(d) = t.get("max_elapsed").and_then(|f| f.duration(diags)) {
        policy.max_elapsed = d;
    }
    // Only when both values are usable (one of them written here): an invalid one has
    // its own error already.
    let both_usable = (initial.is_none() || initial_ok.is_some())
        && (max_delay.is_none() || max_delay_ok.is_some());
    if both_usable && policy.initial > policy.max_delay {
        let message = format!(
            "initial backoff {} is longer than max_delay {}",
            humantime::format_duration(policy.initial),
            humantime::format_duration(policy.max_delay)
        );
        let fix = "make initial at most max_delay".to_owned();
        match initial.as_ref().or(max_delay.as_ref()) {
            Some(f) => f.error(diags, message, fix),
            None => field.error(diags, message, fix),
        }
    }
    policy
}

#[cfg(test)]
mod tests {

    #[test]
    fn normalize_folds_dot_dot() {
        assert_eq!(
            normalize(Path::new("/work/config/../out")),
            PathBuf::from("/work/out")
        );
        assert_eq!(normalize(Path::new("/a/./b/../../c")), PathBuf::from("/c"));
        assert_eq!(normalize(Path::new("/../x")), PathBuf::from("/x"));
        assert_eq!(normalize(Path::new("../x")), PathBuf::from("../x"));
    }

    use super::*;
    use crate::secret::SecretSource;

    #[test]
    fn store_urls() {
        let base = Path::new("/etc/reportd");
        assert_eq!(
            parse_store_url("sqlite:///var/lib/x.db", base),
            Ok(StorePlan::Sqlite {
                path: "/var/lib/x.db".into()
            })
        );
        assert_eq!(
            parse_store_url("sqlite://data/x.db", base),
            Ok(StorePlan::Sqlite {
                path: "/etc/reportd/data/x.db".into()
            })
        );
        assert_eq!(
            parse_store_url("sqlite:./x.db", base),
            Ok(StorePlan::Sqlite {
                path: "/etc/reportd/x.db".into()
            })
        );
        assert_eq!(
            parse_store_url("postgresql://u@h/db", base),
            Ok(StorePlan::Postgres {
                url: Secret::new("postgresql://u@h/db"),
                password: None
            })
        );
        // A bad port is a configuration error that never repeats the URL (password).
        assert!(
            parse_store_url("postgres://u:hunter2@h:99999/db", base)
                .is_err_and(|(m, _)| !m.contains("hunter2") && m.contains("PostgreSQL"))
        );
        assert!(
            parse_store_url("mysql://u:secret@h/db", base)
                .is_err_and(|(m, _)| !m.contains("secret"))
        );
        assert!(parse_store_url("sqlite://", base).is_err());
        assert!(parse_store_url("reportd.db", base).is_err());
    }

    #[test]
    fn validates_in_memory_texts() {
        let main = ConfigText {
            path: "/etc/reportd/reportd.toml".into(),
            text: "[daemon]\nmax_parallel_runs = 8\n".to_owned(),
        };
        let plan = validate(main.clone(), Vec::new(), &Env::default()).unwrap();
        assert_eq!(plan.daemon.max_parallel_runs, 8);
        assert_eq!(plan.files, vec![PathBuf::from("/etc/reportd/reportd.toml")]);

        let bad = ConfigText {
            path: "/etc/reportd/schedules.d/x.toml".into(),
            text: "[daemon]\n".to_owned(),
        };
        let errors = validate(main, vec![bad], &Env::default()).unwrap_err();
        assert_eq!(
            errors.to_string(),
            "/etc/reportd/schedules.d/x.toml:1:2: daemon: \"daemon\" is only allowed in reportd.toml\n  \
             fix: move it to reportd.toml\n1 error(s) in configuration"
        );
    }

    /// Validates a `reportd.toml` text with a `[store]` table.
    fn store_config(store: &str) -> Result<Plan, ConfigErrors> {
        let main = ConfigText {
            path: "/etc/reportd/reportd.toml".into(),
            text: format!("[store]\n{store}"),
        };
        validate(main, Vec::new(), &Env::default())
    }

    #[test]
    fn store_password_forms() {
        let plan = store_config(
            "url = \"postgres://reportd@db.example/reportd\"\npassword_file = \"pg.pw\"\n",
        )
        .unwrap();
        assert_eq!(
            plan.store,
            StorePlan::Postgres {
                url: Secret::new("postgres://reportd@db.example/reportd"),
                password: Some(SecretSource::File("/etc/reportd/pg.pw".into())),
            }
        );
        // The password in the URL alone is fine, and the plan never prints it.
        let plan = store_config("url = \"postgres://reportd:hunter2@db/reportd\"\n").unwrap();
        assert!(!format!("{:?}", plan.store).contains("hunter2"));
        assert!(matches!(
            plan.store,
            StorePlan::Postgres { password: None, .. }
        ));

        // Both ways; a password for SQLite; a password without a url: 3 errors, none
        // showing a secret.
        for (text, message) in [
            (
                "url = \"postgres://u:hunter2@db/r\"\npassword_env = \"PGPW\"\n",
                "store.password_env: the store password is given twice: in the url and in password_env",
            ),
            (
                "url = \"sqlite:///var/lib/r.db\"\npassword = \"hunter2\"\n",
                "store.password: password applies to a postgres:// store only; this store is SQLite",
            ),
            (
                "password = \"hunter2\"\n",
                "store.password: password is given but [store] has no url (the default store is SQLite)",
            ),
        ] {
            let errors = store_config(text).unwrap_err().to_string();
            assert!(errors.contains(message), "{errors}");
            assert!(!errors.contains("hunter2"), "{errors}");
            assert!(errors.ends_with("1 error(s) in configuration"), "{errors}");
        }
    }

    #[test]
    fn names() {
        assert!(valid_name("acme-daily.v2_x"));
        assert!(!valid_name("acme daily"));
        assert!(!valid_name(""));
        assert_eq!(sanitized_name("acme daily/x"), "acme-daily-x");
    }

    #[test]
    fn config_dir_is_absolute() {
        assert!(config_dir(Path::new("reportd.toml")).is_absolute());
        assert_eq!(
            config_dir(Path::new("/etc/reportd/reportd.toml")),
            PathBuf::from("/etc/reportd")
        );
    }
}
