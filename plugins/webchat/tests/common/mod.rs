//! Shared test helpers (the collecting sink is `reportd_plugin_api::testing`'s): request builders and file writers.
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used)]

use std::path::Path;

#[allow(unused_imports)]
pub use reportd_plugin_api::testing::{Cell, Collect, t};
use reportd_plugin_api::{Period, Plugin, PluginError, Request};
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

pub mod fixtures;
pub mod tables;

#[allow(unused_imports)]
pub use fixtures::*;
