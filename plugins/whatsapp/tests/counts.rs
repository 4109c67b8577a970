//! Golden tests of the message and session reports from a hand-written webhook stream and
//! send log covering every status path, both pricing eras, duplicates, out-of-order and
//! after-period statuses.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::golden::*;
use common::*;
use serde_json::json;

/// The golden day (`common::golden`) written as JSONL files.
fn fixture(dir: &std::path::Path) -> serde_json::Value {
    let (hooks, sends) = fixture_lines();
    let h = write(dir, "hooks.jsonl", &hooks);
    let s = write(dir, "sends.jsonl", &sends);
    json!({"webhooks": h.to_str().unwrap(), "send_log": s.to_str().unwrap()})
}

fn day(report: &str, source: &serde_json::Value, params: serde_json::Value) -> Collect {
    run(&request(report, source.clone(), params, T0, T0 + DAY)).unwrap()
}

#[test]
fn messages_by_status_every_path() {
    let dir = tempfile::tempdir().unwrap();
    let src = fixture(dir.path());
    let out = day("whatsapp.messages_by_status", &src, json!({}));
    // Lido m1 m2 · Recebido m4 m7 · Enviado m5 m8 · Falhou m3 · Novo m6 (m9 sent before).
    let d = Cell::Date(DAY0);
    assert_eq!(
        out.rows,
        vec![
            vec![d.clone(), t("Lido"), Cell::Int(2)],
            vec![d.clone(), t("Recebido"), Cell::Int(2)],
            vec![d.clone(), t("Enviado"), Cell::Int(2)],
            vec![d.clone(), t("Falhou"), Cell::Int(1)],
            vec![d, t("Novo"), Cell::Int(1)],
        ]
    );
    // m5's read (00:10 next day) is after the period end.
    assert_eq!(out.meta["events_after_period"], "1");
    assert!(out.warning("MALFORMED_LINES").is_none());

    // Without the send log there is no pending, and a message's time is its earliest status:
    // m9's only status (read 08:00) is in the period, so it counts as read that day.
    let only_hooks = json!({"webhooks": src["webhooks"]});
    let out = day("whatsapp.messages_by_status", &only_hooks, json!({}));
    // Lido m1 m2 m9 · Recebido m4 m7 · Enviado m5 m8 · Falhou m3 · Novo 0.
    let n: Vec<Cell> = out.column("messages");
    assert_eq!(n, [3, 2, 2, 1, 0].map(Cell::Int).to_vec());
}

#[test]
fn messages_by_status_per_day_spans_two_days() {
    let dir = tempfile::tempdir().unwrap();
    let src = fixture(dir.path());
    // Period = previous day + the fixture day, bucket day.
    let out = run(&request(
        "whatsapp.messages_by_status",
        src,
        json!({"bucket": "day"}),
        T0 - DAY,
        T0 + DAY,
    ))
    .unwrap();
    // Previous day: m9 (sent 23:00, read) → Lido 1. Fixture day as before.
    assert_eq!(out.rows.len(), 10);
    assert_eq!(
        out.rows[0],
        vec![Cell::Date(DAY0 - 1), t("Lido"), Cell::Int(1)]
    );
    assert_eq!(
        out.rows[4],
        vec![Cell::Date(DAY0 - 1), t("Novo"), Cell::Int(0)]
    );
    assert_eq!(out.rows[5], vec![Cell::Date(DAY0), t("Lido"), Cell::Int(2)]);
}

#[test]
fn messages_by_origin() {
    let dir = tempfile::tempdir().unwrap();
    let src = fixture(dir.path());
    let out = day("whatsapp.messages_by_origin", &src, json!({}));
    // enviada: m1–m8 = 8; recebida: i1 (once), i2, i3, i4 = 4 (i0 is the previous day).
    assert_eq!(
        out.rows,
        vec![
            vec![Cell::Date(DAY0), t("enviada"), Cell::Int(8)],
            vec![Cell::Date(DAY0), t("recebida"), Cell::Int(4)],
        ]
    );
}

#[test]
fn sessions_and_cases() {
    let dir = tempfile::tempdir().unwrap();
    let src = fixture(dir.path());
    let out = day("whatsapp.sessions", &src, json!({"portfolio": "Varejo"}));
    // Opened in the period: C1 by m1 10:00, C2 by m2 10:05, C6 by i2 14:00, C4 by m5 23:50,
    // C5 by m6 23:55. Not: C3 (m3 failed), C7 (opened the previous day by i0, refreshed by
    // i4), C9 (previous day), C8 (no send-log record).
    assert_eq!(
        out.column("contact_phone"),
        [C1, C2, C6, C4, C5].map(t).to_vec()
    );
    let r = out.row(0);
    assert_eq!(
        r["session_id"],
        t(&format!("{LINE_ID}-{C1}-{}", at(10, 0, 0)))
    );
    assert_eq!(r["line_number"], t(LINE));
    assert_eq!(r["contact_name"], t("Ana"));
    assert_eq!(r["opened_by"], t("empresa"));
    assert_eq!(r["opened_at"], Cell::DateTime(local(at(10, 0, 0))));
    // Refreshed by i1 at 10:01:30: expires 24 h later.
    assert_eq!(r["expires_at"], Cell::DateTime(local(at(10, 1, 30) + DAY)));
    assert_eq!(r["template"], t("promo"));
    assert_eq!(r["portfolio"], t("Varejo"));
    let r = out.row(1);
    assert_eq!(r["contact_name"], t("Beto"));
    let r = out.row(2);
    assert_eq!(r["opened_by"], t("contato"));
    assert_eq!(r["template"], Cell::Null);
    // i3 at 14:30 refreshed the window.
    assert_eq!(r["expires_at"], Cell::DateTime(local(at(14, 30, 0) + DAY)));

    let out = day("whatsapp.cases_by_period", &src, json!({}));
    assert_eq!(out.rows, vec![vec![Cell::Date(DAY0), Cell::Int(5)]]);
    let out = run(&request(
        "whatsapp.cases_by_period",
        src,
        json!({"bucket": "day"}),
        T0 - DAY,
        T0 + DAY,
    ))
    .unwrap();
    // Previous day: C7 (i0 20:00) and C9 (m9 23:00) = 2.
    assert_eq!(
        out.rows,
        vec![
            vec![Cell::Date(DAY0 - 1), Cell::Int(2)],
            vec![Cell::Date(DAY0), Cell::Int(5)]
        ]
    );
}

#[test]
fn consumption_detail_pmp() {
    let dir = tempfile::tempdir().unwrap();
    let src = fixture(dir.path());
    let out = day("whatsapp.consumption_detail", &src, json!({}));
    let case = |c: &str, t0: i64| t(&format!("{LINE_ID}-{c}-{t0}"));
    let (c7, c1) = (case(C7, T0 - 4 * 3600), case(C1, at(10, 0, 0)));
    // Cases by opening time (C7 the previous evening), messages in order; m3 (outside any
    // window: its HSM failed) and m8 (webhook only, no session) last.
    assert_eq!(
        out.column("case_id"),
        vec![
            c7,
            c1.clone(),
            c1.clone(),
            c1.clone(),
            c1,
            case(C2, at(10, 5, 0)),
            case(C6, at(14, 0, 0)),
            case(C6, at(14, 0, 0)),
            case(C4, at(23, 50, 0)),
            case(C5, at(23, 55, 0)),
            Cell::Null,
            Cell::Null,
        ]
    );
    let ints = |v: &[i64]| v.iter().map(|i| Cell::Int(*i)).collect::<Vec<_>>();
    let mut order = ints(&[2, 1, 2, 3, 4, 1, 1, 2, 1, 1]);
    order.extend([Cell::Null, Cell::Null]);
    assert_eq!(out.column("message_order"), order);
    assert_eq!(
        out.column("send_kind"),
        [
            "WApp", "HSM", "WApp", "WApp", "HSM", "HSM", "WApp", "WApp", "HSM", "HSM", "HSM", "HSM"
        ]
        .map(t)
        .to_vec()
    );
    let n = Cell::Null;
    assert_eq!(
        out.column("status"),
        vec![
            n.clone(),
            t("Lido"),
            n.clone(),
            t("Recebido"),
            t("Recebido"),
            t("Lido"),
            n.clone(),
            n.clone(),
            t("Enviado"),
            t("Novo"),
            t("Falhou"),
            t("Enviado"),
        ]
    );
    // PMP billable = type regular: m7 free_customer_service and m8 free_entry_point are not.
    let b = Cell::Bool;
    assert_eq!(
        out.column("billable"),
        vec![
            n.clone(),
            b(true),
            n.clone(),
            b(false),
            b(true),
            b(true),
            n.clone(),
            n.clone(),
            b(true),
            n.clone(),
            n.clone(),
            b(false),
        ]
    );
    let r = out.row(3);
    assert_eq!(r["replies"], t("Olá Ana"));
    assert_eq!(r["pricing_model"], t("PMP"));
    assert_eq!(r["pricing_category"], t("service"));
    assert_eq!(r["pricing_type"], t("free_customer_service"));
    // Last agent of C1's case: m7 by joao (m1, m4 are campaign sends without a user).
    assert_eq!(r["last_agent"], t("joao"));
    assert_eq!(r["case_type"], t("ativo"));
    assert_eq!(r["session_type"], t("HSM"));
    assert_eq!(r["created_at"], Cell::DateTime(local(at(10, 0, 0))));
    assert_eq!(out.row(0)["session_type"], t("cliente"));
    assert_eq!(out.row(0)["case_type"], t("receptivo"));
    assert_eq!(out.row(0)["channel"], t("WhatsApp"));
}

#[test]
fn consumption_detail_cbp_era() {
    // 2025-06-30, conversation-based pricing: one marketing HSM (conv1, read) and a
    // service reply inside the customer's window (conv2, delivered).
    let at = |h: i64, m: i64| T_CBP + h * 3600 + m * 60;
    let hooks = vec![
        statuses(vec![with_cbp(
            status("c1", "sent", at(9, 0), C1),
            "conv1",
            "marketing",
        )]),
        statuses(vec![with_cbp(
            status("c1", "delivered", at(9, 1), C1),
            "conv1",
            "marketing",
        )]),
        statuses(vec![status("c1", "read", at(9, 2), C1)]),
        inbound("in1", C2, "Dora", at(10, 0)),
        statuses(vec![with_cbp(
            status("c2", "delivered", at(10, 5), C2),
            "conv2",
            "service",
        )]),
    ];
    let dir = tempfile::tempdir().unwrap();
    let h = write(dir.path(), "hooks.jsonl", &hooks);
    let src = json!({"webhooks": h.to_str().unwrap()});
    let out = run(&request(
        "whatsapp.consumption_detail",
        src.clone(),
        json!({}),
        T_CBP,
        T_CBP + DAY,
    ))
    .unwrap();
    // Without a send log c1 opens no session; in1 opens C2's, c2 falls inside it.
    assert_eq!(out.rows.len(), 3);
    let r = out.row(0);
    assert_eq!(r["phone"], t(C2));
    assert_eq!(r["message_order"], Cell::Int(1));
    let r = out.row(1);
    assert_eq!(r["message_order"], Cell::Int(2));
    assert_eq!(r["send_kind"], t("WApp"));
    assert_eq!(r["pricing_model"], t("CBP"));
    assert_eq!(r["conversation_id"], t("conv2"));
    let r = out.row(2);
    assert_eq!(r["case_id"], Cell::Null);
    assert_eq!(r["send_kind"], t("HSM"));
    assert_eq!(r["status"], t("Lido"));
    assert_eq!(r["pricing_category"], t("marketing"));
    assert_eq!(r["pricing_type"], Cell::Null);
    assert_eq!(r["billable"], Cell::Bool(true));
    assert_eq!(r["conversation_id"], t("conv1"));

    let out = run(&request(
        "whatsapp.messages_by_status",
        src,
        json!({}),
        T_CBP,
        T_CBP + DAY,
    ))
    .unwrap();
    assert_eq!(
        out.column("messages"),
        [1, 1, 0, 0, 0].map(Cell::Int).to_vec()
    );
}

#[test]
fn hsm_active_sends() {
    let dir = tempfile::tempdir().unwrap();
    let src = fixture(dir.path());
    let out = day("whatsapp.hsm_active_sends", &src, json!({}));
    // Template sends of the day in send order: m1 m2 m3 m4 m5 m6 (m7 is free-form, m9 the
    // previous day).
    assert_eq!(
        out.column("contact_phone"),
        [C1, C2, C3, C1, C4, C5].map(t).to_vec()
    );
    assert_eq!(
        out.column("status"),
        ["read", "read", "failed", "delivered", "sent", "pending"]
            .map(t)
            .to_vec()
    );
    assert_eq!(
        out.column("origin"),
        [
            "campaign",
            "user",
            "automation",
            "campaign",
            "campaign",
            "user"
        ]
        .map(t)
        .to_vec()
    );
    assert_eq!(
        out.column("status_at"),
        vec![
            Cell::DateTime(local(at(10, 1, 0))),
            // m2's read came before its sent: the read time stands.
            Cell::DateTime(local(at(10, 6, 0))),
            Cell::DateTime(local(at(10, 10, 2))),
            // Duplicate delivered statuses: one time.
            Cell::DateTime(local(at(11, 0, 3))),
            // m5's read is after the period end.
            Cell::DateTime(local(at(23, 50, 1))),
            Cell::Null,
        ]
    );
    let r = out.row(2);
    assert_eq!(r["error"], t("131026 Message undeliverable"));
    assert_eq!(r["sent_at"], Cell::DateTime(local(at(10, 10, 0))));
    assert_eq!(r["line_number"], t(LINE));
    assert_eq!(out.row(1)["contact_name"], t("Beto"));
    assert_eq!(out.row(0)["campaign"], t("bf"));

    let out = day("whatsapp.hsm_active_sends", &src, json!({"campaign": "bf"}));
    assert_eq!(out.rows.len(), 3);
}

#[test]
fn hsm_sends_by_user() {
    let dir = tempfile::tempdir().unwrap();
    let src = fixture(dir.path());
    let out = day("whatsapp.hsm_sends_by_user", &src, json!({}));
    // Manual template sends: m2 and m6, both by maria.
    assert_eq!(
        out.rows,
        vec![
            vec![
                t("maria"),
                Cell::DateTime(local(at(10, 5, 0))),
                t(C2),
                t("aviso"),
                t("read")
            ],
            vec![
                t("maria"),
                Cell::DateTime(local(at(23, 55, 0))),
                t(C5),
                t("aviso"),
                t("pending")
            ],
        ]
    );
    // joao only sent a free-form message.
    let out = day("whatsapp.hsm_sends_by_user", &src, json!({"user": "joao"}));
    assert!(out.rows.is_empty());
}

#[test]
fn outbound_campaign_results() {
    let dir = tempfile::tempdir().unwrap();
    let src = fixture(dir.path());
    let out = day("whatsapp.outbound_campaign_results", &src, json!({}));
    assert_eq!(
        out.column("status"),
        [
            "Leído",
            "Leído",
            "Fallido",
            "Recibido",
            "Enviado",
            "Pendiente"
        ]
        .map(t)
        .to_vec()
    );
    // The seed's test vector: Status: read ↔ Leído.
    assert_eq!(
        out.row(0),
        [
            ("contact", t(C1)),
            ("sent_at", Cell::DateTime(local(at(10, 0, 0)))),
            ("queued", Cell::Bool(true)),
            ("status", t("Leído")),
            ("message", t("<p>Oferta</p>")),
            ("template", t("promo")),
            ("channel_status", t("Status: read")),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_owned(), v))
        .collect()
    );
    assert_eq!(out.row(5)["channel_status"], Cell::Null);
    let out = day(
        "whatsapp.outbound_campaign_results",
        &src,
        json!({"status": "Leído"}),
    );
    assert_eq!(out.column("contact"), [C1, C2].map(t).to_vec());
    let out = day(
        "whatsapp.outbound_campaign_results",
        &src,
        json!({"queued": true}),
    );
    assert_eq!(out.rows.len(), 1);
    let out = day(
        "whatsapp.outbound_campaign_results",
        &src,
        json!({"template": "aviso", "bot": LINE}),
    );
    assert_eq!(out.column("contact"), [C2, C5].map(t).to_vec());
}
