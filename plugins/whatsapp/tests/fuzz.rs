//! Fuzz-style robustness: random bytes, truncated and mutated POST bodies never panic, and
//! every rejected line is counted in the MALFORMED_LINES warning.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::*;
use rand::{Rng, SeedableRng, rngs::StdRng};
use serde_json::json;

#[test]
fn random_and_truncated_lines_are_counted_never_fatal() {
    let mut rng = StdRng::seed_from_u64(6);
    let good = [
        statuses(vec![status("wamid.A", "sent", at(10, 0, 0), "5511")]),
        inbound("wamid.I", "5511", "Ana", at(10, 1, 0)),
        template_event("order_shipped", "APPROVED", "NONE", at(11, 0, 0)),
        quality_event("UPGRADE", "TIER_1K", "TIER_10K", at(12, 0, 0)),
    ];
    let mut lines = Vec::new();
    let mut bad = 0u64;
    for i in 0..400 {
        let base = &good[i % good.len()];
        let line = match i % 4 {
            // Truncated at a random point inside the object: never valid JSON.
            0 => {
                let cut = rng.random_range(1..base.len() - 1);
                base[..cut].to_owned()
            }
            // Random printable garbage starting with `{`.
            1 => {
                let n = rng.random_range(1..80);
                let s: String = (0..n).map(|_| rng.random_range(b' '..=b'~') as char).collect();
                format!("{{{s}")
            }
            // Random bytes, not even UTF-8 in general, no newline.
            2 => {
                let n = rng.random_range(1..60);
                let v: Vec<u8> = (0..n)
                    .map(|_| rng.random_range(0..=255u8))
                    .filter(|b| *b != b'\n' && *b != b'\r' && !b.is_ascii_whitespace())
                    .collect();
                let valid_post = serde_json::from_slice::<serde_json::Value>(&v)
                    .is_ok_and(|j| j.get("entry").is_some());
                if v.is_empty() || valid_post {
                    "{".to_owned()
                } else {
                    String::from_utf8_lossy(&v).into_owned()
                }
            }
            // Valid JSON of the wrong shape.
            _ => json!({"entry": [{"changes": [{"field": "messages", "value": {"statuses": [{"id": 7}]}}]}]}).to_string(),
        };
        lines.push(line);
        bad += 1;
        // Interleave good lines.
        lines.push(base.clone());
    }
    let dir = tempfile::tempdir().unwrap();
    let path = write(dir.path(), "hooks.jsonl", &lines);
    for report in [
        "whatsapp.messages_by_status",
        "whatsapp.template_status",
        "whatsapp.line_status",
        "whatsapp.sessions",
        "whatsapp.consumption_detail",
    ] {
        let req = request(
            report,
            json!({"webhooks": path.to_str().unwrap()}),
            json!({}),
            T0,
            T0 + DAY,
        );
        let out = run(&req).unwrap();
        let w = out.warning("MALFORMED_LINES").expect("warning");
        // 400 bad lines, one per iteration.
        assert_eq!(w.count, bad, "{report}");
        assert!(!w.examples.is_empty() && w.examples.len() <= 5);
        assert_eq!(out.meta["lines_read"], "800");
    }
    // The 100 good status lines all carry the same wamid: one message, sent.
    let req = request(
        "whatsapp.messages_by_status",
        json!({"webhooks": path.to_str().unwrap()}),
        json!({}),
        T0,
        T0 + DAY,
    );
    let out = run(&req).unwrap();
    assert_eq!(
        out.rows[2],
        vec![Cell::Date(DAY0), t("Enviado"), Cell::Int(1)]
    );
}

#[test]
fn parse_line_never_panics_on_prefixes() {
    let line = with_error(
        with_pricing(
            status("wamid.B", "failed", at(9, 0, 0), "5511"),
            pmp("utility", "regular"),
        ),
        131047,
        "Re-engagement message",
    );
    let body = statuses(vec![line]);
    for cut in 0..body.len() {
        let r = reportd_whatsapp::webhook::parse_line(&body.as_bytes()[..cut], |_| {});
        // Only the empty prefix parses (as a blank line).
        assert_eq!(r.is_ok(), cut == 0, "cut {cut}");
    }
    assert_eq!(
        reportd_whatsapp::webhook::parse_line(body.as_bytes(), |_| {}).unwrap(),
        1
    );
}
