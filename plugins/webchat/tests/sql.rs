//! The neutral model read from SQLite and PostgreSQL tables gives the same rows as the same
//! data read from the JSONL files: the golden fixtures (REPORTS.md §5.4 step analysis, §5.9
//! per-bot per-day, §5.10 session detail) and the hand-computed fixture of every report are
//! loaded into tables (tests/common/tables.rs) and each report is run on the three inputs.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::path::Path;

use common::tables::{postgres_db, sqlite_source};
use common::*;
use serde_json::{Value as Json, json};

/// Runs every `(report, params)` of `cases` on the files, the SQLite file and the PostgreSQL
/// database holding `fixture`, and asserts identical rows (and non-empty, so a broken
/// loader cannot pass by producing nothing on both sides). Returns the JSONL results.
fn same_rows(fixture: fn(&Path), hint: &str, cases: &[(&str, Json)]) -> Vec<Collect> {
    assert!(!cases.is_empty());
    let dir = tempfile::tempdir().unwrap();
    fixture(dir.path());
    let lite = sqlite_source(dir.path());
    let pg = postgres_db(dir.path(), hint);
    let pg_source = Json::Object(pg.source("database"));
    let mut out = Vec::new();
    for (report, params) in cases {
        let files = nov_run(dir.path(), report, params.clone());
        let run_on = |source: &Json| {
            run(&request(report, source.clone(), params.clone(), NOV1, DEC1)).unwrap()
        };
        let sqlite = run_on(&lite);
        let postgres = run_on(&pg_source);
        assert!(!files.rows.is_empty(), "{report} {params}: no rows");
        assert_eq!(sqlite.rows, files.rows, "SQLite {report} {params}");
        assert_eq!(postgres.rows, files.rows, "PostgreSQL {report} {params}");
        for key in [
            "total_selections",
            "nps",
            "nps_answers",
            "report_definition",
        ] {
            assert_eq!(sqlite.meta.get(key), files.meta.get(key), "{report} {key}");
            assert_eq!(
                postgres.meta.get(key),
                files.meta.get(key),
                "{report} {key}"
            );
        }
        out.push(files);
    }
    out
}

#[test]
fn step_analysis_from_tables_matches_files() {
    let out = same_rows(
        step_fixture,
        "step",
        &[("webchat.step_analysis", json!({}))],
    );
    // 9 step rows, Σ times 35 (the §5.4 sample, see golden.rs).
    assert_eq!(out[0].rows.len(), 9);
    assert_eq!(out[0].meta["total_selections"], "35");
}

#[test]
fn traffic_by_day_from_tables_matches_files() {
    let out = same_rows(
        traffic_fixture,
        "traffic",
        &[
            ("webchat.traffic_by_day_of_month", json!({})),
            ("webchat.sessions_by_day", json!({})),
            ("webchat.session_analysis", json!({})),
        ],
    );
    // The 13 rows of the §5.9 sample export.
    assert_eq!(out[0].rows.len(), 13);
}

#[test]
fn session_detail_from_tables_matches_files() {
    let out = same_rows(
        detail_fixture,
        "detail",
        &[
            ("webchat.session_detail", json!({"mode": "panel"})),
            ("webchat.session_detail", json!({})),
            (
                "webchat.session_detail",
                json!({"message_text": "prueba Hey Now Training"}),
            ),
            ("webchat.session_detail", json!({"abandoned": true})),
            ("webchat.sessions_by_hour", json!({})),
        ],
    );
    // 9 attended + 1 abandoned panel sessions; the first wait of the seed vector is 14845 ms.
    assert_eq!(out[0].rows.len(), 10);
    assert_eq!(out[0].row(9)["wait_ms"], Cell::Duration(14845));
}

#[test]
fn every_report_from_tables_matches_files() {
    same_rows(
        reports_fixture,
        "reports",
        &[
            ("webchat.contacts_received", json!({})),
            (
                "webchat.contacts_received",
                json!({"department": "Vendas", "user": "Bia"}),
            ),
            ("webchat.idr_flow_kpis", json!({})),
            ("webchat.nps", json!({})),
            ("webchat.agent_analysis", json!({})),
            ("webchat.session_analysis", json!({})),
            ("webchat.sessions_by_day", json!({})),
            ("webchat.sessions_by_hour", json!({})),
            ("webchat.traffic_by_day_of_month", json!({})),
            ("webchat.session_detail", json!({})),
            ("webchat.agent_attendances", json!({"agent": "Bia"})),
            (
                "webchat.agent_attendances",
                json!({"agent": "Bia", "tag": "vip", "status": "Selecionar Todos"}),
            ),
            ("webchat.agent_attendance_history", json!({"agent": "Bia"})),
            (
                "webchat.agent_attendances_by_status",
                json!({"agent": ["Bia", "Caio"]}),
            ),
            ("webchat.attendance_transcript", json!({"protocol": "P1"})),
            (
                "webchat.attendance_transcript",
                json!({"protocol": "P2", "scope": "session"}),
            ),
        ],
    );
}
