//! The calls list from the real (pseudonymised) Asterisk CDR sample
//! `tests/fixtures/asterisk-cdr-fafeitsch/Master.cdr.csv` (MIT, see the LICENSE next to it):
//! 218 rows of 18 columns, 2017-06-20 .. 2017-06-27.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::collections::BTreeMap;
use std::path::PathBuf;

use common::*;
use reportd_plugin_api::Plugin;
use reportd_telephony::TelephonyPlugin;
use reportd_telephony::cdr::{self, CdrRow};
use reportd_telephony::settings::CdrFormat;
use serde_json::json;

fn sample() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/asterisk-cdr-fafeitsch/Master.cdr.csv")
}

/// 2017-06-20 00:00 local Sao Paulo = 2017-06-20T03:00:00Z.
const START_2017: i64 = 1_497_927_600;

fn rows() -> Vec<CdrRow> {
    let text = std::fs::read_to_string(sample()).unwrap();
    text.lines()
        .map(|l| cdr::parse_row(l, CdrFormat::CdrCsv).unwrap())
        .collect()
}

#[test]
fn sample_dispositions_per_row_and_per_call() {
    let rows = rows();
    assert_eq!(rows.len(), 218);
    let mut per_row: BTreeMap<&str, usize> = BTreeMap::new();
    for r in &rows {
        *per_row.entry(r.disposition.as_str()).or_default() += 1;
    }
    // Counted in the file (DATA-FORMATS.md §3): 133 ANSWERED, 83 NO ANSWER, 2 BUSY.
    assert_eq!(
        per_row,
        BTreeMap::from([("ANSWERED", 133), ("BUSY", 2), ("NO ANSWER", 83)])
    );
    // Grouped by uniqueid (the file has no linkedid): 174 calls, 44 with several rows.
    // Each answered call has exactly one ANSWERED row, so 133 answered calls; 39 calls
    // with only NO ANSWER rows; 2 BUSY.
    let calls = cdr::group(&rows);
    assert_eq!(calls.len(), 174);
    assert_eq!(calls.iter().filter(|c| c.rows.len() > 1).count(), 44);
    let mut per_call: BTreeMap<&str, usize> = BTreeMap::new();
    for c in &calls {
        *per_call.entry(c.disposition()).or_default() += 1;
    }
    assert_eq!(
        per_call,
        BTreeMap::from([("ANSWERED", 133), ("BUSY", 2), ("NO ANSWER", 39)])
    );
}

fn calls_list(now: i64, start: i64, end: i64) -> Result<Collect, Vec<reportd_plugin_api::Problem>> {
    let req = request(
        "telephony.calls_list",
        json!({ "cdr": sample().to_str().unwrap() }),
        json!({ "company": "Acme" }),
        start,
        end,
    );
    let plugin = TelephonyPlugin::with_now(now);
    plugin.validate(&req)?;
    let mut sink = Collect::default();
    plugin.generate(&req, &mut sink).unwrap();
    Ok(sink)
}

#[test]
fn calls_list_report_on_the_sample() {
    // The whole week 2017-06-20 .. 2017-06-27, "today" = 2017-06-28 (R-15D holds).
    let end = START_2017 + 8 * DAY;
    let out = calls_list(end, START_2017, end).unwrap();
    assert_eq!(out.rows.len(), 174);
    let result = out.col("result");
    let answered = out
        .rows
        .iter()
        .filter(|r| r[result] == t("Contestada"))
        .count();
    assert_eq!(answered, 133);
    assert_eq!(out.rows.len() - answered, 41);
    // First call 1497952162.0: NO ANSWER then ANSWERED rows, 09:49:22 → 09:58:06 = 524 s,
    // billsec 514; contexts hq/production are not inbound → Saliente/Manual, contact = dst.
    let r = out.row(0);
    assert_eq!(r["call_id"], t("1497952162.0"));
    assert_eq!(r["company"], t("Acme"));
    assert_eq!(
        (r["call_type"].clone(), r["dial_type"].clone()),
        (t("Saliente"), t("Manual"))
    );
    assert_eq!(r["contact_number"], t("715-413-9112"));
    assert_eq!(
        (r["total_s"].clone(), r["talk_s"].clone()),
        (Cell::Duration(524_000), Cell::Duration(514_000))
    );
    assert_eq!(r["disposition"], t("ANSWERED"));
    // Invariants (REPORTS.md §3.14): 0 <= talk <= total; unanswered ⇒ talk 0.
    let (tot, talk) = (out.col("total_s"), out.col("talk_s"));
    for row in &out.rows {
        let (Cell::Duration(a), Cell::Duration(b)) = (&row[tot], &row[talk]) else {
            panic!()
        };
        assert!(0 <= *b && b <= a, "{row:?}");
        if row[result] == t("No contestada") {
            assert_eq!(*b, 0);
        }
    }
    assert_eq!(out.meta["malformed_lines"], "0");
}

#[test]
fn calls_list_refuses_data_older_than_15_days() {
    // "today" = 2017-07-20: 2017-06-20 is 30 days back.
    let problems = calls_list(START_2017 + 30 * DAY, START_2017, START_2017 + 8 * DAY).unwrap_err();
    assert_eq!(problems.len(), 1);
    assert_eq!(problems[0].field, "period");
    assert!(
        problems[0].message.contains("R-15D"),
        "{}",
        problems[0].message
    );
}
