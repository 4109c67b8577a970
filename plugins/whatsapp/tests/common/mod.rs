//! Shared test helpers (the collecting sink is `reportd_plugin_api::testing`'s): request builders and webhook POST builders.
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used)]

pub mod golden;

use std::path::Path;

pub use reportd_plugin_api::testing::{Cell, Collect, t};
use reportd_plugin_api::{Period, Plugin, PluginError, Request};
use reportd_whatsapp::WhatsappPlugin;
use serde_json::{Map, Value as Json, json};

/// 2026-11-20T00:00:00 in America/Sao_Paulo (UTC−3, no DST) = 2026-11-20T03:00:00Z.
/// (`date -u -d 2026-11-20T03:00:00Z +%s` → 1795143600.)
pub const T0: i64 = 1_795_143_600;
/// The same instant as a local naive value.
pub const T0_LOCAL: i64 = T0 - 3 * 3600;
/// Day number of 2026-11-20: 1795132800 / 86400.
pub const DAY0: i32 = 20_777;
pub const DAY: i64 = 86_400;
pub const TZ: &str = "America/Sao_Paulo";
/// 2025-06-30T00:00:00 Sao Paulo (`date -u -d 2025-06-30T03:00:00Z +%s`), CBP era.
pub const T_CBP: i64 = 1_751_252_400;
pub const LINE_ID: &str = "106540352242922";
pub const LINE: &str = "15550001111";

/// Unix time of `h:m:s` local on 2026-11-20.
pub fn at(h: i64, m: i64, s: i64) -> i64 {
    T0 + h * 3600 + m * 60 + s
}

/// Local naive seconds of a Unix time in Sao Paulo.
pub fn local(utc: i64) -> i64 {
    utc - 3 * 3600
}

fn obj(v: Json) -> Map<String, Json> {
    match v {
        Json::Object(m) => m,
        Json::Null => Map::new(),
        other => panic!("expected an object, got {other}"),
    }
}

/// A request for `report` over `[start, end)` in Sao Paulo.
pub fn request(report: &str, source: Json, params: Json, start: i64, end: i64) -> Request {
    Request {
        report: report.to_owned(),
        source: obj(source),
        params: obj(params),
        period: Period {
            start_utc: start,
            end_utc: end,
            start_local: String::new(),
            end_local: String::new(),
            timezone: TZ.to_owned(),
        },
        run_id: "test".to_owned(),
        wait_for_data: false,
    }
}

pub fn run(req: &Request) -> Result<Collect, PluginError> {
    let plugin = WhatsappPlugin::new();
    plugin
        .validate(req)
        .unwrap_or_else(|p| panic!("validate: {p:?}"));
    let mut sink = Collect::default();
    plugin.generate(req, &mut sink)?;
    assert_eq!(sink.begun, 1);
    Ok(sink)
}

/// Writes `lines` (joined with `\n`) to `dir/name`.
pub fn write(dir: &Path, name: &str, lines: &[String]) -> std::path::PathBuf {
    let p = dir.join(name);
    let mut text = lines.join("\n");
    text.push('\n');
    std::fs::write(&p, text).unwrap();
    p
}

fn envelope(field: &str, value: Json, time: Option<i64>) -> String {
    let mut entry = json!({"id": "102290129340398", "changes": [{"field": field, "value": value}]});
    if let Some(t) = time {
        entry["time"] = json!(t);
    }
    json!({"object": "whatsapp_business_account", "entry": [entry]}).to_string()
}

fn metadata() -> Json {
    json!({"display_phone_number": LINE, "phone_number_id": LINE_ID})
}

/// A status object (Meta's string timestamp).
pub fn status(wamid: &str, status: &str, ts: i64, to: &str) -> Json {
    json!({"id": wamid, "status": status, "timestamp": ts.to_string(), "recipient_id": to})
}

/// PMP pricing (from 2025-07-01).
pub fn pmp(category: &str, kind: &str) -> Json {
    json!({"billable": kind == "regular", "pricing_model": "PMP", "type": kind, "category": category})
}

/// CBP pricing + conversation (before 2025-07-01).
pub fn with_cbp(mut st: Json, conv: &str, category: &str) -> Json {
    st["conversation"] =
        json!({"id": conv, "expiration_timestamp": "1751338800", "origin": {"type": category}});
    st["pricing"] = json!({"billable": true, "pricing_model": "CBP", "category": category});
    st
}

pub fn with_pricing(mut st: Json, pricing: Json) -> Json {
    st["pricing"] = pricing;
    st
}

pub fn with_error(mut st: Json, code: i64, title: &str) -> Json {
    st["errors"] = json!([{"code": code, "title": title, "message": title,
        "error_data": {"details": "x"}, "href": "https://developers.facebook.com/"}]);
    st
}

/// One POST carrying `statuses`.
pub fn statuses(statuses: Vec<Json>) -> String {
    envelope(
        "messages",
        json!({"messaging_product": "whatsapp", "metadata": metadata(), "statuses": statuses}),
        None,
    )
}

/// One POST carrying an inbound text message.
pub fn inbound(wamid: &str, from: &str, name: &str, ts: i64) -> String {
    envelope(
        "messages",
        json!({"messaging_product": "whatsapp", "metadata": metadata(),
            "contacts": [{"profile": {"name": name}, "wa_id": from}],
            "messages": [{"from": from, "id": wamid, "timestamp": ts.to_string(), "type": "text",
                "text": {"body": "hola"}}]}),
        None,
    )
}

pub fn template_event(name: &str, event: &str, reason: &str, time: i64) -> String {
    envelope(
        "message_template_status_update",
        json!({"event": event, "message_template_id": 1234567890123456u64,
            "message_template_name": name, "message_template_language": "pt_BR",
            "reason": reason, "message_template_category": "UTILITY"}),
        Some(time),
    )
}

pub fn quality_event(event: &str, old: &str, new: &str, time: i64) -> String {
    envelope(
        "phone_number_quality_update",
        json!({"display_phone_number": LINE, "event": event, "old_limit": old,
            "current_limit": new, "max_daily_conversations_per_business": new}),
        Some(time),
    )
}

pub fn account_event(time: i64) -> String {
    envelope(
        "account_update",
        json!({"phone_number": LINE, "event": "ACCOUNT_RESTRICTION",
            "restriction_info": [{"restriction_type": "RESTRICTED_BIZ_INITIATED_MESSAGING",
                "expiration": "2026-11-27T13:59:20+0000"}]}),
        Some(time),
    )
}

/// A send-log line.
pub fn send(wamid: &str, sent_at: i64, to: &str, extra: Json) -> String {
    let mut v = json!({"wamid": wamid, "sent_at": sent_at, "to": to, "line": LINE_ID});
    for (k, x) in obj(extra) {
        v[k] = x;
    }
    v.to_string()
}
