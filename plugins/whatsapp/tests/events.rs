//! Golden tests of the template, line and opt-out reports, and of request validation.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::*;
use reportd_plugin_api::Plugin;
use reportd_whatsapp::WhatsappPlugin;
use serde_json::json;

fn hooks(dir: &std::path::Path) -> serde_json::Value {
    let lines = vec![
        template_event("old", "APPROVED", "NONE", T0 - 60),
        quality_event("FLAGGED", "TIER_1K", "TIER_1K", at(9, 0, 0)),
        template_event("order_shipped", "APPROVED", "NONE", at(10, 0, 0)),
        template_event("promo", "REJECTED", "INVALID_FORMAT", at(11, 0, 0)),
        quality_event("UPGRADE", "TIER_1K", "TIER_10K", at(12, 0, 0)),
        account_event(at(13, 0, 0)),
        template_event("promo", "APPROVED", "NONE", T0 + DAY),
    ];
    let p = write(dir, "hooks.jsonl", &lines);
    json!({"webhooks": p.to_str().unwrap()})
}

#[test]
fn template_status() {
    let dir = tempfile::tempdir().unwrap();
    let src = hooks(dir.path());
    let out = run(&request(
        "whatsapp.template_status",
        src.clone(),
        json!({}),
        T0,
        T0 + DAY,
    ))
    .unwrap();
    // In the period: order_shipped APPROVED 10:00, promo REJECTED 11:00.
    assert_eq!(
        out.rows,
        vec![
            vec![
                t("order_shipped"),
                t("pt_BR"),
                t("UTILITY"),
                t("APPROVED"),
                t("NONE"),
                Cell::Null,
                Cell::DateTime(local(at(10, 0, 0)))
            ],
            vec![
                t("promo"),
                t("pt_BR"),
                t("UTILITY"),
                t("REJECTED"),
                t("INVALID_FORMAT"),
                Cell::Null,
                Cell::DateTime(local(at(11, 0, 0)))
            ],
        ]
    );
    let out = run(&request(
        "whatsapp.template_status",
        src,
        json!({"template": ["promo"]}),
        T0,
        T0 + DAY,
    ))
    .unwrap();
    assert_eq!(out.rows.len(), 1);
}

#[test]
fn line_status() {
    let dir = tempfile::tempdir().unwrap();
    let src = hooks(dir.path());
    let out = run(&request(
        "whatsapp.line_status",
        src.clone(),
        json!({}),
        T0,
        T0 + DAY,
    ))
    .unwrap();
    assert_eq!(
        out.rows,
        vec![
            vec![
                t(LINE),
                Cell::Null,
                t("FLAGGED"),
                t("RED"),
                t("TIER_1K"),
                Cell::DateTime(local(at(9, 0, 0))),
                t("old_limit=TIER_1K")
            ],
            vec![
                t(LINE),
                Cell::Null,
                t("UPGRADE"),
                Cell::Null,
                t("TIER_10K"),
                Cell::DateTime(local(at(12, 0, 0))),
                t("old_limit=TIER_1K")
            ],
            vec![
                t(LINE),
                Cell::Null,
                t("ACCOUNT_RESTRICTION"),
                Cell::Null,
                Cell::Null,
                Cell::DateTime(local(at(13, 0, 0))),
                t("RESTRICTED_BIZ_INITIATED_MESSAGING")
            ],
        ]
    );
    let out = run(&request(
        "whatsapp.line_status",
        src,
        json!({"line": "999"}),
        T0,
        T0 + DAY,
    ))
    .unwrap();
    assert!(out.rows.is_empty());
}

#[test]
fn campaign_unsubscribes() {
    let dir = tempfile::tempdir().unwrap();
    let p = write(
        dir.path(),
        "optouts.jsonl",
        &[
            json!({"contact": "5511000002", "at": at(15, 0, 0), "campaign": "bf", "reason": "STOP"}).to_string(),
            json!({"contact": "5511000001", "contact_name": "Ana", "at": "2026-11-20T10:00:00-03:00", "channel": "whatsapp", "campaign": "bf"}).to_string(),
            json!({"contact": "5511000003", "at": T0 - 1}).to_string(),
            "{\"contact\": 5".to_owned(),
        ],
    );
    let src = json!({"optouts": p.to_str().unwrap()});
    let out = run(&request(
        "whatsapp.campaign_unsubscribes",
        src.clone(),
        json!({}),
        T0,
        T0 + DAY,
    ))
    .unwrap();
    // In time order; the previous-day one is out; the truncated line is a warning.
    assert_eq!(
        out.rows,
        vec![
            vec![
                t("Ana"),
                t("5511000001"),
                Cell::DateTime(local(at(10, 0, 0))),
                t("whatsapp"),
                t("bf"),
                Cell::Null
            ],
            vec![
                Cell::Null,
                t("5511000002"),
                Cell::DateTime(local(at(15, 0, 0))),
                t("WhatsApp"),
                t("bf"),
                t("STOP")
            ],
        ]
    );
    assert_eq!(out.warning("MALFORMED_OPTOUTS").unwrap().count, 1);
}

#[test]
fn catalog_and_validation() {
    let plugin = WhatsappPlugin::new();
    let cat = plugin.catalog();
    assert_eq!(cat.reports.len(), 11);
    assert!(
        cat.reports
            .iter()
            .all(|r| r.id.starts_with("whatsapp.") && !r.columns.is_empty())
    );
    // Missing inputs, unknown setting, bad parameter: all reported at once.
    let req = request(
        "whatsapp.hsm_active_sends",
        json!({"bogus": "x"}),
        json!({"bucket": "day"}),
        T0,
        T0 + DAY,
    );
    let problems = plugin.validate(&req).unwrap_err();
    let fields: Vec<&str> = problems.iter().map(|p| p.field.as_str()).collect();
    assert_eq!(
        fields,
        [
            "source.bogus",
            "params.bucket",
            "source.webhooks",
            "source.send_log"
        ]
    );
    // Relative paths resolve against config_dir; a missing file is a generation error.
    let req = request(
        "whatsapp.messages_by_status",
        json!({"webhooks": "hooks.jsonl", "config_dir": "/nonexistent"}),
        json!({}),
        T0,
        T0 + DAY,
    );
    plugin.validate(&req).unwrap();
    let mut sink = Collect::default();
    let err = plugin.generate(&req, &mut sink).unwrap_err();
    assert_eq!(err.code, "SOURCE_UNREADABLE");
    assert!(err.message.contains("/nonexistent/hooks.jsonl"));
}
