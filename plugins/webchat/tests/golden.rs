//! Golden tests from the REPORTS.md §5 sample tables: step analysis (§5.4), the per-bot
//! per-day export (§5.9) and the detailed-session wait times and dynamic columns (§5.10).
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::*;
use serde_json::json;

/// §5.4 sample plus the hidden 1-selection row (§8 A26) so the denominator is 35.
/// Sessions 0..8: Inicia → Menu principal → option → Finaliza conversación → end (+75 s).
/// Session 8: Inicia → TimeOut (631 s) → Finaliza → end (+75 s).
#[test]
fn step_analysis_seed_sample() {
    let dir = tempfile::tempdir().unwrap();
    step_fixture(dir.path());
    let out = nov_run(dir.path(), "webchat.step_analysis", json!({}));
    let d = |m: i64| Cell::Decimal(m, 2);
    let s = |x: i64| Cell::Duration(x * 1000);
    // pct = times / 35: 9 → 25.71, 8 → 22.86, 2 → 5.71, 1 → 2.86.
    let expected = vec![
        vec![t("Finaliza conversación"), Cell::Int(9), d(2571), s(75)],
        vec![t("Inicia Conversacion"), Cell::Int(9), d(2571), s(0)],
        vec![t("Menu principal"), Cell::Int(8), d(2286), s(0)],
        vec![t("Financieras"), Cell::Int(2), d(571), s(257)],
        vec![t("Salud"), Cell::Int(2), d(571), s(6)],
        vec![t("Seguros"), Cell::Int(2), d(571), s(4)],
        // Ties of 1 by name (the seed's tie order is unspecified): Otros is the hidden row.
        vec![t("Otros"), Cell::Int(1), d(286), s(3)],
        vec![t("TimeOut"), Cell::Int(1), d(286), s(631)],
        vec![t("Transporte y envíos"), Cell::Int(1), d(286), s(5)],
    ];
    assert_eq!(out.rows, expected);
    assert_eq!(out.meta["total_selections"], "35");
    let w = out.warning("MALFORMED_LINES").unwrap();
    assert_eq!(w.count, 2);
    assert_eq!(w.examples.len(), 2);
    assert_eq!(out.meta["malformed_lines"], "2");
}

#[test]
fn traffic_by_day_of_month_seed_export() {
    let dir = tempfile::tempdir().unwrap();
    traffic_fixture(dir.path());
    let out = nov_run(dir.path(), "webchat.traffic_by_day_of_month", json!({}));
    assert!(out.warning("MALFORMED_LINES").is_none());
    let mut expected: Vec<Vec<Cell>> = TRAFFIC
        .iter()
        .map(|(bot, day, n, u, i, o, l, w, a)| {
            vec![
                t(bot),
                Cell::Int(*day),
                Cell::Int(*n),
                Cell::Int(*u),
                Cell::Int(*i),
                Cell::Int(*o),
                Cell::Duration(*l),
                Cell::Duration(*w),
                Cell::Int(*a),
            ]
        })
        .collect();
    assert_eq!(out.rows.len(), 13);
    // Rows come by day, then bot in sessions-file order (Webchat, WhatsApp, Facebook); the
    // seed's within-day order is not a sort, so compare the day order and the row set.
    let days: Vec<Cell> = out.column("day");
    let mut sorted_days = days.clone();
    sorted_days.sort_by_key(|c| match c {
        Cell::Int(d) => *d,
        _ => 0,
    });
    assert_eq!(days, sorted_days);
    // Day 4 (rows 7..9) in file order: Webchat, WhatsApp, Facebook.
    assert_eq!(out.rows[8][0], t("Colombia WhatsApp Oficial"));
    assert_eq!(out.rows[9][0], t("Colombia Facebook"));
    let key = |r: &Vec<Cell>| format!("{:?}{:?}", r[1], r[0]);
    let mut got = out.rows.clone();
    got.sort_by_key(key);
    expected.sort_by_key(key);
    assert_eq!(got, expected);
}

#[test]
fn session_detail_wait_is_first_contact_minus_panel_start() {
    let dir = tempfile::tempdir().unwrap();
    detail_fixture(dir.path());
    let out = nov_run(
        dir.path(),
        "webchat.session_detail",
        json!({"mode": "panel"}),
    );
    // 9 attended + 1 abandoned reach the panel; the bot-only session is left out.
    assert_eq!(out.rows.len(), 10);
    let mut got: Vec<Cell> = out.column("wait_ms");
    let mut want: Vec<Cell> = WAITS.iter().map(|w| Cell::Duration(w.2)).collect();
    want.push(Cell::Null); // abandoned: no first contact, no wait
    let k = |c: &Cell| format!("{c:?}");
    got.sort_by_key(k);
    want.sort_by_key(k);
    assert_eq!(got, want);
    // Rows by start: the earliest panel session is 2022-11-17T11:01:08 local (11:02:08 − 60 s).
    let first = out.row(0);
    assert_eq!(
        first["session_start"],
        Cell::DateTime(local(nov(17, 11, 1, 8) + 68))
    );
    assert_eq!(first["panel"], Cell::Bool(true));
    assert_eq!(first["abandoned"], Cell::Bool(false));
    assert_eq!(first["agents"], t("Demos Colombia"));
    // Newest-first w0 (2022-11-22) is the 10th row by start (after a0 on the 18th).
    let last = out.row(9);
    assert_eq!(last["wait_ms"], Cell::Duration(14845));
    assert_eq!(last["menus"], t("MenuPrincipal: Bancos"));
    // serde_json keeps object keys sorted: Comentario before Motivo de consulta.
    assert_eq!(
        last["typifications"],
        t("Comentario: Prueba Hey Now Training | Motivo de consulta: Motivo 4")
    );
    assert_eq!(last["messages_in"], Cell::Int(1));
    assert_eq!(last["messages_out"], Cell::Int(2));
    assert_eq!(last["last_step"], t("Menu principal"));
    let ab = out.row(8);
    assert_eq!(ab["abandoned"], Cell::Bool(true));
    assert_eq!(ab["first_contact"], Cell::Null);
}

#[test]
fn session_detail_message_search_and_modes() {
    let dir = tempfile::tempdir().unwrap();
    detail_fixture(dir.path());
    // Search test: exactly one session (22/11/2022 11:06, Noelia, Demos Colombia).
    let out = nov_run(
        dir.path(),
        "webchat.session_detail",
        json!({"message_text": "prueba Hey Now Training"}),
    );
    assert_eq!(out.rows.len(), 1);
    assert_eq!(out.row(0)["wait_ms"], Cell::Duration(14845));
    assert_eq!(out.row(0)["contact_name"], t("Noelia"));
    let bot_only = nov_run(
        dir.path(),
        "webchat.session_detail",
        json!({"mode": "bot_only"}),
    );
    assert_eq!(bot_only.rows.len(), 1);
    assert_eq!(bot_only.row(0)["panel"], Cell::Bool(false));
    assert_eq!(bot_only.row(0)["contact_name"], t("Paulina"));
    let all = nov_run(dir.path(), "webchat.session_detail", json!({}));
    assert_eq!(all.rows.len(), 11);
    let abandoned = nov_run(
        dir.path(),
        "webchat.session_detail",
        json!({"abandoned": true}),
    );
    assert_eq!(abandoned.rows.len(), 1);
}
