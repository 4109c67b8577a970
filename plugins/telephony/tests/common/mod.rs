//! Shared test helpers: a collecting [`Sink`], request builders and fixture times.
#![allow(dead_code)]

use std::collections::BTreeMap;
use std::path::Path;

use reportd_plugin_api::{
    Cancelled, Column, Period, Plugin, PluginError, Request, Sink, Value, Warning,
};
use reportd_telephony::TelephonyPlugin;
use serde_json::{Map, Value as Json, json};

/// 2026-11-20T00:00:00 in America/Sao_Paulo (UTC−3, no DST) = 2026-11-20T03:00:00Z.
/// (`date -u -d 2026-11-20T03:00:00Z +%s` → 1795143600.)
pub const T0: i64 = 1_795_143_600;
/// The same instant as a local naive value: 1795143600 − 3 × 3600.
pub const T0_LOCAL: i64 = T0 - 3 * 3600;
pub const DAY: i64 = 86_400;
pub const TZ: &str = "America/Sao_Paulo";

/// Unix time of `h:m:s` local on 2026-11-20 (Sao Paulo).
pub fn at(h: i64, m: i64, s: i64) -> i64 {
    T0 + h * 3600 + m * 60 + s
}

/// Local naive seconds of `h:m:s` on 2026-11-20.
pub fn local(h: i64, m: i64, s: i64) -> i64 {
    T0_LOCAL + h * 3600 + m * 60 + s
}

/// An owned cell, for comparisons.
#[derive(Debug, Clone, PartialEq)]
pub enum Cell {
    Null,
    Int(i64),
    Float(f64),
    Bool(bool),
    Text(String),
    DateTime(i64),
    Duration(i64),
    Other(String),
}

impl From<&Value<'_>> for Cell {
    fn from(v: &Value<'_>) -> Self {
        match *v {
            Value::Null => Cell::Null,
            Value::Int(i) => Cell::Int(i),
            Value::Float(f) => Cell::Float(f),
            Value::Bool(b) => Cell::Bool(b),
            Value::Text(s) => Cell::Text(s.to_owned()),
            Value::DateTime(s) => Cell::DateTime(s),
            Value::Duration(ms) => Cell::Duration(ms),
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
    pub progress: Vec<(u64, u64)>,
    pub cancel: bool,
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

    pub fn col(&self, id: &str) -> usize {
        self.columns.iter().position(|c| c.id == id).unwrap()
    }

    /// The row whose `queue` and `interval_start` match.
    pub fn kpi(&self, queue: &str, interval_start: i64) -> BTreeMap<String, Cell> {
        let q = self.col("queue");
        let i = self.col("interval_start");
        let idx = self
            .rows
            .iter()
            .position(|r| r[q] == t(queue) && r[i] == Cell::DateTime(interval_start))
            .unwrap_or_else(|| panic!("no row {queue} @ {interval_start}: {:?}", self.rows));
        self.row(idx)
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
        assert_eq!(cells.len(), self.columns.len(), "cell count != column count");
        self.rows.push(cells.iter().map(Cell::from).collect());
        Ok(())
    }

    fn warn(&mut self, warning: Warning) {
        self.warnings.push(warning);
    }

    fn meta(&mut self, key: &str, value: &str) {
        self.meta.insert(key.to_owned(), value.to_owned());
    }

    fn progress(&mut self, done: u64, total: u64) {
        self.progress.push((done, total));
    }

    fn cancelled(&self) -> bool {
        self.cancel
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

/// A request over the whole local day 2026-11-20.
pub fn day_request(report: &str, queue_log: &Path, extra: Json, params: Json) -> Request {
    let mut source = obj(json!({ "queue_log": queue_log.to_str().unwrap() }));
    source.extend(obj(extra));
    request(report, Json::Object(source), params, T0, T0 + DAY)
}

pub fn run(req: &Request) -> Result<Collect, PluginError> {
    let plugin = TelephonyPlugin::new();
    plugin.validate(req).unwrap_or_else(|p| panic!("validate: {p:?}"));
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
