//! Parameter and source validation: R-MONTH, one company/campaign, required filters and
//! tables, every problem reported at once.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::*;
use serde_json::json;

fn typ_source() -> serde_json::Value {
    json!({"config_dir": "/data", "companies": "c.csv", "campaigns": "k.csv",
        "tickets": "t.jsonl", "typifications": "y.jsonl.gz"})
}

#[test]
fn r_month_allows_10_mar_to_10_apr() {
    let p = json!({"company": "Acme", "campaign": "Mora"});
    // [03-10 00:00, 04-11 00:00) = 10 Mar .. 10 Apr inclusive: allowed.
    let end_ok = T0 + 32 * DAY;
    assert!(
        validate(&request(
            "score.typifications_by_contact",
            typ_source(),
            p.clone(),
            T0,
            end_ok
        ))
        .is_ok()
    );
    // One more day (.. 11 Apr): refused.
    let e = validate(&request(
        "score.typifications_by_contact",
        typ_source(),
        p,
        T0,
        end_ok + DAY,
    ))
    .unwrap_err();
    assert_eq!(e.len(), 1);
    assert_eq!(e[0].field, "period");
    assert!(e[0].message.contains("2026-04-10"), "{}", e[0].message);
}

#[test]
fn every_problem_at_once() {
    let req = request(
        "score.typifications_by_hour",
        json!({"config_dir": "/data", "companies": "c.xlsx", "bogus": "x.csv"}),
        json!({"campaign": ["A", "B"], "time_from": "8h", "nope": 1}),
        T0,
        T0 + 2 * DAY,
    );
    let e = validate(&req).unwrap_err();
    let fields: Vec<&str> = e.iter().map(|p| p.field.as_str()).collect();
    for f in [
        "source.companies",
        "source.bogus",
        "params.campaign",
        "params.time_from",
        "params.nope",
        "params.company",
        "params.time_to",
        "source.campaigns",
        "source.tickets",
        "source.typifications",
        "period",
    ] {
        assert!(fields.contains(&f), "missing {f} in {fields:?}");
    }
}

#[test]
fn hour_window_must_be_ordered() {
    let req = request(
        "score.typifications_by_hour",
        typ_source(),
        json!({"company": "Acme", "campaign": "Mora", "time_from": "18:00", "time_to": "08:00"}),
        T0,
        T0 + DAY,
    );
    let e = validate(&req).unwrap_err();
    assert_eq!(e.len(), 1);
    assert_eq!(e[0].field, "params.time_to");
}

#[test]
fn platform_time_needs_only_events() {
    let src = json!({"agent_events": "/data/events.jsonl"});
    assert!(
        validate(&request(
            "score.platform_time_summary",
            src.clone(),
            json!({}),
            T0,
            T0 + DAY
        ))
        .is_ok()
    );
    let e = validate(&request(
        "score.platform_time_detail",
        src,
        json!({"campaign": "x"}),
        T0,
        T0 + DAY,
    ))
    .unwrap_err();
    assert_eq!(e[0].field, "params.campaign");
}

#[test]
fn catalog_lists_nine_reports() {
    use reportd_plugin_api::Plugin;
    let c = reportd_score::ScorePlugin::new().catalog();
    assert_eq!(c.reports.len(), 9);
    assert_eq!(
        c.report("score.typifications_by_contact")
            .unwrap()
            .columns
            .len(),
        29
    );
    assert_eq!(
        c.report("score.typifications_by_product")
            .unwrap()
            .columns
            .len(),
        31
    );
    assert_eq!(
        c.report("score.platform_time_summary")
            .unwrap()
            .columns
            .len(),
        21
    );
    assert_eq!(
        c.report("score.platform_time_detail")
            .unwrap()
            .columns
            .len(),
        10
    );
}
