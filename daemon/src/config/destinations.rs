//! `[destinations.NAME]`: the `type` tag picks a [`DestinationType`], which says which keys
//! the table may have and how to read them. Adding a transport (sftp, ftp, email) is a new
//! variant here, a `read_*` function, and a [`DestinationKind`] variant in the plan — the
//! same shape as a serde enum tagged by `type`, but reporting every bad key with its
//! position (see [`super::raw`] for why not serde).

use std::collections::BTreeMap;
use std::path::Path;
use std::time::Duration;

use super::dest_email::{EMAIL_KEYS, read_email};
use super::plan::{DestinationKind, DestinationPlan, LocalPlan, RetryPolicy};
use super::raw::{Diagnostics, Field, Table};
use super::suggest;
use super::validate::{check_name_key, read_path, read_retry};

/// Keys every destination type accepts.
const COMMON_KEYS: &[&str] = &["type", "timeout", "retry"];

/// The `type` values.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum DestinationType {
    Local,
    Email,
    Ftp,
    Sftp,
}

impl DestinationType {
    /// Every type with its TOML tag.
    const ALL: &'static [(&'static str, DestinationType)] = &[
        ("local", DestinationType::Local),
        ("email", DestinationType::Email),
        ("ftp", DestinationType::Ftp),
        ("sftp", DestinationType::Sftp),
    ];

    /// The type-specific keys (besides [`COMMON_KEYS`]).
    fn keys(self) -> &'static [&'static str] {
        match self {
            DestinationType::Local => &["dir", "mode", "create_dir"],
            DestinationType::Email => EMAIL_KEYS,
            DestinationType::Ftp => super::dest_ftp::KEYS,
            DestinationType::Sftp => super::dest_sftp::SFTP_KEYS,
        }
    }

    fn tags() -> Vec<&'static str> {
        Self::ALL.iter().map(|(tag, _)| *tag).collect()
    }
}

/// Every `[destinations.NAME]`: the plans, and every defined name (even of tables with
/// errors, so schedules referring to them get no second, misleading error).
pub(crate) fn read_destinations(
    root: &Table<'_, '_>,
    base: &Path,
    diags: &mut Diagnostics,
) -> (BTreeMap<String, DestinationPlan>, Vec<String>) {
    let mut plans = BTreeMap::new();
    let mut names = Vec::new();
    let Some(field) = root.get("destinations") else {
        return (plans, names);
    };
    let Some(destinations) = field.table(diags) else {
        return (plans, names);
    };
    for (key, _) in destinations.entries() {
        let name: &str = key.get_ref();
        check_name_key(&destinations, key.span().start, name, "destination", diags);
        names.push(name.to_owned());
        let Some(field) = destinations.get(name) else {
            continue;
        };
        let Some(mut t) = field.table(diags) else {
            continue;
        };
        if let Some(plan) = read_destination(name, &mut t, base, diags) {
            plans.insert(name.to_owned(), plan);
        }
    }
    (plans, names)
}

fn read_destination(
    name: &str,
    t: &mut Table<'_, '_>,
    base: &Path,
    diags: &mut Diagnostics,
) -> Option<DestinationPlan> {
    let tags = DestinationType::tags();
    let example = format!("type = {:?}", tags.first().copied().unwrap_or("local"));
    if t.get("type").is_none() {
        // Check the keys against those of every type, so that a misspelled `type` gets
        // its "did you mean" instead of a second, "missing" error.
        let mut all: Vec<&'static str> = COMMON_KEYS.to_vec();
        for (_, ty) in DestinationType::ALL {
            all.extend(ty.keys());
        }
        t.check_keys(&all, diags);
    }
    let type_field = t.required("type", &example, diags)?;
    let tag = type_field.str(diags)?;
    let Some(ty) = DestinationType::ALL
        .iter()
        .find(|(t, _)| *t == tag)
        .map(|(_, ty)| *ty)
    else {
        let mut fix = format!("supported types: {}", suggest::quoted_list(&tags));
        if let Some(suggestion) = suggest::closest(tag, tags.iter().copied()) {
            fix.push_str(&format!(" (did you mean {suggestion:?}?)"));
        }
        type_field.error(diags, format!("unknown destination type {tag:?}"), fix);
        // The valid keys depend on the type: checking them now would only add noise.
        return None;
    };
    let known: Vec<&str> = COMMON_KEYS.iter().chain(ty.keys()).copied().collect();
    t.check_keys(&known, diags);
    let timeout = t
        .get("timeout")
        .and_then(|f| f.duration(diags))
        .unwrap_or(Duration::from_secs(10 * 60));
    let retry = read_retry(t.get("retry"), RetryPolicy::DELIVERY_DEFAULT, diags);
    let kind = match ty {
        DestinationType::Local => DestinationKind::Local(read_local(t, base, diags)?),
        DestinationType::Email => DestinationKind::Email(Box::new(read_email(t, base, diags)?)),
        DestinationType::Ftp => DestinationKind::Ftp(super::dest_ftp::read_ftp(t, base, diags)?),
        DestinationType::Sftp => {
            DestinationKind::Sftp(super::dest_sftp::read_sftp(t, base, diags)?)
        }
    };
    Some(DestinationPlan {
        name: name.to_owned(),
        kind,
        retry,
        timeout,
    })
}

/// `type = "local"`.
fn read_local(t: &Table<'_, '_>, base: &Path, diags: &mut Diagnostics) -> Option<LocalPlan> {
    let dir = t
        .required("dir", "dir = \"/srv/reports/outbox\"", diags)
        .and_then(|f| read_path(&f, base, "/srv/reports/outbox", diags));
    let mode = match t.get("mode") {
        Some(f) => read_mode(&f, diags),
        None => Some(0o640),
    };
    let create_dir = t
        .get("create_dir")
        .and_then(|f| f.bool(diags))
        .unwrap_or(false);
    Some(LocalPlan {
        dir: dir?,
        mode: mode?,
        create_dir,
    })
}

/// An octal permission string (`"0640"`, `"640"`, `"0o640"`), at most `0777`, and not
/// writable by others (anyone on the host could then replace a customer's report).
fn read_mode(field: &Field<'_, '_>, diags: &mut Diagnostics) -> Option<u32> {
    const FIX: &str = "write the mode as an octal string such as \"0640\"";
    if !field.value.get_ref().is_str() {
        // An integer 640 would be decimal 640 = 0o1200: make the author quote it.
        field.type_error(diags, "an octal string", FIX);
        return None;
    }
    let s = field.str(diags)?;
    let digits = s.strip_prefix("0o").unwrap_or(s);
    let parsed = if !digits.is_empty()
        && digits.len() <= 4
        && digits.bytes().all(|b| (b'0'..=b'7').contains(&b))
    {
        u32::from_str_radix(digits, 8).ok()
    } else {
        None
    };
    let Some(mode) = parsed else {
        field.error(
            diags,
            format!("invalid file mode {s:?}: not an octal number"),
            FIX.to_owned(),
        );
        return None;
    };
    if mode > 0o777 {
        field.error(
            diags,
            format!("file mode {s:?} sets bits beyond 0777 (setuid, setgid or sticky)"),
            format!(
                "use permission bits only, such as {:?}",
                format!("{:04o}", mode & 0o777)
            ),
        );
        return None;
    }
    if mode & 0o002 != 0 {
        field.error(
            diags,
            format!("file mode {s:?} makes delivered files writable by every user"),
            format!(
                "remove write permission for others, e.g. {:?}",
                format!("{:04o}", mode & !0o002)
            ),
        );
        return None;
    }
    Some(mode)
}
