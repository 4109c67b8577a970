//! `validate` applies each report's limits and required filters (REPORTS.md §0.5, §3.7–3.15)
//! before any work starts, reporting every problem at once.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::*;
use reportd_plugin_api::{Plugin, Problem};
use reportd_telephony::TelephonyPlugin;
use serde_json::json;

fn problems(
    report: &str,
    source: serde_json::Value,
    params: serde_json::Value,
    start: i64,
    end: i64,
) -> Vec<Problem> {
    let dir = tempfile::tempdir().unwrap();
    let mut src = json!({ "queue_log": dir.path().join("queue_log").to_str().unwrap() });
    src.as_object_mut()
        .unwrap()
        .extend(source.as_object().cloned().unwrap_or_default());
    let req = request(report, src, params, start, end);
    match TelephonyPlugin::with_now(T0 + DAY).validate(&req) {
        Ok(()) => Vec::new(),
        Err(p) => p,
    }
}

fn fields(p: &[Problem]) -> Vec<&str> {
    p.iter().map(|p| p.field.as_str()).collect()
}

#[test]
fn every_problem_is_reported_at_once() {
    // hourly over 40 days with no queue and an unknown-for-this-report parameter:
    // R-MONTH, the required queue, and `bucket` (a KPI-report parameter) → 3 problems.
    let p = problems(
        "telephony.hourly",
        json!({}),
        json!({"bucket": "hour"}),
        T0,
        T0 + 40 * DAY,
    );
    assert_eq!(fields(&p), ["params.bucket", "period", "params.queue"]);
    assert!(p[1].message.contains("R-MONTH"));
    assert!(!p[2].hint.is_empty());
}

#[test]
fn r_month_allows_the_same_day_next_month() {
    // 2026-11-20 .. 2026-12-20 inclusive (end = Dec 21 00:00) is allowed; one more day is not.
    // Nov 20 + 31 days = Dec 21.
    assert!(
        problems(
            "telephony.inbound_by_queue",
            json!({}),
            json!({}),
            T0,
            T0 + 31 * DAY
        )
        .is_empty()
    );
    let p = problems(
        "telephony.inbound_by_queue",
        json!({}),
        json!({}),
        T0,
        T0 + 32 * DAY,
    );
    assert_eq!(fields(&p), ["period"]);
    assert!(p[0].message.contains("2026-12-20"), "{}", p[0].message);
}

#[test]
fn r_day_and_month_and_year_shapes() {
    assert!(
        problems(
            "telephony.daily_summary",
            json!({}),
            json!({}),
            T0,
            T0 + DAY
        )
        .is_empty()
    );
    let p = problems(
        "telephony.daily_summary",
        json!({}),
        json!({}),
        T0,
        T0 + 2 * DAY,
    );
    assert!(p[0].message.contains("R-DAY"));
    // Not starting at local midnight.
    assert_eq!(
        problems(
            "telephony.daily_summary",
            json!({}),
            json!({}),
            T0 + 3600,
            T0 + DAY + 3600
        )
        .len(),
        1
    );
    // daily: Nov 20 .. Dec 2 spans two months.
    assert_eq!(
        fields(&problems(
            "telephony.daily",
            json!({}),
            json!({}),
            T0,
            T0 + 12 * DAY
        )),
        ["period"]
    );
    // agent_performance: needs metric too.
    let p = problems(
        "telephony.agent_performance",
        json!({}),
        json!({}),
        T0,
        T0 + 12 * DAY,
    );
    assert_eq!(fields(&p), ["period", "params.metric"]);
    let p = problems(
        "telephony.agent_performance",
        json!({}),
        json!({"metric": "Llamadas"}),
        T0,
        T0 + DAY,
    );
    assert_eq!(fields(&p), ["params.metric"]);
    // yearly: Nov 20 2026 .. Feb 2027 crosses the year.
    assert_eq!(
        fields(&problems(
            "telephony.abandoned_by_hour_yearly",
            json!({}),
            json!({}),
            T0,
            T0 + 80 * DAY
        )),
        ["period"]
    );
}

#[test]
fn required_inputs_and_filters() {
    let p = problems("telephony.ivr_survey", json!({}), json!({}), T0, T0 + DAY);
    assert_eq!(fields(&p), ["params.ivr_name"]);
    // calls_list reads the CDR: without a cdr setting it is refused.
    let p = problems("telephony.calls_list", json!({}), json!({}), T0, T0 + DAY);
    assert_eq!(fields(&p), ["source.cdr"]);
    let p = problems(
        "telephony.hourly",
        json!({}),
        json!({"queue": ["a", "b"]}),
        T0,
        T0 + DAY,
    );
    assert_eq!(fields(&p), ["params.queue"]);
    let p = problems(
        "telephony.service_level",
        json!({"cdr_format": "x", "readiness": "wait"}),
        json!({}),
        T0,
        T0 + DAY,
    );
    assert_eq!(fields(&p), ["source.cdr_format", "source.readiness"]);
}
