//! Reading a secret setting (a password or key passphrase) in any of its four forms:
//! `NAME = "literal"`, `NAME_file = "/path"`, `NAME_env = "VAR"` or
//! `NAME_credential = "name"` (a systemd credential, `LoadCredential=`). Exactly one may be
//! given. Only *where* the secret is is validated here; it is read at build/delivery time,
//! so a secret never sits in the [`super::Plan`] and never reaches a log.

use std::path::Path;

use crate::secret::{Secret, SecretSource};

use super::raw::{Diagnostics, Table};
use super::validate::resolve;

/// The keys of the `password` secret.
pub(crate) const PASSWORD_KEYS: &[&str] = &[
    "password",
    "password_file",
    "password_env",
    "password_credential",
];

/// The keys of the `passphrase` secret (an encrypted private key's passphrase).
#[allow(dead_code)] // until the sftp destination reads it
pub(crate) const PASSPHRASE_KEYS: &[&str] = &[
    "passphrase",
    "passphrase_file",
    "passphrase_env",
    "passphrase_credential",
];

/// Reads the secret whose four keys are `keys` (one of the constants above). Returns
/// `Some(None)` when none is given, `Some(Some(source))` when one is, and `None` after
/// reporting an error (two forms given, empty value, bad environment variable name).
pub(crate) fn read_secret(
    t: &Table<'_, '_>,
    keys: &[&str],
    base: &Path,
    diags: &mut Diagnostics,
) -> Option<Option<SecretSource>> {
    let given: Vec<_> = keys
        .iter()
        .filter_map(|k| t.get(k).map(|f| (*k, f)))
        .collect();
    if given.len() > 1 {
        let names: Vec<&str> = given.iter().map(|(k, _)| *k).collect();
        if let Some((_, second)) = given.get(1) {
            second.error(
                diags,
                format!(
                    "the secret is given {} ways: {}",
                    given.len(),
                    names.join(", ")
                ),
                format!("keep exactly one of {}", keys.join(", ")),
            );
        }
        return None;
    }
    let Some((key, field)) = given.into_iter().next() else {
        return Some(None);
    };
    let value = field.str(diags)?;
    if value.is_empty() {
        field.error(
            diags,
            format!("empty {key}"),
            format!("give a value, or remove {key}"),
        );
        return None;
    }
    let source = if key.ends_with("_file") {
        SecretSource::File(resolve(base, value))
    } else if key.ends_with("_env") {
        if !value
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'_')
        {
            field.error(
                diags,
                format!("{value:?} is not an environment variable name"),
                "use letters, digits and _ only, e.g. \"ACME_SFTP_PASSWORD\"".to_owned(),
            );
            return None;
        }
        SecretSource::Env(value.to_owned())
    } else if key.ends_with("_credential") {
        if value.contains('/') {
            field.error(
                diags,
                format!("{value:?} is not a credential name"),
                "name the credential as in LoadCredential=NAME:PATH, without a path".to_owned(),
            );
            return None;
        }
        SecretSource::Credential(value.to_owned())
    } else {
        SecretSource::Literal(Secret::new(value))
    };
    Some(Some(source))
}
