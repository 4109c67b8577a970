//! Parser for one Asterisk `queue_log` line (`time|callid|queue|agent|event|data1|...`,
//! DATA-FORMATS.md §1.1). Zero-copy: a [`Line`] borrows from the text it was parsed from,
//! so the scanner ([`crate::scan`]) allocates only for calls it keeps open.
//!
//! The parser is deliberately lenient about the data fields (their number varies with the
//! Asterisk version: 1.4 wrote `CONNECT(holdtime)` only, newer versions add fields, some
//! lines end with a trailing `|`), and strict only about what every line must have: a numeric
//! time and the five fixed columns.

/// Most data fields any event we read uses (`ATTENDEDTRANSFER LINK` has six).
const MAX_DATA: usize = 6;

/// One parsed line. Missing data fields read as `""`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Line<'a> {
    /// Unix seconds (a fractional part, as some DB exports write, is dropped).
    pub time: i64,
    /// Caller channel uniqueid (may be `host-` prefixed), or `NONE`/`MANAGER`/...
    pub callid: &'a str,
    pub queue: &'a str,
    pub agent: &'a str,
    pub event: &'a str,
    /// `callid|queue`, a slice of the original line: the key of a queue entry. `|` never
    /// occurs inside a field, so the key is unambiguous and costs no allocation to look up.
    pub key: &'a str,
    data: [&'a str; MAX_DATA],
}

impl<'a> Line<'a> {
    /// Data field `n` (1-based, as in the Asterisk docs), trimmed; `""` when absent.
    pub fn data(&self, n: usize) -> &'a str {
        match n.checked_sub(1).and_then(|i| self.data.get(i)) {
            Some(s) => s,
            None => "",
        }
    }

    /// Data field `n` as an integer, `None` when absent or not a number.
    pub fn data_int(&self, n: usize) -> Option<i64> {
        self.data(n).parse().ok()
    }
}

/// Why a line could not be parsed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Malformed {
    /// Fewer than the five fixed columns.
    TooFewFields,
    /// The first column is not a Unix time.
    BadTime,
}

/// Parses the time column: digits, optionally followed by a fractional part.
pub fn parse_time(s: &str) -> Option<i64> {
    let s = s.trim();
    let int = match s.split_once('.') {
        Some((int, frac)) if frac.bytes().all(|b| b.is_ascii_digit()) => int,
        Some(_) => return None,
        None => s,
    };
    if int.is_empty() || !int.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    int.parse().ok()
}

/// Parses one line (without its line terminator; a trailing `\r` is tolerated).
pub fn parse_line(text: &str) -> Result<Line<'_>, Malformed> {
    let text = text.strip_suffix('\r').unwrap_or(text);
    let mut fields = text.split('|');
    let time = fields.next().ok_or(Malformed::TooFewFields)?;
    let callid = fields.next().ok_or(Malformed::TooFewFields)?;
    let queue = fields.next().ok_or(Malformed::TooFewFields)?;
    let agent = fields.next().ok_or(Malformed::TooFewFields)?;
    let event = fields.next().ok_or(Malformed::TooFewFields)?;
    let key_start = time.len() + 1;
    let time = parse_time(time).ok_or(Malformed::BadTime)?;
    let mut data = [""; MAX_DATA];
    for (slot, field) in data.iter_mut().zip(fields) {
        *slot = field.trim();
    }
    // The key spans from just after the first `|` to just before the third one.
    let key_end = key_start + callid.len() + 1 + queue.len();
    let key = text.get(key_start..key_end).unwrap_or("");
    Ok(Line {
        time,
        callid: callid.trim(),
        queue: queue.trim(),
        agent: agent.trim(),
        event: event.trim(),
        key,
        data,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn full_line() {
        let l = parse_line("1795143600|1795143600.1|sales|NONE|ENTERQUEUE||5511999|1|Ana").unwrap();
        assert_eq!(l.time, 1795143600);
        assert_eq!(l.callid, "1795143600.1");
        assert_eq!(l.queue, "sales");
        assert_eq!(l.event, "ENTERQUEUE");
        assert_eq!(l.key, "1795143600.1|sales");
        assert_eq!(l.data(1), "");
        assert_eq!(l.data(2), "5511999");
        assert_eq!(l.data_int(3), Some(1));
        assert_eq!(l.data(4), "Ana");
        assert_eq!(l.data(5), "");
        assert_eq!(l.data(0), "");
        assert_eq!(l.data(99), "");
    }

    #[test]
    fn short_trailing_and_crlf() {
        let l = parse_line("10|c|q|SIP/1|CONNECT|7\r").unwrap();
        assert_eq!(l.data_int(1), Some(7));
        assert_eq!(l.data(2), "");
        let l = parse_line("10|MANAGER|q|SIP/1|REMOVEMEMBER|").unwrap();
        assert_eq!(l.event, "REMOVEMEMBER");
        assert_eq!(l.data(1), "");
        let l = parse_line("10|c|q|NONE|PAUSEALL").unwrap();
        assert_eq!(l.event, "PAUSEALL");
    }

    #[test]
    fn fractional_time_and_extra_fields() {
        let l = parse_line("10.250|c|q|a|X|1|2|3|4|5|6|7|8").unwrap();
        assert_eq!(l.time, 10);
        assert_eq!(l.data(6), "6");
    }

    #[test]
    fn malformed() {
        assert_eq!(parse_line("garbage"), Err(Malformed::TooFewFields));
        assert_eq!(parse_line("1|2|3|4"), Err(Malformed::TooFewFields));
        assert_eq!(parse_line("abc|c|q|a|E"), Err(Malformed::BadTime));
        assert_eq!(parse_line("|c|q|a|E"), Err(Malformed::BadTime));
        assert_eq!(parse_line("1.x|c|q|a|E"), Err(Malformed::BadTime));
        assert_eq!(parse_line("-5|c|q|a|E"), Err(Malformed::BadTime));
    }
}
