//! The WhatsApp Business Cloud API webhook payload (DATA-FORMATS.md §5,
//! samples/whatsapp-webhooks.md), one POST body per line. Strings are borrowed from the line
//! when they hold no escapes (serde `Cow`), unknown fields are skipped, and every entry,
//! change, status and message of a POST is visited: [`parse_line`] flattens a POST into
//! [`Event`]s.

use std::borrow::Cow;
use std::fmt;

use serde::Deserialize;
use serde::de::{self, Deserializer, Visitor};

/// A Unix-seconds timestamp that Meta sends as a string (`"1752000123"`) inside
/// `statuses`/`messages` and as an integer in `entry[].time`; both are accepted.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Ts(pub Option<i64>);

impl<'de> Deserialize<'de> for Ts {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = Ts;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("Unix seconds as a string or a number")
            }
            fn visit_str<E: de::Error>(self, s: &str) -> Result<Ts, E> {
                s.trim()
                    .parse::<i64>()
                    .map(|v| Ts(Some(v)))
                    .map_err(|_| E::custom("timestamp is not a number"))
            }
            fn visit_i64<E: de::Error>(self, v: i64) -> Result<Ts, E> {
                Ok(Ts(Some(v)))
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<Ts, E> {
                i64::try_from(v)
                    .map(|v| Ts(Some(v)))
                    .map_err(|_| E::custom("timestamp out of range"))
            }
            fn visit_f64<E: de::Error>(self, v: f64) -> Result<Ts, E> {
                Ok(Ts(Some(v as i64)))
            }
            fn visit_unit<E: de::Error>(self) -> Result<Ts, E> {
                Ok(Ts(None))
            }
        }
        d.deserialize_any(V)
    }
}

/// A JSON string borrowed from the line when it has no escapes (serde's own `Cow` support
/// only borrows for a bare `Cow` field, not inside `Option`).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Str<'a>(pub Cow<'a, str>);

impl std::ops::Deref for Str<'_> {
    type Target = str;
    fn deref(&self) -> &str {
        &self.0
    }
}

impl<'de: 'a, 'a> Deserialize<'de> for Str<'a> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = Str<'de>;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a string")
            }
            fn visit_borrowed_str<E: de::Error>(self, s: &'de str) -> Result<Str<'de>, E> {
                Ok(Str(Cow::Borrowed(s)))
            }
            fn visit_str<E: de::Error>(self, s: &str) -> Result<Str<'de>, E> {
                Ok(Str(Cow::Owned(s.to_owned())))
            }
        }
        d.deserialize_str(V)
    }
}

type S<'a> = Option<Str<'a>>;

#[derive(Deserialize)]
struct Post<'a> {
    #[serde(borrow)]
    entry: Vec<Entry<'a>>,
}

#[derive(Deserialize)]
struct Entry<'a> {
    #[serde(borrow, default)]
    id: S<'a>,
    #[serde(default)]
    time: Ts,
    #[serde(borrow, default)]
    changes: Vec<Change<'a>>,
}

#[derive(Deserialize)]
struct Change<'a> {
    #[serde(borrow, default)]
    field: S<'a>,
    #[serde(borrow, default)]
    value: Option<ChangeValue<'a>>,
}

/// The union of the `value` shapes of every subscribed field (all optional), so the
/// position of `field` relative to `value` in the object does not matter.
#[derive(Deserialize, Default)]
struct ChangeValue<'a> {
    #[serde(borrow, default)]
    metadata: Option<Metadata<'a>>,
    #[serde(borrow, default)]
    statuses: Vec<RawStatus<'a>>,
    #[serde(borrow, default)]
    messages: Vec<RawMessage<'a>>,
    #[serde(borrow, default)]
    contacts: Vec<RawContact<'a>>,
    // message_template_status_update / phone_number_quality_update / account_update
    #[serde(borrow, default)]
    event: S<'a>,
    #[serde(borrow, default)]
    message_template_name: S<'a>,
    #[serde(borrow, default)]
    message_template_language: S<'a>,
    #[serde(borrow, default)]
    message_template_category: S<'a>,
    #[serde(borrow, default)]
    reason: S<'a>,
    #[serde(borrow, default)]
    display_phone_number: S<'a>,
    #[serde(borrow, default)]
    old_limit: S<'a>,
    #[serde(borrow, default)]
    current_limit: S<'a>,
    #[serde(borrow, default)]
    max_daily_conversations_per_business: S<'a>,
    #[serde(borrow, default)]
    phone_number: S<'a>,
    #[serde(borrow, default)]
    restriction_info: Vec<Restriction<'a>>,
    #[serde(borrow, default)]
    violation_info: Option<Violation<'a>>,
    #[serde(borrow, default)]
    ban_info: Option<Ban<'a>>,
}

#[derive(Deserialize)]
struct Metadata<'a> {
    #[serde(borrow, default)]
    display_phone_number: S<'a>,
    #[serde(borrow, default)]
    phone_number_id: S<'a>,
}

#[derive(Deserialize)]
struct RawStatus<'a> {
    #[serde(borrow)]
    id: Str<'a>,
    #[serde(borrow)]
    status: Str<'a>,
    #[serde(default)]
    timestamp: Ts,
    #[serde(borrow, default)]
    recipient_id: S<'a>,
    #[serde(borrow, default)]
    conversation: Option<Conversation<'a>>,
    #[serde(borrow, default)]
    pricing: Option<Pricing<'a>>,
    #[serde(borrow, default)]
    errors: Vec<RawError<'a>>,
}

#[derive(Deserialize)]
struct Conversation<'a> {
    #[serde(borrow, default)]
    id: S<'a>,
    #[serde(borrow, default)]
    origin: Option<Origin<'a>>,
}

#[derive(Deserialize)]
struct Origin<'a> {
    #[serde(borrow, rename = "type", default)]
    kind: S<'a>,
}

/// `statuses[].pricing` in either era.
#[derive(Deserialize, Debug, Clone, Default, PartialEq, Eq)]
pub struct Pricing<'a> {
    /// Deprecated under PMP; the CBP billing flag.
    #[serde(default)]
    pub billable: Option<bool>,
    /// `CBP` (conversation-based, before 2025-07-01) or `PMP` (per-message).
    #[serde(borrow, default)]
    pub pricing_model: S<'a>,
    /// PMP only: `regular`, `free_customer_service`, `free_entry_point`.
    #[serde(borrow, rename = "type", default)]
    pub kind: S<'a>,
    #[serde(borrow, default)]
    pub category: S<'a>,
}

#[derive(Deserialize)]
struct RawError<'a> {
    #[serde(default)]
    code: Option<i64>,
    #[serde(borrow, default)]
    title: S<'a>,
}

#[derive(Deserialize)]
struct RawMessage<'a> {
    #[serde(borrow)]
    from: Str<'a>,
    #[serde(borrow)]
    id: Str<'a>,
    #[serde(default)]
    timestamp: Ts,
    #[serde(borrow, rename = "type", default)]
    kind: S<'a>,
}

#[derive(Deserialize)]
struct RawContact<'a> {
    #[serde(borrow, default)]
    wa_id: S<'a>,
    #[serde(borrow, default)]
    profile: Option<Profile<'a>>,
}

#[derive(Deserialize)]
struct Profile<'a> {
    #[serde(borrow, default)]
    name: S<'a>,
}

#[derive(Deserialize)]
struct Restriction<'a> {
    #[serde(borrow, default)]
    restriction_type: S<'a>,
}

#[derive(Deserialize)]
struct Violation<'a> {
    #[serde(borrow, default)]
    violation_type: S<'a>,
}

#[derive(Deserialize)]
struct Ban<'a> {
    #[serde(borrow, default)]
    waba_ban_state: S<'a>,
}

/// The business line a `messages` change belongs to.
#[derive(Debug, Clone, Copy, Default)]
pub struct Line<'a> {
    /// `metadata.phone_number_id` (what the send log calls `line`).
    pub phone_number_id: &'a str,
    /// `metadata.display_phone_number`.
    pub display: &'a str,
}

/// A delivery status of one of our messages.
#[derive(Debug, Clone)]
pub struct StatusEvent<'a> {
    pub wamid: &'a str,
    /// `sent`, `delivered`, `read`, `failed` (or a value Meta adds later).
    pub status: &'a str,
    pub ts: i64,
    pub recipient: &'a str,
    pub line: Line<'a>,
    pub conversation_id: Option<&'a str>,
    pub conversation_origin: Option<&'a str>,
    pub pricing: Option<&'a Pricing<'a>>,
    /// First error: code and title.
    pub error: Option<(i64, &'a str)>,
}

/// An inbound customer message.
#[derive(Debug, Clone)]
pub struct InboundEvent<'a> {
    pub wamid: &'a str,
    pub from: &'a str,
    pub ts: i64,
    pub kind: &'a str,
    /// `contacts[].profile.name` of the sender, when present.
    pub profile_name: Option<&'a str>,
    pub line: Line<'a>,
}

/// `message_template_status_update`.
#[derive(Debug, Clone)]
pub struct TemplateEvent<'a> {
    pub waba_id: &'a str,
    pub ts: Option<i64>,
    pub event: &'a str,
    pub name: &'a str,
    pub language: &'a str,
    pub category: &'a str,
    pub reason: &'a str,
}

/// `phone_number_quality_update` or `account_update`.
#[derive(Debug, Clone)]
pub struct LineEvent<'a> {
    pub ts: Option<i64>,
    /// `phone_number_quality_update` or `account_update`.
    pub field: &'a str,
    pub phone: &'a str,
    pub event: &'a str,
    /// Quality: `current_limit`, else `max_daily_conversations_per_business`.
    pub limit: &'a str,
    /// Quality: `old_limit`. Account: restriction types, violation type or ban state.
    pub detail: String,
}

/// One fact extracted from a POST.
#[derive(Debug, Clone)]
pub enum Event<'a> {
    Status(StatusEvent<'a>),
    Inbound(InboundEvent<'a>),
    Template(TemplateEvent<'a>),
    Line(LineEvent<'a>),
}

fn s<'a>(v: &'a S<'_>) -> &'a str {
    v.as_deref().unwrap_or("")
}

/// Why a line was rejected.
#[derive(Debug)]
pub enum LineError {
    Json(serde_json::Error),
    /// A status or message without a timestamp.
    NoTimestamp,
}

impl fmt::Display for LineError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            LineError::Json(e) => write!(f, "{e}"),
            LineError::NoTimestamp => f.write_str("status or message without a timestamp"),
        }
    }
}

/// Parses one POST body and calls `f` for each event in document order. Blank lines yield
/// nothing. Fields other than `messages`, `message_template_status_update`,
/// `phone_number_quality_update` and `account_update` are skipped; a status or message
/// without a timestamp rejects the line (after the events before it were delivered).
pub fn parse_line(line: &[u8], mut f: impl FnMut(Event<'_>)) -> Result<usize, LineError> {
    if line.iter().all(u8::is_ascii_whitespace) {
        return Ok(0);
    }
    let post: Post<'_> = serde_json::from_slice(line).map_err(LineError::Json)?;
    let mut n = 0;
    for entry in &post.entry {
        for change in &entry.changes {
            let Some(v) = &change.value else { continue };
            let field = s(&change.field);
            match field {
                "messages" => {
                    let line = v
                        .metadata
                        .as_ref()
                        .map(|m| Line {
                            phone_number_id: s(&m.phone_number_id),
                            display: s(&m.display_phone_number),
                        })
                        .unwrap_or_default();
                    for st in &v.statuses {
                        let ts = st.timestamp.0.ok_or(LineError::NoTimestamp)?;
                        let conv = st.conversation.as_ref();
                        f(Event::Status(StatusEvent {
                            wamid: &st.id,
                            status: &st.status,
                            ts,
                            recipient: s(&st.recipient_id),
                            line,
                            conversation_id: conv.and_then(|c| c.id.as_deref()),
                            conversation_origin: conv
                                .and_then(|c| c.origin.as_ref())
                                .and_then(|o| o.kind.as_deref()),
                            pricing: st.pricing.as_ref(),
                            error: st
                                .errors
                                .first()
                                .map(|e| (e.code.unwrap_or(0), s(&e.title))),
                        }));
                        n += 1;
                    }
                    for m in &v.messages {
                        let ts = m.timestamp.0.ok_or(LineError::NoTimestamp)?;
                        let profile_name = v
                            .contacts
                            .iter()
                            .find(|c| c.wa_id.as_deref() == Some(&*m.from))
                            .or(v.contacts.first())
                            .and_then(|c| c.profile.as_ref())
                            .and_then(|p| p.name.as_deref());
                        f(Event::Inbound(InboundEvent {
                            wamid: &m.id,
                            from: &m.from,
                            ts,
                            kind: s(&m.kind),
                            profile_name,
                            line,
                        }));
                        n += 1;
                    }
                }
                "message_template_status_update" => {
                    f(Event::Template(TemplateEvent {
                        waba_id: s(&entry.id),
                        ts: entry.time.0,
                        event: s(&v.event),
                        name: s(&v.message_template_name),
                        language: s(&v.message_template_language),
                        category: s(&v.message_template_category),
                        reason: s(&v.reason),
                    }));
                    n += 1;
                }
                "phone_number_quality_update" => {
                    let limit = v
                        .current_limit
                        .as_deref()
                        .or(v.max_daily_conversations_per_business.as_deref())
                        .unwrap_or("");
                    let detail = v
                        .old_limit
                        .as_deref()
                        .map(|o| format!("old_limit={o}"))
                        .unwrap_or_default();
                    f(Event::Line(LineEvent {
                        ts: entry.time.0,
                        field,
                        phone: s(&v.display_phone_number),
                        event: s(&v.event),
                        limit,
                        detail,
                    }));
                    n += 1;
                }
                "account_update" => {
                    let mut parts: Vec<&str> = v
                        .restriction_info
                        .iter()
                        .filter_map(|r| r.restriction_type.as_deref())
                        .collect();
                    if let Some(t) = v
                        .violation_info
                        .as_ref()
                        .and_then(|x| x.violation_type.as_deref())
                    {
                        parts.push(t);
                    }
                    if let Some(t) = v
                        .ban_info
                        .as_ref()
                        .and_then(|x| x.waba_ban_state.as_deref())
                    {
                        parts.push(t);
                    }
                    f(Event::Line(LineEvent {
                        ts: entry.time.0,
                        field,
                        phone: s(&v.phone_number),
                        event: s(&v.event),
                        limit: "",
                        detail: parts.join(", "),
                    }));
                    n += 1;
                }
                _ => {}
            }
        }
    }
    Ok(n)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn status_with_pricing_and_escaped_strings() {
        let line = br#"{"object":"whatsapp_business_account","entry":[{"id":"1","changes":[{"value":{"metadata":{"display_phone_number":"1555","phone_number_id":"106"},"statuses":[{"id":"wamid.A\u003d","status":"sent","timestamp":"1718800000","recipient_id":"1555222","conversation":{"id":"c1","origin":{"type":"marketing"}},"pricing":{"billable":true,"pricing_model":"CBP","category":"marketing"}},{"id":"wamid.B","status":"failed","timestamp":1718800001,"errors":[{"code":131047,"title":"Re-engagement message"}]}]},"field":"messages"}]}]}"#;
        let mut got = Vec::new();
        let n = parse_line(line, |e| {
            if let Event::Status(s) = e {
                got.push((
                    s.wamid.to_owned(),
                    s.status.to_owned(),
                    s.ts,
                    s.line.phone_number_id.to_owned(),
                    s.pricing
                        .and_then(|p| p.pricing_model.as_deref().map(str::to_owned)),
                    s.error.map(|e| e.0),
                ));
            }
        })
        .unwrap();
        assert_eq!(n, 2);
        assert_eq!(got[0].0, "wamid.A=");
        assert_eq!(got[0].4.as_deref(), Some("CBP"));
        assert_eq!(got[1].2, 1_718_800_001);
        assert_eq!(got[1].5, Some(131_047));
    }

    #[test]
    fn bad_lines() {
        assert!(parse_line(b"{", |_| {}).is_err());
        assert!(parse_line(b"[]", |_| {}).is_err());
        assert!(parse_line(br#"{"entry":[{"changes":[{"field":"messages","value":{"statuses":[{"id":"x","status":"sent"}]}}]}]}"#, |_| {}).is_err());
        assert_eq!(parse_line(b"  ", |_| {}).unwrap(), 0);
    }
}
