//! `validate`: every bad setting or parameter becomes a Problem naming its field; the
//! catalog declares what validate accepts.
#![allow(clippy::unwrap_used, clippy::expect_used)] // test helpers outside #[test] fns

mod common;

use common::*;
use reportd_plugin_api::{ParamKind, Plugin, Problem};
use reportd_telephony::TelephonyPlugin;
use serde_json::json;

const SL: &str = "telephony.service_level";

fn problems(report: &str, source: serde_json::Value, params: serde_json::Value) -> Vec<Problem> {
    TelephonyPlugin::new()
        .validate(&request(report, source, params, T0, T0 + DAY))
        .expect_err("should be invalid")
}

fn fields(p: &[Problem]) -> Vec<&str> {
    let mut v: Vec<&str> = p.iter().map(|p| p.field.as_str()).collect();
    v.sort_unstable();
    v
}

fn tmp_log() -> (tempfile::TempDir, String) {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("queue_log");
    let s = p.to_str().unwrap().to_owned();
    (dir, s)
}

#[test]
fn valid_request_passes_even_without_the_file() {
    // The file itself may appear later (checked at generate); its directory must exist.
    let (_d, log) = tmp_log();
    let source = json!({
        "queue_log": log,
        "sl_threshold": "30s",
        "sl_thresholds": { "sales": "1m 30s" },
        "sl_variant": "abandons_positive",
        "short_abandon": "5s",
        "timeouts_as_abandoned": true,
        "config_dir": "/etc/reportd",
    });
    let params = json!({
        "queue": ["sales"], "bucket": "hour", "portfolio": "acme",
        "channel": "voice", "event_type": "x", "user": "ana",
    });
    for report in [
        "telephony.service_level",
        "telephony.abandonment_rate",
        "telephony.abandoned_calls_detail",
    ] {
        let req = request(report, source.clone(), params.clone(), T0, T0 + DAY);
        assert_eq!(TelephonyPlugin::new().validate(&req), Ok(()), "{report}");
    }
}

#[test]
fn every_problem_is_reported_at_once() {
    let (_d, log) = tmp_log();
    let source = json!({
        "queue_log": log,
        "sl_threshold": "20 parsecs",
        "sl_thresholds": { "sales": "soon", "support": 30 },
        "sl_variant": "generous",
        "short_abandon": 5,
        "timeouts_as_abandoned": "yes",
        "queue_logs": "/tmp/typo",
    });
    let params = json!({ "queue": "", "bucket": "week", "agent": "x", "portfolio": 3 });
    let p = problems(SL, source, params);
    assert_eq!(
        fields(&p),
        vec![
            "params.agent",
            "params.bucket",
            "params.portfolio",
            "params.queue",
            "source.queue_logs",
            "source.short_abandon",
            "source.sl_threshold",
            "source.sl_thresholds.sales",
            "source.sl_thresholds.support",
            "source.sl_variant",
            "source.timeouts_as_abandoned",
        ]
    );
    let variant = p.iter().find(|p| p.field == "source.sl_variant").unwrap();
    assert!(variant.message.contains("generous"));
    assert!(variant.hint.contains("abandons_ignored"));
    let unknown = p.iter().find(|p| p.field == "source.queue_logs").unwrap();
    assert!(unknown.hint.contains("queue_log"));
    let dur = p.iter().find(|p| p.field == "source.sl_threshold").unwrap();
    assert!(dur.message.contains("20 parsecs"), "{}", dur.message);
}

#[test]
fn missing_queue_log_and_missing_directory() {
    let p = problems(SL, json!({}), json!({}));
    assert_eq!(fields(&p), vec!["source.queue_log"]);
    assert!(p[0].message.contains("missing"));

    let p = problems(
        SL,
        json!({ "queue_log": "/nonexistent-dir-reportd/queue_log" }),
        json!({}),
    );
    assert_eq!(fields(&p), vec!["source.queue_log"]);
    assert!(
        p[0].message.contains("/nonexistent-dir-reportd"),
        "{}",
        p[0].message
    );

    // Relative to config_dir: data/ does not exist under the temp dir.
    let dir = tempfile::tempdir().unwrap();
    let source =
        json!({ "queue_log": "data/queue_log", "config_dir": dir.path().to_str().unwrap() });
    assert_eq!(
        fields(&problems(SL, source, json!({}))),
        vec!["source.queue_log"]
    );
}

#[test]
fn unknown_report_bad_zone_and_empty_period() {
    let (_d, log) = tmp_log();
    let p = problems("telephony.nope", json!({ "queue_log": log }), json!({}));
    assert_eq!(fields(&p), vec!["report"]);

    let mut req = request(SL, json!({ "queue_log": log }), json!({}), T0, T0);
    req.period.timezone = "Mars/Olympus".into();
    let p = TelephonyPlugin::new().validate(&req).unwrap_err();
    assert_eq!(fields(&p), vec!["period", "period.timezone"]);
}

#[test]
fn generate_refuses_an_invalid_request() {
    let (_d, log) = tmp_log();
    let req = request(
        SL,
        json!({ "queue_log": log, "sl_variant": "x" }),
        json!({}),
        T0,
        T0 + DAY,
    );
    let mut sink = Collect::default();
    let err = TelephonyPlugin::new()
        .generate(&req, &mut sink)
        .unwrap_err();
    assert_eq!(err.code, "INVALID_REQUEST");
    assert!(err.message.contains("source.sl_variant"));
    assert_eq!(sink.begun, 0);
}

#[test]
fn catalog_declares_settings_params_and_titles() {
    let cat = TelephonyPlugin::new().catalog();
    assert_eq!(cat.plugin, "telephony");
    let settings: Vec<&str> = cat
        .source_settings
        .iter()
        .map(|s| s.name.as_str())
        .collect();
    assert_eq!(
        settings,
        vec![
            "queue_log",
            "sl_threshold",
            "sl_thresholds",
            "sl_variant",
            "short_abandon",
            "timeouts_as_abandoned",
            "cdr",
            "cdr_format",
            "inbound_contexts",
            "nps_question",
            "readiness",
            "database",
            "database_password_file",
            "database_password_env",
            "database_password_credential",
            "database_connect_timeout",
            "database_timezone",
            "queue_log_table",
            "cdr_table",
        ]
    );
    // queue_log is required by every report but calls_list, checked per report.
    assert!(!cat.source_settings[0].required);
    let ids: Vec<&str> = cat.reports.iter().map(|r| r.id.as_str()).collect();
    // REPORTS.md §9: the 15 telephony ids, in §3 order.
    assert_eq!(
        ids,
        vec![
            "telephony.service_level",
            "telephony.abandonment_rate",
            "telephony.avg_time_to_abandon",
            "telephony.avg_queue_wait",
            "telephony.avg_talk_time",
            "telephony.abandoned_calls_detail",
            "telephony.inbound_by_queue",
            "telephony.inbound_calls_detail",
            "telephony.daily_summary",
            "telephony.hourly",
            "telephony.daily",
            "telephony.abandoned_by_hour_yearly",
            "telephony.agent_performance",
            "telephony.calls_list",
            "telephony.ivr_survey",
        ]
    );
    let sl = cat.report("telephony.service_level").unwrap();
    assert_eq!(sl.title.get("pt-BR"), "Nível de Serviço (SL)");
    assert_eq!(
        cat.report("telephony.abandonment_rate")
            .unwrap()
            .title
            .get("pt-BR"),
        "Taxa de Abandono"
    );
    let params: Vec<&str> = sl.params.iter().map(|p| p.name.as_str()).collect();
    assert_eq!(
        params,
        vec![
            "queue",
            "bucket",
            "portfolio",
            "channel",
            "event_type",
            "user"
        ]
    );
    assert!(sl.params.iter().all(|p| !p.required));
    assert!(matches!(sl.params[1].kind, ParamKind::Enum { .. }));
    let cols: Vec<&str> = sl.columns.iter().map(|c| c.id.as_str()).collect();
    assert_eq!(
        cols,
        vec![
            "queue",
            "interval_start",
            "offered",
            "answered",
            "abandoned",
            "unanswered_other",
            "sl_calls",
            "sl_threshold_s",
            "pct_sl",
        ]
    );
    // Every title is filled in all three languages.
    for r in &cat.reports {
        for c in &r.columns {
            assert!(!c.title.en.is_empty() && !c.title.pt_br.is_empty() && !c.title.es.is_empty());
        }
    }
}

#[test]
fn catalog_crosses_the_c_abi() {
    // The exported table works from the rlib too: describe returns the catalog JSON.
    let table = unsafe { &*reportd_telephony::reportd_plugin_v1() };
    assert_eq!(table.abi_version, reportd_plugin_api::ABI_VERSION);
    let buf = (table.describe)();
    let bytes = unsafe { std::slice::from_raw_parts(buf.ptr, buf.len) }.to_vec();
    (table.free_buf)(buf);
    let cat: reportd_plugin_api::Catalog = serde_json::from_slice(&bytes).unwrap();
    assert_eq!(cat.reports.len(), 15);
}
