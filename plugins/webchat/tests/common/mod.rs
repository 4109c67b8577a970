//! Shared test helpers: a collecting [`Sink`], request builders and file writers.
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used)]

use std::collections::BTreeMap;
use std::path::Path;

use reportd_plugin_api::{
    Cancelled, Column, Period, Plugin, PluginError, Request, Sink, Value, Warning,
};
use reportd_webchat::WebchatPlugin;
use serde_json::{Map, Value as Json};

/// 2022-11-01T00:00:00 in America/Sao_Paulo (UTC−3, no DST since 2019)
/// = 2022-11-01T03:00:00Z (`date -u -d 2022-11-01T03:00:00Z +%s` → 1667271600).
pub const NOV1: i64 = 1_667_271_600;
/// 2022-12-01T00:00:00 Sao Paulo (`date -u -d 2022-12-01T03:00:00Z +%s`).
pub const DEC1: i64 = 1_669_863_600;
pub const DAY: i64 = 86_400;
pub const TZ: &str = "America/Sao_Paulo";

/// Unix ms of local `day`-Nov-2022 `h:m:s`.
pub fn nov(day: i64, h: i64, m: i64, s: i64) -> i64 {
    (NOV1 + (day - 1) * DAY + h * 3600 + m * 60 + s) * 1000
}

/// Local naive seconds of Unix ms in Sao Paulo.
pub fn local(ms: i64) -> i64 {
    ms.div_euclid(1000) - 3 * 3600
}

/// An owned cell, for comparisons.
#[derive(Debug, Clone, PartialEq)]
pub enum Cell {
    Null,
    Int(i64),
    Bool(bool),
    Text(String),
    Date(i32),
    DateTime(i64),
    Duration(i64),
    Decimal(i64, u32),
    Other(String),
}

impl From<&Value<'_>> for Cell {
    fn from(v: &Value<'_>) -> Self {
        match *v {
            Value::Null => Cell::Null,
            Value::Int(i) => Cell::Int(i),
            Value::Bool(b) => Cell::Bool(b),
            Value::Text(s) => Cell::Text(s.to_owned()),
            Value::Date(d) => Cell::Date(d),
            Value::DateTime(s) => Cell::DateTime(s),
            Value::Duration(ms) => Cell::Duration(ms),
            Value::Decimal { mantissa, scale } => Cell::Decimal(mantissa, scale),
            other => Cell::Other(format!("{other:?}")),
        }
    }
}

pub fn t(s: &str) -> Cell {
    Cell::Text(s.to_owned())
}

/// Collects everything a plugin writes.
#[derive(Debug, Default)]
pub struct Collect {
    pub columns: Vec<Column>,
    pub rows: Vec<Vec<Cell>>,
    pub warnings: Vec<Warning>,
    pub meta: BTreeMap<String, String>,
    pub begun: u32,
}

impl Collect {
    /// Row `i` as column id → cell.
    pub fn row(&self, i: usize) -> BTreeMap<String, Cell> {
        self.columns
            .iter()
            .map(|c| c.id.clone())
            .zip(self.rows[i].iter().cloned())
            .collect()
    }

    /// Column `id` of every row.
    pub fn column(&self, id: &str) -> Vec<Cell> {
        let i = self.columns.iter().position(|c| c.id == id).unwrap();
        self.rows.iter().map(|r| r[i].clone()).collect()
    }

    pub fn warning(&self, code: &str) -> Option<&Warning> {
        self.warnings.iter().find(|w| w.code == code)
    }
}

impl Sink for Collect {
    fn begin(&mut self, columns: &[Column]) -> Result<(), Cancelled> {
        self.begun += 1;
        self.columns = columns.to_vec();
        Ok(())
    }

    fn row(&mut self, cells: &[Value<'_>]) -> Result<(), Cancelled> {
        assert_eq!(
            cells.len(),
            self.columns.len(),
            "cell count != column count"
        );
        self.rows.push(cells.iter().map(Cell::from).collect());
        Ok(())
    }

    fn warn(&mut self, warning: Warning) {
        self.warnings.push(warning);
    }

    fn meta(&mut self, key: &str, value: &str) {
        self.meta.insert(key.to_owned(), value.to_owned());
    }

    fn progress(&mut self, _done: u64, _total: u64) {}

    fn cancelled(&self) -> bool {
        false
    }
}

fn obj(v: Json) -> Map<String, Json> {
    match v {
        Json::Object(m) => m,
        Json::Null => Map::new(),
        other => panic!("expected an object, got {other}"),
    }
}

/// A request for `report` over `[start, end)` in Sao Paulo.
pub fn request(report: &str, source: Json, params: Json, start: i64, end: i64) -> Request {
    Request {
        report: report.to_owned(),
        source: obj(source),
        params: obj(params),
        period: Period {
            start_utc: start,
            end_utc: end,
            start_local: String::new(),
            end_local: String::new(),
            timezone: TZ.to_owned(),
        },
        run_id: "test".to_owned(),
    }
}

pub fn run(req: &Request) -> Result<Collect, PluginError> {
    let plugin = WebchatPlugin::new();
    plugin
        .validate(req)
        .unwrap_or_else(|p| panic!("validate: {p:?}"));
    let mut sink = Collect::default();
    plugin.generate(req, &mut sink)?;
    assert_eq!(sink.begun, 1);
    Ok(sink)
}

/// Writes `lines` (joined with `\n`) to `dir/name`.
pub fn write(dir: &Path, name: &str, lines: &[String]) -> std::path::PathBuf {
    let p = dir.join(name);
    let mut text = lines.join("\n");
    text.push('\n');
    std::fs::write(&p, text).unwrap();
    p
}

/// Source settings with the three files in `dir` (relative names, via `config_dir`).
pub fn source(dir: &Path) -> Json {
    serde_json::json!({"config_dir": dir.to_str().unwrap(), "sessions": "sessions.jsonl",
        "messages": "messages.jsonl", "surveys": "surveys.jsonl"})
}

/// Runs `report` over November 2022 with the fixture files in `dir`.
pub fn nov_run(dir: &Path, report: &str, params: Json) -> Collect {
    run(&request(report, source(dir), params, NOV1, DEC1)).unwrap()
}
