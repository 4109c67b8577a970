//! Golden tests of the typification reports (§6.1–§6.3).
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::*;
use serde_json::json;

fn mora() -> serde_json::Value {
    json!({"company": "Acme", "campaign": "Mora"})
}

#[test]
fn by_contact_rows_cobranza_columns_and_custom_fields() {
    let dir = tempfile::tempdir().unwrap();
    let src = score_data::fixture(dir.path());
    let out = run(&request(
        "score.typifications_by_contact",
        src,
        mora(),
        T0,
        T0 + DAY,
    ))
    .unwrap();
    // k1 typifications of 03-10 in time order: y1 09:00, y9 09:05, y3 09:20, y8 09:30,
    // y2 09:40, y4 10:05 (y5 is campaign k2, y6 the day before, y7 has no typified_at).
    assert_eq!(
        out.column("management_id"),
        ["g-y1", "g-y9", "g-y3", "g-y8", "g-y2", "g-y4"]
            .map(t)
            .to_vec()
    );
    // Custom contact fields appended in template order (position), not file order.
    let ids = out.column_ids();
    assert_eq!(ids.len(), 29 + 2);
    assert_eq!(&ids[29..], &["contact.Deuda", "contact.Producto"]);
    assert_eq!(out.columns[29].title.es, "Deuda");
    let r = out.row(0);
    assert_eq!(r["company"], t("Acme"));
    assert_eq!(r["campaign"], t("Mora"));
    assert_eq!(r["contact_name"], t("Ana Pérez"));
    assert_eq!(
        r["contact_created_at"],
        Cell::DateTime(local(at(-60, 10, 0)))
    );
    assert_eq!(r["typ_subreason"], Cell::Null);
    assert_eq!(r["atk_result"], Cell::Null);
    assert_eq!(r["typified_at"], Cell::DateTime(local(at(0, 9, 0))));
    assert_eq!(r["ticket_resolved_at"], Cell::DateTime(local(at(0, 9, 10))));
    // Cobranza: 2026-03-15 = day 20522 + 5.
    assert_eq!(r["pdp_date"], Cell::Date(DAY0 + 5));
    assert_eq!(r["pdp_amount"], Cell::Dec(15050, 2));
    assert_eq!(r["callback_at"], Cell::DateTime(local(at(1, 10, 0))));
    assert_eq!(r["user_extension"], t("101"));
    assert_eq!(r["contact.Deuda"], t("1500"));
    assert_eq!(r["contact.Producto"], t("Tarjeta"));
    // y2: WhatsApp ticket (no extension), unresolved, contact without custom fields.
    let r = out.row(4);
    assert_eq!(r["user_name"], t("Beto"));
    assert_eq!(r["user_extension"], Cell::Null);
    assert_eq!(r["ticket_resolved_at"], Cell::Null);
    assert_eq!(r["pdp_amount"], Cell::Dec(100, 0));
    assert_eq!(r["contact.Deuda"], Cell::Null);
    // y9's own user_id wins over the ticket's.
    assert_eq!(out.row(1)["user_id"], t("u1"));
    // y7 (no typified_at) and the non-JSON line.
    assert_eq!(out.warning("MALFORMED_RECORDS").unwrap().count, 2);
}

#[test]
fn non_cobranza_campaign_has_empty_pdp_columns() {
    let dir = tempfile::tempdir().unwrap();
    let src = score_data::fixture(dir.path());
    let out = run(&request(
        "score.typifications_by_contact",
        src,
        json!({"company": "co1", "campaign": "k2"}),
        T0,
        T0 + DAY,
    ))
    .unwrap();
    assert_eq!(out.rows.len(), 1);
    let r = out.row(0);
    assert_eq!(r["campaign"], t("Ventas"));
    assert_eq!(r["pdp_amount"], Cell::Null);
    assert_eq!(r["pdp_date"], Cell::Null);
    assert_eq!(r["contact_name"], t("Otra persona"));
    assert_eq!(out.column_ids()[29..], ["contact.Otro"]);
}

#[test]
fn by_product_codes_and_filter() {
    let dir = tempfile::tempdir().unwrap();
    let src = score_data::fixture(dir.path());
    let mut p = mora();
    p["product"] = json!("P1");
    let out = run(&request(
        "score.typifications_by_product",
        src,
        p,
        T0,
        T0 + DAY,
    ))
    .unwrap();
    assert_eq!(out.columns.len(), 31);
    assert_eq!(out.rows.len(), 2);
    let r = out.row(0);
    assert_eq!(r["product_code"], t("P1"));
    assert_eq!(
        (
            r["typ_group_code"].clone(),
            r["typ_result_code"].clone(),
            r["typ_reason_code"].clone()
        ),
        (t("G1"), t("R1"), t("M1"))
    );
    assert_eq!(r["typ_subreason_code"], Cell::Null);
    assert_eq!(out.row(1)["typ_result"], t("Buzón"));
}

#[test]
fn by_hour_counts_per_contact_type() {
    let dir = tempfile::tempdir().unwrap();
    let src = score_data::fixture(dir.path());
    let mut p = mora();
    p["time_from"] = json!("09:00");
    p["time_to"] = json!("10:00");
    let out = run(&request(
        "score.typifications_by_hour",
        src,
        p,
        T0,
        T0 + DAY,
    ))
    .unwrap();
    // In [09:00, 10:00): y1 u1 direct (PDP 150.50), y9 u1 indirect (same typification),
    // y3 u1 no contact, y8 u1 unknown contact type (malformed), y2 u2 direct (PDP 100).
    // y4 at 10:05 is outside the window.
    assert_eq!(out.rows.len(), 3);
    let i = Cell::Int;
    let r = out.row(0);
    assert_eq!(
        (
            r["user_id"].clone(),
            r["hour"].clone(),
            r["typ_result"].clone()
        ),
        (t("u1"), i(9), t("Promesa"))
    );
    // total = direct 1 + indirect 1 + no_contact 0 = 2.
    assert_eq!(
        (
            r["total"].clone(),
            r["direct"].clone(),
            r["indirect"].clone(),
            r["no_contact"].clone()
        ),
        (i(2), i(1), i(1), i(0))
    );
    assert_eq!(
        (r["pdp_count"].clone(), r["pdp_amount"].clone()),
        (i(1), Cell::Dec(15050, 2))
    );
    assert_eq!(r["date"], Cell::Date(DAY0));
    assert_eq!(r["user_name"], t("Ana"));
    let r = out.row(1);
    assert_eq!(
        (
            r["typ_group"].clone(),
            r["no_contact"].clone(),
            r["total"].clone()
        ),
        (t("No contactado"), i(1), i(1))
    );
    let r = out.row(2);
    // 100 → 10000 cents.
    assert_eq!(
        (
            r["user_id"].clone(),
            r["direct"].clone(),
            r["pdp_amount"].clone()
        ),
        (t("u2"), i(1), Cell::Dec(10000, 2))
    );
    // y7, the non-JSON line, y8.
    assert_eq!(out.warning("MALFORMED_RECORDS").unwrap().count, 3);
}

#[test]
fn by_hour_one_user() {
    let dir = tempfile::tempdir().unwrap();
    let src = score_data::fixture(dir.path());
    let p = json!({"company": "Acme", "campaign": "Mora", "user": "u2", "time_from": "00:00", "time_to": "24:00"});
    let out = run(&request(
        "score.typifications_by_hour",
        src,
        p,
        T0,
        T0 + DAY,
    ))
    .unwrap();
    assert_eq!(out.rows.len(), 1);
    assert_eq!(out.row(0)["total"], Cell::Int(1));
}

#[test]
fn data_checks_history_and_unknown_campaign() {
    let dir = tempfile::tempdir().unwrap();
    let src = score_data::fixture(dir.path());
    // Other's profile was created 2026-03-11; the period starts 03-10 (R-SCORE-HISTORY).
    let e = run(&request(
        "score.typifications_by_contact",
        src.clone(),
        json!({"company": "Other", "campaign": "Mora"}),
        T0,
        T0 + DAY,
    ))
    .unwrap_err();
    assert_eq!(e.code, "BEFORE_HISTORY");
    // Ventas belongs to Acme, not Other.
    let e = run(&request(
        "score.typifications_by_contact",
        src.clone(),
        json!({"company": "Other", "campaign": "Ventas"}),
        T0 + DAY,
        T0 + 2 * DAY,
    ))
    .unwrap_err();
    assert_eq!(e.code, "UNKNOWN_CAMPAIGN");
    let e = run(&request(
        "score.typifications_by_contact",
        src,
        json!({"company": "Nope", "campaign": "Mora"}),
        T0,
        T0 + DAY,
    ))
    .unwrap_err();
    assert_eq!(e.code, "UNKNOWN_COMPANY");
}
