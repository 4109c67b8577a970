//! Shared test helpers: the cell type for the api's collecting sink, request builders and fixture times.
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used)]

use std::collections::BTreeMap;
use std::path::Path;

use reportd_plugin_api::{Period, Plugin, PluginError, Request, Value};
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

/// An owned cell, for comparisons. Unlike the api's `testing::Cell`, dates and times stay
/// [`Cell::Other`] (their `Debug` text), which is what these tests compare against.
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

/// The api's collecting sink over this file's [`Cell`].
pub type Collect = reportd_plugin_api::testing::CollectOf<Cell>;

/// Telephony-only lookups on a [`Collect`].
pub trait KpiRows {
    /// The row whose `queue` and `interval_start` match.
    fn kpi(&self, queue: &str, interval_start: i64) -> BTreeMap<String, Cell>;
}

impl KpiRows for Collect {
    fn kpi(&self, queue: &str, interval_start: i64) -> BTreeMap<String, Cell> {
        let q = self.col("queue");
        let i = self.col("interval_start");
        let idx = self
            .rows
            .iter()
            .position(|r| r[q] == t(queue) && r[i] == Cell::DateTime(interval_start))
            .unwrap_or_else(|| panic!("no row {queue} @ {interval_start}: {:?}", self.rows));
        self.row(idx)
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
        wait_for_data: false,
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

/// Sorts `(time, "callid|queue|agent|event|data...")` by time (stable) into lines.
pub fn ql(events: &[(i64, &str)]) -> Vec<String> {
    let mut v: Vec<(i64, &str)> = events.to_vec();
    v.sort_by_key(|e| e.0);
    v.into_iter()
        .map(|(t, rest)| format!("{t}|{rest}"))
        .collect()
}

/// Nine calls into `sales` on 2026-11-20 between 10:00 and 10:08 local, T = 20 s:
///
/// | call | outcome | wait | class (T=20) |
/// |---|---|---|---|
/// | c1 | CONNECT | 5 | A≤T |
/// | c2 | CONNECT | 20 | A≤T (≤ is inclusive) |
/// | c3 | RINGNOANSWER then CONNECT | 21 | A>T |
/// | c4 | ABANDON | 10 | Ab≤T |
/// | c5 | ABANDON | 40 | Ab>T |
/// | c6 | EXITWITHTIMEOUT | 300 | other (or Ab>T) |
/// | c7 | CONNECT | 3 | A≤T |
/// | c8 | ABANDON | 2 | Ab≤T (short abandon when short_abandon = 5s) |
/// | c9 | EXITWITHKEY key 1 | 15 | other (or Ab≤T) |
///
/// So O = 9, A = 4, A≤T = 3, Ab = 3, Ab≤T = 2, other = 2.
pub fn base_fixture() -> Vec<String> {
    ql(&[
        (at(9, 0, 0), "MANAGER|sales|SIP/1001|ADDMEMBER|"),
        (at(9, 30, 0), "NONE|sales|SIP/1001|PAUSE|Lunch"),
        (at(9, 45, 0), "NONE|sales|SIP/1001|UNPAUSE|Lunch"),
        (at(10, 0, 0), "c1|sales|NONE|ENTERQUEUE||5511000001|1"),
        (at(10, 0, 5), "c1|sales|SIP/1001|CONNECT|5|m1|2"),
        (at(10, 2, 0), "c1|sales|SIP/1001|COMPLETECALLER|5|115|1"),
        (at(10, 1, 0), "c2|sales|NONE|ENTERQUEUE||5511000002|1"),
        (at(10, 1, 20), "c2|sales|SIP/1001|CONNECT|20|m2|3"),
        (at(10, 2, 0), "c3|sales|NONE|ENTERQUEUE||5511000003|1"),
        (at(10, 2, 15), "c3|sales|SIP/1002|RINGNOANSWER|15000"),
        (at(10, 2, 21), "c3|sales|SIP/1001|CONNECT|21|m3|6"),
        (at(10, 5, 0), "c3|sales|SIP/1001|COMPLETEAGENT|21|159|1"),
        (at(10, 3, 0), "c4|sales|NONE|ENTERQUEUE||5511000004|2"),
        (at(10, 3, 10), "c4|sales|NONE|ABANDON|2|2|10"),
        (at(10, 4, 0), "c5|sales|NONE|ENTERQUEUE||5511000005|1"),
        (at(10, 4, 40), "c5|sales|NONE|ABANDON|1|1|40"),
        (at(10, 5, 0), "c6|sales|NONE|ENTERQUEUE||5511000006|3"),
        (at(10, 10, 0), "c6|sales|NONE|EXITWITHTIMEOUT|1|3|300"),
        (at(10, 6, 0), "c7|sales|NONE|ENTERQUEUE||5511000007|1"),
        (at(10, 6, 3), "c7|sales|SIP/1001|CONNECT|3|m7|3"),
        (at(10, 7, 0), "c8|sales|NONE|ENTERQUEUE||5511000008|1"),
        (at(10, 7, 2), "c8|sales|NONE|ABANDON|1|1|2"),
        (at(10, 8, 0), "c9|sales|NONE|ENTERQUEUE||5511000009|2"),
        (at(10, 8, 15), "c9|sales|NONE|EXITWITHKEY|1|2|2|15"),
    ])
}
