//! Golden tests of the time-in-platform reports: hand-computed state durations with a state
//! open before the period, overlapping records, a gap, a state across midnight, a state
//! across the period end and an agent with no logout.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::*;
use serde_json::json;

use score_data::events_fixture as fixture;

#[test]
fn detail_clips_and_cuts_overlaps() {
    let dir = tempfile::tempdir().unwrap();
    let src = fixture(dir.path());
    let out = run(&request(
        "score.platform_time_detail",
        src,
        json!({}),
        T0,
        at(2, 0, 0),
    ))
    .unwrap();
    let s = Cell::Secs;
    assert_eq!(
        out.column("duration_s"),
        vec![
            s(1800),
            s(900),
            s(900),
            s(1800),
            s(7200),
            s(25200),
            s(57600),
            s(5400),
            s(1800)
        ]
    );
    assert_eq!(
        out.column("event"),
        [
            "Online",
            "Hablando",
            "ACW",
            "Almuerzo",
            "Online",
            "Desconectado",
            "Online",
            "Cena",
            "Ocupado"
        ]
        .map(t)
        .to_vec()
    );
    let first = out.row(0);
    assert_eq!(first["started_at"], Cell::DateTime(local(T0)));
    assert_eq!(first["ended_at"], Cell::DateTime(local(at(0, 0, 30))));
    assert_eq!(first["user_name"], t("Ana"));
    assert_eq!(first["extension"], t("101"));
    assert_eq!(first["profile"], t("Agente"));
    assert_eq!(first["general_state"], t("Conectado"));
    assert_eq!(out.row(5)["general_state"], t("Desconectado"));
    // The open state of the agent without logout ends at the period end.
    assert_eq!(out.row(6)["ended_at"], Cell::DateTime(local(at(2, 0, 0))));
    // u2 has no users row: the user columns are empty.
    assert_eq!(out.row(8)["user_name"], Cell::Null);
    assert_eq!(out.row(8)["ended_at"], Cell::DateTime(local(at(2, 0, 0))));
    let w = out.warning("MALFORMED_RECORDS").unwrap();
    assert_eq!(w.count, 2);
    assert_eq!(out.meta["malformed_records"], "2");
}

#[test]
fn summary_splits_at_midnight_and_period_end() {
    let dir = tempfile::tempdir().unwrap();
    let src = fixture(dir.path());
    let out = run(&request(
        "score.platform_time_summary",
        src,
        json!({}),
        T0,
        at(2, 0, 0),
    ))
    .unwrap();
    assert_eq!(out.rows.len(), 3);
    assert_eq!(
        out.column("date"),
        vec![Cell::Date(DAY0), Cell::Date(DAY0 + 1), Cell::Date(DAY0 + 1)]
    );
    assert_eq!(out.column("user_id"), vec![t("u1"), t("u1"), t("u2")]);
    let s = Cell::Secs;
    // u1 03-10: Online 1800 + 3600 = 5400; Hablando 900; ACW 900; Almuerzo 1800;
    // available = 5400 + 900 + 900 = 7200.
    let r = out.row(0);
    assert_eq!(
        (
            r["online_s"].clone(),
            r["talking_s"].clone(),
            r["acw_s"].clone(),
            r["lunch_s"].clone()
        ),
        (s(5400), s(900), s(900), s(1800))
    );
    assert_eq!(r["available_s"], s(7200));
    assert_eq!(r["waiting_s"], s(0));
    // Typifications/tickets are not configured: unknown, not zero.
    assert_eq!(r["typifying_s"], Cell::Null);
    // u1 03-11: Online 3600 (from 03-10 23:00) + 57600 (08:00 → period end) = 61200.
    assert_eq!(out.row(1)["online_s"], s(61200));
    assert_eq!(out.row(1)["available_s"], s(61200));
    // u2 03-11: Cena 5400, Ocupado 1800 (clipped at the period end); pauses are not available.
    let r = out.row(2);
    assert_eq!(
        (
            r["dinner_s"].clone(),
            r["busy_s"].clone(),
            r["available_s"].clone()
        ),
        (s(5400), s(1800), s(0))
    );
    // Column order: fixed screen columns, then the Excel-only ones.
    let ids = out.column_ids();
    assert_eq!(
        &ids[..5],
        &["date", "extension", "user_name", "profile", "available_s"]
    );
    assert_eq!(
        &ids[17..],
        &["user_id", "typifying_s", "resolving_s", "user_email"]
    );
}

#[test]
fn summary_one_user() {
    let dir = tempfile::tempdir().unwrap();
    let src = fixture(dir.path());
    let out = run(&request(
        "score.platform_time_summary",
        src,
        json!({"user": "u2"}),
        T0,
        at(2, 0, 0),
    ))
    .unwrap();
    assert_eq!(out.rows.len(), 1);
    assert_eq!(out.row(0)["user_id"], t("u2"));
}

#[test]
fn detail_of_one_day_clips_the_midnight_state() {
    let dir = tempfile::tempdir().unwrap();
    let src = fixture(dir.path());
    // Period = 03-10 only: u1's 23:00 Online lasts 3600 s inside it.
    let out = run(&request(
        "score.platform_time_detail",
        src,
        json!({"user": "u1"}),
        T0,
        at(1, 0, 0),
    ))
    .unwrap();
    assert_eq!(out.rows.len(), 5);
    assert_eq!(out.row(4)["duration_s"], Cell::Secs(3600));
    assert_eq!(out.row(4)["ended_at"], Cell::DateTime(local(at(1, 0, 0))));
}

#[test]
fn summary_typifying_and_resolving_from_tickets() {
    let dir = tempfile::tempdir().unwrap();
    let mut src = score_data::fixture(dir.path());
    let ev = format!("u1,Online,{},{}", ts(0, 8, 0), ts(0, 18, 0));
    write(
        dir.path(),
        "ev.csv",
        &["user_id,event,started_at,ended_at", &ev],
    );
    src["agent_events"] = json!("ev.csv");
    let out = run(&request(
        "score.platform_time_summary",
        src,
        json!({}),
        T0,
        T0 + DAY,
    ))
    .unwrap();
    // Only u1 has time: Online 08:00–18:00 = 36000; typifying = y1 09:00 → saved 09:02 = 120;
    // resolving = t1 assigned 08:55 → resolved 09:10 = 900 (t2, t3 unresolved).
    assert_eq!(out.rows.len(), 1);
    let r = out.row(0);
    assert_eq!(r["online_s"], Cell::Secs(36_000));
    assert_eq!(r["typifying_s"], Cell::Secs(120));
    assert_eq!(r["resolving_s"], Cell::Secs(900));
    assert_eq!(r["user_email"], t("ana@example.com"));
}
