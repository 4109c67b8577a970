//! The business's own records that the webhook does not carry, one JSON object per line:
//!
//! **Send log** (`send_log`), one line per message we sent (after Meta answered HTTP 200):
//! `{"wamid": "wamid.…", "sent_at": "2026-11-20T10:00:00-03:00" | 1795150800,
//!   "line": "<phone_number_id>", "to": "5511…", "contact_name": "…", "template": "order_shipped",
//!   "language": "pt_BR", "category": "UTILITY", "user": "maria", "campaign": "black_friday",
//!   "origin": "user" | "automation" | "campaign", "queued": true, "text": "…"}`
//! Required: `wamid`, `sent_at`, `to`. A message with a `template` is an HSM. When `origin`
//! is absent it is `campaign` if `campaign` is set, else `user` if `user` is set, else
//! `automation`.
//!
//! **Opt-outs** (`optouts`), one line per unsubscribe:
//! `{"contact": "5511…", "contact_name": "…", "at": "2026-11-20T10:00:00Z" | 1795150800,
//!   "channel": "whatsapp", "campaign": "black_friday", "reason": "…"}`
//! Required: `contact`, `at`.
//!
//! Times are RFC 3339 strings (with offset) or Unix seconds. Malformed lines are counted
//! and skipped by the caller.

use std::fmt;

use serde::Deserialize;
use serde::de::{self, Deserializer, Visitor};

/// Unix seconds from an RFC 3339 string, a numeric string, or a number.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct When(pub i64);

impl<'de> Deserialize<'de> for When {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl Visitor<'_> for V {
            type Value = When;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("an RFC 3339 time or Unix seconds")
            }
            fn visit_str<E: de::Error>(self, s: &str) -> Result<When, E> {
                if let Ok(v) = s.trim().parse::<i64>() {
                    return Ok(When(v));
                }
                chrono::DateTime::parse_from_rfc3339(s.trim())
                    .map(|d| When(d.timestamp()))
                    .map_err(|e| E::custom(format!("bad time {s:?}: {e}")))
            }
            fn visit_i64<E: de::Error>(self, v: i64) -> Result<When, E> {
                Ok(When(v))
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<When, E> {
                i64::try_from(v)
                    .map(When)
                    .map_err(|_| E::custom("time out of range"))
            }
        }
        d.deserialize_any(V)
    }
}

/// Who made a send.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SendOrigin {
    User,
    Automation,
    Campaign,
}

impl SendOrigin {
    /// Wire value (REPORTS.md §4.4 enum).
    pub fn name(self) -> &'static str {
        match self {
            Self::User => "user",
            Self::Automation => "automation",
            Self::Campaign => "campaign",
        }
    }
}

/// One line of the send log.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct SendRecord {
    pub wamid: String,
    pub sent_at: When,
    pub to: String,
    #[serde(default)]
    pub line: Option<String>,
    #[serde(default)]
    pub contact_name: Option<String>,
    #[serde(default)]
    pub template: Option<String>,
    #[serde(default)]
    pub language: Option<String>,
    #[serde(default)]
    pub category: Option<String>,
    #[serde(default)]
    pub user: Option<String>,
    #[serde(default)]
    pub campaign: Option<String>,
    #[serde(default)]
    pub origin: Option<SendOrigin>,
    #[serde(default)]
    pub queued: Option<bool>,
    #[serde(default)]
    pub text: Option<String>,
}

impl SendRecord {
    /// The stated origin, else derived from `campaign` / `user`.
    pub fn origin(&self) -> SendOrigin {
        self.origin.unwrap_or(if self.campaign.is_some() {
            SendOrigin::Campaign
        } else if self.user.is_some() {
            SendOrigin::User
        } else {
            SendOrigin::Automation
        })
    }

    /// True for an HSM (template) send.
    pub fn is_hsm(&self) -> bool {
        self.template.is_some()
    }
}

/// One line of the opt-out file.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct OptOut {
    pub contact: String,
    pub at: When,
    #[serde(default)]
    pub contact_name: Option<String>,
    #[serde(default)]
    pub channel: Option<String>,
    #[serde(default)]
    pub campaign: Option<String>,
    #[serde(default)]
    pub reason: Option<String>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parse_send_and_optout() {
        let r: SendRecord = serde_json::from_str(
            r#"{"wamid":"w1","sent_at":"2026-11-20T10:00:00-03:00","to":"5511","user":"maria","template":"t"}"#,
        )
        .unwrap();
        // 2026-11-20T13:00:00Z = 1795143600 (03:00Z) + 10 h.
        assert_eq!(r.sent_at, When(1_795_143_600 + 36_000));
        assert_eq!(r.origin(), SendOrigin::User);
        assert!(r.is_hsm());
        let o: OptOut = serde_json::from_str(r#"{"contact":"5511","at":1795150800}"#).unwrap();
        assert_eq!(o.at, When(1_795_150_800));
        assert!(serde_json::from_str::<SendRecord>(r#"{"wamid":"w1","to":"x"}"#).is_err());
    }
}
