//! Streaming scan of the webhook archive into bounded per-message state.
//!
//! Each outbound message (wamid) keeps only its **highest status** as of the period end
//! (sent < delivered < read; failed outranks all, so it is terminal), whatever order or how
//! many times Meta delivered the statuses; statuses stamped at or after the period end are
//! ignored, so a report is reproducible once the period is closed. Messages are keyed by a
//! 64-bit hash of the wamid in an open-addressing [`Table`] of flat arrays (12 bytes a slot
//! for the lean state, grown in 1/4 steps per partition): memory grows with the number of
//! distinct messages, never with the input size or the number of statuses.
//! (Two wamids colliding on 64 bits is ~1e-7 likely among 2 M messages; it would merge them.)

use std::collections::{HashMap, HashSet};
use std::hash::{DefaultHasher, Hash, Hasher};

use crate::webhook::{Event, LineError, StatusEvent};

/// 64-bit key of a wamid (never 0, which marks an empty slot).
pub fn key(wamid: &str) -> u64 {
    let mut h = DefaultHasher::new();
    wamid.hash(&mut h);
    h.finish().max(1)
}

/// Partitions of a [`Table`] (by the key's top byte). Each grows on its own, so a rehash
/// holds at most one partition (1/256 of the table) twice, and the table grows in small
/// steps instead of doubling at once.
const PARTS: usize = 256;

/// Grow a partition when it would pass this load (in eighths).
const MAX_LOAD_EIGHTHS: usize = 7;

/// Spreads any key over all 64 bits (Fibonacci hashing), so keys that are not hashes —
/// small integers in tests — still spread over partitions and slots.
#[inline]
fn mix(k: u64) -> u64 {
    k.wrapping_mul(0x9E37_79B9_7F4A_7C15)
}

/// A slot: the key as two `u32` halves (so a `u32` value makes a 12-byte slot with no
/// padding) and the value; key 0 marks an empty slot.
#[derive(Debug, Clone, Copy, Default)]
struct Slot<V> {
    k: [u32; 2],
    v: V,
}

impl<V> Slot<V> {
    #[inline]
    fn key(&self) -> u64 {
        u64::from(self.k[0]) | (u64::from(self.k[1]) << 32)
    }
}

/// One partition: open addressing, linear probing, any size (the home slot is the low 32
/// key bits scaled to the size, so growth need not double).
#[derive(Debug, Clone)]
struct Part<V> {
    slots: Vec<Slot<V>>,
    len: usize,
}

impl<V: Copy + Default> Part<V> {
    /// `(index, found)`: the slot holding `k`, else the empty slot where it would go.
    /// The partition is never full (load ≤ 7/8), so the probe ends.
    #[inline]
    fn find(&self, k: u64) -> (usize, bool) {
        let n = self.slots.len();
        if n == 0 {
            return (0, false);
        }
        let mut i = (((mix(k) & 0xffff_ffff) * n as u64) >> 32) as usize;
        loop {
            let sk = self.slots[i].key();
            if sk == k {
                return (i, true);
            }
            if sk == 0 {
                return (i, false);
            }
            i += 1;
            if i == n {
                i = 0;
            }
        }
    }

    /// Grows by ~1/4 (at least to 16 slots): memory follows the number of keys closely.
    fn grow(&mut self) {
        let n = (self.slots.len() + self.slots.len() / 4).max(16);
        let old = std::mem::replace(&mut self.slots, vec![Slot::default(); n]);
        for s in old {
            let k = s.key();
            if k != 0 {
                let (i, _) = self.find(k);
                self.slots[i] = s;
            }
        }
    }
}

/// Hash table keyed by [`key`] (64-bit, never 0) with small `Copy` values, built for
/// millions of messages: 256 partitions of flat slot arrays, each grown by 1/4 at 7/8 load,
/// so memory stays within ~1.15–1.45 × (key + value) per entry and never briefly doubles.
#[derive(Debug, Clone)]
pub struct Table<V> {
    parts: Vec<Part<V>>,
    len: usize,
}

impl<V: Copy + Default> Default for Table<V> {
    fn default() -> Self {
        Self::new()
    }
}

impl<V: Copy + Default> Table<V> {
    pub fn new() -> Self {
        Self {
            parts: vec![
                Part {
                    slots: Vec::new(),
                    len: 0,
                };
                PARTS
            ],
            len: 0,
        }
    }

    pub fn len(&self) -> usize {
        self.len
    }

    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    #[inline]
    fn part(k: u64) -> usize {
        (mix(k) >> 56) as usize
    }

    pub fn get(&self, k: u64) -> Option<&V> {
        let p = &self.parts[Self::part(k)];
        let (i, found) = p.find(k);
        found.then(|| &p.slots[i].v)
    }

    pub fn get_mut(&mut self, k: u64) -> Option<&mut V> {
        let p = &mut self.parts[Self::part(k)];
        let (i, found) = p.find(k);
        if found { Some(&mut p.slots[i].v) } else { None }
    }

    /// The value of `k`, inserting `V::default()` first when absent; `true` when inserted.
    #[inline]
    pub fn entry(&mut self, k: u64) -> (&mut V, bool) {
        let p = &mut self.parts[Self::part(k)];
        let (mut i, found) = p.find(k);
        if !found {
            if (p.len + 1) * 8 > p.slots.len() * MAX_LOAD_EIGHTHS {
                p.grow();
                i = p.find(k).0;
            }
            p.slots[i] = Slot {
                k: [k as u32, (k >> 32) as u32],
                v: V::default(),
            };
            p.len += 1;
            self.len += 1;
        }
        (&mut p.slots[i].v, !found)
    }

    /// Every `(key, value)`, in table order.
    pub fn iter(&self) -> impl Iterator<Item = (u64, &V)> {
        self.parts
            .iter()
            .flat_map(|p| &p.slots)
            .filter(|s| s.key() != 0)
            .map(|s| (s.key(), &s.v))
    }

    /// Every `(key, value)` mutably.
    pub fn iter_mut(&mut self) -> impl Iterator<Item = (u64, &mut V)> {
        self.parts
            .iter_mut()
            .flat_map(|p| &mut p.slots)
            .filter(|s| s.key() != 0)
            .map(|s| (s.key(), &mut s.v))
    }

    /// Bytes held by the slot arrays (for the benchmark's memory accounting).
    pub fn heap_bytes(&self) -> usize {
        self.parts
            .iter()
            .map(|p| p.slots.capacity() * std::mem::size_of::<Slot<V>>())
            .sum()
    }
}

/// Delivery status of an outbound message, in rank order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
#[repr(u8)]
pub enum Status {
    /// In the send log, no status webhook yet (not a Meta status).
    Pending = 0,
    Sent = 1,
    Delivered = 2,
    Read = 3,
    /// Terminal: outranks every other status.
    Failed = 4,
}

impl Status {
    /// Meta's wire value; `played` (voice messages) counts as read. `deleted` and unknown
    /// values give `None`.
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "sent" => Some(Self::Sent),
            "delivered" => Some(Self::Delivered),
            "read" | "played" => Some(Self::Read),
            "failed" => Some(Self::Failed),
            _ => None,
        }
    }

    pub fn from_u8(v: u8) -> Self {
        match v {
            1 => Self::Sent,
            2 => Self::Delivered,
            3 => Self::Read,
            4 => Self::Failed,
            _ => Self::Pending,
        }
    }

    /// Meta's word (`pending` for [`Status::Pending`]) — the §4.4 normalized enum.
    pub fn wire(self) -> &'static str {
        match self {
            Self::Pending => "pending",
            Self::Sent => "sent",
            Self::Delivered => "delivered",
            Self::Read => "read",
            Self::Failed => "failed",
        }
    }

    /// Seed 003 (pt-BR, Consumo) word; pending maps to `Novo` (REPORTS.md §4, A31), failed,
    /// which seed 003 lacks, to `Falhou`.
    pub fn pt(self) -> &'static str {
        match self {
            Self::Pending => "Novo",
            Self::Sent => "Enviado",
            Self::Delivered => "Recebido",
            Self::Read => "Lido",
            Self::Failed => "Falhou",
        }
    }

    /// Seed 002 (es, Envíos) word.
    pub fn es(self) -> &'static str {
        match self {
            Self::Pending => "Pendiente",
            Self::Sent => "Enviado",
            Self::Delivered => "Recibido",
            Self::Read => "Leído",
            Self::Failed => "Fallido",
        }
    }

    /// Output order of the count reports: most advanced first, as the seed lists them.
    pub const REPORT_ORDER: [Status; 5] = [
        Status::Read,
        Status::Delivered,
        Status::Sent,
        Status::Failed,
        Status::Pending,
    ];
}

/// The lean per-message state: `first_minute << 3 | status` (first minute = earliest status
/// timestamp / 60; 29 bits last until the year 3000). Status 7 marks "already counted".
pub type Lean = u32;

/// Lean-state helpers.
pub mod lean {
    use super::Status;
    pub const COUNTED: u32 = 7;
    pub fn status(v: u32) -> u32 {
        v & 7
    }
    pub fn first_utc(v: u32) -> i64 {
        i64::from(v >> 3) * 60
    }
    /// Folds a status stamped `ts` into `v` (`v == 0` means new).
    pub fn merge(v: &mut u32, st: Status, ts: i64) {
        let minute = u32::try_from(ts.max(0) / 60).unwrap_or(u32::MAX >> 3) & (u32::MAX >> 3);
        if *v == 0 {
            *v = (minute << 3) | st as u32;
            return;
        }
        let first = (*v >> 3).min(minute);
        let s = (*v & 7).max(st as u32);
        *v = (first << 3) | s;
    }
}

/// Full per-message state for the detail reports (ids refer to [`Interner`] strings, 0 = none).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Detail {
    /// Earliest status timestamp.
    pub first_ts: i64,
    /// Timestamp of the highest status (its earliest delivery).
    pub status_ts: i64,
    pub status: u8,
    /// `"<code> <title>"` of the failure.
    pub error: u32,
    /// `model\x1fcategory\x1ftype\x1fbillable` from the first status carrying pricing.
    pub pricing: u32,
    pub conversation: u32,
    pub recipient: u32,
    /// phone_number_id.
    pub line: u32,
}

impl Detail {
    pub fn status(&self) -> Status {
        Status::from_u8(self.status)
    }

    fn merge(&mut self, ev: &StatusEvent<'_>, st: Status, strings: &mut Interner) {
        let new = self.status == 0 && self.first_ts == 0;
        if new || ev.ts < self.first_ts {
            self.first_ts = ev.ts;
        }
        if new || (st as u8) > self.status {
            self.status = st as u8;
            self.status_ts = ev.ts;
            if let Some((code, title)) = ev.error {
                self.error = strings.id(&format!("{code} {title}"));
            }
        } else if st as u8 == self.status && ev.ts < self.status_ts {
            // A duplicate delivered earlier than the one kept: the status began then.
            self.status_ts = ev.ts;
        }
        if self.pricing == 0
            && let Some(p) = ev.pricing
        {
            let billable = match p.billable {
                Some(true) => "true",
                Some(false) => "false",
                None => "",
            };
            self.pricing = strings.id(&format!(
                "{}\x1f{}\x1f{}\x1f{}",
                p.pricing_model.as_deref().unwrap_or(""),
                p.category.as_deref().unwrap_or(""),
                p.kind.as_deref().unwrap_or(""),
                billable
            ));
        }
        if self.conversation == 0
            && let Some(c) = ev.conversation_id
        {
            self.conversation = strings.id(c);
        }
        if self.recipient == 0 && !ev.recipient.is_empty() {
            self.recipient = strings.id(ev.recipient);
        }
        if self.line == 0 && !ev.line.phone_number_id.is_empty() {
            self.line = strings.id(ev.line.phone_number_id);
        }
    }
}

/// String interning for the detail state (ids from 1).
#[derive(Debug, Default, Clone)]
pub struct Interner {
    list: Vec<String>,
    map: HashMap<String, u32>,
}

impl Interner {
    pub fn id(&mut self, s: &str) -> u32 {
        if let Some(i) = self.map.get(s) {
            return *i;
        }
        self.list.push(s.to_owned());
        let i = u32::try_from(self.list.len()).unwrap_or(u32::MAX);
        self.map.insert(s.to_owned(), i);
        i
    }

    /// The string of `id` (`None` for 0).
    pub fn get(&self, id: u32) -> Option<&str> {
        if id == 0 {
            return None;
        }
        self.list.get(id as usize - 1).map(String::as_str)
    }
}

/// An inbound message kept for the session and detail reports.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Inbound {
    pub ts: i64,
    pub from: String,
    /// phone_number_id.
    pub line: String,
    pub kind: String,
}

/// A template status change.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TemplateRow {
    pub ts: Option<i64>,
    pub waba_id: String,
    pub name: String,
    pub language: String,
    pub category: String,
    pub event: String,
    pub reason: String,
}

/// A line quality / account event.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LineRow {
    pub ts: Option<i64>,
    pub field: String,
    pub phone: String,
    pub event: String,
    pub limit: String,
    pub detail: String,
}

/// What the scan keeps.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Keep {
    /// Lean status state (messages_by_status / messages_by_origin).
    pub lean: bool,
    /// Full status state.
    pub detail: bool,
    pub inbound: bool,
    pub templates: bool,
    pub lines: bool,
}

/// Counters of a scan.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Stats {
    pub lines_read: u64,
    pub events: u64,
    pub malformed_lines: u64,
    /// `file:line: error` of the first few malformed lines.
    pub malformed_examples: Vec<String>,
    /// Statuses with a value other than sent/delivered/read/played/failed.
    pub unknown_statuses: u64,
    /// Events stamped at or after the period end (ignored).
    pub after_period: u64,
    /// Newest event timestamp seen.
    pub newest_ts: Option<i64>,
}

/// Maximum malformed-line examples kept.
pub const MAX_EXAMPLES: usize = 5;

/// The accumulated state of a scan.
#[derive(Debug, Default)]
pub struct Scan {
    pub keep: Keep,
    pub start_utc: i64,
    pub end_utc: i64,
    /// Only these lines (phone_number_id or display); `None` = all.
    pub lines: Option<std::collections::BTreeSet<String>>,
    pub stats: Stats,
    pub lean: Table<Lean>,
    pub detail: Table<Detail>,
    pub strings: Interner,
    pub inbound: Vec<Inbound>,
    inbound_seen: HashSet<u64>,
    pub templates: Vec<TemplateRow>,
    pub line_events: Vec<LineRow>,
    /// phone_number_id → display number.
    pub displays: HashMap<String, String>,
    /// contact → profile name (latest).
    pub names: HashMap<String, String>,
}

/// Inbound messages older than this before the period start cannot affect a session opened
/// in the period (the window is 24 h).
pub const WINDOW_S: i64 = 86_400;

impl Scan {
    pub fn new(keep: Keep, start_utc: i64, end_utc: i64) -> Self {
        Self {
            keep,
            start_utc,
            end_utc,
            ..Self::default()
        }
    }

    fn line_ok(&self, id: &str, display: &str) -> bool {
        self.lines
            .as_ref()
            .is_none_or(|s| s.contains(id) || s.contains(display))
    }

    /// Feeds one archived POST body; malformed lines are counted (with `where_` as example
    /// prefix), never fatal.
    pub fn line(&mut self, line: &[u8], where_: impl FnOnce() -> String) {
        self.stats.lines_read += 1;
        let result = crate::webhook::parse_line(line, |ev| self.event(ev));
        match result {
            Ok(n) => self.stats.events += n as u64,
            Err(e) => self.malformed(e, where_),
        }
    }

    fn malformed(&mut self, e: LineError, where_: impl FnOnce() -> String) {
        self.stats.malformed_lines += 1;
        if self.stats.malformed_examples.len() < MAX_EXAMPLES {
            self.stats
                .malformed_examples
                .push(format!("{}: {e}", where_()));
        }
    }

    fn event(&mut self, ev: Event<'_>) {
        let ts = match &ev {
            Event::Status(s) => Some(s.ts),
            Event::Inbound(m) => Some(m.ts),
            Event::Template(t) => t.ts,
            Event::Line(l) => l.ts,
        };
        if let Some(ts) = ts {
            self.stats.newest_ts = Some(self.stats.newest_ts.map_or(ts, |n| n.max(ts)));
            if ts >= self.end_utc {
                self.stats.after_period += 1;
                return;
            }
        }
        match ev {
            Event::Status(s) => {
                if !self.line_ok(s.line.phone_number_id, s.line.display) {
                    return;
                }
                let Some(st) = Status::parse(s.status) else {
                    self.stats.unknown_statuses += 1;
                    return;
                };
                let k = key(s.wamid);
                if self.keep.lean {
                    let (v, _) = self.lean.entry(k);
                    lean::merge(v, st, s.ts);
                }
                if self.keep.detail {
                    let (v, _) = self.detail.entry(k);
                    v.merge(&s, st, &mut self.strings);
                    self.display(s.line.phone_number_id, s.line.display);
                }
            }
            Event::Inbound(m) => {
                if !self.keep.inbound
                    || m.ts < self.start_utc - WINDOW_S
                    || !self.line_ok(m.line.phone_number_id, m.line.display)
                {
                    return;
                }
                // Meta retries a POST it got no 200 for: the same message may come twice.
                if !self.inbound_seen.insert(key(m.wamid)) {
                    return;
                }
                self.display(m.line.phone_number_id, m.line.display);
                if let Some(n) = m.profile_name {
                    self.names.insert(m.from.to_owned(), n.to_owned());
                }
                self.inbound.push(Inbound {
                    ts: m.ts,
                    from: m.from.to_owned(),
                    line: m.line.phone_number_id.to_owned(),
                    kind: m.kind.to_owned(),
                });
            }
            Event::Template(t) => {
                if self.keep.templates && t.ts.is_none_or(|ts| ts >= self.start_utc) {
                    self.templates.push(TemplateRow {
                        ts: t.ts,
                        waba_id: t.waba_id.to_owned(),
                        name: t.name.to_owned(),
                        language: t.language.to_owned(),
                        category: t.category.to_owned(),
                        event: t.event.to_owned(),
                        reason: t.reason.to_owned(),
                    });
                }
            }
            Event::Line(l) => {
                if self.keep.lines
                    && l.ts.is_none_or(|ts| ts >= self.start_utc)
                    && self.line_ok(l.phone, l.phone)
                {
                    self.line_events.push(LineRow {
                        ts: l.ts,
                        field: l.field.to_owned(),
                        phone: l.phone.to_owned(),
                        event: l.event.to_owned(),
                        limit: l.limit.to_owned(),
                        detail: l.detail,
                    });
                }
            }
        }
    }

    fn display(&mut self, id: &str, display: &str) {
        if !id.is_empty() && !display.is_empty() && !self.displays.contains_key(id) {
            self.displays.insert(id.to_owned(), display.to_owned());
        }
    }

    /// The display number of a phone_number_id, else the id itself.
    pub fn line_number<'s>(&'s self, id: &'s str) -> &'s str {
        self.displays.get(id).map_or(id, String::as_str)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn table_grows_and_finds() {
        let mut t: Table<u32> = Table::new();
        for i in 1..=5000u64 {
            *t.entry(i * 7919).0 = i as u32;
        }
        assert_eq!(t.len(), 5000);
        assert_eq!(t.get(7919 * 42), Some(&42));
        assert_eq!(t.get(3), None);
        assert_eq!(t.iter().count(), 5000);
    }

    #[test]
    fn table_memory_follows_the_keys() {
        let mut t: Table<u32> = Table::new();
        for i in 0..100_000u32 {
            let (v, new) = t.entry(key(&format!("wamid.HBgLNTUx{i:08}AA==")));
            assert!(new);
            *v = i + 1;
        }
        assert_eq!(t.len(), 100_000);
        for i in (0..100_000u32).step_by(997) {
            assert_eq!(
                t.get(key(&format!("wamid.HBgLNTUx{i:08}AA=="))),
                Some(&(i + 1))
            );
        }
        assert_eq!(t.iter().count(), 100_000);
        // 12-byte slots; a partition is ≥ 7/8 ÷ 5/4 = 0.7 full right after growing, so the
        // slots take ≤ 100 000 × 12 / 0.7 ≈ 1.71 MB: assert under 1.5 × the 1.2 MB payload.
        assert_eq!(std::mem::size_of::<Slot<u32>>(), 12);
        let bytes = t.heap_bytes();
        assert!((1_200_000..=1_800_000).contains(&bytes), "{bytes}");
    }

    #[test]
    fn lean_merge_keeps_max_and_first_minute() {
        let mut v = 0;
        lean::merge(&mut v, Status::Read, 1200);
        lean::merge(&mut v, Status::Sent, 600);
        lean::merge(&mut v, Status::Delivered, 900);
        assert_eq!(lean::status(v), Status::Read as u32);
        assert_eq!(lean::first_utc(v), 600);
        lean::merge(&mut v, Status::Failed, 1300);
        assert_eq!(lean::status(v), Status::Failed as u32);
        lean::merge(&mut v, Status::Read, 1400);
        assert_eq!(lean::status(v), Status::Failed as u32);
    }
}
