//! Golden tests of the §3.3–3.5 and §3.7–3.15 reports on one hand-built queue_log day
//! (2026-11-20, Sao Paulo) with answered calls, blind and attended (LINK) transfers, an
//! overflow to a second queue, RINGNOANSWER in ms, Asterisk 1.4 short lines, a call across
//! midnight, an EXITWITHKEY, member/pause/login events, SURVEY lines and malformed lines.
//! REPORTS.md §3 shows no sample rows for the telephony reports, so every expectation here
//! is computed by hand (arithmetic in the comments).
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::collections::BTreeMap;

use common::*;
use serde_json::json;

/// Local day number of 2026-11-20 (days since 1970-01-01).
const DAY20: i64 = T0_LOCAL / DAY;

fn fixture() -> Vec<String> {
    let c0 = T0 - 15 * DAY + 10 * 3600; // 2026-11-05 10:00 local
    ql(&[
        (c0, "c0|sales|NONE|ENTERQUEUE||5511000|1"),
        (c0 + 25, "c0|sales|NONE|ABANDON|1|1|25"),
        // Members.
        (at(7, 55, 0), "MANAGER|sales|SIP/100|ADDMEMBER|"),
        (at(7, 55, 0), "MANAGER|support|SIP/100|ADDMEMBER|"),
        (at(8, 0, 0), "MANAGER|sales|SIP/200|ADDMEMBER|PAUSED"),
        (at(8, 10, 0), "NONE|sales|SIP/200|UNPAUSE|"),
        (at(9, 0, 0), "NONE|NONE|Agent/300|AGENTLOGIN|SIP/300"),
        (at(10, 0, 0), "NONE|NONE|Agent/300|AGENTLOGOFF|SIP/300|3600"),
        (at(12, 0, 0), "NONE|sales|SIP/100|PAUSE|Lunch"),
        (at(12, 0, 0), "NONE|support|SIP/100|PAUSE|Lunch"),
        (at(13, 0, 0), "NONE|sales|SIP/100|UNPAUSE|"),
        (at(13, 0, 0), "NONE|support|SIP/100|UNPAUSE|"),
        (at(17, 0, 0), "MANAGER|sales|SIP/100|REMOVEMEMBER|"),
        (at(17, 30, 0), "MANAGER|support|SIP/100|REMOVEMEMBER|"),
        // c1: sales, SIP/200 rings 15 000 ms, SIP/100 answers after 18 s, talks 120 s.
        (at(9, 0, 0), "c1|sales|NONE|ENTERQUEUE||5511001|1"),
        (at(9, 0, 15), "c1|sales|SIP/200|RINGNOANSWER|15000"),
        (at(9, 0, 18), "c1|sales|SIP/100|CONNECT|18|m1|3"),
        (at(9, 2, 18), "c1|sales|SIP/100|COMPLETECALLER|18|120|1"),
        (at(9, 2, 20), "c1|sales|SIP/100|SURVEYSTART|sat"),
        (at(9, 2, 30), "c1|sales|NONE|SURVEY|sat|q1|4"),
        (at(9, 2, 40), "c1|sales|NONE|SURVEY|sat|nps|9"),
        // c2: sales, answered after 30 s (> T), blind transfer after 60 s of talk.
        (at(10, 0, 0), "c2|sales|NONE|ENTERQUEUE||5511002|1"),
        (at(10, 0, 30), "c2|sales|SIP/100|CONNECT|30|m2|5"),
        (
            at(10, 1, 30),
            "c2|sales|SIP/100|BLINDTRANSFER|200|from-internal|30|60|1",
        ),
        (at(10, 2, 0), "c2|NONE|NONE|SURVEY|sat|nps|6"),
        // c3: sales, SIP/100 rings 4 500 ms, SIP/200 answers after 10 s, attended transfer
        // (LINK: calltime is data5 = 300).
        (at(11, 0, 0), "c3|sales|NONE|ENTERQUEUE||5511003|1"),
        (at(11, 0, 5), "c3|sales|SIP/100|RINGNOANSWER|4500"),
        (at(11, 0, 10), "c3|sales|SIP/200|CONNECT|10|m3|5"),
        (
            at(11, 5, 10),
            "c3|sales|SIP/200|ATTENDEDTRANSFER|LINK|SIP/200-0001|SIP/300-0002|10|300|1",
        ),
        (at(11, 6, 0), "c3|NONE|NONE|SURVEY|other|nps|1"),
        // c4: sales, abandoned after 40 s.
        (at(12, 0, 0), "c4|sales|NONE|ENTERQUEUE||5511004|1"),
        (at(12, 0, 40), "c4|sales|NONE|ABANDON|1|1|40"),
        // c5: sales timeout after 60 s, overflows to support, answered after 5 s, talks 120.
        (at(14, 0, 0), "c5|sales|NONE|ENTERQUEUE||5511005|1"),
        (at(14, 1, 0), "c5|sales|NONE|EXITWITHTIMEOUT|1|1|60"),
        (at(14, 1, 0), "c5|support|NONE|ENTERQUEUE||5511005|1"),
        (at(14, 1, 5), "c5|support|SIP/100|CONNECT|5|m5|2"),
        (at(14, 3, 5), "c5|support|SIP/100|COMPLETEAGENT|5|120|1"),
        // c6: Asterisk 1.4 short lines: CONNECT(holdtime), TRANSFER(extension|context) →
        // talk from the timestamps = 60 s.
        (at(15, 0, 0), "c6|support|NONE|ENTERQUEUE||5511006"),
        (at(15, 0, 12), "c6|support|SIP/200|CONNECT|12"),
        (
            at(15, 1, 12),
            "c6|support|SIP/200|TRANSFER|300|from-internal",
        ),
        // c8: support, leaves with key 5 after 20 s.
        (at(16, 0, 0), "c8|support|NONE|ENTERQUEUE||5511008|2"),
        (at(16, 0, 20), "c8|support|NONE|EXITWITHKEY|5|1|2|20"),
        // c7: enters 23:59:50, answered 00:00:05 the next day (holdtime 15), talks 60.
        (at(23, 59, 50), "c7|support|NONE|ENTERQUEUE||5511007|1"),
        (at(24, 0, 5), "c7|support|SIP/200|CONNECT|15|m7|1"),
        (at(24, 1, 5), "c7|support|SIP/200|COMPLETECALLER|15|60|1"),
    ])
}

/// Runs `report` over `[start, end)` on the fixture (plus two malformed lines).
fn run_on(
    report: &str,
    extra: serde_json::Value,
    params: serde_json::Value,
    start: i64,
    end: i64,
) -> Collect {
    let dir = tempfile::tempdir().unwrap();
    let mut lines = fixture();
    lines.insert(3, "garbage line".to_owned());
    lines.insert(10, "abc|x|sales|NONE|ENTERQUEUE".to_owned());
    let p = write(dir.path(), "queue_log", &lines);
    let mut source = json!({ "queue_log": p.to_str().unwrap() });
    source
        .as_object_mut()
        .unwrap()
        .extend(extra.as_object().cloned().unwrap_or_default());
    run(&request(report, source, params, start, end)).unwrap()
}

fn day(report: &str, params: serde_json::Value) -> Collect {
    run_on(report, json!({}), params, T0, T0 + DAY)
}

fn by_id(out: &Collect, i: usize) -> BTreeMap<String, Cell> {
    out.row(i)
}

fn row_where(out: &Collect, col: &str, v: Cell) -> BTreeMap<String, Cell> {
    let c = out.col(col);
    let i = out
        .rows
        .iter()
        .position(|r| r[c] == v)
        .unwrap_or_else(|| panic!("no {col}={v:?}"));
    out.row(i)
}

fn secs(s: i64) -> Cell {
    Cell::Duration(s * 1000)
}

#[test]
fn avg_talk_time_counts_every_completion_kind() {
    let out = day("telephony.avg_talk_time", json!({}));
    // sales: c1 120 (COMPLETECALLER) + c2 60 (BLINDTRANSFER data4) + c3 300 (ATTENDEDTRANSFER
    // LINK data5) = 480 over 3 → 160. support: c5 120 (COMPLETEAGENT) + c6 60 (1.4 TRANSFER,
    // from timestamps) + c7 60 (across midnight) = 240 over 3 → 80. *: 720 / 6 = 120.
    let s = out.kpi("sales", T0_LOCAL);
    assert_eq!(s["offered"], Cell::Int(5));
    assert_eq!(s["answered"], Cell::Int(3));
    assert_eq!(s["talk_total_s"], secs(480));
    assert_eq!(s["avg_talk_s"], secs(160));
    let p = out.kpi("support", T0_LOCAL);
    assert_eq!(
        (p["talk_total_s"].clone(), p["avg_talk_s"].clone()),
        (secs(240), secs(80))
    );
    let all = out.kpi("*", T0_LOCAL);
    assert_eq!(
        (all["talk_total_s"].clone(), all["avg_talk_s"].clone()),
        (secs(720), secs(120))
    );
    // Two malformed lines counted, not fatal.
    assert_eq!(out.meta["malformed_lines"], "2");
    assert!(out.meta["report_definition"].contains("ATTENDEDTRANSFER"));
}

#[test]
fn avg_queue_wait_is_holdtime_of_answered() {
    let out = day("telephony.avg_queue_wait", json!({}));
    // sales 18 + 30 + 10 = 58 s / 3 = 19.333 s → 19 333 ms; support 5 + 12 + 15 = 32 / 3 →
    // 10 667 ms; * 90 / 6 = 15 s.
    let s = out.kpi("sales", T0_LOCAL);
    assert_eq!(
        (s["wait_total_s"].clone(), s["avg_wait_s"].clone()),
        (secs(58), Cell::Duration(19_333))
    );
    let p = out.kpi("support", T0_LOCAL);
    assert_eq!(
        (p["wait_total_s"].clone(), p["avg_wait_s"].clone()),
        (secs(32), Cell::Duration(10_667))
    );
    assert_eq!(out.kpi("*", T0_LOCAL)["avg_wait_s"], secs(15));
}

#[test]
fn avg_time_to_abandon_with_and_without_timeouts() {
    let out = day("telephony.avg_time_to_abandon", json!({}));
    // Default: only ABANDON: sales c4 40 s → 40; support none → 0.
    let s = out.kpi("sales", T0_LOCAL);
    assert_eq!(
        (
            s["abandoned"].clone(),
            s["abandon_wait_total_s"].clone(),
            s["avg_time_to_abandon_s"].clone()
        ),
        (Cell::Int(1), secs(40), secs(40))
    );
    assert_eq!(
        out.kpi("support", T0_LOCAL)["avg_time_to_abandon_s"],
        secs(0)
    );
    // timeouts_as_abandoned: sales c4 40 + c5 60 = 100 / 2 = 50; support c8 20 / 1 = 20.
    let out = run_on(
        "telephony.avg_time_to_abandon",
        json!({"timeouts_as_abandoned": true}),
        json!({}),
        T0,
        T0 + DAY,
    );
    let s = out.kpi("sales", T0_LOCAL);
    assert_eq!(
        (
            s["abandon_wait_total_s"].clone(),
            s["avg_time_to_abandon_s"].clone()
        ),
        (secs(100), secs(50))
    );
    assert_eq!(
        out.kpi("support", T0_LOCAL)["avg_time_to_abandon_s"],
        secs(20)
    );
}

#[test]
fn inbound_by_queue_rows() {
    let out = day("telephony.inbound_by_queue", json!({"campaign": "Acme"}));
    assert_eq!(out.rows.len(), 2);
    let s = by_id(&out, 0);
    // sales: answered c1 c2 c3; abandoned (received − answered) c4 c5 = 2; total 5;
    // waits 18+30+10+40+60 = 158; consumed 158 + talk 480 = 638; sl c1 (18) c3 (10) = 2;
    // pct_sl 2/5 = 40; pct_abandon 2/5 = 40.
    assert_eq!(s["queue"], t("sales"));
    assert_eq!(
        [&s["answered"], &s["abandoned"], &s["total"], &s["sl_calls"]],
        [&Cell::Int(3), &Cell::Int(2), &Cell::Int(5), &Cell::Int(2)]
    );
    assert_eq!(
        (s["consumed_s"].clone(), s["wait_total_s"].clone()),
        (secs(638), secs(158))
    );
    assert_eq!(
        (s["pct_sl"].clone(), s["pct_abandon"].clone()),
        (Cell::Float(40.0), Cell::Float(40.0))
    );
    assert_eq!(s["sl_threshold_s"], secs(20));
    // support: answered c5 c6 c7 (all ≤ 20 s), abandoned c8; waits 5+12+15+20 = 52;
    // consumed 52 + 240 = 292; pct_sl 3/4 = 75; pct_abandon 1/4 = 25.
    let p = by_id(&out, 1);
    assert_eq!(
        (
            p["total"].clone(),
            p["consumed_s"].clone(),
            p["wait_total_s"].clone()
        ),
        (Cell::Int(4), secs(292), secs(52))
    );
    assert_eq!(
        (p["pct_sl"].clone(), p["pct_abandon"].clone()),
        (Cell::Float(75.0), Cell::Float(25.0))
    );
}

#[test]
fn inbound_calls_detail_rows_and_null_rules() {
    let out = day(
        "telephony.inbound_calls_detail",
        json!({"campaign": "Acme"}),
    );
    // 9 queue entries (c5 twice), ordered by entry time.
    assert_eq!(out.rows.len(), 9);
    let ids: Vec<Cell> = (0..9).map(|i| out.row(i)["call_id"].clone()).collect();
    assert_eq!(
        ids,
        ["c1", "c2", "c3", "c4", "c5", "c5", "c6", "c8", "c7"].map(t)
    );
    let c1 = out.row(0);
    assert_eq!(c1["user_id"], t("SIP/100"));
    assert_eq!(c1["extension"], t("100"));
    assert_eq!(c1["date"], Cell::Other(format!("Date({DAY20})")));
    assert_eq!(c1["time"], Cell::Other(format!("Time({})", 9 * 3600)));
    assert_eq!(c1["campaign"], t("Acme"));
    assert_eq!(c1["status"], t("Contestada"));
    assert_eq!(c1["contacted_at"], Cell::DateTime(local(9, 0, 18)));
    // service_level (seed: time the call took) = wait 18 + talk 120 = 138 = consumed.
    assert_eq!(
        (
            c1["service_level"].clone(),
            c1["wait_s"].clone(),
            c1["consumed_s"].clone()
        ),
        (secs(138), secs(18), secs(138))
    );
    // Abandoned: no agent, no contact time.
    let c4 = out.row(3);
    assert_eq!(
        (
            c4["status"].clone(),
            c4["user_id"].clone(),
            c4["contacted_at"].clone()
        ),
        (t("Abandonada"), t(""), Cell::Null)
    );
    assert_eq!(c4["wait_s"], secs(40));
    // The overflowed call: Abandonada in sales (timeout), Contestada in support.
    assert_eq!(
        (out.row(4)["queue"].clone(), out.row(4)["status"].clone()),
        (t("sales"), t("Abandonada"))
    );
    assert_eq!(
        (out.row(5)["queue"].clone(), out.row(5)["status"].clone()),
        (t("support"), t("Contestada"))
    );
    // EXITWITHKEY keeps its key.
    assert_eq!(out.row(7)["dtmf"], t("5"));
}

#[test]
fn daily_summary_day_and_month_to_date() {
    let out = day("telephony.daily_summary", json!({}));
    assert_eq!(out.rows.len(), 2);
    let d = row_where(&out, "section", t("day"));
    // Day: received 9 (sales 5 + support 4), answered 6, sl 5, abandoned 3;
    // pct_answered 6/9 = 66.67, pct_sl 5/9 = 55.56, pct_abandon 3/9 = 33.33;
    // TMO 720/6 = 120 s; TME (58+32)/6 = 15 s.
    assert_eq!(
        [
            &d["received"],
            &d["answered"],
            &d["sl_calls"],
            &d["abandoned"]
        ],
        [&Cell::Int(9), &Cell::Int(6), &Cell::Int(5), &Cell::Int(3)]
    );
    assert_eq!(
        [&d["pct_answered"], &d["pct_sl"], &d["pct_abandon"]],
        [
            &Cell::Float(66.67),
            &Cell::Float(55.56),
            &Cell::Float(33.33)
        ]
    );
    assert_eq!(
        (d["tmo_s"].clone(), d["tme_s"].clone()),
        (secs(120), secs(15))
    );
    // Month to date adds c0 (Nov 5, abandoned): 10 received, 6 answered, 4 abandoned;
    // 60 / 50 / 40 %.
    let m = row_where(&out, "section", t("month_to_date"));
    assert_eq!(
        (m["received"].clone(), m["abandoned"].clone()),
        (Cell::Int(10), Cell::Int(4))
    );
    assert_eq!(
        [&m["pct_answered"], &m["pct_sl"], &m["pct_abandon"]],
        [&Cell::Float(60.0), &Cell::Float(50.0), &Cell::Float(40.0)]
    );
}

#[test]
fn hourly_one_queue_24_rows() {
    let out = day("telephony.hourly", json!({"queue": "sales"}));
    assert_eq!(out.rows.len(), 24);
    let col: Vec<&str> = out.columns.iter().map(|c| c.id.as_str()).collect();
    assert_eq!(
        col,
        [
            "hour",
            "received",
            "answered",
            "sl_calls",
            "abandoned",
            "tmo_s",
            "tme_s",
            "pct_answered",
            "pct_sl",
            "pct_abandon"
        ]
    );
    // 09h: c1 answered in 18 s (≤ T), talk 120.
    let h9 = out.row(9);
    assert_eq!(
        (
            h9["received"].clone(),
            h9["sl_calls"].clone(),
            h9["tmo_s"].clone(),
            h9["tme_s"].clone()
        ),
        (Cell::Int(1), Cell::Int(1), secs(120), secs(18))
    );
    assert_eq!(h9["pct_sl"], Cell::Float(100.0));
    // 14h: c5's sales entry timed out → abandoned (Score definition), 100 %.
    assert_eq!(
        (
            out.row(14)["abandoned"].clone(),
            out.row(14)["pct_abandon"].clone()
        ),
        (Cell::Int(1), Cell::Float(100.0))
    );
    // Only sales: 5 received in all.
    let total: i64 = (0..24)
        .map(|h| match out.row(h)["received"] {
            Cell::Int(i) => i,
            _ => 0,
        })
        .sum();
    assert_eq!(total, 5);
}

#[test]
fn daily_whole_month_with_zero_days() {
    // November 2026: local Nov 1 = T0 − 19 days, Dec 1 = T0 + 11 days → 30 rows.
    let out = run_on(
        "telephony.daily",
        json!({}),
        json!({}),
        T0 - 19 * DAY,
        T0 + 11 * DAY,
    );
    assert_eq!(out.rows.len(), 30);
    let nov5 = out.row(4);
    assert_eq!(nov5["date"], Cell::Other(format!("Date({})", DAY20 - 15)));
    assert_eq!(
        (nov5["received"].clone(), nov5["abandoned"].clone()),
        (Cell::Int(1), Cell::Int(1))
    );
    let nov20 = out.row(19);
    assert_eq!(
        (
            nov20["received"].clone(),
            nov20["answered"].clone(),
            nov20["pct_sl"].clone()
        ),
        (Cell::Int(9), Cell::Int(6), Cell::Float(55.56))
    );
    assert_eq!(out.row(0)["received"], Cell::Int(0));
}

#[test]
fn abandoned_by_hour_yearly_288_rows() {
    let tz: chrono_tz::Tz = TZ.parse().unwrap();
    let jan1 = |y| {
        reportd_telephony::limits::utc_of(
            tz,
            chrono::NaiveDate::from_ymd_opt(y, 1, 1)
                .unwrap()
                .and_hms_opt(0, 0, 0)
                .unwrap(),
        )
    };
    let out = run_on(
        "telephony.abandoned_by_hour_yearly",
        json!({}),
        json!({}),
        jan1(2026),
        jan1(2027),
    );
    assert_eq!(out.rows.len(), 12 * 24);
    // Nov (row 10·24 + h): c0 10h, c4 12h, c5 (sales timeout) 14h, c8 16h; nothing else.
    let get = |m: usize, h: usize| out.rows[m * 24 + h][2].clone();
    assert_eq!(
        [get(10, 10), get(10, 12), get(10, 14), get(10, 16)],
        [Cell::Int(1), Cell::Int(1), Cell::Int(1), Cell::Int(1)]
    );
    let total: i64 = out
        .rows
        .iter()
        .map(|r| match r[2] {
            Cell::Int(i) => i,
            _ => 0,
        })
        .sum();
    assert_eq!(total, 4);
}

#[test]
fn agent_performance_per_agent_and_day() {
    let out = day("telephony.agent_performance", json!({"metric": "TMO"}));
    assert_eq!(out.rows.len(), 3);
    let a300 = row_where(&out, "user_id", t("Agent/300"));
    // AGENTLOGIN 09:00 → AGENTLOGOFF 10:00 = 3600 s.
    assert_eq!(a300["logged_in_s"], secs(3600));
    let a100 = row_where(&out, "user_id", t("SIP/100"));
    // Answered c1 c2 c5, talk 120 + 60 + 120 = 300 → TMO 100; missed c3 ring 4 500 ms;
    // paused 12:00 → 13:00 once (PAUSE logged per queue) = 3600; logged 07:55 → 17:30
    // (the last queue removed) = 9 h 35 min = 34 500 s.
    assert_eq!(
        (
            a100["answered"].clone(),
            a100["tmo_s"].clone(),
            a100["talk_total_s"].clone()
        ),
        (Cell::Int(3), secs(100), secs(300))
    );
    assert_eq!(
        (a100["missed"].clone(), a100["ring_noanswer_s"].clone()),
        (Cell::Int(1), Cell::Duration(4500))
    );
    assert_eq!(
        (a100["paused_s"].clone(), a100["logged_in_s"].clone()),
        (secs(3600), secs(34_500))
    );
    let a200 = row_where(&out, "user_id", t("SIP/200"));
    // Answered c3 c6 c7: 300 + 60 + 60 = 420 → 140; missed c1 15 000 ms; paused 08:00 →
    // 08:10 (ADDMEMBER PAUSED) = 600; logged 08:00 → period end 24:00 = 57 600.
    assert_eq!(
        (a200["answered"].clone(), a200["tmo_s"].clone()),
        (Cell::Int(3), secs(140))
    );
    assert_eq!(
        (a200["missed"].clone(), a200["ring_noanswer_s"].clone()),
        (Cell::Int(1), Cell::Duration(15_000))
    );
    assert_eq!(
        (a200["paused_s"].clone(), a200["logged_in_s"].clone()),
        (secs(600), secs(57_600))
    );
    assert!(
        out.rows
            .iter()
            .all(|r| r[0] == Cell::Other(format!("Date({DAY20})")))
    );
}

#[test]
fn ivr_survey_rows_and_question_columns() {
    let out = day(
        "telephony.ivr_survey",
        json!({"ivr_name": "sat", "company": "Acme"}),
    );
    let cols: Vec<&str> = out.columns.iter().map(|c| c.id.as_str()).collect();
    assert_eq!(
        cols,
        [
            "call_id",
            "ticket_id",
            "collected_at",
            "company",
            "campaign",
            "call_type",
            "user_id",
            "user_name",
            "contact_number",
            "ivr_total_s",
            "q_q1",
            "q_nps",
            "last_answer",
            "nps_survey",
            "nps_question"
        ]
    );
    // c1 and c2 answered "sat"; c3's "other" survey is not included.
    assert_eq!(out.rows.len(), 2);
    let c1 = out.row(0);
    // SURVEYSTART 09:02:20 → last answer 09:02:40 = 20 s; agent from c1's CONNECT.
    assert_eq!(
        (
            c1["call_id"].clone(),
            c1["collected_at"].clone(),
            c1["ivr_total_s"].clone()
        ),
        (t("c1"), Cell::DateTime(local(9, 2, 40)), secs(20))
    );
    assert_eq!(
        (
            c1["user_id"].clone(),
            c1["contact_number"].clone(),
            c1["company"].clone()
        ),
        (t("SIP/100"), t("5511001"), t("Acme"))
    );
    assert_eq!(
        [
            &c1["q_q1"],
            &c1["q_nps"],
            &c1["last_answer"],
            &c1["nps_survey"],
            &c1["nps_question"]
        ],
        [&t("4"), &t("9"), &t("9"), &t("9"), &t("nps")]
    );
    let c2 = out.row(1);
    assert_eq!(
        [&c2["q_q1"], &c2["q_nps"], &c2["ivr_total_s"]],
        [&t(""), &t("6"), &secs(0)]
    );
}

#[test]
fn readiness_warns_when_the_period_is_not_closed() {
    // The input's newest line is c7's completion, 2026-11-21 00:01:05 local: a period
    // ending 2026-11-22 00:00 is not closed.
    let out = run_on(
        "telephony.service_level",
        json!({}),
        json!({}),
        T0 + DAY,
        T0 + 2 * DAY,
    );
    assert!(out.warning("PERIOD_NOT_CLOSED").is_some());
    assert_eq!(out.meta["period_closed"], "false");
    assert_eq!(out.meta["newest_record"], "2026-11-21 00:01:05");
    // The day itself is closed.
    let out = day("telephony.service_level", json!({}));
    assert!(out.warning("PERIOD_NOT_CLOSED").is_none());
    // readiness = "off": no check at all.
    let out = run_on(
        "telephony.service_level",
        json!({"readiness": "off"}),
        json!({}),
        T0 + DAY,
        T0 + 2 * DAY,
    );
    assert!(out.warning("PERIOD_NOT_CLOSED").is_none());
    assert!(!out.meta.contains_key("period_closed"));
}
