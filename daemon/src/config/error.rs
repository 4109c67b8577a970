//! Configuration errors: what [`super::load`] returns when the files are not a valid
//! configuration. Each [`ConfigError`] names the file, the 1-based line and column, the
//! dotted key path, the problem (with the bad value) and how to fix it, so `reportd check`
//! and a rejected reload can print something a support person can act on without reading
//! the source. The [`std::fmt::Display`] forms are stable: tests assert them verbatim.

use std::fmt;
use std::path::PathBuf;

/// One configuration problem.
///
/// Displayed as
/// ```text
/// config/schedules.d/acme.toml:12:12: schedule[acme-daily].timezone: unknown time zone "America/Sao_Pualo"
///   fix: use an IANA zone name such as "America/Sao_Paulo" (did you mean "America/Sao_Paulo"?)
/// ```
/// `line:column` is left out when `line` is 0 (the file could not be read at all), and the
/// key part is left out when `key` is empty (TOML syntax errors).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConfigError {
    /// The file, as given (`schedules.d` files are joined from the main file's directory).
    pub file: PathBuf,
    /// 1-based line; 0 when the problem has no position (unreadable file).
    pub line: usize,
    /// 1-based column, counted in characters.
    pub column: usize,
    /// Dotted key path, e.g. `schedule[acme-daily].timezone` or `destinations.acme.mode`;
    /// empty for TOML syntax errors.
    pub key: String,
    /// The offending value as written in the file, when there is one.
    pub value: Option<String>,
    /// What is wrong (contains the bad value).
    pub message: String,
    /// How to fix it.
    pub fix: String,
}

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.file.display())?;
        if self.line > 0 {
            write!(f, ":{}:{}", self.line, self.column)?;
        }
        write!(f, ": ")?;
        if !self.key.is_empty() {
            write!(f, "{}: ", self.key)?;
        }
        write!(f, "{}\n  fix: {}", self.message, self.fix)
    }
}

impl std::error::Error for ConfigError {}

/// Every configuration problem found, in file order (main file first, then `schedules.d`
/// files by name), each file's problems by position.
///
/// Displayed as every error (one block each, blocks separated by a newline), then a final
/// line `N error(s) in configuration`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConfigErrors(pub Vec<ConfigError>);

impl ConfigErrors {
    /// Number of problems.
    pub fn len(&self) -> usize {
        self.0.len()
    }

    /// True when there are none (never the case for an `Err` from [`super::load`]).
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// Iterates the problems in order.
    pub fn iter(&self) -> std::slice::Iter<'_, ConfigError> {
        self.0.iter()
    }
}

impl fmt::Display for ConfigErrors {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for error in &self.0 {
            writeln!(f, "{error}")?;
        }
        write!(f, "{} error(s) in configuration", self.0.len())
    }
}

impl std::error::Error for ConfigErrors {}

impl<'a> IntoIterator for &'a ConfigErrors {
    type Item = &'a ConfigError;
    type IntoIter = std::slice::Iter<'a, ConfigError>;

    fn into_iter(self) -> Self::IntoIter {
        self.0.iter()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> ConfigError {
        ConfigError {
            file: PathBuf::from("config/schedules.d/acme.toml"),
            line: 12,
            column: 12,
            key: "schedule[acme-daily].timezone".to_owned(),
            value: Some("America/Sao_Pualo".to_owned()),
            message: "unknown time zone \"America/Sao_Pualo\"".to_owned(),
            fix: "use an IANA zone name such as \"America/Sao_Paulo\" (did you mean \"America/Sao_Paulo\"?)".to_owned(),
        }
    }

    #[test]
    fn display_one() {
        assert_eq!(
            sample().to_string(),
            "config/schedules.d/acme.toml:12:12: schedule[acme-daily].timezone: unknown time zone \"America/Sao_Pualo\"\n  fix: use an IANA zone name such as \"America/Sao_Paulo\" (did you mean \"America/Sao_Paulo\"?)"
        );
    }

    #[test]
    fn display_without_position_or_key() {
        let e = ConfigError {
            line: 0,
            column: 0,
            key: String::new(),
            message: "cannot read file: gone".to_owned(),
            fix: "check it".to_owned(),
            ..sample()
        };
        assert_eq!(
            e.to_string(),
            "config/schedules.d/acme.toml: cannot read file: gone\n  fix: check it"
        );
    }

    #[test]
    fn display_many() {
        let errors = ConfigErrors(vec![sample(), sample()]);
        let one = sample().to_string();
        assert_eq!(
            errors.to_string(),
            format!("{one}\n{one}\n2 error(s) in configuration")
        );
    }
}
