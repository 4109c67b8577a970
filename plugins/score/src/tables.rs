//! Reading one export table: CSV (header row) or JSONL (one object per line) chosen by the
//! file extension (`.csv`, `.jsonl`/`.json`/`.ndjson`, either optionally `.gz`; gzip is
//! detected by magic bytes). Every record becomes a flat `column → text` map: JSONL numbers
//! and booleans are written as text, `null` and empty strings are absent, and a nested object
//! such as `"fields": {"Deuda": "100"}` is flattened to `fields.Deuda` — the same name a CSV
//! export uses for that column. Records are streamed to a callback ([`scan_table`]), so a
//! report keeps only the rows it needs. Malformed records are counted in [`Malformed`],
//! never fatal.

use std::collections::{BTreeMap, HashMap};
use std::io::{BufRead, Read};
use std::path::Path;

use reportd_plugin_api::input::Input;
use reportd_plugin_api::{PluginError, Sink, Warning};
use serde_json::Value as Json;

/// One record: column → non-empty text.
pub type Record = HashMap<String, String>;

/// A record and its line (JSONL) or record number (CSV, header = 1) for messages.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Row {
    pub line: u64,
    pub rec: Record,
}

impl Row {
    /// The value of `key`, if present and non-empty.
    pub fn get(&self, key: &str) -> Option<&str> {
        self.rec.get(key).map(String::as_str)
    }
}

/// Examples kept per warning.
const MAX_EXAMPLES: usize = 5;

/// Malformed-record counts of every table read for one report.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Malformed {
    pub by_table: BTreeMap<String, u64>,
    pub examples: Vec<String>,
}

impl Malformed {
    /// Counts one malformed record of `table` at `line`.
    pub fn note(&mut self, table: &str, line: u64, why: &str) {
        *self.by_table.entry(table.to_owned()).or_default() += 1;
        if self.examples.len() < MAX_EXAMPLES {
            self.examples.push(format!("{table}:{line}: {why}"));
        }
    }

    /// Total count.
    pub fn total(&self) -> u64 {
        self.by_table.values().sum()
    }

    /// Writes the `MALFORMED_RECORDS` warning and `malformed_records` metadata, if any.
    pub fn report(&self, sink: &mut dyn Sink) {
        let total = self.total();
        sink.meta("malformed_records", &total.to_string());
        if total == 0 {
            return;
        }
        let per: Vec<String> = self
            .by_table
            .iter()
            .map(|(t, n)| format!("{t}: {n}"))
            .collect();
        sink.warn(Warning {
            code: "MALFORMED_RECORDS".to_owned(),
            message: format!("{total} malformed records skipped ({})", per.join(", ")),
            count: total,
            examples: self.examples.clone(),
        });
    }
}

/// File format of a table.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Csv,
    Jsonl,
}

/// The format of `path` by extension (`.gz` stripped first); `None` for anything else.
pub fn format_of(path: &Path) -> Option<Format> {
    let name = path.file_name()?.to_str()?.to_ascii_lowercase();
    let name = name.strip_suffix(".gz").unwrap_or(&name);
    if name.ends_with(".csv") {
        Some(Format::Csv)
    } else if name.ends_with(".jsonl") || name.ends_with(".ndjson") || name.ends_with(".json") {
        Some(Format::Jsonl)
    } else {
        None
    }
}

/// Score tables are single files (no rotation), named in the source settings.
const TABLES: Input = Input {
    hint: "check the source's table paths and that the reportd user may read them",
    directories: false,
};

fn unreadable(path: &Path, e: &dyn std::fmt::Display) -> PluginError {
    TABLES.unreadable(path, e)
}

fn open(path: &Path) -> Result<Box<dyn BufRead>, PluginError> {
    TABLES.open_path(path)
}

fn flatten(prefix: &str, v: &Json, out: &mut Record) {
    match v {
        Json::Null => {}
        Json::String(s) => {
            if !s.is_empty() {
                out.insert(prefix.to_owned(), s.clone());
            }
        }
        Json::Object(m) => {
            for (k, x) in m {
                flatten(&format!("{prefix}.{k}"), x, out);
            }
        }
        other => {
            out.insert(prefix.to_owned(), other.to_string());
        }
    }
}

/// What a table reader calls with each record: the record and the malformed counter (the
/// callback may count the record as malformed after its own checks).
pub type Visit<'a> = dyn FnMut(Row, &mut Malformed) -> Result<(), PluginError> + 'a;

/// Reads every record of `table` at `path`, counting malformed ones in `bad`.
pub fn read_table(path: &Path, table: &str, bad: &mut Malformed) -> Result<Vec<Row>, PluginError> {
    let mut rows = Vec::new();
    scan_table(path, table, bad, &mut |r, _| {
        rows.push(r);
        Ok(())
    })?;
    Ok(rows)
}

/// Streams the records of `table` at `path` to `visit`, one at a time (memory stays flat:
/// the caller keeps only the records it needs), counting malformed ones in `bad`.
pub fn scan_table(
    path: &Path,
    table: &str,
    bad: &mut Malformed,
    visit: &mut Visit<'_>,
) -> Result<(), PluginError> {
    let format = format_of(path).ok_or_else(|| {
        PluginError::new(
            "SOURCE_UNREADABLE",
            format!("{}: unknown table format", path.display()),
            "name export tables *.csv or *.jsonl (optionally .gz)",
        )
    })?;
    let reader = open(path)?;
    match format {
        Format::Jsonl => read_jsonl(reader, path, table, bad, visit),
        Format::Csv => read_csv(reader, path, table, bad, visit),
    }
}

/// Flattens a JSON object into `out`, keys prefixed with `prefix.` (`fields` → `fields.Deuda`).
pub fn flatten_into(prefix: &str, v: &Json, out: &mut Record) {
    flatten(prefix, v, out);
}

fn read_jsonl(
    mut reader: Box<dyn BufRead>,
    path: &Path,
    table: &str,
    bad: &mut Malformed,
    visit: &mut Visit<'_>,
) -> Result<(), PluginError> {
    let mut buf = Vec::new();
    let mut n = 0u64;
    loop {
        buf.clear();
        let got = reader
            .read_until(b'\n', &mut buf)
            .map_err(|e| unreadable(path, &e))?;
        if got == 0 {
            break;
        }
        n += 1;
        if buf.iter().all(u8::is_ascii_whitespace) {
            continue;
        }
        match serde_json::from_slice::<Json>(&buf) {
            Ok(Json::Object(m)) => {
                let mut rec = Record::new();
                for (k, v) in &m {
                    flatten(k, v, &mut rec);
                }
                visit(Row { line: n, rec }, bad)?;
            }
            Ok(_) => bad.note(table, n, "not a JSON object"),
            Err(e) => bad.note(table, n, &format!("invalid JSON: {e}")),
        }
    }
    Ok(())
}

fn read_csv(
    reader: Box<dyn Read>,
    path: &Path,
    table: &str,
    bad: &mut Malformed,
    visit: &mut Visit<'_>,
) -> Result<(), PluginError> {
    let mut r = csv::ReaderBuilder::new()
        .flexible(true)
        .has_headers(true)
        .from_reader(reader);
    let headers: Vec<String> = r
        .headers()
        .map_err(|e| unreadable(path, &e))?
        .iter()
        .map(|h| h.trim_start_matches('\u{feff}').trim().to_owned())
        .collect();
    let mut rec = csv::StringRecord::new();
    let mut n = 1u64;
    loop {
        n += 1;
        match r.read_record(&mut rec) {
            Ok(false) => break,
            Ok(true) => {
                if rec.len() != headers.len() {
                    bad.note(
                        table,
                        n,
                        &format!("{} fields, the header has {}", rec.len(), headers.len()),
                    );
                    continue;
                }
                let map = headers
                    .iter()
                    .zip(rec.iter())
                    .filter(|(_, v)| !v.trim().is_empty())
                    .map(|(h, v)| (h.clone(), v.trim().to_owned()))
                    .collect();
                visit(Row { line: n, rec: map }, bad)?;
            }
            Err(e) if e.is_io_error() => return Err(unreadable(path, &e)),
            Err(e) => bad.note(table, n, &format!("invalid CSV: {e}")),
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn csv_and_jsonl_agree() {
        let dir = tempfile::tempdir().unwrap();
        let c = dir.path().join("t.csv");
        std::fs::write(&c, "code,name,fields.Deuda\nA1,Ana,100\nbad,row\nA2,,\n").unwrap();
        let j = dir.path().join("t.jsonl");
        std::fs::write(
            &j,
            "{\"code\":\"A1\",\"name\":\"Ana\",\"fields\":{\"Deuda\":100}}\n[1]\n{\"code\":\"A2\",\"name\":null}\n",
        )
        .unwrap();
        let mut bad = Malformed::default();
        let a = read_table(&c, "contacts", &mut bad).unwrap();
        let b = read_table(&j, "contacts", &mut bad).unwrap();
        assert_eq!(a.len(), 2);
        assert_eq!(
            a.iter().map(|r| &r.rec).collect::<Vec<_>>(),
            b.iter().map(|r| &r.rec).collect::<Vec<_>>()
        );
        assert_eq!(a[0].get("fields.Deuda"), Some("100"));
        assert_eq!(bad.total(), 2);
        assert_eq!(bad.examples[0], "contacts:3: 2 fields, the header has 3");
    }
}
