//! Secrets (passwords, passphrases) read from a file, an environment variable or a systemd
//! credential. [`Secret`] never prints its value: Debug and Display show `***`.

use std::path::PathBuf;

/// A secret value. Its Debug/Display output is always `***`.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    pub fn new(value: impl Into<String>) -> Self {
        Self(value.into())
    }

    /// The value, for the one place that must send it (an AUTH command).
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Debug for Secret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("***")
    }
}

impl std::fmt::Display for Secret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("***")
    }
}

/// Where a secret comes from, as configured (`password`, `password_file`, `password_env`,
/// `password_credential`). Resolved at build time, not during validation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SecretSource {
    /// A literal in the config file (`reportd check` warns when the file is readable by others).
    Literal(Secret),
    File(PathBuf),
    Env(String),
    /// A systemd credential name, read from `$CREDENTIALS_DIRECTORY/<name>`.
    Credential(String),
}

/// Why a secret could not be read. Never contains the value.
#[derive(Debug, thiserror::Error)]
pub enum SecretError {
    #[error("cannot read secret file {path}: {source}")]
    File {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("environment variable {0} is not set")]
    Env(String),
    #[error("systemd credential {0} not found ($CREDENTIALS_DIRECTORY is not set or has no such file)")]
    Credential(String),
}

impl SecretSource {
    /// Reads the secret. Trailing newlines of files are stripped.
    pub fn resolve(&self) -> Result<Secret, SecretError> {
        match self {
            SecretSource::Literal(s) => Ok(s.clone()),
            SecretSource::File(path) => std::fs::read_to_string(path)
                .map(|s| Secret(s.trim_end_matches(['\n', '\r']).to_owned()))
                .map_err(|source| SecretError::File {
                    path: path.clone(),
                    source,
                }),
            SecretSource::Env(name) => std::env::var(name)
                .map(Secret)
                .map_err(|_| SecretError::Env(name.clone())),
            SecretSource::Credential(name) => {
                let dir = std::env::var_os("CREDENTIALS_DIRECTORY")
                    .ok_or_else(|| SecretError::Credential(name.clone()))?;
                let path = PathBuf::from(dir).join(name);
                std::fs::read_to_string(&path)
                    .map(|s| Secret(s.trim_end_matches(['\n', '\r']).to_owned()))
                    .map_err(|_| SecretError::Credential(name.clone()))
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn never_prints() {
        let s = Secret::new("hunter2");
        assert_eq!(format!("{s:?} {s}"), "*** ***");
        let src = SecretSource::Literal(s);
        assert!(!format!("{src:?}").contains("hunter2"));
    }

    #[test]
    fn file_strips_newline() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("pw");
        std::fs::write(&p, "s3cret\n").unwrap();
        assert_eq!(
            SecretSource::File(p).resolve().unwrap().expose(),
            "s3cret"
        );
    }
}
