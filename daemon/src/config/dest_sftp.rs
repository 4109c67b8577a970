//! `[destinations.NAME] type = "sftp"`: reads the table into a [`SftpPlan`]. Pure: the key
//! file, known_hosts file and secrets are only located here; the delivery reads them (so a
//! rotated key or an updated known_hosts needs no reload). Host-key verification is
//! mandatory: one of `known_hosts`, `host_key_fingerprint` or the explicit
//! `insecure_accept_any_host_key = true` must be given — keys are never trusted on first use.

use std::path::Path;
use std::str::FromStr;
use std::time::Duration;

use russh::keys::ssh_key::Fingerprint;

use super::plan::{HostKeyCheck, SftpPlan};
use super::raw::{Diagnostics, Field, Table};
use super::secrets::{PASSPHRASE_KEYS, PASSWORD_KEYS, read_secret};
use super::validate::read_path;

/// The keys of an sftp destination (besides the common ones).
pub(crate) const SFTP_KEYS: &[&str] = &[
    "host",
    "port",
    "user",
    "password",
    "password_file",
    "password_env",
    "password_credential",
    "private_key",
    "passphrase",
    "passphrase_file",
    "passphrase_env",
    "passphrase_credential",
    "known_hosts",
    "host_key_fingerprint",
    "insecure_accept_any_host_key",
    "dir",
    "create_dir",
    "atomic",
    "done_marker",
    "connect_timeout",
    "idle_timeout",
    "ciphers",
];

/// The ciphers `ciphers` may name: what the SSH library implements, minus `none` and the CBC
/// modes (disabled by OpenSSH's defaults for years).
pub(crate) const SUPPORTED_CIPHERS: &[&str] = &[
    "aes128-gcm@openssh.com",
    "aes256-gcm@openssh.com",
    "chacha20-poly1305@openssh.com",
    "aes128-ctr",
    "aes192-ctr",
    "aes256-ctr",
];

/// `type = "sftp"`.
pub(crate) fn read_sftp(
    t: &Table<'_, '_>,
    base: &Path,
    diags: &mut Diagnostics,
) -> Option<SftpPlan> {
    let host = t
        .required("host", "host = \"sftp.example.com\"", diags)
        .and_then(|f| read_host(&f, diags));
    let port = match t.get("port") {
        // In 1..=65535, so the cast cannot truncate.
        Some(f) => f.integer(1..=65535, diags).map(|p| p as u16),
        None => Some(22),
    };
    let user = t
        .required("user", "user = \"reports\"", diags)
        .and_then(|f| read_non_empty(&f, "a login name such as \"reports\"", diags));
    let password = read_secret(t, PASSWORD_KEYS, base, diags);
    let private_key = match t.get("private_key") {
        Some(f) => read_path(&f, base, "/etc/reportd/keys/acme", diags).map(Some),
        None => Some(None),
    };
    let passphrase = read_secret(t, PASSPHRASE_KEYS, base, diags);
    let host_key = read_host_key(t, base, diags);
    let dir = t
        .required("dir", "dir = \"/inbound\"", diags)
        .and_then(|f| read_non_empty(&f, "a remote directory such as \"/inbound\"", diags));
    let flag = |key: &str, default: bool, diags: &mut Diagnostics| {
        t.get(key).and_then(|f| f.bool(diags)).unwrap_or(default)
    };
    let create_dir = flag("create_dir", false, diags);
    let atomic = flag("atomic", true, diags);
    let done_marker = flag("done_marker", false, diags);
    let duration = |key: &str, default: Duration, diags: &mut Diagnostics| match t.get(key) {
        Some(f) => f.duration(diags),
        None => Some(default),
    };
    let connect_timeout = duration("connect_timeout", Duration::from_secs(15), diags);
    let idle_timeout = duration("idle_timeout", Duration::from_secs(60), diags);
    let ciphers = match t.get("ciphers") {
        Some(f) => read_ciphers(&f, diags),
        None => Some(Vec::new()),
    };

    let (password, private_key, passphrase) = (password?, private_key?, passphrase?);
    if password.is_none() && private_key.is_none() {
        // Point at the table: neither key is there to point at.
        t.required(
            "private_key",
            "private_key = \"/etc/reportd/keys/acme\" (or a password: password_file, password_env, password_credential, password)",
            diags,
        );
        return None;
    }
    if passphrase.is_some() && private_key.is_none() {
        if let Some(f) = PASSPHRASE_KEYS.iter().find_map(|k| t.get(k)) {
            f.error(
                diags,
                "a passphrase is given but no private_key".to_owned(),
                "add private_key = \"/path/to/key\", or remove the passphrase".to_owned(),
            );
        }
        return None;
    }
    Some(SftpPlan {
        host: host?,
        port: port?,
        user: user?,
        password,
        private_key,
        passphrase,
        host_key: host_key?,
        dir: dir?,
        create_dir,
        atomic,
        done_marker,
        connect_timeout: connect_timeout?,
        idle_timeout: idle_timeout?,
        ciphers: ciphers?,
    })
}

fn read_non_empty<'a>(f: &Field<'a, '_>, example: &str, diags: &mut Diagnostics) -> Option<String> {
    let s = f.str(diags)?;
    if s.trim().is_empty() {
        f.error(diags, "empty value".to_owned(), format!("write {example}"));
        return None;
    }
    Some(s.to_owned())
}

fn read_host(f: &Field<'_, '_>, diags: &mut Diagnostics) -> Option<String> {
    let s = read_non_empty(
        f,
        "a host name or IP address such as \"sftp.example.com\"",
        diags,
    )?;
    if s.contains(|c: char| c.is_whitespace() || c == '/' || c == '@') {
        f.error(
            diags,
            format!("{s:?} is not a host name or IP address"),
            "write only the host (the user goes in `user`, the port in `port`)".to_owned(),
        );
        return None;
    }
    // `[::1]` is how IPv6 literals are written in URLs; the resolver wants `::1`.
    Some(
        s.strip_prefix('[')
            .and_then(|r| r.strip_suffix(']'))
            .unwrap_or(&s)
            .to_owned(),
    )
}

/// Exactly one of `known_hosts`, `host_key_fingerprint`, `insecure_accept_any_host_key = true`.
fn read_host_key(t: &Table<'_, '_>, base: &Path, diags: &mut Diagnostics) -> Option<HostKeyCheck> {
    let known_hosts = t.get("known_hosts");
    let fingerprint = t.get("host_key_fingerprint");
    let insecure = t.get("insecure_accept_any_host_key");
    let insecure_on = match &insecure {
        Some(f) => f.bool(diags)?,
        None => false,
    };
    let given = usize::from(known_hosts.is_some())
        + usize::from(fingerprint.is_some())
        + usize::from(insecure_on);
    if given > 1 {
        let second = fingerprint.as_ref().or(insecure.as_ref());
        if let Some(f) = second {
            f.error(
                diags,
                "more than one host key check is given".to_owned(),
                "keep exactly one of known_hosts, host_key_fingerprint and insecure_accept_any_host_key".to_owned(),
            );
        }
        return None;
    }
    if let Some(f) = known_hosts {
        return read_path(&f, base, "/etc/reportd/known_hosts", diags)
            .map(HostKeyCheck::KnownHosts);
    }
    if let Some(f) = fingerprint {
        let s = f.str(diags)?;
        let fix = "copy the SHA256:... value that `ssh-keygen -lf HOSTKEY.pub` prints on the server (or `ssh-keyscan -p PORT HOST | ssh-keygen -lf -`, checked with the server's administrator)";
        let parsed = s
            .starts_with("SHA256:")
            .then(|| Fingerprint::from_str(s).ok())
            .flatten();
        return match parsed {
            Some(fp) => Some(HostKeyCheck::Fingerprint(fp.to_string())),
            None => {
                f.error(
                    diags,
                    format!("{s:?} is not a SHA256 host key fingerprint"),
                    fix.to_owned(),
                );
                None
            }
        };
    }
    if insecure_on {
        return Some(HostKeyCheck::InsecureAcceptAny);
    }
    t.required(
        "known_hosts",
        "known_hosts = \"/etc/reportd/known_hosts\" (or host_key_fingerprint = \"SHA256:...\"; keys are never trusted on first use)",
        diags,
    );
    None
}

fn read_ciphers(f: &Field<'_, '_>, diags: &mut Diagnostics) -> Option<Vec<String>> {
    let fix = format!(
        "list some of {}",
        SUPPORTED_CIPHERS
            .iter()
            .map(|c| format!("{c:?}"))
            .collect::<Vec<_>>()
            .join(", ")
    );
    let items = f.array(diags, &fix)?;
    let mut out = Vec::new();
    let mut ok = true;
    for item in &items {
        let Some(name) = item.str(diags) else {
            ok = false;
            continue;
        };
        if SUPPORTED_CIPHERS.contains(&name) {
            out.push(name.to_owned());
        } else {
            item.error(diags, format!("unsupported cipher {name:?}"), fix.clone());
            ok = false;
        }
    }
    if ok && out.is_empty() {
        f.error(
            diags,
            "empty cipher list".to_owned(),
            format!("{fix}, or remove `ciphers`"),
        );
        return None;
    }
    ok.then_some(out)
}

#[cfg(test)]
mod tests {
    use crate::config::{DestinationKind, Env, HostKeyCheck, load_with};
    use crate::secret::SecretSource;

    fn load(dest: &str) -> Result<crate::config::SftpPlan, String> {
        let dir = tempfile::tempdir().unwrap();
        let main = dir.path().join("reportd.toml");
        std::fs::write(
            &main,
            format!("[daemon]\ntimezone = \"UTC\"\nstate_dir = \"state\"\n\n[destinations.d]\ntype = \"sftp\"\n{dest}"),
        )
        .unwrap();
        match load_with(&main, &Env::default()) {
            Ok(plan) => match &plan.destinations["d"].kind {
                DestinationKind::Sftp(s) => Ok(s.clone()),
                other => panic!("not sftp: {other:?}"),
            },
            Err(e) => Err(e.to_string()),
        }
    }

    #[test]
    fn minimal_with_defaults() {
        let p = load(
            "host = \"h.example\"\nuser = \"u\"\npassword_env = \"PW\"\nknown_hosts = \"/etc/kh\"\ndir = \"/in\"\n",
        )
        .unwrap();
        assert_eq!(p.port, 22);
        assert_eq!(p.password, Some(SecretSource::Env("PW".into())));
        assert_eq!(p.host_key, HostKeyCheck::KnownHosts("/etc/kh".into()));
        assert!(p.atomic && !p.create_dir && !p.done_marker);
        assert_eq!(p.connect_timeout.as_secs(), 15);
        assert_eq!(p.idle_timeout.as_secs(), 60);
        assert!(p.ciphers.is_empty());
    }

    #[test]
    fn full() {
        let p = load(
            "host = \"[::1]\"\nport = 2222\nuser = \"u\"\nprivate_key = \"/k\"\npassphrase_file = \"/p\"\nhost_key_fingerprint = \"SHA256:jN5kkw988jtxfrs3gi1sbsAM7gzJgZX74M5cY/KGmAU\"\ndir = \"in\"\natomic = false\ndone_marker = true\ncreate_dir = true\nconnect_timeout = \"3s\"\nidle_timeout = \"2m\"\nciphers = [\"aes256-gcm@openssh.com\"]\n",
        )
        .unwrap();
        assert_eq!(p.host, "::1");
        assert_eq!(p.port, 2222);
        assert_eq!(p.private_key, Some("/k".into()));
        assert_eq!(p.passphrase, Some(SecretSource::File("/p".into())));
        assert_eq!(
            p.host_key,
            HostKeyCheck::Fingerprint("SHA256:jN5kkw988jtxfrs3gi1sbsAM7gzJgZX74M5cY/KGmAU".into())
        );
        assert!(!p.atomic && p.done_marker && p.create_dir);
        assert_eq!(p.idle_timeout.as_secs(), 120);
        assert_eq!(p.ciphers, vec!["aes256-gcm@openssh.com".to_owned()]);
    }

    #[test]
    fn host_key_check_is_required() {
        let e = load("host = \"h\"\nuser = \"u\"\npassword = \"x\"\ndir = \"/in\"\n").unwrap_err();
        assert!(e.contains("missing required key \"known_hosts\""), "{e}");
        assert!(e.contains("never trusted on first use"), "{e}");
        // The explicit opt-out is accepted.
        let p = load(
            "host = \"h\"\nuser = \"u\"\npassword = \"x\"\ndir = \"/in\"\ninsecure_accept_any_host_key = true\n",
        )
        .unwrap();
        assert_eq!(p.host_key, HostKeyCheck::InsecureAcceptAny);
    }

    #[test]
    fn errors() {
        let e = load(
            "host = \"u@h\"\nuser = \"u\"\ndir = \"/in\"\nknown_hosts = \"/kh\"\nhost_key_fingerprint = \"MD5:aa\"\nciphers = [\"3des-cbc\"]\nport = 70000\n",
        )
        .unwrap_err();
        for want in [
            "is not a host name",
            "more than one host key check",
            "unsupported cipher \"3des-cbc\"",
            "out of range",
        ] {
            assert!(e.contains(want), "missing {want:?} in {e}");
        }
        let e =
            load("host = \"h\"\nuser = \"u\"\ndir = \"/in\"\nknown_hosts = \"/kh\"\n").unwrap_err();
        assert!(e.contains("missing required key \"private_key\""), "{e}");
        let e = load(
            "host = \"h\"\nuser = \"u\"\ndir = \"/in\"\nknown_hosts = \"/kh\"\npassword = \"p\"\npassphrase = \"x\"\n",
        )
        .unwrap_err();
        assert!(e.contains("passphrase is given but no private_key"), "{e}");
        let e = load(
            "host = \"h\"\nuser = \"u\"\ndir = \"/in\"\npassword = \"p\"\nhost_key_fingerprint = \"SHA256:???\"\n",
        )
        .unwrap_err();
        assert!(e.contains("is not a SHA256 host key fingerprint"), "{e}");
    }
}
