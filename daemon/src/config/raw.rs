//! The raw layer: each configuration file parsed into a spanned TOML document (toml's
//! [`DeTable`], every key and value with its byte range), and typed readers over it that
//! record a [`ConfigError`] with file, line, column and key path for every problem and keep
//! going.
//!
//! Why not `#[derive(Deserialize)]` structs: serde stops at the first error of a struct,
//! while `reportd check` must report every problem at once; and internally tagged enums
//! (`type = "local"`) lose toml's spans. The readers here give the same guarantees as
//! `deny_unknown_fields` structs (unknown keys are errors, each key has one type) with an
//! error per key. [`super::validate`] builds the [`super::Plan`] with them.

use std::ops::Range;
use std::path::{Path, PathBuf};
use std::time::Duration;

use serde_json::{Map, Number, Value as Json};
use toml::Spanned;
use toml::de::{DeString, DeTable, DeValue};

use super::error::ConfigError;
use super::suggest;

/// A byte range in a file's text.
pub type Span = Range<usize>;

/// One configuration file: its path (as given) and text.
#[derive(Debug, Clone)]
pub struct SourceFile {
    path: PathBuf,
    /// Position of this file in load order; errors sort by it.
    index: usize,
    text: String,
    /// Byte offset where each line starts.
    line_starts: Vec<usize>,
}

impl SourceFile {
    /// `index` is the file's position in load order (main file 0).
    pub fn new(path: PathBuf, index: usize, text: String) -> Self {
        let line_starts = std::iter::once(0)
            .chain(text.match_indices('\n').map(|(i, _)| i + 1))
            .collect();
        Self {
            path,
            index,
            text,
            line_starts,
        }
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    pub fn text(&self) -> &str {
        &self.text
    }

    /// 1-based line and column (in characters) of a byte offset.
    pub fn position(&self, offset: usize) -> (usize, usize) {
        let offset = offset.min(self.text.len());
        let line = self.line_starts.partition_point(|&start| start <= offset);
        let start = self
            .line_starts
            .get(line.wrapping_sub(1))
            .copied()
            .unwrap_or(0);
        let column = self
            .text
            .get(start..offset)
            .map_or(offset - start, |s| s.chars().count());
        (line.max(1), column + 1)
    }

    /// The text of a span, as written.
    pub fn snippet(&self, span: &Span) -> &str {
        self.text.get(span.clone()).unwrap_or("")
    }

    /// Parses the text. On syntax errors, records every one and returns `None`: a
    /// best-effort recovered document would only add confusing follow-up errors.
    pub fn parse(&self, diags: &mut Diagnostics) -> Option<Spanned<DeTable<'_>>> {
        let (doc, errors) = DeTable::parse_recoverable(&self.text);
        if errors.is_empty() {
            return Some(doc);
        }
        for error in errors {
            let span = error.span().unwrap_or(0..0);
            let (message, fix) = if error.message() == "duplicate key" {
                (
                    format!(
                        "TOML syntax error: duplicate key {:?}",
                        self.snippet(&span).trim_matches(['"', '\''])
                    ),
                    "define each key once per table (remove or rename one of them)".to_owned(),
                )
            } else {
                (
                    format!("TOML syntax error: {}", error.message()),
                    "correct the TOML syntax: one `key = value` per line, strings in double \
                     quotes, [table] headers on their own line (see https://toml.io)"
                        .to_owned(),
                )
            };
            diags.push(self, span.start, String::new(), None, message, fix);
        }
        None
    }
}

/// Collects every [`ConfigError`], remembering where each came from so they can be printed
/// in file order regardless of which check found them.
#[derive(Debug, Default)]
pub struct Diagnostics {
    /// (file index, byte offset, error)
    entries: Vec<(usize, usize, ConfigError)>,
}

impl Diagnostics {
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// Records an error at byte `offset` of `file`.
    pub fn push(
        &mut self,
        file: &SourceFile,
        offset: usize,
        key: String,
        value: Option<String>,
        message: String,
        fix: String,
    ) {
        let (line, column) = file.position(offset);
        self.entries.push((
            file.index,
            offset,
            ConfigError {
                file: file.path.clone(),
                line,
                column,
                key,
                value,
                message,
                fix,
            },
        ));
    }

    /// Records an error that has no position (a file that cannot be read).
    pub fn push_unpositioned(&mut self, file: &Path, index: usize, message: String, fix: String) {
        self.entries.push((
            index,
            0,
            ConfigError {
                file: file.to_path_buf(),
                line: 0,
                column: 0,
                key: String::new(),
                value: None,
                message,
                fix,
            },
        ));
    }

    /// The errors, sorted by file then position (stable: same position keeps check order).
    pub fn into_sorted(mut self) -> Vec<ConfigError> {
        self.entries
            .sort_by_key(|(file, offset, _)| (*file, *offset));
        self.entries.into_iter().map(|(_, _, e)| e).collect()
    }
}

/// `path.key`, quoting keys that are not bare TOML keys (`sources."a.b".plugin`).
pub fn join_key(path: &str, key: &str) -> String {
    let bare = !key.is_empty()
        && key
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-');
    let key = if bare {
        key.to_owned()
    } else {
        format!("{key:?}")
    };
    if path.is_empty() {
        key
    } else {
        format!("{path}.{key}")
    }
}

/// A TOML table being read: knows its file, key path and where its header is.
#[derive(Clone)]
pub struct Table<'a, 'i> {
    pub file: &'a SourceFile,
    /// Dotted path of the table (`""` for the document root).
    pub path: String,
    /// Where "missing key" errors point: the `[header]` or the `{` of an inline table.
    pub header: usize,
    pub table: &'a DeTable<'i>,
    /// The keys allowed here, once [`Table::check_keys`] ran.
    pub known: Vec<&'static str>,
}

impl<'a, 'i> Table<'a, 'i> {
    /// A reader for `table` at `path`, with "missing key" errors pointing at `header`.
    pub fn new(file: &'a SourceFile, path: String, header: usize, table: &'a DeTable<'i>) -> Self {
        Self {
            file,
            path,
            header,
            table,
            known: Vec::new(),
        }
    }

    /// The table's entries in file order (toml's map is sorted by key).
    pub fn entries(&self) -> Vec<(&'a Spanned<DeString<'i>>, &'a Spanned<DeValue<'i>>)> {
        let mut entries: Vec<_> = self.table.iter().collect();
        entries.sort_by_key(|(key, _)| key.span().start);
        entries
    }

    /// Records an "unknown key" error for every key not in `known`, and remembers `known`
    /// for [`Table::required`].
    pub fn check_keys(&mut self, known: &[&'static str], diags: &mut Diagnostics) {
        self.known = known.to_vec();
        for (key, _) in self.entries() {
            let name: &str = key.get_ref();
            if !known.contains(&name) {
                self.unknown_key(key, known, diags);
            }
        }
    }

    /// Records an "unknown key" error for `key`, suggesting the closest of `known`.
    pub fn unknown_key(
        &self,
        key: &Spanned<DeString<'_>>,
        known: &[&str],
        diags: &mut Diagnostics,
    ) {
        let name: &str = key.get_ref();
        let fix = match suggest::closest(name, known.iter().copied()) {
            Some(suggestion) => format!("did you mean {suggestion:?}?"),
            None => format!("valid keys here are {}", suggest::quoted_list(known)),
        };
        diags.push(
            self.file,
            key.span().start,
            join_key(&self.path, name),
            None,
            format!("unknown key {name:?}"),
            fix,
        );
    }

    /// The value of `key`, if present.
    pub fn get(&self, key: &str) -> Option<Field<'a, 'i>> {
        let (k, value) = self.table.get_key_value(key)?;
        Some(Field {
            file: self.file,
            path: join_key(&self.path, key),
            key_span: k.span(),
            value,
        })
    }

    /// The value of a required `key`; when missing, records an error at the table header
    /// whose fix is `add <example>` — unless an unknown key here is a misspelling of it:
    /// its "did you mean" error already says what to do.
    pub fn required(
        &self,
        key: &str,
        example: &str,
        diags: &mut Diagnostics,
    ) -> Option<Field<'a, 'i>> {
        let field = self.get(key);
        let misspelled = || {
            self.table.keys().any(|k| {
                let k: &str = k.get_ref();
                !self.known.contains(&k)
                    && suggest::closest(k, self.known.iter().copied()) == Some(key)
            })
        };
        if field.is_none() && !misspelled() {
            diags.push(
                self.file,
                self.header,
                join_key(&self.path, key),
                None,
                format!("missing required key {key:?}"),
                format!("add {example}"),
            );
        }
        field
    }
}

/// One `key = value` being read.
#[derive(Clone)]
pub struct Field<'a, 'i> {
    pub file: &'a SourceFile,
    /// Full dotted key path, e.g. `schedule[acme].csv.delimiter`.
    pub path: String,
    pub key_span: Span,
    pub value: &'a Spanned<DeValue<'i>>,
}

/// The words for a TOML value's type in "expected X, found Y" messages, with the value for
/// scalars (compound values would make the line unreadable).
fn describe(value: &DeValue<'_>, text: &str) -> String {
    match value {
        DeValue::Array(_) => "an array".to_owned(),
        DeValue::Table(_) => "a table".to_owned(),
        other => format!("{} {text}", other.type_str()),
    }
}

impl<'a, 'i> Field<'a, 'i> {
    pub fn span(&self) -> Span {
        self.value.span()
    }

    /// The value as written (strings unquoted).
    pub fn shown(&self) -> String {
        match self.value.get_ref() {
            DeValue::String(s) => s.to_string(),
            _ => self.file.snippet(&self.span()).to_owned(),
        }
    }

    /// Records an error about this value (pointing at it).
    pub fn error(&self, diags: &mut Diagnostics, message: String, fix: String) {
        self.error_showing(diags, Some(self.shown()), message, fix);
    }

    /// Like [`Field::error`], but records `value` instead of the value as written (for
    /// values that may hold a secret, such as a database URL with a password).
    pub fn error_showing(
        &self,
        diags: &mut Diagnostics,
        value: Option<String>,
        message: String,
        fix: String,
    ) {
        diags.push(
            self.file,
            self.span().start,
            self.path.clone(),
            value,
            message,
            fix,
        );
    }

    /// Records "expected `expected`, found ..." with `fix`.
    pub fn type_error(&self, diags: &mut Diagnostics, expected: &str, fix: &str) {
        let found = describe(self.value.get_ref(), self.file.snippet(&self.span()));
        self.error(
            diags,
            format!("expected {expected}, found {found}"),
            fix.to_owned(),
        );
    }

    /// A string value.
    pub fn str(&self, diags: &mut Diagnostics) -> Option<&'a str> {
        match self.value.get_ref() {
            DeValue::String(s) => Some(s.as_ref()),
            _ => {
                self.type_error(diags, "a string", "put the value in double quotes");
                None
            }
        }
    }

    /// A string that is one of `choices` (listed most common first).
    pub fn choice(
        &self,
        choices: &[&'static str],
        diags: &mut Diagnostics,
    ) -> Option<&'static str> {
        let value = self.str(diags)?;
        if let Some(choice) = choices.iter().find(|c| **c == value) {
            return Some(choice);
        }
        let mut fix = format!("use {}", suggest::quoted_list(choices));
        if let Some(suggestion) = suggest::closest(value, choices.iter().copied()) {
            fix.push_str(&format!(" (did you mean {suggestion:?}?)"));
        }
        self.error(diags, format!("invalid value {value:?}"), fix);
        None
    }

    /// A boolean.
    pub fn bool(&self, diags: &mut Diagnostics) -> Option<bool> {
        match self.value.get_ref() {
            DeValue::Boolean(b) => Some(*b),
            _ => {
                self.type_error(diags, "a boolean", "write true or false, without quotes");
                None
            }
        }
    }

    /// An integer in `range`.
    pub fn integer(
        &self,
        range: std::ops::RangeInclusive<i64>,
        diags: &mut Diagnostics,
    ) -> Option<i64> {
        let fix = format!(
            "use a whole number from {} to {}",
            range.start(),
            range.end()
        );
        let DeValue::Integer(i) = self.value.get_ref() else {
            self.type_error(diags, "an integer", &format!("{fix}, without quotes"));
            return None;
        };
        match i64::from_str_radix(i.as_str(), i.radix()) {
            Ok(n) if range.contains(&n) => Some(n),
            _ => {
                self.error(diags, format!("{} is out of range", self.shown()), fix);
                None
            }
        }
    }

    /// A humantime duration string (`"15m"`, `"24h"`, `"90d"`), longer than zero.
    pub fn duration(&self, diags: &mut Diagnostics) -> Option<Duration> {
        const FIX: &str = "write a duration such as \"90s\", \"15m\", \"24h\" or \"90d\"";
        let DeValue::String(s) = self.value.get_ref() else {
            // A bare number has no unit: seconds or minutes? Make the author say.
            self.type_error(
                diags,
                "a duration string",
                "write a duration string such as \"15m\"",
            );
            return None;
        };
        match humantime::parse_duration(s) {
            Ok(d) if d.is_zero() => {
                self.error(
                    diags,
                    format!("duration {s:?} must be longer than zero"),
                    FIX.to_owned(),
                );
                None
            }
            Ok(d) => Some(d),
            Err(e) => {
                self.error(
                    diags,
                    format!("invalid duration {s:?}: {e}"),
                    FIX.to_owned(),
                );
                None
            }
        }
    }

    /// A table (`[header]` or inline `{ ... }`), read under this field's key path.
    pub fn table(&self, diags: &mut Diagnostics) -> Option<Table<'a, 'i>> {
        match self.value.get_ref() {
            DeValue::Table(table) => Some(Table::new(
                self.file,
                self.path.clone(),
                self.span().start,
                table,
            )),
            _ => {
                self.type_error(
                    diags,
                    "a table",
                    "write it as an inline table `{ key = value, ... }` or under a [header]",
                );
                None
            }
        }
    }

    /// An array's elements as fields named `path[i]`.
    pub fn array(&self, diags: &mut Diagnostics, fix: &str) -> Option<Vec<Field<'a, 'i>>> {
        match self.value.get_ref() {
            DeValue::Array(items) => Some(
                items
                    .iter()
                    .enumerate()
                    .map(|(i, value)| Field {
                        file: self.file,
                        path: format!("{}[{i}]", self.path),
                        key_span: self.key_span.clone(),
                        value,
                    })
                    .collect(),
            ),
            _ => {
                self.type_error(diags, "an array", fix);
                None
            }
        }
    }

    /// The value as JSON, for plugin settings and filters. Datetimes become their RFC 3339
    /// text; NaN and infinite floats (not representable in JSON) are errors.
    pub fn to_json(&self, diags: &mut Diagnostics) -> Option<Json> {
        match self.value.get_ref() {
            DeValue::String(s) => Some(Json::String(s.to_string())),
            DeValue::Boolean(b) => Some(Json::Bool(*b)),
            DeValue::Datetime(dt) => Some(Json::String(dt.to_string())),
            DeValue::Integer(i) => match i64::from_str_radix(i.as_str(), i.radix()) {
                Ok(n) => Some(Json::Number(n.into())),
                Err(_) => {
                    self.error(
                        diags,
                        format!("integer {} does not fit in 64 bits", self.shown()),
                        "use a smaller number, or a string".to_owned(),
                    );
                    None
                }
            },
            DeValue::Float(f) => match f.as_str().parse::<f64>().ok().and_then(Number::from_f64) {
                Some(n) => Some(Json::Number(n)),
                None => {
                    self.error(
                        diags,
                        format!(
                            "float {} cannot be passed on (not a finite number)",
                            self.shown()
                        ),
                        "use a finite number".to_owned(),
                    );
                    None
                }
            },
            DeValue::Array(_) => {
                let items = self.array(diags, "")?;
                let mut out = Vec::with_capacity(items.len());
                let mut ok = true;
                for item in items {
                    match item.to_json(diags) {
                        Some(v) => out.push(v),
                        None => ok = false,
                    }
                }
                ok.then_some(Json::Array(out))
            }
            DeValue::Table(_) => {
                let table = self.table(diags)?;
                table_to_json(&table, &[], diags).map(Json::Object)
            }
        }
    }
}

/// Every entry of `table` except those named in `skip`, as a JSON object.
pub fn table_to_json(
    table: &Table<'_, '_>,
    skip: &[&str],
    diags: &mut Diagnostics,
) -> Option<Map<String, Json>> {
    let mut out = Map::new();
    let mut ok = true;
    for (key, _) in table.entries() {
        let name: &str = key.get_ref();
        if skip.contains(&name) {
            continue;
        }
        let Some(field) = table.get(name) else {
            continue;
        };
        match field.to_json(diags) {
            Some(v) => {
                out.insert(name.to_owned(), v);
            }
            None => ok = false,
        }
    }
    ok.then_some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn positions_are_one_based_in_characters() {
        let f = SourceFile::new("x.toml".into(), 0, "a = 1\nçb = \"x\"\n".to_owned());
        assert_eq!(f.position(0), (1, 1));
        assert_eq!(f.position(4), (1, 5));
        // line 2 starts at byte 6; "ç" is 2 bytes, so byte 8 is the 2nd character "b"
        assert_eq!(f.position(8), (2, 2));
        // byte 12 = 'ç'(6..8) 'b'(8) ' '(9) '='(10) ' '(11) '"'(12) → 6th char
        assert_eq!(f.position(12), (2, 6));
    }

    #[test]
    fn keys_are_quoted_when_not_bare() {
        assert_eq!(join_key("", "daemon"), "daemon");
        assert_eq!(join_key("sources", "a.b"), "sources.\"a.b\"");
        assert_eq!(join_key("schedule[x]", "csv"), "schedule[x].csv");
    }
}
