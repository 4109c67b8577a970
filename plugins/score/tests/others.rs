//! Golden tests of the ACW, forms and Score AI reports (§6.6–§6.9).
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::*;
use serde_json::json;

fn mora() -> serde_json::Value {
    json!({"company": "Acme", "campaign": "Mora"})
}

#[test]
fn acw_logs_join_contacts_and_tickets() {
    let dir = tempfile::tempdir().unwrap();
    let src = score_data::fixture_all(dir.path());
    let out = run(&request(
        "score.acw_logs",
        src.clone(),
        mora(),
        T0,
        T0 + DAY,
    ))
    .unwrap();
    // k1 logs of 03-10 in time order: 08:00 (C2), 09:12 (ticket t1 → C1); k2's is excluded;
    // the record without `at` is malformed.
    assert_eq!(out.rows.len(), 2);
    let r = out.row(0);
    assert_eq!(r["date"], Cell::Date(DAY0));
    assert_eq!(r["time"], Cell::Time(8 * 3600));
    assert_eq!(
        (
            r["contact_name"].clone(),
            r["contact_phone"].clone(),
            r["base"].clone()
        ),
        (t("Bruno"), t("5100"), t("Base B"))
    );
    assert_eq!(r["user_name"], t("Beto"));
    let r = out.row(1);
    // 09:12 = 9·3600 + 12·60 = 33120.
    assert_eq!(r["time"], Cell::Time(33_120));
    assert_eq!(
        (r["contact_code"].clone(), r["contact_name"].clone()),
        (t("C1"), t("Ana Pérez"))
    );
    // Phone from the ticket, base from the contact.
    assert_eq!(
        (r["contact_phone"].clone(), r["base"].clone()),
        (t("5199"), t("Base marzo"))
    );
    assert_eq!(
        (r["company"].clone(), r["campaign"].clone()),
        (t("Acme"), t("Mora"))
    );
    // Only the tables this report reads count: the acw_logs row without `at`.
    assert_eq!(out.warning("MALFORMED_RECORDS").unwrap().count, 1);

    let mut p = mora();
    p["user"] = json!("u1");
    let out = run(&request("score.acw_logs", src, p, T0, T0 + DAY)).unwrap();
    assert_eq!(out.column("contact_code"), vec![t("C1")]);
}

#[test]
fn acw_logs_disabled_campaign_warns() {
    let dir = tempfile::tempdir().unwrap();
    let src = score_data::fixture_all(dir.path());
    let out = run(&request(
        "score.acw_logs",
        src,
        json!({"company": "Acme", "campaign": "Ventas"}),
        T0,
        T0 + DAY,
    ))
    .unwrap();
    assert!(out.rows.is_empty());
    assert!(out.warning("ACW_LOG_DISABLED").is_some());
}

#[test]
fn acw_default_typifications_only_defaults() {
    let dir = tempfile::tempdir().unwrap();
    let src = score_data::fixture_all(dir.path());
    let out = run(&request(
        "score.acw_default_typifications",
        src,
        mora(),
        T0,
        T0 + DAY,
    ))
    .unwrap();
    // y3 (acw_default true, 09:20) and y4 ("true", 10:05).
    assert_eq!(
        out.column("typ_group"),
        vec![t("No contactado"), t("Contactado")]
    );
    let r = out.row(0);
    // 09:20 = 33600 s.
    assert_eq!(r["time"], Cell::Time(33_600));
    assert_eq!(
        (
            r["contact_code"].clone(),
            r["contact_name"].clone(),
            r["contact_phone"].clone()
        ),
        (t("C1"), t("Ana Pérez"), t("5199"))
    );
    assert_eq!(
        (
            r["user_name"].clone(),
            r["base"].clone(),
            r["typ_reason"].clone()
        ),
        (t("Ana"), t("Base marzo"), t("Sin respuesta"))
    );
}

#[test]
fn forms_dynamic_columns_in_form_order() {
    let dir = tempfile::tempdir().unwrap();
    let src = score_data::fixture_all(dir.path());
    let mut p = mora();
    p["form"] = json!("Encuesta");
    let out = run(&request("score.forms", src.clone(), p, T0, T0 + DAY)).unwrap();
    let ids = out.column_ids();
    assert_eq!(ids.len(), 9 + 3);
    assert_eq!(
        &ids[9..],
        &["form.Motivo llamada", "form.Satisfecho", "form.Email"]
    );
    assert_eq!(out.column("id"), vec![t("a1"), t("a2")]);
    let r = out.row(0);
    assert_eq!(
        (
            r["form.Motivo llamada"].clone(),
            r["form.Satisfecho"].clone(),
            r["form.Email"].clone()
        ),
        (t("Pago"), t("Sí"), Cell::Null)
    );
    assert_eq!(
        (
            r["contact_name"].clone(),
            r["user_name"].clone(),
            r["management_id"].clone()
        ),
        (t("Ana Pérez"), t("Ana"), t("g-y1"))
    );
    // 09:03 = 32580 s.
    assert_eq!(r["time"], Cell::Time(32_580));
    assert_eq!(out.row(1)["form.Email"], t("b@example.com"));
    assert_eq!(out.meta["form"], "Encuesta");
    // a5's `at` is not a timestamp (plus y7 and the non-JSON typification line are not read:
    // this report does not load typifications).
    assert_eq!(out.warning("MALFORMED_RECORDS").unwrap().count, 1);

    let mut p = mora();
    p["form"] = json!("f2");
    let e = run(&request("score.forms", src, p, T0, T0 + DAY)).unwrap_err();
    assert_eq!(e.code, "UNKNOWN_FORM");
}

#[test]
fn ai_usage_per_user_per_day() {
    let dir = tempfile::tempdir().unwrap();
    let src = score_data::fixture_all(dir.path());
    let out = run(&request("score.ai_usage", src, mora(), T0, T0 + 2 * DAY)).unwrap();
    // (03-10, u1) = 09:00 + 23:59 = 2; (03-10, u2) = 1; (03-11, u1) = 00:00 = 1. k2 excluded.
    assert_eq!(
        out.column("conclusions"),
        vec![Cell::Int(2), Cell::Int(1), Cell::Int(1)]
    );
    assert_eq!(
        out.column("date"),
        vec![Cell::Date(DAY0), Cell::Date(DAY0), Cell::Date(DAY0 + 1)]
    );
    assert_eq!(out.column("user_name"), vec![t("Ana"), t("Beto"), t("Ana")]);
    assert_eq!(
        out.column("profile"),
        vec![t("Agente"), t("Administrador"), t("Agente")]
    );
    assert_eq!(out.warning("MALFORMED_RECORDS").unwrap().count, 1);
}
