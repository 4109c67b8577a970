//! The WhatsApp Business Cloud API webhook payload (DATA-FORMATS.md §5,
//! samples/whatsapp-webhooks.md), one POST body per line. Strings are borrowed from the line
//! when they hold no escapes (serde `Cow`), unknown fields are skipped, and every entry,
//! change, status and message of a POST is visited: [`parse_line`] flattens a POST into
//! [`Event`]s. Status-only POSTs take a hand-written fast path that agrees with the serde
//! model on every body it accepts and hands every other body to it.

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
///
/// Status-only POSTs (nearly all of an archive) go through [`parse_line_fast`]; every other
/// body, and any status body it does not fully understand, through [`parse_line_full`].
/// Both give the same events and count.
pub fn parse_line(line: &[u8], mut f: impl FnMut(Event<'_>)) -> Result<usize, LineError> {
    if let Some(n) = parse_line_fast(line, &mut f) {
        return Ok(n);
    }
    parse_line_full(line, f)
}

/// The full serde parser behind [`parse_line`]: every field, every shape, serde_json's
/// error messages.
pub fn parse_line_full(line: &[u8], mut f: impl FnMut(Event<'_>)) -> Result<usize, LineError> {
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

// ---------------------------------------------------------------------------------------
// Fast path for status-only POSTs.
//
// serde_json spends most of a status line validating and dispatching keys the report never
// reads. The scanner below walks the bytes once, keeps the few fields a `StatusEvent` needs
// as slices of the line, and validates everything else structurally. It is deliberately a
// strict *subset* of what `parse_line_full` accepts: any escape, invalid UTF-8, float,
// over-long number, duplicate known key, `messages`/`contacts`, a non-`messages` field,
// a missing timestamp or more than `FAST_MAX` statuses makes it give up (`None`) before any
// event was delivered, and the full parser decides. So it can be slower on odd bodies,
// never different.
// ---------------------------------------------------------------------------------------

/// Most statuses one POST may carry on the fast path (Meta batches a few at most).
const FAST_MAX: usize = 4;

/// Nesting the fast path follows inside skipped values (serde_json's own limit is 128).
const FAST_DEPTH: u32 = 64;

/// Bytes that end the plain run of a string on the fast path: the closing quote, and what
/// makes it give up (escapes, control characters). The line was checked to be UTF-8 first.
static STR_STOP: [bool; 256] = {
    let mut t = [false; 256];
    let mut i = 0;
    while i < 256 {
        t[i] = i < 0x20 || i == b'"' as usize || i == b'\\' as usize;
        i += 1;
    }
    t
};

/// Index of the first byte at or after `i` that ends a string's plain run (see
/// [`STR_STOP`]): eight bytes at a time with the SWAR "has a zero byte" and "has a byte less
/// than n" tests (the lowest flagged byte is always a true match: a borrow only flags bytes
/// above a real one), then byte by byte for the tail.
#[inline]
fn str_stop(b: &[u8], mut i: usize) -> Option<usize> {
    const LO: u64 = 0x0101_0101_0101_0101;
    const HI: u64 = 0x8080_8080_8080_8080;
    while let Some(chunk) = b.get(i..i + 8) {
        let mut w = [0u8; 8];
        w.copy_from_slice(chunk);
        let x = u64::from_le_bytes(w);
        let q = x ^ (LO * u64::from(b'"'));
        let e = x ^ (LO * u64::from(b'\\'));
        let hit = (q.wrapping_sub(LO) & !q)
            | (e.wrapping_sub(LO) & !e)
            | (x.wrapping_sub(LO * 0x20) & !x);
        let hit = hit & HI;
        if hit != 0 {
            return Some(i + (hit.trailing_zeros() / 8) as usize);
        }
        i += 8;
    }
    b.get(i..)?
        .iter()
        .position(|&c| STR_STOP[c as usize])
        .map(|n| i + n)
}

/// `ChangeValue` keys with a type: present in a status body, serde would check them, so the
/// fast path leaves such bodies to it (`metadata` and `statuses` are handled).
const TYPED_VALUE_KEYS: [&str; 15] = [
    "messages",
    "contacts",
    "event",
    "message_template_name",
    "message_template_language",
    "message_template_category",
    "reason",
    "display_phone_number",
    "old_limit",
    "current_limit",
    "max_daily_conversations_per_business",
    "phone_number",
    "restriction_info",
    "violation_info",
    "ban_info",
];

#[derive(Debug, Clone, Copy, Default)]
struct FastPricing<'a> {
    billable: Option<bool>,
    model: Option<&'a str>,
    kind: Option<&'a str>,
    category: Option<&'a str>,
}

#[derive(Debug, Clone, Copy, Default)]
struct FastStatus<'a> {
    wamid: &'a str,
    status: &'a str,
    ts: i64,
    recipient: Option<&'a str>,
    /// Index of the change's [`Line`] in `FastPost::lines`.
    change: usize,
    conversation_id: Option<&'a str>,
    conversation_origin: Option<&'a str>,
    pricing: Option<FastPricing<'a>>,
    error: Option<(i64, Option<&'a str>)>,
}

/// The statuses of one POST, in document order, before any is delivered.
#[derive(Default)]
struct FastPost<'a> {
    statuses: [FastStatus<'a>; FAST_MAX],
    n: usize,
    lines: [Line<'a>; FAST_MAX],
    changes: usize,
}

/// Byte cursor over one line (valid UTF-8). Every method returns `None` to give up.
struct Scanner<'a> {
    text: &'a str,
    b: &'a [u8],
    i: usize,
}

impl<'a> Scanner<'a> {
    #[inline]
    fn peek(&mut self) -> Option<u8> {
        while let Some(&c) = self.b.get(self.i) {
            if matches!(c, b' ' | b'\t' | b'\n' | b'\r') {
                self.i += 1;
            } else {
                return Some(c);
            }
        }
        None
    }

    #[inline]
    fn eat(&mut self, c: u8) -> Option<()> {
        (self.peek()? == c).then(|| self.i += 1)
    }

    fn lit(&mut self, word: &[u8]) -> Option<()> {
        let end = self.i + word.len();
        (self.b.get(self.i..end)? == word).then(|| self.i = end)
    }

    /// A string without escapes or control characters.
    #[inline]
    fn str(&mut self) -> Option<&'a str> {
        self.eat(b'"')?;
        let start = self.i;
        let end = str_stop(self.b, start)?;
        if self.b[end] != b'"' {
            return None;
        }
        self.i = end + 1;
        // Both ends are ASCII quotes, so on char boundaries.
        self.text.get(start..end)
    }

    /// `null` or a string (an `Option<Str>` field).
    fn opt_str(&mut self) -> Option<Option<&'a str>> {
        if self.peek()? == b'n' {
            self.lit(b"null")?;
            Some(None)
        } else {
            self.str().map(Some)
        }
    }

    /// `-?(0|[1-9][0-9]*)` of at most 18 digits (fits i64), not followed by a fraction or
    /// an exponent.
    fn int(&mut self) -> Option<i64> {
        self.peek()?;
        let neg = self.b.get(self.i) == Some(&b'-');
        if neg {
            self.i += 1;
        }
        let start = self.i;
        let mut v: i64 = 0;
        while let Some(&c) = self.b.get(self.i) {
            if !c.is_ascii_digit() {
                break;
            }
            // Wrapping: more than 18 digits is rejected below, the value then unused.
            v = v.wrapping_mul(10).wrapping_add(i64::from(c - b'0'));
            self.i += 1;
        }
        let digits = self.i - start;
        if digits == 0 || digits > 18 || (digits > 1 && self.b[start] == b'0') {
            return None;
        }
        if matches!(self.b.get(self.i), Some(b'.' | b'e' | b'E')) {
            return None;
        }
        Some(if neg { -v } else { v })
    }

    /// A [`Ts`]: a string of 1–18 digits, a non-negative integer, or `null`.
    fn ts(&mut self) -> Option<Option<i64>> {
        match self.peek()? {
            b'"' => {
                let s = self.str()?;
                if s.is_empty() || s.len() > 18 || !s.bytes().all(|c| c.is_ascii_digit()) {
                    return None;
                }
                s.parse().ok().map(Some)
            }
            b'n' => {
                self.lit(b"null")?;
                Some(None)
            }
            b'0'..=b'9' => self.int().map(Some),
            _ => None,
        }
    }

    /// `true`, `false` or `null`.
    fn opt_bool(&mut self) -> Option<Option<bool>> {
        match self.peek()? {
            b't' => self.lit(b"true").map(|_| Some(true)),
            b'f' => self.lit(b"false").map(|_| Some(false)),
            b'n' => self.lit(b"null").map(|_| None),
            _ => None,
        }
    }

    /// Calls `f` with each key of an object, the cursor on its value.
    #[inline]
    fn object(&mut self, mut f: impl FnMut(&mut Self, &'a str) -> Option<()>) -> Option<()> {
        self.eat(b'{')?;
        if self.peek()? == b'}' {
            self.i += 1;
            return Some(());
        }
        loop {
            let k = self.str()?;
            self.eat(b':')?;
            f(self, k)?;
            match self.peek()? {
                b',' => self.i += 1,
                b'}' => {
                    self.i += 1;
                    return Some(());
                }
                _ => return None,
            }
        }
    }

    /// Calls `f` with the cursor on each element of an array.
    #[inline]
    fn array(&mut self, mut f: impl FnMut(&mut Self) -> Option<()>) -> Option<()> {
        self.eat(b'[')?;
        if self.peek()? == b']' {
            self.i += 1;
            return Some(());
        }
        loop {
            f(self)?;
            match self.peek()? {
                b',' => self.i += 1,
                b']' => {
                    self.i += 1;
                    return Some(());
                }
                _ => return None,
            }
        }
    }

    /// `null` (returns `false`) or an object whose keys go to `f`.
    fn opt_object(&mut self, f: impl FnMut(&mut Self, &'a str) -> Option<()>) -> Option<bool> {
        if self.peek()? == b'n' {
            self.lit(b"null")?;
            Some(false)
        } else {
            self.object(f).map(|_| true)
        }
    }

    /// Any JSON value the fast path can vouch for, ignored.
    fn skip(&mut self, depth: u32) -> Option<()> {
        match self.peek()? {
            b'"' => self.str().map(|_| ()),
            b'{' if depth > 0 => self.object(|s, _| s.skip(depth - 1)),
            b'[' if depth > 0 => self.array(|s| s.skip(depth - 1)),
            b't' => self.lit(b"true"),
            b'f' => self.lit(b"false"),
            b'n' => self.lit(b"null"),
            b'-' | b'0'..=b'9' => self.int().map(|_| ()),
            _ => None,
        }
    }
}

/// Gives up when `flag` was already seen (serde rejects a duplicate field).
#[inline]
fn once(seen: &mut u32, flag: u32) -> Option<()> {
    (*seen & flag == 0).then(|| *seen |= flag)
}

fn fast_status<'a>(s: &mut Scanner<'a>, change: usize) -> Option<FastStatus<'a>> {
    let mut st = FastStatus {
        change,
        ..FastStatus::default()
    };
    let (mut seen, mut ts) = (0u32, None);
    s.object(|s, k| match k {
        "id" => {
            once(&mut seen, 1)?;
            st.wamid = s.str()?;
            Some(())
        }
        "status" => {
            once(&mut seen, 2)?;
            st.status = s.str()?;
            Some(())
        }
        "timestamp" => {
            once(&mut seen, 4)?;
            ts = s.ts()?;
            Some(())
        }
        "recipient_id" => {
            once(&mut seen, 8)?;
            st.recipient = s.opt_str()?;
            Some(())
        }
        "conversation" => {
            once(&mut seen, 16)?;
            let (mut cseen, mut id, mut origin) = (0u32, None, None);
            s.opt_object(|s, k| match k {
                "id" => {
                    once(&mut cseen, 1)?;
                    id = s.opt_str()?;
                    Some(())
                }
                "origin" => {
                    once(&mut cseen, 2)?;
                    let mut oseen = 0u32;
                    s.opt_object(|s, k| {
                        if k == "type" {
                            once(&mut oseen, 1)?;
                            origin = s.opt_str()?;
                            Some(())
                        } else {
                            s.skip(FAST_DEPTH)
                        }
                    })?;
                    Some(())
                }
                _ => s.skip(FAST_DEPTH),
            })?;
            st.conversation_id = id;
            st.conversation_origin = origin;
            Some(())
        }
        "pricing" => {
            once(&mut seen, 32)?;
            let (mut pseen, mut p) = (0u32, FastPricing::default());
            let present = s.opt_object(|s, k| match k {
                "billable" => {
                    once(&mut pseen, 1)?;
                    p.billable = s.opt_bool()?;
                    Some(())
                }
                "pricing_model" => {
                    once(&mut pseen, 2)?;
                    p.model = s.opt_str()?;
                    Some(())
                }
                "type" => {
                    once(&mut pseen, 4)?;
                    p.kind = s.opt_str()?;
                    Some(())
                }
                "category" => {
                    once(&mut pseen, 8)?;
                    p.category = s.opt_str()?;
                    Some(())
                }
                _ => s.skip(FAST_DEPTH),
            })?;
            st.pricing = present.then_some(p);
            Some(())
        }
        "errors" => {
            once(&mut seen, 64)?;
            let mut first = None;
            s.array(|s| {
                let (mut eseen, mut code, mut title) = (0u32, None, None);
                s.object(|s, k| match k {
                    "code" => {
                        once(&mut eseen, 1)?;
                        code = if s.peek()? == b'n' {
                            s.lit(b"null")?;
                            None
                        } else {
                            Some(s.int()?)
                        };
                        Some(())
                    }
                    "title" => {
                        once(&mut eseen, 2)?;
                        title = s.opt_str()?;
                        Some(())
                    }
                    _ => s.skip(FAST_DEPTH),
                })?;
                if first.is_none() {
                    first = Some((code.unwrap_or(0), title));
                }
                Some(())
            })?;
            st.error = first;
            Some(())
        }
        _ => s.skip(FAST_DEPTH),
    })?;
    // id and status are required; a status without a timestamp rejects the line.
    if seen & 3 != 3 {
        return None;
    }
    st.ts = ts?;
    Some(st)
}

/// One `changes[]` element; statuses go to `post`.
fn fast_change<'a>(s: &mut Scanner<'a>, post: &mut FastPost<'a>) -> Option<()> {
    let change = post.changes;
    if change >= FAST_MAX {
        return None;
    }
    post.changes += 1;
    let (mut seen, mut field) = (0u32, None);
    let mut line = Line::default();
    s.object(|s, k| match k {
        "field" => {
            once(&mut seen, 1)?;
            field = s.opt_str()?;
            Some(())
        }
        "value" => {
            once(&mut seen, 2)?;
            let mut vseen = 0u32;
            s.opt_object(|s, k| match k {
                "metadata" => {
                    once(&mut vseen, 1)?;
                    let mut mseen = 0u32;
                    s.opt_object(|s, k| match k {
                        "display_phone_number" => {
                            once(&mut mseen, 1)?;
                            line.display = s.opt_str()?.unwrap_or("");
                            Some(())
                        }
                        "phone_number_id" => {
                            once(&mut mseen, 2)?;
                            line.phone_number_id = s.opt_str()?.unwrap_or("");
                            Some(())
                        }
                        _ => s.skip(FAST_DEPTH),
                    })?;
                    Some(())
                }
                "statuses" => {
                    once(&mut vseen, 2)?;
                    s.array(|s| {
                        let st = fast_status(s, change)?;
                        *post.statuses.get_mut(post.n)? = st;
                        post.n += 1;
                        Some(())
                    })
                }
                k if TYPED_VALUE_KEYS.contains(&k) => None,
                _ => s.skip(FAST_DEPTH),
            })?;
            Some(())
        }
        _ => s.skip(FAST_DEPTH),
    })?;
    // Other fields carry template/line events: the full parser's job.
    if field != Some("messages") {
        return None;
    }
    post.lines[change] = line;
    Some(())
}

fn fast_post<'a>(line: &'a [u8], post: &mut FastPost<'a>) -> Option<()> {
    // One UTF-8 check for the whole line (serde_json checks each string it reads).
    let text = std::str::from_utf8(line).ok()?;
    let mut s = Scanner {
        text,
        b: line,
        i: 0,
    };
    let mut seen = 0u32;
    s.object(|s, k| {
        if k == "entry" {
            once(&mut seen, 1)?;
            s.array(|s| {
                let mut eseen = 0u32;
                s.object(|s, k| match k {
                    "id" => {
                        once(&mut eseen, 1)?;
                        s.opt_str().map(|_| ())
                    }
                    "time" => {
                        once(&mut eseen, 2)?;
                        s.ts().map(|_| ())
                    }
                    "changes" => {
                        once(&mut eseen, 4)?;
                        s.array(|s| fast_change(s, post))
                    }
                    _ => s.skip(FAST_DEPTH),
                })
            })
        } else {
            s.skip(FAST_DEPTH)
        }
    })?;
    // `entry` is required; nothing but whitespace may follow the object.
    if seen != 1 || s.peek().is_some() {
        return None;
    }
    Some(())
}

/// The fast path of [`parse_line`]: `Some(count)` after delivering the events of a
/// status-only POST it fully understands, `None` (having delivered nothing) for anything
/// else — then [`parse_line_full`] must run.
pub fn parse_line_fast(line: &[u8], mut f: impl FnMut(Event<'_>)) -> Option<usize> {
    let mut post = FastPost::default();
    fast_post(line, &mut post)?;
    for st in &post.statuses[..post.n] {
        let pricing = st.pricing.map(|p| Pricing {
            billable: p.billable,
            pricing_model: p.model.map(|s| Str(Cow::Borrowed(s))),
            kind: p.kind.map(|s| Str(Cow::Borrowed(s))),
            category: p.category.map(|s| Str(Cow::Borrowed(s))),
        });
        f(Event::Status(StatusEvent {
            wamid: st.wamid,
            status: st.status,
            ts: st.ts,
            recipient: st.recipient.unwrap_or(""),
            line: post.lines[st.change],
            conversation_id: st.conversation_id,
            conversation_origin: st.conversation_origin,
            pricing: pricing.as_ref(),
            error: st.error.map(|(code, title)| (code, title.unwrap_or(""))),
        }));
    }
    Some(post.n)
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

    /// Events of a line as comparable text (Debug of each event; `Str` prints the same
    /// whether borrowed or owned), plus the count or the error.
    fn full(line: &[u8]) -> (Result<usize, String>, Vec<String>) {
        let mut ev = Vec::new();
        let r = parse_line_full(line, |e| ev.push(format!("{e:?}"))).map_err(|e| e.to_string());
        (r, ev)
    }

    fn fast(line: &[u8]) -> Option<(usize, Vec<String>)> {
        let mut ev = Vec::new();
        parse_line_fast(line, |e| ev.push(format!("{e:?}"))).map(|n| (n, ev))
    }

    /// The status bodies of samples/whatsapp-webhooks.md §1–4 (CBP sent with conversation,
    /// PMP delivered, read without pricing, failed with errors), as archived (pretty-printed:
    /// JSON whitespace includes newlines, both parsers accept them inside one body).
    const SAMPLES: [&str; 4] = [
        r#"{
  "object": "whatsapp_business_account",
  "entry": [{
    "id": "102290129340398",
    "changes": [{
      "field": "messages",
      "value": {
        "messaging_product": "whatsapp",
        "metadata": {"display_phone_number": "15550001111", "phone_number_id": "106540352242922"},
        "statuses": [{
          "id": "wamid.HBgLMTU1NTAwMDIyMjIVAgARGBI1RjQyNUE3NEYxMzAzMzQ5MkEA",
          "status": "sent",
          "timestamp": "1718800000",
          "recipient_id": "15550002222",
          "conversation": {
            "id": "b1a2c3d4e5f60718293a4b5c6d7e8f90",
            "expiration_timestamp": "1718886400",
            "origin": {"type": "marketing"}
          },
          "pricing": {"billable": true, "pricing_model": "CBP", "category": "marketing"}
        }]
      }
    }]
  }]
}"#,
        r#"{"object": "whatsapp_business_account", "entry": [{"id": "102290129340398", "changes": [{"field": "messages", "value": {"messaging_product": "whatsapp", "metadata": {"display_phone_number": "15550001111", "phone_number_id": "106540352242922"}, "statuses": [{"id": "wamid.HBgLMTU1NTAwMDIyMjIVAgARGBIyQjc4RDFDM0VGMDQ5OEY2AA==", "status": "delivered", "timestamp": "1752000123", "recipient_id": "15550002222", "pricing": {"billable": true, "pricing_model": "PMP", "type": "regular", "category": "utility"}}]}}]}]}"#,
        r#"{"object": "whatsapp_business_account", "entry": [{"id": "102290129340398", "changes": [{"field": "messages", "value": {
  "messaging_product": "whatsapp",
  "metadata": {"display_phone_number": "15550001111", "phone_number_id": "106540352242922"},
  "statuses": [{"id": "wamid.HBgLMTU1NTAwMDIyMjIVAgARGBIyQjc4RDFDM0VGMDQ5OEY2AA==",
                "status": "read", "timestamp": "1752000190", "recipient_id": "15550002222"}]
}}]}]}"#,
        r#"{"object": "whatsapp_business_account", "entry": [{"id": "102290129340398", "changes": [{"field": "messages", "value": {
  "messaging_product": "whatsapp",
  "metadata": {"display_phone_number": "15550001111", "phone_number_id": "106540352242922"},
  "statuses": [{
    "id": "wamid.HBgLMTU1NTAwMDMzMzMVAgARGBI3QUExQkIyQ0MzREQ0RUU1AA==",
    "status": "failed",
    "timestamp": "1752003600",
    "recipient_id": "15550003333",
    "errors": [{
      "code": 131047,
      "title": "Re-engagement message",
      "message": "Re-engagement message",
      "error_data": {"details": "Message failed to send because more than 24 hours have passed since the customer last replied to this number."},
      "href": "https://developers.facebook.com/docs/whatsapp/cloud-api/support/error-codes/"
    }]
  }]
}}]}]}"#,
    ];

    /// Other status shapes the fast path must take: several statuses and changes and
    /// entries in one POST, `field` after `value`, integer and null-free variants, nulls in
    /// optional places, non-ASCII text, unknown keys at every level.
    const MORE: [&str; 7] = [
        r#"{"entry":[{"id":"1","time":1752000000,"changes":[{"value":{"metadata":{"phone_number_id":"106","display_phone_number":"1555"},"statuses":[{"id":"w1","status":"sent","timestamp":"1752000001","recipient_id":"55"},{"id":"w2","status":"read","timestamp":1752000002}]},"field":"messages"},{"field":"messages","value":{"statuses":[{"id":"w3","status":"delivered","timestamp":"1752000003","recipient_id":null}]}}]},{"changes":[{"field":"messages","value":{"metadata":null,"statuses":[]}}]}]}"#,
        r#"{"entry":[{"changes":[{"field":"messages","value":{"statuses":[{"id":"w4","status":"failed","timestamp":"1752000004","errors":[{"code":null,"title":"Falhou: número inválido ✗"},{"code":2,"title":"second"}],"pricing":null,"conversation":null}]}}]}]}"#,
        r#"{"entry":[{"changes":[{"field":"messages","value":{"statuses":[{"id":"w5","status":"played","timestamp":"1752000005","conversation":{"id":null,"origin":null},"pricing":{"billable":null,"pricing_model":null,"type":"free_entry_point","category":"service","extra":[1,-2,0,true,false,null,{"a":[]}]}}]}}]}],"object":"whatsapp_business_account"}"#,
        r#"  {"entry":[]}  "#,
        r#"{"entry":[{"changes":[{"field":"messages","value":null},{"field":"messages"}]}]}"#,
        r#"{"entry":[{"changes":[{"field":"messages","value":{"statuses":[{"id":"w6","status":"deleted","timestamp":"0","errors":[],"biz_opaque_callback_data":"x"}]}}]}]}"#,
        r#"{"entry":[{"changes":[{"field":"messages","value":{"statuses":[{"id":"w7","status":"sent","timestamp":"1752000007","conversation":{"origin":{"type":"utility","x":{}}}}]}}]}]}"#,
    ];

    /// Bodies the fast path must leave to the full parser (valid or not).
    const FALLBACK: [&str; 17] = [
        // Inbound message + contacts.
        r#"{"entry":[{"changes":[{"field":"messages","value":{"metadata":{"phone_number_id":"106"},"contacts":[{"profile":{"name":"Ana"},"wa_id":"55"}],"messages":[{"from":"55","id":"wamid.I","timestamp":"1752000500","type":"text","text":{"body":"hola"}}]}}]}]}"#,
        // Template / quality / account fields.
        r#"{"entry":[{"id":"1","time":1752010000,"changes":[{"field":"message_template_status_update","value":{"event":"REJECTED","message_template_name":"t","message_template_language":"es","reason":"X","message_template_category":"UTILITY"}}]}]}"#,
        r#"{"entry":[{"id":"1","time":1752020000,"changes":[{"field":"phone_number_quality_update","value":{"display_phone_number":"1555","event":"UPGRADE","old_limit":"TIER_1K","current_limit":"TIER_10K"}}]}]}"#,
        r#"{"entry":[{"id":"1","time":1752030000,"changes":[{"field":"account_update","value":{"phone_number":"1555","event":"ACCOUNT_RESTRICTION","restriction_info":[{"restriction_type":"R"}]}}]}]}"#,
        // An escape in the wamid (valid: the full parser unescapes it).
        r#"{"entry":[{"changes":[{"field":"messages","value":{"statuses":[{"id":"wamid.A\u003d","status":"sent","timestamp":"1718800000"}]}}]}]}"#,
        // No timestamp (the full parser rejects the line), null timestamp, signed string.
        r#"{"entry":[{"changes":[{"field":"messages","value":{"statuses":[{"id":"x","status":"sent"}]}}]}]}"#,
        r#"{"entry":[{"changes":[{"field":"messages","value":{"statuses":[{"id":"x","status":"sent","timestamp":null}]}}]}]}"#,
        r#"{"entry":[{"changes":[{"field":"messages","value":{"statuses":[{"id":"x","status":"sent","timestamp":" 17"}]}}]}]}"#,
        // Duplicate known key (serde: duplicate field).
        r#"{"entry":[{"changes":[{"field":"messages","value":{"statuses":[{"id":"x","id":"y","status":"sent","timestamp":"1"}]}}]}]}"#,
        // Float error code, over-long number.
        r#"{"entry":[{"changes":[{"field":"messages","value":{"statuses":[{"id":"x","status":"failed","timestamp":"1","errors":[{"code":1.5}]}]}}]}]}"#,
        r#"{"entry":[{"changes":[{"field":"messages","value":{"statuses":[{"id":"x","status":"sent","timestamp":"1","n":1234567890123456789012}]}}]}]}"#,
        // More statuses than the fast path holds.
        r#"{"entry":[{"changes":[{"field":"messages","value":{"statuses":[{"id":"a","status":"sent","timestamp":"1"},{"id":"b","status":"sent","timestamp":"1"},{"id":"c","status":"sent","timestamp":"1"},{"id":"d","status":"sent","timestamp":"1"},{"id":"e","status":"sent","timestamp":"1"}]}}]}]}"#,
        // Trailing comma, trailing garbage, missing entry, wrong type, invalid UTF-8 below.
        r#"{"entry":[{"changes":[{"field":"messages","value":{"statuses":[{"id":"x","status":"sent","timestamp":"1"},]}}]}]}"#,
        r#"{"entry":[]} x"#,
        r#"{"object":"whatsapp_business_account"}"#,
        r#"{"entry":[{"changes":[{"field":"messages","value":{"statuses":[{"id":7,"status":"sent","timestamp":"1"}]}}]}]}"#,
        "",
    ];

    /// Generator output: 300 status POSTs of every kind it makes (sent/delivered/read/
    /// failed, PMP pricing, errors).
    fn generated() -> Vec<Vec<u8>> {
        let mut out = Vec::new();
        let opts = crate::generator::GenOptions {
            events: 300,
            start_utc: 1_795_143_600,
            days: 1,
            seed: 3,
        };
        crate::generator::generate(&opts, &mut out).unwrap();
        out.split(|b| *b == b'\n')
            .filter(|l| !l.is_empty())
            .map(<[u8]>::to_vec)
            .collect()
    }

    fn corpus() -> Vec<Vec<u8>> {
        let mut v: Vec<Vec<u8>> = SAMPLES
            .iter()
            .chain(&MORE)
            .map(|s| s.as_bytes().to_vec())
            .collect();
        v.extend(generated());
        v
    }

    #[test]
    fn fast_path_takes_real_shapes_and_agrees_with_full() {
        let corpus = corpus();
        // 4 samples + 7 more + 300 generated.
        assert_eq!(corpus.len(), 311);
        let mut events = 0;
        for line in &corpus {
            let text = String::from_utf8_lossy(line);
            let (n, ev) = fast(line).unwrap_or_else(|| panic!("fast path declined {text}"));
            let (r, ev_full) = full(line);
            assert_eq!(r, Ok(n), "{text}");
            assert_eq!(ev, ev_full, "{text}");
            events += n;
        }
        // 4 samples (1 each) + MORE (3 + 1 + 1 + 0 + 0 + 1 + 1 = 7) + 300 generated.
        assert_eq!(events, 311);
    }

    #[test]
    fn fast_path_fields_match_the_sample() {
        let mut got = Vec::new();
        let n = parse_line_fast(SAMPLES[0].as_bytes(), |e| {
            if let Event::Status(s) = e {
                got.push((
                    s.wamid.to_owned(),
                    s.status.to_owned(),
                    s.ts,
                    s.recipient.to_owned(),
                    s.line.phone_number_id.to_owned(),
                    s.line.display.to_owned(),
                    s.conversation_id.map(str::to_owned),
                    s.conversation_origin.map(str::to_owned),
                    s.pricing.map(|p| {
                        let o = |v: &S<'_>| v.as_deref().map(str::to_owned);
                        (p.billable, o(&p.pricing_model), o(&p.kind), o(&p.category))
                    }),
                ));
            }
        });
        assert_eq!(n, Some(1));
        let g = &got[0];
        assert_eq!(
            g.0,
            "wamid.HBgLMTU1NTAwMDIyMjIVAgARGBI1RjQyNUE3NEYxMzAzMzQ5MkEA"
        );
        assert_eq!((g.1.as_str(), g.2), ("sent", 1_718_800_000));
        assert_eq!(
            (g.3.as_str(), g.4.as_str(), g.5.as_str()),
            ("15550002222", "106540352242922", "15550001111")
        );
        assert_eq!(g.6.as_deref(), Some("b1a2c3d4e5f60718293a4b5c6d7e8f90"));
        assert_eq!(g.7.as_deref(), Some("marketing"));
        let p = g.8.clone().unwrap();
        assert_eq!(p.0, Some(true));
        assert_eq!(p.1.as_deref(), Some("CBP"));
        assert_eq!(p.2, None);
        assert_eq!(p.3.as_deref(), Some("marketing"));
        let mut err = None;
        parse_line_fast(SAMPLES[3].as_bytes(), |e| {
            if let Event::Status(s) = e {
                err = s.error.map(|(c, t)| (c, t.to_owned()));
            }
        });
        assert_eq!(err, Some((131_047, "Re-engagement message".to_owned())));
    }

    #[test]
    fn unusual_bodies_fall_back_and_parse_line_equals_full() {
        let mut bodies: Vec<Vec<u8>> = FALLBACK.iter().map(|s| s.as_bytes().to_vec()).collect();
        // Invalid UTF-8 inside a string.
        bodies.push(b"{\"entry\":[{\"changes\":[{\"field\":\"messages\",\"value\":{\"statuses\":[{\"id\":\"\xff\",\"status\":\"sent\",\"timestamp\":\"1\"}]}}]}]}".to_vec());
        // 17 listed + 1.
        assert_eq!(bodies.len(), 18);
        let mut ok = 0;
        for line in &bodies {
            let text = String::from_utf8_lossy(line);
            assert!(fast(line).is_none(), "fast path took {text}");
            let mut ev = Vec::new();
            let r = parse_line(line, |e| ev.push(format!("{e:?}"))).map_err(|e| e.to_string());
            assert_eq!((r.clone(), ev), full(line), "{text}");
            ok += usize::from(r.is_ok());
        }
        // Valid for the full parser: the 4 non-status fields, the escaped wamid, the
        // " 17" timestamp (trimmed), the over-long ignored number, 5 statuses and the
        // empty line = 4 + 1 + 1 + 1 + 1 + 1 = 9 (the other 9 are errors).
        assert_eq!(ok, 9);
    }

    /// Random byte edits of real bodies: whenever the fast path accepts a mutant, the full
    /// parser accepts it too with the same events (the fast path may only decline).
    #[test]
    fn mutated_bodies_never_disagree() {
        use rand::{Rng, SeedableRng, rngs::StdRng};
        let corpus = corpus();
        let mut rng = StdRng::seed_from_u64(11);
        let alphabet = b"{}[]:,\"\\ \t\n0123456789-+.eEtruefalsnl\x01\x7f\xc3\xa9\xff";
        let (mut taken, mut declined) = (0, 0);
        for _ in 0..30_000 {
            let mut line = corpus[rng.random_range(0..corpus.len())].clone();
            for _ in 0..rng.random_range(1..4) {
                let i = rng.random_range(0..line.len());
                let c = alphabet[rng.random_range(0..alphabet.len())];
                match rng.random_range(0..4) {
                    0 => line[i] = c,
                    1 => line.insert(i, c),
                    2 => {
                        line.remove(i);
                    }
                    _ => line.truncate(i),
                }
                if line.is_empty() {
                    break;
                }
            }
            match fast(&line) {
                Some((n, ev)) => {
                    taken += 1;
                    let text = String::from_utf8_lossy(&line);
                    assert_eq!(full(&line), (Ok(n), ev), "{text}");
                }
                None => declined += 1,
            }
        }
        // Both sides exercised: many edits land in skipped text and stay valid.
        assert!(
            taken > 1000 && declined > 1000,
            "{taken} taken, {declined} declined"
        );
    }
}
