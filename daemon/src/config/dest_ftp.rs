//! `[destinations.NAME]` with `type = "ftp"`: reads and checks the table into an
//! [`FtpPlan`] (no I/O: the password, `ca_file` and the server are touched at delivery and
//! by `reportd check --connect`). Called from [`super::destinations`].

use std::path::Path;
use std::time::Duration;

use super::plan::{FtpPassive, FtpPlan, FtpTls, TlsVersion};
use super::raw::{Diagnostics, Field, Table};
use super::secrets::{PASSWORD_KEYS, read_secret};
use super::validate::read_path;

/// The keys of `type = "ftp"` (besides the common ones).
pub(crate) const KEYS: &[&str] = &[
    "host",
    "port",
    "user",
    "password",
    "password_file",
    "password_env",
    "password_credential",
    "tls",
    "ca_file",
    "insecure_skip_verify",
    "tls_max_version",
    "dir",
    "create_dir",
    "atomic",
    "done_marker",
    "connect_timeout",
    "idle_timeout",
    "passive",
];

/// `type = "ftp"`. Returns `None` after recording every problem.
pub(crate) fn read_ftp(t: &Table<'_, '_>, base: &Path, diags: &mut Diagnostics) -> Option<FtpPlan> {
    let host = t
        .required("host", "host = \"ftp.acme.example\"", diags)
        .and_then(|f| read_host(&f, diags));
    let tls = match t.get("tls") {
        Some(f) => f
            .choice(&["explicit", "implicit", "none"], diags)
            .map(|c| match c {
                "implicit" => FtpTls::Implicit,
                "none" => FtpTls::None,
                _ => FtpTls::Explicit,
            }),
        // Secure by default: plain FTP must be asked for.
        None => Some(FtpTls::Explicit),
    };
    let port = match t.get("port") {
        Some(f) => f
            .integer(1..=65535, diags)
            .and_then(|p| u16::try_from(p).ok()),
        None => Some(if tls == Some(FtpTls::Implicit) {
            990
        } else {
            21
        }),
    };
    let user = t
        .required("user", "user = \"reports\"", diags)
        .and_then(|f| read_word(&f, "user", diags));
    let password = match read_secret(t, PASSWORD_KEYS, base, diags) {
        Some(Some(source)) => Some(source),
        Some(None) => {
            diags.push(
                t.file,
                t.header,
                super::raw::join_key(&t.path, "password"),
                None,
                "missing the FTP password".to_owned(),
                "add password_file = \"/etc/reportd/NAME.password\" (or password_env, password_credential, password)"
                    .to_owned(),
            );
            None
        }
        None => None,
    };
    let ca_file = t
        .get("ca_file")
        .map(|f| read_path(&f, base, "/etc/reportd/acme-ca.pem", diags));
    let insecure_skip_verify = t
        .get("insecure_skip_verify")
        .and_then(|f| f.bool(diags))
        .unwrap_or(false);
    let tls_max_version = t.get("tls_max_version").map(|f| {
        f.choice(&["1.2", "1.3"], diags).map(|v| match v {
            "1.2" => TlsVersion::V1_2,
            _ => TlsVersion::V1_3,
        })
    });
    if tls == Some(FtpTls::None) {
        // TLS settings on a plain connection are a sign the author expects encryption.
        for key in ["ca_file", "insecure_skip_verify", "tls_max_version"] {
            if let Some(f) = t.get(key) {
                f.error(
                    diags,
                    format!("{key} has no effect with tls = \"none\" (plain FTP)"),
                    "remove it, or use tls = \"explicit\" or \"implicit\"".to_owned(),
                );
            }
        }
    }
    if insecure_skip_verify && let Some(f) = t.get("ca_file") {
        f.error(
            diags,
            "ca_file is ignored when insecure_skip_verify = true".to_owned(),
            "keep ca_file and remove insecure_skip_verify (the secure choice)".to_owned(),
        );
    }
    let dir = t.get("dir").map(|f| read_remote_dir(&f, diags));
    let create_dir = t
        .get("create_dir")
        .and_then(|f| f.bool(diags))
        .unwrap_or(false);
    let atomic = t.get("atomic").and_then(|f| f.bool(diags)).unwrap_or(true);
    let done_marker = t.get("done_marker").map(|f| read_marker(&f, diags));
    let connect_timeout = t
        .get("connect_timeout")
        .map(|f| f.duration(diags))
        .unwrap_or(Some(Duration::from_secs(15)));
    let idle_timeout = t
        .get("idle_timeout")
        .map(|f| f.duration(diags))
        .unwrap_or(Some(Duration::from_secs(60)));
    let passive = match t.get("passive") {
        Some(f) => f.choice(&["epsv", "pasv"], diags).map(|c| match c {
            "pasv" => FtpPassive::Pasv,
            _ => FtpPassive::Epsv,
        }),
        None => Some(FtpPassive::Epsv),
    };
    Some(FtpPlan {
        host: host?,
        port: port?,
        user: user?,
        password: password?,
        tls: tls?,
        ca_file: given(ca_file)?,
        insecure_skip_verify,
        tls_max_version: given(tls_max_version)?,
        dir: given(dir)?,
        create_dir,
        atomic,
        done_marker: given(done_marker)?,
        connect_timeout: connect_timeout?,
        idle_timeout: idle_timeout?,
        passive: passive?,
    })
}

/// An optional key read with a reader that returns `None` after an error: `Some(None)` when
/// the key is absent, `Some(Some(v))` when read, `None` when it had an error.
fn given<T>(read: Option<Option<T>>) -> Option<Option<T>> {
    match read {
        None => Some(None),
        Some(v) => v.map(Some),
    }
}

/// A host name or IP address, not a URL.
fn read_host(f: &Field<'_, '_>, diags: &mut Diagnostics) -> Option<String> {
    let s = f.str(diags)?;
    if let Some((_, rest)) = s.split_once("://") {
        let bare = rest.split(['/', ':']).next().unwrap_or(rest);
        f.error(
            diags,
            format!("host {s:?} is a URL"),
            format!("write the host name only, e.g. host = {bare:?}; use `port`, `tls` and `dir` for the rest"),
        );
        return None;
    }
    if s.is_empty()
        || s.chars()
            .any(|c| c.is_whitespace() || c.is_control() || c == '/')
    {
        f.error(
            diags,
            format!("invalid host {s:?}"),
            "write a host name or IP address such as \"ftp.acme.example\"".to_owned(),
        );
        return None;
    }
    Some(s.to_owned())
}

/// A value sent on the FTP command line: non-empty, no line breaks (they would end the
/// command and start another).
fn read_word(f: &Field<'_, '_>, key: &str, diags: &mut Diagnostics) -> Option<String> {
    let s = f.str(diags)?;
    if s.is_empty() || s.contains(['\r', '\n']) {
        f.error(
            diags,
            format!("invalid {key} {s:?}"),
            format!("write the {key} on one line, e.g. {key} = \"reports\""),
        );
        return None;
    }
    Some(s.to_owned())
}

/// `dir`: a remote path (`/inbound`, `reports/acme`). Trailing slashes are dropped.
fn read_remote_dir(f: &Field<'_, '_>, diags: &mut Diagnostics) -> Option<String> {
    let s = read_word(f, "dir", diags)?;
    let trimmed = if s == "/" {
        s.clone()
    } else {
        s.trim_end_matches('/').to_owned()
    };
    if trimmed.is_empty() || trimmed.split('/').any(|c| c == "..") {
        f.error(
            diags,
            format!("invalid dir {s:?}"),
            "write a directory such as \"/inbound\" or \"reports/acme\", without \"..\"".to_owned(),
        );
        return None;
    }
    Some(trimmed)
}

/// `done_marker`: a file name template with at most the `{name}` placeholder.
fn read_marker(f: &Field<'_, '_>, diags: &mut Diagnostics) -> Option<String> {
    const FIX: &str =
        "write a plain file name such as \"{name}.done\" ({name} is the delivered file's name)";
    let s = f.str(diags)?;
    let without = s.replace("{name}", "");
    if s.is_empty()
        || s.contains(['/', '\r', '\n'])
        || without.contains(['{', '}'])
        || s == "."
        || s == ".."
    {
        f.error(diags, format!("invalid done_marker {s:?}"), FIX.to_owned());
        return None;
    }
    Some(s.to_owned())
}

#[cfg(test)]
mod tests {
    use std::path::PathBuf;

    use crate::config::{ConfigText, DestinationKind, Env, validate::validate};
    use crate::secret::{Secret, SecretSource};

    use super::*;

    fn load(dest: &str) -> Result<FtpPlan, Vec<String>> {
        let text = format!(
            "[daemon]\ntimezone = \"UTC\"\nstate_dir = \"state\"\n\n[destinations.acme]\ntype = \"ftp\"\n{dest}"
        );
        let env = Env::default();
        match validate(
            ConfigText {
                path: PathBuf::from("/etc/reportd/reportd.toml"),
                text,
            },
            Vec::new(),
            &env,
        ) {
            Ok(plan) => match &plan.destinations["acme"].kind {
                DestinationKind::Ftp(f) => Ok(f.clone()),
                other => panic!("not ftp: {other:?}"),
            },
            Err(errors) => Err(errors
                .0
                .iter()
                .map(|e| format!("{}: {}: {}", e.key, e.message, e.fix))
                .collect()),
        }
    }

    #[test]
    fn defaults_are_secure() {
        let p =
            load("host = \"ftp.acme.example\"\nuser = \"reports\"\npassword_file = \"acme.pw\"\n")
                .unwrap();
        assert_eq!(
            p,
            FtpPlan {
                host: "ftp.acme.example".to_owned(),
                port: 21,
                user: "reports".to_owned(),
                password: SecretSource::File(PathBuf::from("/etc/reportd/acme.pw")),
                tls: FtpTls::Explicit,
                ca_file: None,
                insecure_skip_verify: false,
                tls_max_version: None,
                dir: None,
                create_dir: false,
                atomic: true,
                done_marker: None,
                connect_timeout: Duration::from_secs(15),
                idle_timeout: Duration::from_secs(60),
                passive: FtpPassive::Epsv,
            }
        );
    }

    #[test]
    fn implicit_defaults_to_990_and_everything_reads() {
        let p = load(
            "host = \"10.0.0.5\"\nuser = \"u\"\npassword = \"pw\"\ntls = \"implicit\"\nca_file = \"ca.pem\"\n\
             tls_max_version = \"1.2\"\ndir = \"/inbound/\"\ncreate_dir = true\natomic = false\n\
             done_marker = \"{name}.done\"\nconnect_timeout = \"5s\"\nidle_timeout = \"2m\"\npassive = \"pasv\"\n",
        )
        .unwrap();
        assert_eq!(p.port, 990);
        assert_eq!(p.tls, FtpTls::Implicit);
        assert_eq!(p.password, SecretSource::Literal(Secret::new("pw")));
        assert_eq!(p.ca_file, Some(PathBuf::from("/etc/reportd/ca.pem")));
        assert_eq!(p.tls_max_version, Some(TlsVersion::V1_2));
        assert_eq!(p.dir.as_deref(), Some("/inbound"));
        assert!(p.create_dir && !p.atomic);
        assert_eq!(p.done_marker.as_deref(), Some("{name}.done"));
        assert_eq!(p.connect_timeout, Duration::from_secs(5));
        assert_eq!(p.idle_timeout, Duration::from_secs(120));
        assert_eq!(p.passive, FtpPassive::Pasv);
    }

    #[test]
    fn mistakes_are_reported_together() {
        let errors = load(
            "host = \"ftp://ftp.acme.example/in\"\nuser = \"u\"\ntls = \"plain\"\nport = 70000\n\
             done_marker = \"x/{stem}\"\npassive = \"active\"\n",
        )
        .unwrap_err();
        // host URL, missing password, tls, port, done_marker, passive: 6 errors.
        assert_eq!(errors.len(), 6, "{errors:#?}");
        assert!(
            errors
                .iter()
                .any(|e| e.contains("is a URL") && e.contains("host = \"ftp.acme.example\"")),
            "{errors:#?}"
        );
        assert!(
            errors
                .iter()
                .any(|e| e.contains("missing the FTP password"))
        );
        assert!(
            errors
                .iter()
                .any(|e| e.starts_with("destinations.acme.tls: invalid value \"plain\""))
        );
    }

    #[test]
    fn tls_settings_with_plain_ftp_are_errors() {
        let errors = load(
            "host = \"h\"\nuser = \"u\"\npassword = \"p\"\ntls = \"none\"\ninsecure_skip_verify = true\n",
        )
        .unwrap_err();
        assert_eq!(errors.len(), 1, "{errors:#?}");
        assert!(errors[0].contains("no effect with tls = \"none\""));
        let plain = load("host = \"h\"\nuser = \"u\"\npassword = \"p\"\ntls = \"none\"\n").unwrap();
        assert_eq!((plain.tls, plain.port), (FtpTls::None, 21));
    }
}
