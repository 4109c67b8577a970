//! Shared test helpers: the cell type for the api's collecting sink, request builders, file writers.
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used)]

use std::path::Path;

use reportd_plugin_api::{Period, Plugin, PluginError, Problem, Request, Value};
use reportd_score::ScorePlugin;
use serde_json::{Map, Value as Json};

pub mod score_data;

/// 2026-03-10T00:00:00 in America/Lima (UTC−5, no DST) = 2026-03-10T05:00:00Z
/// (`date -u -d 2026-03-10T05:00:00Z +%s` → 1773118800).
pub const T0: i64 = 1_773_118_800;
/// Day number of 2026-03-10: (1773118800 − 5·3600) / 86400 = 20522.
pub const DAY0: i32 = 20_522;
pub const DAY: i64 = 86_400;
pub const TZ: &str = "America/Lima";

/// Unix time of local `h:m` on 2026-03-(10 + `day`).
pub fn at(day: i64, h: i64, m: i64) -> i64 {
    T0 + day * DAY + h * 3600 + m * 60
}

/// Local naive seconds of a Unix time in Lima.
pub fn local(utc: i64) -> i64 {
    utc - 5 * 3600
}

/// `YYYY-MM-DD HH:MM:SS` local text of `at(day, h, m)`.
pub fn ts(day: i64, h: i64, m: i64) -> String {
    let d = chrono::DateTime::from_timestamp(local(at(day, h, m)), 0).unwrap();
    d.format("%Y-%m-%d %H:%M:%S").to_string()
}

/// An owned cell, for comparisons. Unlike the api's `testing::Cell`, a duration is whole
/// seconds and a decimal is `Dec`.
#[derive(Debug, Clone, PartialEq)]
pub enum Cell {
    Null,
    Int(i64),
    Text(String),
    Date(i32),
    DateTime(i64),
    Time(u32),
    /// Whole seconds of a duration (the plugin sends milliseconds).
    Secs(i64),
    Dec(i64, u32),
    Other(String),
}

impl From<&Value<'_>> for Cell {
    fn from(v: &Value<'_>) -> Self {
        match *v {
            Value::Null => Cell::Null,
            Value::Int(i) => Cell::Int(i),
            Value::Text(s) => Cell::Text(s.to_owned()),
            Value::Date(d) => Cell::Date(d),
            Value::DateTime(s) => Cell::DateTime(s),
            Value::Time(s) => Cell::Time(s),
            Value::Duration(ms) => {
                assert_eq!(ms % 1000, 0, "durations are whole seconds");
                Cell::Secs(ms / 1000)
            }
            Value::Decimal { mantissa, scale } => Cell::Dec(mantissa, scale),
            other => Cell::Other(format!("{other:?}")),
        }
    }
}

pub fn t(s: &str) -> Cell {
    Cell::Text(s.to_owned())
}

/// The api's collecting sink over this file's [`Cell`].
pub type Collect = reportd_plugin_api::testing::CollectOf<Cell>;

fn obj(v: Json) -> Map<String, Json> {
    match v {
        Json::Object(m) => m,
        Json::Null => Map::new(),
        other => panic!("expected an object, got {other}"),
    }
}

/// A request for `report` over `[start, end)` in Lima.
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

pub fn validate(req: &Request) -> Result<(), Vec<Problem>> {
    ScorePlugin::new().validate(req)
}

pub fn run(req: &Request) -> Result<Collect, PluginError> {
    let plugin = ScorePlugin::new();
    plugin
        .validate(req)
        .unwrap_or_else(|p| panic!("validate: {p:?}"));
    let mut sink = Collect::default();
    plugin.generate(req, &mut sink)?;
    assert_eq!(sink.begun, 1);
    Ok(sink)
}

/// Writes `lines` (joined with `\n`) to `dir/name`.
pub fn write(dir: &Path, name: &str, lines: &[&str]) {
    let mut text = lines.join("\n");
    text.push('\n');
    std::fs::write(dir.join(name), text).unwrap();
}
