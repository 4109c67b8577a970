//! The golden day of the whatsapp tests: one webhook stream and send log that exercise
//! every status path, read by `counts.rs` from JSONL files and by `database.rs` from a
//! PostgreSQL table, so both inputs are checked against the very same data.

use serde_json::{Value as Json, json};

use super::*;

pub const C1: &str = "5511000001";
pub const C2: &str = "5511000002";
pub const C3: &str = "5511000003";
pub const C4: &str = "5511000004";
pub const C5: &str = "5511000005";
pub const C6: &str = "5511000006";
pub const C7: &str = "5511000007";
pub const C8: &str = "5511000008";
pub const C9: &str = "5511000009";

/// The PMP-era day 2026-11-20 (Sao Paulo). Outbound messages and their expected status:
///
/// | msg | send log | webhooks | status at period end |
/// |---|---|---|---|
/// | m1 | HSM promo → C1 10:00, campaign bf | sent, delivered, read | Lido |
/// | m2 | HSM aviso → C2 10:05, user maria | read 10:06 *then* sent (no delivered) | Lido |
/// | m3 | HSM promo → C3 10:10, automation | failed 131026, then a late delivered | Falhou |
/// | m4 | HSM promo → C1 11:00, campaign bf | sent ×2, delivered ×2 (duplicates) | Recebido |
/// | m5 | HSM promo → C4 23:50, campaign bf | sent; read next day 00:10 | Enviado |
/// | m6 | HSM aviso → C5 23:55, user maria | none | Novo |
/// | m7 | free-form → C1 10:02, user joao | delivered | Recebido |
/// | m8 | — (webhook only) → C8 | sent 12:00 (utility, free_entry_point) | Enviado |
/// | m9 | HSM → C9 previous day 23:00 | read 08:00 | not in the period |
///
/// Inbound: i0 C7 previous day 20:00; i1 C1 10:01:30 (delivered twice); i2 C6 14:00;
/// i3 C6 14:30; i4 C7 09:00.
pub fn fixture_lines() -> (Vec<String>, Vec<String>) {
    let mk = |st: Json, cat: &str| with_pricing(st, pmp(cat, "regular"));
    let hooks = vec![
        inbound("i0", C7, "Caio", T0 - 4 * 3600),
        statuses(vec![mk(status("m9", "read", at(8, 0, 0), C9), "utility")]),
        inbound("i4", C7, "Caio", at(9, 0, 0)),
        statuses(vec![
            mk(status("m1", "sent", at(10, 0, 1), C1), "marketing"),
            mk(status("m1", "delivered", at(10, 0, 5), C1), "marketing"),
        ]),
        statuses(vec![mk(
            status("m1", "read", at(10, 1, 0), C1),
            "marketing",
        )]),
        inbound("i1", C1, "Ana", at(10, 1, 30)),
        inbound("i1", C1, "Ana", at(10, 1, 30)),
        statuses(vec![with_pricing(
            status("m7", "delivered", at(10, 2, 5), C1),
            pmp("service", "free_customer_service"),
        )]),
        statuses(vec![mk(status("m2", "read", at(10, 6, 0), C2), "utility")]),
        statuses(vec![mk(status("m2", "sent", at(10, 5, 1), C2), "utility")]),
        statuses(vec![with_error(
            status("m3", "failed", at(10, 10, 2), C3),
            131026,
            "Message undeliverable",
        )]),
        statuses(vec![status("m3", "delivered", at(10, 10, 30), C3)]),
        statuses(vec![mk(
            status("m4", "sent", at(11, 0, 1), C1),
            "marketing",
        )]),
        statuses(vec![mk(
            status("m4", "sent", at(11, 0, 1), C1),
            "marketing",
        )]),
        statuses(vec![
            mk(status("m4", "delivered", at(11, 0, 3), C1), "marketing"),
            mk(status("m4", "delivered", at(11, 0, 3), C1), "marketing"),
        ]),
        statuses(vec![with_pricing(
            status("m8", "sent", at(12, 0, 0), C8),
            pmp("utility", "free_entry_point"),
        )]),
        inbound("i2", C6, "Bruno", at(14, 0, 0)),
        inbound("i3", C6, "Bruno", at(14, 30, 0)),
        statuses(vec![mk(
            status("m5", "sent", at(23, 50, 1), C4),
            "marketing",
        )]),
        statuses(vec![mk(
            status("m5", "read", at(24, 10, 0), C4),
            "marketing",
        )]),
    ];
    let sends = vec![
        send(
            "m9",
            T0 - 3600,
            C9,
            json!({"template": "aviso", "user": "maria"}),
        ),
        send(
            "m1",
            at(10, 0, 0),
            C1,
            json!({"template": "promo", "campaign": "bf", "text": "<p>Oferta</p>", "queued": true}),
        ),
        send(
            "m7",
            at(10, 2, 0),
            C1,
            json!({"user": "joao", "text": "Olá Ana"}),
        ),
        send(
            "m2",
            at(10, 5, 0),
            C2,
            json!({"template": "aviso", "user": "maria", "contact_name": "Beto"}),
        ),
        send("m3", at(10, 10, 0), C3, json!({"template": "promo"})),
        send(
            "m4",
            at(11, 0, 0),
            C1,
            json!({"template": "promo", "campaign": "bf"}),
        ),
        send(
            "m5",
            at(23, 50, 0),
            C4,
            json!({"template": "promo", "campaign": "bf"}),
        ),
        send(
            "m6",
            at(23, 55, 0),
            C5,
            json!({"template": "aviso", "user": "maria"}),
        ),
    ];
    (hooks, sends)
}
