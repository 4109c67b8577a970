//! Hand-computed fixture for the reports without seed samples (§5.1–§5.3, §5.5–§5.8,
//! §5.11–§5.14), gzip input, and request validation.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::*;
use reportd_plugin_api::Plugin;
use reportd_webchat::WebchatPlugin;
use serde_json::json;

/// Day number of 2022-11-01 local: (1667271600 − 10800) / 86400 = 19297.
const NOV1_DAY: i32 = 19_297;

fn setup() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    reports_fixture(dir.path());
    dir
}

#[test]
fn contacts_received() {
    let dir = setup();
    let out = nov_run(dir.path(), "webchat.contacts_received", json!({}));
    assert_eq!(
        out.column("protocol"),
        vec![t("P1"), t("P2"), t("P3"), t("P4")]
    );
    let r = out.row(0);
    assert_eq!(r["received_at"], Cell::DateTime(local(nov(2, 9, 0, 0))));
    assert_eq!(r["handled_by"], t("human"));
    assert_eq!(r["status"], t("Concluído"));
    assert_eq!(r["evaluation"], t("excelente")); // csat 5
    assert_eq!(r["form"], t("Nome: Ana"));
    assert_eq!(out.row(1)["status"], t("Transferido"));
    assert_eq!(out.row(2)["handled_by"], t("bot"));
    assert_eq!(out.row(2)["evaluation"], Cell::Null);
    // The nps 11 survey line is malformed.
    assert_eq!(out.warning("MALFORMED_LINES").unwrap().count, 1);
    let vendas = nov_run(
        dir.path(),
        "webchat.contacts_received",
        json!({"department": "Vendas", "user": "Bia"}),
    );
    assert_eq!(vendas.rows.len(), 2);
}

#[test]
fn idr_flow_kpis() {
    let dir = setup();
    let out = nov_run(dir.path(), "webchat.idr_flow_kpis", json!({}));
    assert_eq!(
        out.rows,
        vec![vec![
            Cell::DateTime(local(nov(2, 9, 1, 0))),
            t("IDR"),
            t("menu"),
            t("1"),
            t("P1"),
            t("Ana"),
            t("webchat"),
        ]]
    );
}

#[test]
fn nps() {
    let dir = setup();
    let out = nov_run(dir.path(), "webchat.nps", json!({}));
    assert_eq!(
        out.column("nps_category"),
        vec![t("promoter"), t("passive"), t("detractor"), t("promoter")]
    );
    // Answers 10, 7, 3, 9: promoters 2, detractors 1 → (2 − 1) / 4 × 100 = 25.00.
    assert_eq!(out.meta["nps"], "25.00");
    assert_eq!(out.meta["nps_answers"], "4");
    assert_eq!(out.row(1)["rating"], t("bom"));
    assert_eq!(out.row(2)["rating"], t("muito ruim")); // csat 1
    assert_eq!(out.row(3)["protocol"], t("zz")); // unknown session kept unfiltered
    let web = nov_run(dir.path(), "webchat.nps", json!({"bot": "Web"}));
    // Only s1, s2: (1 − 0) / 2 × 100 = 50.00.
    assert_eq!(web.meta["nps"], "50.00");
}

#[test]
fn agent_analysis() {
    let dir = setup();
    let out = nov_run(dir.path(), "webchat.agent_analysis", json!({}));
    // Bia: s1 [09:06, 09:30) ∪ s2 [09:25, 10:00) = [09:06, 10:00) = 3240 s; 2 sessions →
    // avg 1620 s; messages 1 + 1 unnamed (s1's only agent) + 1 = 3 of 5 → 60.00 %.
    // Caio: s4 [14:35, 15:00) = 1500 s; 2 messages → 40.00 %. The s5 (October) message is out.
    assert_eq!(
        out.rows,
        vec![
            vec![
                t("Bia"),
                Cell::Duration(3_240_000),
                Cell::Duration(1_620_000),
                Cell::Int(2),
                Cell::Int(3),
                Cell::Decimal(6000, 2)
            ],
            vec![
                t("Caio"),
                Cell::Duration(1_500_000),
                Cell::Duration(1_500_000),
                Cell::Int(1),
                Cell::Int(2),
                Cell::Decimal(4000, 2)
            ],
        ]
    );
}

#[test]
fn session_analysis_and_by_day_and_hour() {
    let dir = setup();
    let out = nov_run(dir.path(), "webchat.session_analysis", json!({}));
    // WA: s3 (abandoned: panel, no agent) + s4, contacts c2, c3. Web: s1 + s2, contact c1.
    assert_eq!(
        out.rows,
        vec![
            vec![
                t("WA"),
                Cell::Int(2),
                Cell::Int(1),
                Cell::Int(2),
                Cell::Int(2)
            ],
            vec![
                t("Web"),
                Cell::Int(2),
                Cell::Int(0),
                Cell::Int(2),
                Cell::Int(1)
            ],
        ]
    );
    let day = nov_run(dir.path(), "webchat.sessions_by_day", json!({}));
    assert_eq!(
        day.rows,
        vec![
            vec![Cell::Date(NOV1_DAY + 1), t("Web"), Cell::Int(2)],
            vec![Cell::Date(NOV1_DAY + 2), t("WA"), Cell::Int(2)],
        ]
    );
    let hour = nov_run(
        dir.path(),
        "webchat.sessions_by_hour",
        json!({"bot": ["WA"]}),
    );
    assert_eq!(hour.rows, vec![vec![Cell::Int(14), t("WA"), Cell::Int(2)]]);
}

#[test]
fn agent_attendances_default_concluded() {
    let dir = setup();
    let out = nov_run(
        dir.path(),
        "webchat.agent_attendances",
        json!({"agent": "Bia"}),
    );
    assert_eq!(out.rows.len(), 1);
    let r = out.row(0);
    assert_eq!(r["protocol"], t("P1"));
    assert_eq!(r["wait_s"], Cell::Duration(60_000)); // 09:06 − 09:05
    assert_eq!(r["attendance_s"], Cell::Duration(1_440_000)); // 09:30 − 09:06 = 24 min
    assert_eq!(r["evaluation"], t("excelente"));
    assert_eq!(r["tags"], t("vip"));
    let all = nov_run(
        dir.path(),
        "webchat.agent_attendances",
        json!({"agent": "Bia", "status": "Selecionar Todos"}),
    );
    // Latest first.
    assert_eq!(all.column("protocol"), vec![t("P2"), t("P1")]);
}

#[test]
fn agent_attendance_history() {
    let dir = setup();
    let out = nov_run(
        dir.path(),
        "webchat.agent_attendance_history",
        json!({"agent": "Bia"}),
    );
    // P1 derived (iniciou at first contact, concluiu at end); P2 from history[], by time.
    assert_eq!(
        out.column("event"),
        vec![t("iniciou"), t("concluiu"), t("iniciou"), t("transferiu")]
    );
    assert_eq!(
        out.row(1)["event_at"],
        Cell::DateTime(local(nov(2, 9, 30, 0)))
    );
    assert_eq!(out.row(3)["to"], t("Caio"));
}

#[test]
fn agent_attendances_by_status() {
    let dir = setup();
    let out = nov_run(
        dir.path(),
        "webchat.agent_attendances_by_status",
        json!({"agent": ["Bia", "Caio"]}),
    );
    assert_eq!(
        out.rows,
        vec![
            vec![t("Concluído"), Cell::Int(2)],
            vec![t("Transferido"), Cell::Int(1)],
        ]
    );
}

#[test]
fn transcript_scopes() {
    let dir = setup();
    let out = nov_run(
        dir.path(),
        "webchat.attendance_transcript",
        json!({"protocol": "P1"}),
    );
    assert_eq!(
        out.column("author"),
        vec![t("contact"), t("bot"), t("agent"), t("agent"), t("contact")]
    );
    assert_eq!(
        out.column("author_name"),
        vec![t("Ana"), t("Web"), t("Bia"), t("Bia"), t("Ana")]
    );
    assert_eq!(out.row(0)["text"], t("oi"));
    // Scope session: c1's Web sessions started in [10:00 − 24 h, 10:00] → s1 and s2: 6.
    let s = nov_run(
        dir.path(),
        "webchat.attendance_transcript",
        json!({"protocol": "P2", "scope": "session"}),
    );
    assert_eq!(s.rows.len(), 6);
    let none = nov_run(
        dir.path(),
        "webchat.attendance_transcript",
        json!({"protocol": "nope"}),
    );
    assert!(none.rows.is_empty());
    assert!(none.warning("NOT_FOUND").is_some());
}

#[test]
fn validation_problems() {
    let p = WebchatPlugin::new();
    let fields = |report: &str, source: serde_json::Value, params: serde_json::Value| {
        let req = request(report, source, params, NOV1, DEC1);
        let mut f: Vec<String> = p
            .validate(&req)
            .unwrap_err()
            .into_iter()
            .map(|x| x.field)
            .collect();
        f.sort();
        f
    };
    assert_eq!(
        fields("webchat.nps", json!({}), json!({})),
        vec!["source.sessions", "source.surveys"]
    );
    assert_eq!(
        fields(
            "webchat.step_analysis",
            json!({"sessions": "s.jsonl"}),
            json!({"queue": "x"})
        ),
        vec!["params.queue", "source.messages"]
    );
    assert_eq!(
        fields(
            "webchat.agent_attendances",
            json!({"sessions": "s.jsonl", "other": 1}),
            json!({"status": "Done"})
        ),
        vec!["params.agent", "params.status", "source.other"]
    );
    assert_eq!(
        fields("webchat.nope", json!({"sessions": "s"}), json!({})),
        vec!["report"]
    );
    let ok = request(
        "webchat.session_analysis",
        json!({"sessions": "s.jsonl"}),
        json!({"bot": "Web"}),
        NOV1,
        DEC1,
    );
    assert!(p.validate(&ok).is_ok());
    // A missing sessions file is a fatal SOURCE error, not a panic.
    let dir = tempfile::tempdir().unwrap();
    let req = request(
        "webchat.session_analysis",
        source(dir.path()),
        json!({}),
        NOV1,
        DEC1,
    );
    let mut sink = Collect::default();
    assert!(p.generate(&req, &mut sink).is_err());
}

#[test]
fn catalog_has_14_reports_with_columns() {
    let c = WebchatPlugin::new().catalog();
    assert_eq!(c.plugin, "webchat");
    assert_eq!(c.reports.len(), 14);
    for r in &c.reports {
        assert!(r.id.starts_with("webchat."));
        assert!(!r.columns.is_empty(), "{}", r.id);
    }
    assert_eq!(c.source_settings.len(), 3);
}
