//! Golden tests of `telephony.service_level` and `telephony.abandonment_rate` on
//! hand-built queue_log fixtures. Expected values are computed by hand in the comments.
#![allow(clippy::unwrap_used, clippy::expect_used)] // test helpers outside #[test] fns

mod common;

use std::io::Write;

use common::*;
use serde_json::json;

const SL: &str = "telephony.service_level";
const AR: &str = "telephony.abandonment_rate";

fn base_run(report: &str, extra: serde_json::Value) -> Collect {
    let dir = tempfile::tempdir().unwrap();
    let p = write(dir.path(), "queue_log", &base_fixture());
    run(&day_request(report, &p, extra, json!({}))).unwrap()
}

fn ints(row: &std::collections::BTreeMap<String, Cell>, ids: &[&str]) -> Vec<i64> {
    ids.iter()
        .map(|id| match &row[*id] {
            Cell::Int(i) => *i,
            other => panic!("{id} is {other:?}"),
        })
        .collect()
}

const COUNTS: [&str; 5] = [
    "offered",
    "answered",
    "abandoned",
    "unanswered_other",
    "sl_calls",
];

#[test]
fn service_level_every_variant() {
    // (variant, expected pct_sl):
    //   offered           A≤T / O           = 3/9        = 33.33
    //   answered          A≤T / A           = 3/4        = 75.00
    //   abandons_ignored  A≤T / (O − Ab≤T)  = 3/(9−2)    = 42.857… → 42.86
    //   abandons_positive (A≤T+Ab≤T)/(A+Ab) = (3+2)/(4+3) = 71.428… → 71.43
    let cases = [
        ("offered", 33.33),
        ("answered", 75.0),
        ("abandons_ignored", 42.86),
        ("abandons_positive", 71.43),
    ];
    for (variant, pct) in cases {
        let out = base_run(SL, json!({ "sl_variant": variant }));
        // One sales row and the "*" row, both at the period start (00:00 local).
        assert_eq!(out.rows.len(), 2, "{variant}");
        for queue in ["sales", "*"] {
            let row = out.kpi(queue, T0_LOCAL);
            assert_eq!(
                ints(&row, &COUNTS),
                vec![9, 4, 3, 2, 3],
                "{variant} {queue}"
            );
            assert_eq!(row["sl_threshold_s"], Cell::Duration(20_000));
            assert_eq!(row["pct_sl"], Cell::Float(pct), "{variant} {queue}");
        }
        assert_eq!(out.rows[1][0], t("*"), "the all-queues row comes last");
        assert!(out.meta["sl_definition"].contains("20 s"), "{:?}", out.meta);
    }
}

#[test]
fn default_variant_is_offered_and_meta_is_complete() {
    let out = base_run(SL, json!({}));
    assert_eq!(out.kpi("sales", T0_LOCAL)["pct_sl"], Cell::Float(33.33));
    for key in [
        "sl_definition",
        "sl_threshold_s",
        "abandon_definition",
        "interval_assignment",
        "source_files",
        "lines_read",
        "malformed_lines",
    ] {
        assert!(
            out.meta.contains_key(key),
            "missing meta {key}: {:?}",
            out.meta
        );
    }
    assert!(out.meta["sl_definition"].contains("/ offered"));
    assert!(out.meta["sl_definition"].contains("abandoned calls count against"));
    assert_eq!(out.meta["sl_threshold_s"], "20");
    assert_eq!(
        out.meta["interval_assignment"].split(';').next().unwrap(),
        "calls count in the interval of their ENTERQUEUE time"
    );
    // 24 fixture lines, none malformed.
    assert_eq!(out.meta["lines_read"], "24");
    assert_eq!(out.meta["malformed_lines"], "0");
    assert!(out.meta["source_files"].ends_with("queue_log"));
    // The fixtures end before the period does: only the readiness warning.
    let codes: Vec<&str> = out.warnings.iter().map(|w| w.code.as_str()).collect();
    assert_eq!(codes, ["PERIOD_NOT_CLOSED"]);
}

#[test]
fn abandonment_rate_default() {
    // pct_abandon = Ab / O = 3/9 = 33.33; timeouts and key exits are unanswered_other (2).
    let out = base_run(AR, json!({}));
    let row = out.kpi("sales", T0_LOCAL);
    assert_eq!(
        ints(
            &row,
            &["offered", "answered", "abandoned", "unanswered_other"]
        ),
        vec![9, 4, 3, 2]
    );
    assert_eq!(row["pct_abandon"], Cell::Float(33.33));
    assert_eq!(out.kpi("*", T0_LOCAL)["pct_abandon"], Cell::Float(33.33));
    assert_eq!(out.columns.last().unwrap().id, "pct_abandon");
}

#[test]
fn timeouts_as_abandoned_true() {
    // c6 (EXITWITHTIMEOUT, 300 s > T) and c9 (EXITWITHKEY, 15 s ≤ T) become abandons:
    // O = 9, Ab = 3 + 2 = 5, Ab≤T = 2 + 1 = 3, other = 0.
    // pct_abandon = 5/9 = 55.56; SL offered = 3/9 = 33.33;
    // abandons_positive = (3+3)/(4+5) = 66.67; abandons_ignored = 3/(9−3) = 50.
    let on = json!({ "timeouts_as_abandoned": true });
    let out = base_run(AR, on.clone());
    let row = out.kpi("sales", T0_LOCAL);
    assert_eq!(
        ints(
            &row,
            &["offered", "answered", "abandoned", "unanswered_other"]
        ),
        vec![9, 4, 5, 0]
    );
    assert_eq!(row["pct_abandon"], Cell::Float(55.56));
    assert!(out.meta["abandon_definition"].contains("EXITWITHTIMEOUT"));

    for (variant, pct) in [
        ("offered", 33.33),
        ("abandons_positive", 66.67),
        ("abandons_ignored", 50.0),
    ] {
        let out = base_run(
            SL,
            json!({ "timeouts_as_abandoned": true, "sl_variant": variant }),
        );
        assert_eq!(
            out.kpi("sales", T0_LOCAL)["pct_sl"],
            Cell::Float(pct),
            "{variant}"
        );
    }
}

#[test]
fn timeouts_as_abandoned_false_explicit() {
    // Same as the default: exits are offered but unanswered_other.
    let out = base_run(AR, json!({ "timeouts_as_abandoned": false }));
    let row = out.kpi("sales", T0_LOCAL);
    assert_eq!(ints(&row, &["abandoned", "unanswered_other"]), vec![3, 2]);
}

#[test]
fn short_abandons_are_excluded_everywhere() {
    // short_abandon = 5s drops c8 (ABANDON after 2 s): O = 8, Ab = 2 (c4, c5), Ab≤T = 1 (c4).
    // pct_abandon = 2/8 = 25; SL offered = 3/8 = 37.5;
    // abandons_ignored = 3/(8−1) = 42.857… → 42.86; abandons_positive = (3+1)/(4+2) = 66.67.
    let out = base_run(AR, json!({ "short_abandon": "5s" }));
    let row = out.kpi("sales", T0_LOCAL);
    assert_eq!(
        ints(
            &row,
            &["offered", "answered", "abandoned", "unanswered_other"]
        ),
        vec![8, 4, 2, 2]
    );
    assert_eq!(row["pct_abandon"], Cell::Float(25.0));
    assert!(out.meta["abandon_definition"].contains("wait < 5 s"));
    for (variant, pct) in [
        ("offered", 37.5),
        ("abandons_ignored", 42.86),
        ("abandons_positive", 66.67),
    ] {
        let out = base_run(SL, json!({ "short_abandon": "5s", "sl_variant": variant }));
        assert_eq!(
            out.kpi("sales", T0_LOCAL)["pct_sl"],
            Cell::Float(pct),
            "{variant}"
        );
    }
    // A wait equal to the limit is not short: short_abandon = 2s keeps c8 (2 s is not < 2 s).
    let out = base_run(AR, json!({ "short_abandon": "2s" }));
    assert_eq!(
        ints(&out.kpi("sales", T0_LOCAL), &["offered", "abandoned"]),
        vec![9, 3]
    );
}

#[test]
fn other_threshold_changes_sl_calls() {
    // T = 10 s: answered within 10 s are c1 (5) and c7 (3) → A≤T = 2; 2/9 = 22.22.
    let out = base_run(SL, json!({ "sl_threshold": "10s" }));
    let row = out.kpi("sales", T0_LOCAL);
    assert_eq!(ints(&row, &["sl_calls"]), vec![2]);
    assert_eq!(row["sl_threshold_s"], Cell::Duration(10_000));
    assert_eq!(row["pct_sl"], Cell::Float(22.22));
}

#[test]
fn hour_buckets_use_enterqueue_time() {
    // e1 enters 10:59:50 and is answered 11:00:10 (holdtime 20) → counts in 10:00.
    // e2 enters 11:00:00 and abandons after 30 s → 11:00.
    // e3 enters 11:30:00 and is answered after 25 s (> T) → 11:00.
    // 10:00: O=1 A=1 A≤T=1 → 100 %. 11:00: O=2 A=1 Ab=1 A≤T=0 → 0 %. No "*" row.
    let lines = ql(&[
        (at(10, 59, 50), "e1|sales|NONE|ENTERQUEUE||1|1"),
        (at(11, 0, 10), "e1|sales|SIP/1|CONNECT|20|m|1"),
        (at(11, 0, 0), "e2|sales|NONE|ENTERQUEUE||2|1"),
        (at(11, 0, 30), "e2|sales|NONE|ABANDON|1|1|30"),
        (at(11, 30, 0), "e3|sales|NONE|ENTERQUEUE||3|1"),
        (at(11, 30, 25), "e3|sales|SIP/1|CONNECT|25|m|1"),
    ]);
    let dir = tempfile::tempdir().unwrap();
    let p = write(dir.path(), "queue_log", &lines);
    let out = run(&day_request(SL, &p, json!({}), json!({ "bucket": "hour" }))).unwrap();
    assert_eq!(out.rows.len(), 2, "{:?}", out.rows);
    let ten = out.kpi("sales", local(10, 0, 0));
    assert_eq!(ints(&ten, &COUNTS), vec![1, 1, 0, 0, 1]);
    assert_eq!(ten["pct_sl"], Cell::Float(100.0));
    let eleven = out.kpi("sales", local(11, 0, 0));
    assert_eq!(ints(&eleven, &COUNTS), vec![2, 1, 1, 0, 0]);
    assert_eq!(eleven["pct_sl"], Cell::Float(0.0));
    // Sorted by bucket: 10:00 first.
    assert_eq!(out.rows[0][1], Cell::DateTime(local(10, 0, 0)));
    assert_eq!(out.meta["bucket"], "hour");
}

#[test]
fn day_buckets_and_sort_order() {
    // A two-day period; rows sorted by bucket then queue.
    // Day 1: support x1 (answered 5 s), sales x1 (abandon). Day 2: sales x1 (answered 30 s).
    let lines = ql(&[
        (at(9, 0, 0), "d1|support|NONE|ENTERQUEUE||1|1"),
        (at(9, 0, 5), "d1|support|SIP/1|CONNECT|5|m|1"),
        (at(9, 10, 0), "d2|sales|NONE|ENTERQUEUE||2|1"),
        (at(9, 10, 9), "d2|sales|NONE|ABANDON|1|1|9"),
        (at(24 + 8, 0, 0), "d3|sales|NONE|ENTERQUEUE||3|1"),
        (at(24 + 8, 0, 30), "d3|sales|SIP/1|CONNECT|30|m|1"),
    ]);
    let dir = tempfile::tempdir().unwrap();
    let p = write(dir.path(), "queue_log", &lines);
    let mut req = day_request(SL, &p, json!({}), json!({ "bucket": "day" }));
    req.period.end_utc = T0 + 2 * DAY;
    let out = run(&req).unwrap();
    let order: Vec<(Cell, Cell)> = out
        .rows
        .iter()
        .map(|r| (r[0].clone(), r[1].clone()))
        .collect();
    assert_eq!(
        order,
        vec![
            (t("sales"), Cell::DateTime(T0_LOCAL)),
            (t("support"), Cell::DateTime(T0_LOCAL)),
            (t("sales"), Cell::DateTime(T0_LOCAL + DAY)),
        ]
    );
    // Day 1 sales: O=1 Ab=1 → pct_sl 0; support: O=1 A≤T=1 → 100; day 2 sales: 30 s > T → 0.
    assert_eq!(out.kpi("support", T0_LOCAL)["pct_sl"], Cell::Float(100.0));
    assert_eq!(out.kpi("sales", T0_LOCAL + DAY)["pct_sl"], Cell::Float(0.0));
}

#[test]
fn period_edges_in_sao_paulo() {
    // Period = 2026-11-20 00:00 → 2026-11-21 00:00 local = [T0, T0+86400) UTC.
    // in1: enters 23:59:55 local, answered 00:00:05 the next day (holdtime 10) → counted.
    // out1: entered 2026-11-19 23:59:50 local (T0 − 10), answered after the start → not counted.
    // out2: enters 2026-11-21 00:00:05 local → not counted.
    // out3: enters 2026-11-20 01:00 UTC = 2026-11-19 22:00 local → not counted (UTC day, not local).
    // in2: enters 2026-11-21 01:00 UTC = 2026-11-20 22:00 local, abandons → counted.
    // Expected: O = 2, A = 1 (≤T), Ab = 1 → SL offered 1/2 = 50.
    let utc_0100_20 = T0 - 2 * 3600; // 01:00Z on the 20th = T0 (03:00Z) − 2 h
    let utc_0100_21 = T0 + DAY - 2 * 3600;
    let lines = ql(&[
        (utc_0100_20, "out3|sales|NONE|ENTERQUEUE||3|1"),
        (utc_0100_20 + 5, "out3|sales|SIP/1|CONNECT|5|m|1"),
        (T0 - 10, "out1|sales|NONE|ENTERQUEUE||1|1"),
        (T0 + 5, "out1|sales|SIP/1|CONNECT|15|m|1"),
        (utc_0100_21, "in2|sales|NONE|ENTERQUEUE||4|1"),
        (utc_0100_21 + 50, "in2|sales|NONE|ABANDON|1|1|50"),
        (T0 + DAY - 5, "in1|sales|NONE|ENTERQUEUE||2|1"),
        (T0 + DAY + 5, "in1|sales|SIP/1|CONNECT|10|m|1"),
        (T0 + DAY + 5, "out2|sales|NONE|ENTERQUEUE||5|1"),
        (T0 + DAY + 9, "out2|sales|SIP/1|CONNECT|4|m|1"),
    ]);
    let dir = tempfile::tempdir().unwrap();
    let p = write(dir.path(), "queue_log", &lines);
    let out = run(&day_request(SL, &p, json!({}), json!({}))).unwrap();
    let row = out.kpi("sales", T0_LOCAL);
    assert_eq!(ints(&row, &COUNTS), vec![2, 1, 1, 0, 1]);
    assert_eq!(row["pct_sl"], Cell::Float(50.0));
    // The input runs past the period end, so the period is closed: no warning.
    assert!(out.warnings.is_empty(), "{:?}", out.warnings);
    assert_eq!(out.meta["period_closed"], "true");
}

#[test]
fn overflow_and_ringnoanswer() {
    // x enters sales 10:00:00, times out at 10:05:00 (300 s), overflows into support and is
    // answered there after 10 s. y enters support 10:10:00, two RINGNOANSWER (ms), answered
    // after 35 s.
    // sales:   O=1 A=0 Ab=0 other=1 A≤T=0 → 0 %
    // support: O=2 A=2 A≤T=1 (x: 10 s) → 1/2 = 50 %
    // *:       O=3 A=2 other=1 A≤T=1 → 1/3 = 33.33 %
    let lines = ql(&[
        (at(10, 0, 0), "x|sales|NONE|ENTERQUEUE||5511|1"),
        (at(10, 0, 15), "x|sales|SIP/1|RINGNOANSWER|15000"),
        (at(10, 5, 0), "x|sales|NONE|EXITWITHTIMEOUT|1|1|300"),
        (at(10, 5, 0), "x|support|NONE|ENTERQUEUE||5511|1"),
        (at(10, 5, 10), "x|support|SIP/2|CONNECT|10|m|2"),
        (at(10, 9, 0), "x|support|SIP/2|COMPLETEAGENT|10|230|1"),
        (at(10, 10, 0), "y|support|NONE|ENTERQUEUE||5512|1"),
        (at(10, 10, 15), "y|support|SIP/2|RINGNOANSWER|15000"),
        (at(10, 10, 30), "y|support|SIP/3|RINGNOANSWER|14987"),
        (at(10, 10, 35), "y|support|SIP/2|CONNECT|35|m|5"),
    ]);
    let dir = tempfile::tempdir().unwrap();
    let p = write(dir.path(), "queue_log", &lines);
    let out = run(&day_request(SL, &p, json!({}), json!({}))).unwrap();
    assert_eq!(out.rows.len(), 3);
    assert_eq!(
        ints(&out.kpi("sales", T0_LOCAL), &COUNTS),
        vec![1, 0, 0, 1, 0]
    );
    let support = out.kpi("support", T0_LOCAL);
    assert_eq!(ints(&support, &COUNTS), vec![2, 2, 0, 0, 1]);
    assert_eq!(support["pct_sl"], Cell::Float(50.0));
    let all = out.kpi("*", T0_LOCAL);
    assert_eq!(ints(&all, &COUNTS), vec![3, 2, 0, 1, 1]);
    assert_eq!(all["pct_sl"], Cell::Float(33.33));
}

#[test]
fn per_queue_thresholds_and_queue_filter() {
    // sales T = 20 s (default), support T = 60 s (override).
    // s1 sales answered 30 s → A>T; p1 support answered 30 s → A≤T; b1 billing answered 5 s.
    // sales 0/1 = 0 %; support 1/1 = 100 %; billing 1/1 = 100 %.
    // * row: O=3 A≤T=2 → 66.67 %; thresholds differ → sl_threshold_s is null.
    let lines = ql(&[
        (at(8, 0, 0), "s1|sales|NONE|ENTERQUEUE||1|1"),
        (at(8, 0, 30), "s1|sales|SIP/1|CONNECT|30|m|1"),
        (at(8, 1, 0), "p1|support|NONE|ENTERQUEUE||2|1"),
        (at(8, 1, 30), "p1|support|SIP/2|CONNECT|30|m|1"),
        (at(8, 2, 0), "b1|billing|NONE|ENTERQUEUE||3|1"),
        (at(8, 2, 5), "b1|billing|SIP/3|CONNECT|5|m|1"),
    ]);
    let dir = tempfile::tempdir().unwrap();
    let p = write(dir.path(), "queue_log", &lines);
    let extra = json!({ "sl_thresholds": { "support": "1m" } });
    let out = run(&day_request(SL, &p, extra.clone(), json!({}))).unwrap();
    let queues: Vec<Cell> = out.rows.iter().map(|r| r[0].clone()).collect();
    assert_eq!(queues, vec![t("billing"), t("sales"), t("support"), t("*")]);
    assert_eq!(out.kpi("sales", T0_LOCAL)["pct_sl"], Cell::Float(0.0));
    let support = out.kpi("support", T0_LOCAL);
    assert_eq!(support["pct_sl"], Cell::Float(100.0));
    assert_eq!(support["sl_threshold_s"], Cell::Duration(60_000));
    let all = out.kpi("*", T0_LOCAL);
    assert_eq!(all["pct_sl"], Cell::Float(66.67));
    assert_eq!(all["sl_threshold_s"], Cell::Null);
    assert_eq!(out.meta["sl_threshold_s"], "20; support=60");

    // queue = [sales, support]: billing is left out, also of the "*" row (O=2, A≤T=1 → 50 %).
    let params = json!({ "queue": ["sales", "support"] });
    let out = run(&day_request(SL, &p, extra, params)).unwrap();
    let queues: Vec<Cell> = out.rows.iter().map(|r| r[0].clone()).collect();
    assert_eq!(queues, vec![t("sales"), t("support"), t("*")]);
    assert_eq!(out.kpi("*", T0_LOCAL)["pct_sl"], Cell::Float(50.0));
}

#[test]
fn empty_period_gives_only_the_total_row() {
    // No calls in the period: the "*" row with zeros (pct 0, not NaN).
    let lines = ql(&[(at(-5, 0, 0), "z|sales|NONE|ENTERQUEUE||1|1")]);
    let dir = tempfile::tempdir().unwrap();
    let p = write(dir.path(), "queue_log", &lines);
    let out = run(&day_request(SL, &p, json!({}), json!({}))).unwrap();
    assert_eq!(out.rows.len(), 1);
    let all = out.kpi("*", T0_LOCAL);
    assert_eq!(ints(&all, &COUNTS), vec![0, 0, 0, 0, 0]);
    assert_eq!(all["pct_sl"], Cell::Float(0.0));
    assert_eq!(all["sl_threshold_s"], Cell::Duration(20_000));
    // With hour buckets there is no row at all.
    let out = run(&day_request(SL, &p, json!({}), json!({ "bucket": "hour" }))).unwrap();
    assert!(out.rows.is_empty());
}

#[test]
fn asterisk_14_short_lines_crlf_and_host_prefixed_ids() {
    // 1.4-style: ENTERQUEUE(url|callerid), CONNECT(holdtime), EXITWITHTIMEOUT(position),
    // EXITWITHKEY(key|position); CRLF endings, a trailing `|`, extra fields, host- callids.
    // h1 answered after 12 s (A≤T); h2 times out, wait from timestamps = 10:06:40 − 10:01:40
    // = 300 s; h3 abandons after 33 s (trailing |); h4 leaves with key 5 after 8 s (stamps).
    // Default (timeouts not abandoned): O=4 A=1 Ab=1 other=2 A≤T=1 → SL 1/4 = 25 %.
    let lines = [
        format!("{}|host-a-1.1|sales|NONE|ENTERQUEUE||5511\r", at(10, 0, 0)),
        format!("{}|host-a-1.1|sales|Agent/1001|CONNECT|12\r", at(10, 0, 12)),
        format!("{}|host-a-1.2|sales|NONE|ENTERQUEUE||5512\r", at(10, 1, 40)),
        format!(
            "{}|host-a-1.2|sales|NONE|EXITWITHTIMEOUT|1\r",
            at(10, 6, 40)
        ),
        format!(
            "{}|host-a-1.3|sales|NONE|ENTERQUEUE||5513|1|Maria|x|y\r",
            at(10, 7, 0)
        ),
        format!("{}|host-a-1.3|sales|NONE|ABANDON|1|1|33|\r", at(10, 7, 33)),
        format!("{}|host-a-1.4|sales|NONE|ENTERQUEUE||5514\r", at(10, 8, 0)),
        format!("{}|host-a-1.4|sales|NONE|EXITWITHKEY|5|1\r", at(10, 8, 8)),
        format!("{}|NONE|NONE|NONE|CONFIGRELOAD|\r", at(10, 9, 0)),
    ];
    let dir = tempfile::tempdir().unwrap();
    let p = write(dir.path(), "queue_log", &lines);
    let out = run(&day_request(SL, &p, json!({}), json!({}))).unwrap();
    let row = out.kpi("sales", T0_LOCAL);
    assert_eq!(ints(&row, &COUNTS), vec![4, 1, 1, 2, 1]);
    assert_eq!(row["pct_sl"], Cell::Float(25.0));
    assert_eq!(out.meta["malformed_lines"], "0");

    // As abandons: waits 300 (from stamps), 33, 8 (from stamps) → Ab=3, Ab≤T=1 (h4).
    // abandons_positive = (1 + 1)/(1 + 3) = 50 %.
    let extra = json!({ "timeouts_as_abandoned": true, "sl_variant": "abandons_positive" });
    let out = run(&day_request(SL, &p, extra, json!({}))).unwrap();
    let row = out.kpi("sales", T0_LOCAL);
    assert_eq!(ints(&row, &COUNTS), vec![4, 1, 3, 0, 1]);
    assert_eq!(row["pct_sl"], Cell::Float(50.0));
}

#[test]
fn malformed_lines_are_counted_not_fatal() {
    // Four malformed lines among valid ones: no separators, non-numeric time, too few
    // fields, invalid UTF-8. Blank lines are skipped silently. The call still counts.
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("queue_log");
    let mut f = std::fs::File::create(&p).unwrap();
    writeln!(f, "{}|m1|sales|NONE|ENTERQUEUE||5511|1", at(10, 0, 0)).unwrap(); // line 1
    writeln!(f, "garbage").unwrap(); // line 2
    writeln!(f, "10:00:01|m1|sales|NONE|RINGNOANSWER|1000").unwrap(); // line 3
    writeln!(f).unwrap(); // line 4 (blank)
    writeln!(f, "{}|m1|sales", at(10, 0, 2)).unwrap(); // line 5
    f.write_all(b"\xff\xfe|m1|sales|NONE|X\n").unwrap(); // line 6
    writeln!(f, "{}|m1|sales|SIP/1|CONNECT|4|m|1", at(10, 0, 4)).unwrap(); // line 7
    drop(f);
    let out = run(&day_request(SL, &p, json!({}), json!({}))).unwrap();
    assert_eq!(
        ints(&out.kpi("sales", T0_LOCAL), &COUNTS),
        vec![1, 1, 0, 0, 1]
    );
    let w = out.warning("MALFORMED_LINES").expect("warning");
    assert_eq!(w.count, 4);
    assert_eq!(
        w.examples,
        vec![
            "queue_log:2: garbage".to_owned(),
            "queue_log:3: 10:00:01|m1|sales|NONE|RINGNOANSWER|1000".to_owned(),
            format!("queue_log:5: {}|m1|sales", at(10, 0, 2)),
            "queue_log:6: \u{fffd}\u{fffd}|m1|sales|NONE|X".to_owned(),
        ]
    );
    assert_eq!(out.meta["malformed_lines"], "4");
    assert_eq!(out.meta["lines_read"], "7");
    let malformed = out.warnings.iter().filter(|w| w.code == "MALFORMED_LINES");
    assert_eq!(malformed.count(), 1, "reported once: {:?}", out.warnings);
}

#[test]
fn malformed_examples_are_capped_at_five() {
    let dir = tempfile::tempdir().unwrap();
    let lines: Vec<String> = (0..12).map(|i| format!("bad line {i}")).collect();
    let p = write(dir.path(), "queue_log", &lines);
    let out = run(&day_request(AR, &p, json!({}), json!({}))).unwrap();
    let w = out.warning("MALFORMED_LINES").unwrap();
    assert_eq!(w.count, 12);
    assert_eq!(w.examples.len(), 5);
    assert_eq!(w.examples[4], "queue_log:5: bad line 4");
}

fn gz(path: &std::path::Path, lines: &[String]) {
    let f = std::fs::File::create(path).unwrap();
    let mut enc = flate2::write::GzEncoder::new(f, flate2::Compression::default());
    for l in lines {
        writeln!(enc, "{l}").unwrap();
    }
    enc.finish().unwrap();
}

fn set_mtime(path: &std::path::Path, unix: i64) {
    let t = std::time::UNIX_EPOCH + std::time::Duration::from_secs(unix as u64);
    std::fs::File::options()
        .write(true)
        .open(path)
        .unwrap()
        .set_modified(t)
        .unwrap();
}

#[test]
fn rotated_gz_and_plain_siblings_are_all_read() {
    // Period 2026-11-20 local. Files, oldest first:
    //   queue_log-20261119.gz  mtime 2026-11-19 12:00 local (< period start) → skipped
    //   queue_log-20261120.gz  r1 answered 4 s (08:00)
    //   queue_log.2.gz         r2 abandoned 30 s (09:00)
    //   queue_log.1            r3 ENTERQUEUE 10:00 … (rotation) …
    //   queue_log              … r3 CONNECT 25 s; r4 answered 2 s (11:00)
    //   queue_log.bak          not a rotation name → ignored
    // sales: O=4 A=3 Ab=1 A≤T=2 (r1, r4; r3 waited 25 s) → 2/4 = 50 %.
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let old = d.join("queue_log-20261119.gz");
    gz(
        &old,
        &ql(&[
            (at(10, 30, 0), "zz|sales|NONE|ENTERQUEUE||0|1"),
            (at(10, 30, 1), "zz|sales|SIP/1|CONNECT|1|m|1"),
        ]),
    );
    set_mtime(&old, at(-12, 0, 0));
    let dated = d.join("queue_log-20261120.gz");
    gz(
        &dated,
        &ql(&[
            (at(8, 0, 0), "r1|sales|NONE|ENTERQUEUE||1|1"),
            (at(8, 0, 4), "r1|sales|SIP/1|CONNECT|4|m|1"),
        ]),
    );
    set_mtime(&dated, at(8, 30, 0));
    let two = d.join("queue_log.2.gz");
    gz(
        &two,
        &ql(&[
            (at(9, 0, 0), "r2|sales|NONE|ENTERQUEUE||2|1"),
            (at(9, 0, 30), "r2|sales|NONE|ABANDON|1|1|30"),
        ]),
    );
    set_mtime(&two, at(9, 30, 0));
    let one = write(
        d,
        "queue_log.1",
        &ql(&[(at(10, 0, 0), "r3|sales|NONE|ENTERQUEUE||3|1")]),
    );
    set_mtime(&one, at(10, 0, 10));
    write(
        d,
        "queue_log.bak",
        &ql(&[(at(12, 0, 0), "bk|sales|NONE|ENTERQUEUE||9|1")]),
    );
    let current = write(
        d,
        "queue_log",
        &ql(&[
            (at(10, 0, 25), "r3|sales|SIP/1|CONNECT|25|m|1"),
            (at(11, 0, 0), "r4|sales|NONE|ENTERQUEUE||4|1"),
            (at(11, 0, 2), "r4|sales|SIP/1|CONNECT|2|m|1"),
        ]),
    );
    let out = run(&day_request(SL, &current, json!({}), json!({}))).unwrap();
    let row = out.kpi("sales", T0_LOCAL);
    assert_eq!(ints(&row, &COUNTS), vec![4, 3, 1, 0, 2]);
    assert_eq!(row["pct_sl"], Cell::Float(50.0));
    let files: Vec<&str> = out.meta["source_files"].split(", ").collect();
    let names: Vec<&str> = files
        .iter()
        .map(|f| f.rsplit('/').next().unwrap())
        .collect();
    assert_eq!(
        names,
        vec![
            "queue_log-20261120.gz",
            "queue_log.2.gz",
            "queue_log.1",
            "queue_log"
        ]
    );
    assert!(out.meta["source_files_skipped"].ends_with("queue_log-20261119.gz"));
    // The fixtures end before the period does: only the readiness warning.
    let codes: Vec<&str> = out.warnings.iter().map(|w| w.code.as_str()).collect();
    assert_eq!(codes, ["PERIOD_NOT_CLOSED"]);
    // Progress was reported with the total of the files read.
    let (done, total) = *out.progress.last().unwrap();
    assert_eq!(done, total);
    assert!(total > 0);
}

#[test]
fn relative_queue_log_resolves_against_config_dir() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir(dir.path().join("data")).unwrap();
    write(&dir.path().join("data"), "queue_log", &base_fixture());
    let source = json!({
        "queue_log": "data/queue_log",
        "config_dir": dir.path().to_str().unwrap(),
    });
    let req = request(SL, source, json!({}), T0, T0 + DAY);
    let out = run(&req).unwrap();
    assert_eq!(out.kpi("sales", T0_LOCAL)["pct_sl"], Cell::Float(33.33));
}

#[test]
fn missing_current_file_is_source_unreadable() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("queue_log");
    let req = day_request(SL, &p, json!({}), json!({}));
    let err = run(&req).unwrap_err();
    assert_eq!(err.code, "SOURCE_UNREADABLE");
    assert!(err.message.contains(p.to_str().unwrap()), "{}", err.message);
}

#[test]
fn unfinished_calls_are_offered_and_warned() {
    // u1 enters at 23:00 and has no outcome at all → offered only, warning.
    let lines = ql(&[(at(23, 0, 0), "u1|sales|NONE|ENTERQUEUE||1|1")]);
    let dir = tempfile::tempdir().unwrap();
    let p = write(dir.path(), "queue_log", &lines);
    let out = run(&day_request(AR, &p, json!({}), json!({}))).unwrap();
    let row = out.kpi("sales", T0_LOCAL);
    assert_eq!(
        ints(
            &row,
            &["offered", "answered", "abandoned", "unanswered_other"]
        ),
        vec![1, 0, 0, 0]
    );
    assert_eq!(out.warning("UNFINISHED_CALLS").unwrap().count, 1);
}

#[test]
fn events_far_outside_the_window_are_ignored() {
    // A CONNECT 5 h after the period end (> end + 4 h) is not read: the call stays unfinished.
    let lines = ql(&[
        (at(23, 0, 0), "late|sales|NONE|ENTERQUEUE||1|1"),
        (T0 + DAY + 5 * 3600, "late|sales|SIP/1|CONNECT|21600|m|1"),
    ]);
    let dir = tempfile::tempdir().unwrap();
    let p = write(dir.path(), "queue_log", &lines);
    let out = run(&day_request(AR, &p, json!({}), json!({}))).unwrap();
    assert_eq!(
        ints(&out.kpi("sales", T0_LOCAL), &["offered", "answered"]),
        vec![1, 0]
    );
}

#[test]
fn ignored_params_are_noted() {
    let dir = tempfile::tempdir().unwrap();
    let p = write(dir.path(), "queue_log", &base_fixture());
    let params =
        json!({ "channel": "voice", "user": "ana", "event_type": "x", "portfolio": "acme" });
    let out = run(&day_request(SL, &p, json!({}), params)).unwrap();
    let note = &out.meta["ignored_params"];
    assert!(note.contains("channel=\"voice\""), "{note}");
    assert!(note.contains("user=\"ana\""), "{note}");
    assert!(note.contains("event_type"), "{note}");
    assert!(!note.contains("portfolio"), "{note}");
}

#[test]
fn dst_fall_back_hour_is_one_bucket_in_santiago() {
    // Chile leaves DST on 2026-04-05 at 00:00 −03 → 2026-04-04 23:00 −04, so 23:xx local on
    // 2026-04-04 happens twice. Period = local day 2026-04-04 = [00:00 −03, 24:00 −04)
    // = [1775271600, 1775361600) (25 h).
    // a enters 02:30Z = 23:30 −03 (answered 5 s); b enters 03:30Z = 23:30 −04 (abandons).
    // Both fall in the local 23:00 bucket: naive 2026-04-04T23:00 = 1775260800 + 23 × 3600.
    let (a, b) = (1_775_356_200, 1_775_359_800);
    let lines = vec![
        format!("{a}|a|sales|NONE|ENTERQUEUE||1|1"),
        format!("{}|a|sales|SIP/1|CONNECT|5|m|1", a + 5),
        format!("{b}|b|sales|NONE|ENTERQUEUE||2|1"),
        format!("{}|b|sales|NONE|ABANDON|1|1|9", b + 9),
    ];
    let dir = tempfile::tempdir().unwrap();
    let p = write(dir.path(), "queue_log", &lines);
    let source = json!({ "queue_log": p.to_str().unwrap() });
    let mut req = request(
        SL,
        source,
        json!({ "bucket": "hour" }),
        1_775_271_600,
        1_775_361_600,
    );
    req.period.timezone = "America/Santiago".into();
    let out = run(&req).unwrap();
    assert_eq!(out.rows.len(), 1, "{:?}", out.rows);
    let row = out.kpi("sales", 1_775_260_800 + 23 * 3600);
    // O=2 A=1 (≤T) Ab=1 → SL offered 1/2 = 50 %.
    assert_eq!(ints(&row, &COUNTS), vec![2, 1, 1, 0, 1]);
    assert_eq!(row["pct_sl"], Cell::Float(50.0));
}
