//! `telephony.abandoned_calls_detail`: exact rows on the shared nine-call fixture.
#![allow(clippy::unwrap_used, clippy::expect_used)] // test helpers outside #[test] fns

mod common;

use common::*;
use serde_json::json;

const DETAIL: &str = "telephony.abandoned_calls_detail";

fn detail(extra: serde_json::Value, params: serde_json::Value) -> Collect {
    let dir = tempfile::tempdir().unwrap();
    let p = write(dir.path(), "queue_log", &base_fixture());
    run(&day_request(DETAIL, &p, extra, params)).unwrap()
}

#[allow(clippy::too_many_arguments)]
fn row(
    id: &str,
    caller: &str,
    entered: (i64, i64, i64),
    left: (i64, i64, i64),
    wait_s: i64,
    dtmf: &str,
    portfolio: &str,
    pos: i64,
    orig: i64,
    event: &str,
) -> Vec<Cell> {
    vec![
        t(id),
        t("sales"),
        t(caller),
        Cell::DateTime(local(entered.0, entered.1, entered.2)),
        Cell::DateTime(local(left.0, left.1, left.2)),
        Cell::Duration(wait_s * 1000),
        Cell::Duration(20_000),
        // abandoned_after_threshold = wait > 20 s
        Cell::Bool(wait_s > 20),
        t(dtmf),
        t(portfolio),
        Cell::Int(pos),
        Cell::Int(orig),
        t(event),
    ]
}

#[test]
fn columns_in_catalog_order() {
    let out = detail(json!({}), json!({}));
    let ids: Vec<&str> = out.columns.iter().map(|c| c.id.as_str()).collect();
    assert_eq!(
        ids,
        vec![
            "call_id",
            "queue",
            "caller_number",
            "entered_queue_at",
            "abandoned_at",
            "wait_s",
            "sl_threshold_s",
            "abandoned_after_threshold",
            "ivr_dtmf",
            "portfolio",
            "position",
            "orig_position",
            "end_event",
        ]
    );
}

#[test]
fn abandons_only_by_default() {
    // ABANDONs c4 (10 s), c5 (40 s > 20 → after threshold), c8 (2 s); no portfolio param.
    let out = detail(json!({}), json!({}));
    assert_eq!(
        out.rows,
        vec![
            row(
                "c4",
                "5511000004",
                (10, 3, 0),
                (10, 3, 10),
                10,
                "",
                "",
                2,
                2,
                "ABANDON"
            ),
            row(
                "c5",
                "5511000005",
                (10, 4, 0),
                (10, 4, 40),
                40,
                "",
                "",
                1,
                1,
                "ABANDON"
            ),
            row(
                "c8",
                "5511000008",
                (10, 7, 0),
                (10, 7, 2),
                2,
                "",
                "",
                1,
                1,
                "ABANDON"
            ),
        ]
    );
}

#[test]
fn with_timeouts_as_abandoned_and_portfolio() {
    // Adds c6 (EXITWITHTIMEOUT, 300 s, position 1 of 3) and c9 (EXITWITHKEY "1", 15 s,
    // position 2 of 2), in ENTERQUEUE order; the portfolio param fills the column.
    let out = detail(
        json!({ "timeouts_as_abandoned": true }),
        json!({ "portfolio": "acme" }),
    );
    assert_eq!(
        out.rows,
        vec![
            row(
                "c4",
                "5511000004",
                (10, 3, 0),
                (10, 3, 10),
                10,
                "",
                "acme",
                2,
                2,
                "ABANDON"
            ),
            row(
                "c5",
                "5511000005",
                (10, 4, 0),
                (10, 4, 40),
                40,
                "",
                "acme",
                1,
                1,
                "ABANDON"
            ),
            row(
                "c6",
                "5511000006",
                (10, 5, 0),
                (10, 10, 0),
                300,
                "",
                "acme",
                1,
                3,
                "EXITWITHTIMEOUT"
            ),
            row(
                "c8",
                "5511000008",
                (10, 7, 0),
                (10, 7, 2),
                2,
                "",
                "acme",
                1,
                1,
                "ABANDON"
            ),
            row(
                "c9",
                "5511000009",
                (10, 8, 0),
                (10, 8, 15),
                15,
                "1",
                "acme",
                2,
                2,
                "EXITWITHKEY"
            ),
        ]
    );
}

#[test]
fn short_abandons_and_queue_filter() {
    // short_abandon = 5s removes c8; a queue filter without sales removes everything.
    let out = detail(json!({ "short_abandon": "5s" }), json!({}));
    let ids: Vec<Cell> = out.rows.iter().map(|r| r[0].clone()).collect();
    assert_eq!(ids, vec![t("c4"), t("c5")]);
    let out = detail(json!({}), json!({ "queue": ["support"] }));
    assert!(out.rows.is_empty());
    assert_eq!(out.columns.len(), 13);
}

#[test]
fn sorted_by_entry_time_not_exit_time() {
    // a1 enters first but abandons last; a2 enters later and abandons first.
    let lines = vec![
        format!("{}|a1|q|NONE|ENTERQUEUE||1|1", at(9, 0, 0)),
        format!("{}|a2|q|NONE|ENTERQUEUE||2|2", at(9, 0, 10)),
        format!("{}|a2|q|NONE|ABANDON|1|2|5", at(9, 0, 15)),
        format!("{}|a1|q|NONE|ABANDON|1|1|100", at(9, 1, 40)),
    ];
    let dir = tempfile::tempdir().unwrap();
    let p = write(dir.path(), "queue_log", &lines);
    let out = run(&day_request(DETAIL, &p, json!({}), json!({}))).unwrap();
    let ids: Vec<Cell> = out.rows.iter().map(|r| r[0].clone()).collect();
    assert_eq!(ids, vec![t("a1"), t("a2")]);
    // a1: 100 s > 20 s → after threshold; a2: 5 s → not.
    assert_eq!(out.row(0)["abandoned_after_threshold"], Cell::Bool(true));
    assert_eq!(out.row(1)["abandoned_after_threshold"], Cell::Bool(false));
}
