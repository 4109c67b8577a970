//! Asterisk CDR CSV reader (DATA-FORMATS.md §2.1) and the `telephony.calls_list` report
//! (REPORTS.md §3.14).
//!
//! `Master.csv` (cdr_csv) has 16, 18 (+uniqueid, userfield) or 21 (+peeraccount, linkedid,
//! sequence) columns, detected per line by the count; `cdr_format = "cdr_custom"` reads the
//! cdr_custom sample order (clid, src, dst, dcontext, channel, dstchannel, lastapp, lastdata,
//! start, answer, end, duration, billsec, disposition, amaflags, accountcode, uniqueid,
//! userfield, sequence). Fields are quoted with `"` (doubled inside) or bare (numbers).
//! Times are local wall-clock in the request's zone.
//!
//! One call = the CDR rows sharing a linkedid (or uniqueid when the file has none; a
//! 16-column row is a call of its own). Per call: `started_at` = earliest start, `ended_at`
//! = latest end, `total_s` = their difference, `talk_s` = the longest billsec of an ANSWERED
//! row, `result` = `Contestada` when any row is ANSWERED, the call's disposition = the best
//! of its rows (ANSWERED > BUSY > NO ANSWER > FAILED > CONGESTION > CANCEL). Direction: the
//! first row's dcontext in `inbound_contexts` → `Entrante` (dial type `Entrante`), otherwise
//! `Saliente` (dial type `Manual`: a CDR does not tell predictive dialing apart).

use std::cell::Cell;
use std::collections::HashMap;
use std::io::BufRead;
use std::rc::Rc;

use chrono::NaiveDateTime;
use reportd_plugin_api::{Cancelled, PluginError, Sink, Value};

use crate::files::{self, SourceFile};
use crate::settings::{CdrFormat, Job};

/// One CDR row (the fields the reports use).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct CdrRow {
    pub src: String,
    pub dst: String,
    pub dcontext: String,
    pub clid: String,
    pub channel: String,
    pub dstchannel: String,
    /// Local naive seconds.
    pub start: i64,
    pub answer: Option<i64>,
    pub end: i64,
    pub billsec: i64,
    pub disposition: String,
    pub uniqueid: String,
    pub linkedid: String,
}

impl CdrRow {
    /// The grouping key: linkedid, else uniqueid, else empty (a call of its own).
    pub fn call_key(&self) -> &str {
        if !self.linkedid.is_empty() {
            &self.linkedid
        } else {
            &self.uniqueid
        }
    }
}

/// Splits one CSV line (`"` quoting, `""` escapes). `None` on an unterminated quote.
pub fn split_csv(line: &str) -> Option<Vec<String>> {
    let mut out = Vec::new();
    let mut field = String::new();
    let mut chars = line.chars().peekable();
    let mut quoted = false;
    let mut was_quoted = false;
    while let Some(c) = chars.next() {
        if quoted {
            if c == '"' {
                if chars.peek() == Some(&'"') {
                    field.push('"');
                    chars.next();
                } else {
                    quoted = false;
                }
            } else {
                field.push(c);
            }
        } else if c == '"' && field.is_empty() && !was_quoted {
            quoted = true;
            was_quoted = true;
        } else if c == ',' {
            out.push(std::mem::take(&mut field));
            was_quoted = false;
        } else {
            field.push(c);
        }
    }
    if quoted {
        return None;
    }
    out.push(field);
    Some(out)
}

fn parse_dt(s: &str) -> Option<i64> {
    NaiveDateTime::parse_from_str(s.trim(), "%Y-%m-%d %H:%M:%S")
        .ok()
        .map(|d| d.and_utc().timestamp())
}

/// Parses one CDR line; `None` when it is malformed (column count, times).
pub fn parse_row(line: &str, format: CdrFormat) -> Option<CdrRow> {
    let f = split_csv(line)?;
    let g = |i: usize| f.get(i).cloned().unwrap_or_default();
    // Index of: src dst dcontext clid channel dstchannel start answer end billsec disposition
    let (idx, uniqueid, linkedid): ([usize; 11], Option<usize>, Option<usize>) = match format {
        CdrFormat::CdrCsv => {
            let base = [1, 2, 3, 4, 5, 6, 9, 10, 11, 13, 14];
            match f.len() {
                16 => (base, None, None),
                18 => (base, Some(16), None),
                21 => (base, Some(16), Some(19)),
                _ => return None,
            }
        }
        CdrFormat::CdrCustom => {
            if f.len() < 17 {
                return None;
            }
            ([1, 2, 3, 0, 4, 5, 8, 9, 10, 12, 13], Some(16), None)
        }
    };
    let start = parse_dt(&g(idx[6]))?;
    let end = parse_dt(&g(idx[8]))?;
    Some(CdrRow {
        src: g(idx[0]),
        dst: g(idx[1]),
        dcontext: g(idx[2]),
        clid: g(idx[3]),
        channel: g(idx[4]),
        dstchannel: g(idx[5]),
        start,
        answer: parse_dt(&g(idx[7])),
        end,
        billsec: g(idx[9]).trim().parse().ok()?,
        disposition: g(idx[10]),
        uniqueid: uniqueid.map(g).unwrap_or_default(),
        linkedid: linkedid.map(g).unwrap_or_default(),
    })
}

/// What the CDR read saw.
#[derive(Debug, Default, Clone)]
pub struct CdrStats {
    pub files_read: Vec<std::path::PathBuf>,
    pub lines_read: u64,
    pub malformed_lines: u64,
    pub malformed_examples: Vec<String>,
    /// Newest end time (local naive seconds).
    pub newest_local: Option<i64>,
}

/// Reads every CDR row of `files` whose start is in `[from_local, to_local)` (local naive
/// seconds), in file order.
pub fn read(
    files: &[SourceFile],
    format: CdrFormat,
    from_local: i64,
    to_local: i64,
    sink: &mut dyn Sink,
) -> Result<(Vec<CdrRow>, CdrStats), PluginError> {
    let done = Rc::new(Cell::new(0u64));
    let mut stats = CdrStats::default();
    let mut rows = Vec::new();
    let mut buf = String::new();
    for file in files {
        let mut reader = files::open(file, Rc::clone(&done))?;
        stats.files_read.push(file.path.clone());
        let mut line_no = 0u64;
        loop {
            buf.clear();
            let n = match reader.read_line(&mut buf) {
                Ok(n) => n,
                Err(e) if e.kind() == std::io::ErrorKind::InvalidData => {
                    stats.malformed_lines += 1;
                    continue;
                }
                Err(e) => return Err(files::read_error(&file.path, &e)),
            };
            if n == 0 {
                break;
            }
            line_no += 1;
            stats.lines_read += 1;
            if stats.lines_read % 65_536 == 0 && sink.cancelled() {
                return Err(crate::kpi::cancelled(Cancelled));
            }
            let text = buf.trim_end_matches(['\n', '\r']);
            if text.trim().is_empty() {
                continue;
            }
            let Some(row) = parse_row(text, format) else {
                stats.malformed_lines += 1;
                if stats.malformed_examples.len() < 5 {
                    let name = file
                        .path
                        .file_name()
                        .map(|n| n.to_string_lossy().into_owned());
                    let short: String = text.chars().take(200).collect();
                    stats
                        .malformed_examples
                        .push(format!("{}:{line_no}: {short}", name.unwrap_or_default()));
                }
                continue;
            };
            if stats.newest_local.is_none_or(|n| row.end > n) {
                stats.newest_local = Some(row.end);
            }
            if row.start >= from_local && row.start < to_local {
                rows.push(row);
            }
        }
    }
    Ok((rows, stats))
}

/// One call: its CDR rows grouped.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Call<'a> {
    pub key: &'a str,
    pub rows: Vec<&'a CdrRow>,
}

/// Rank of a disposition: lower is better.
fn disposition_rank(d: &str) -> u8 {
    match d {
        "ANSWERED" => 0,
        "BUSY" => 1,
        "NO ANSWER" => 2,
        "FAILED" => 3,
        "CONGESTION" => 4,
        _ => 5,
    }
}

impl Call<'_> {
    /// The call's disposition: the best of its rows.
    pub fn disposition(&self) -> &str {
        self.rows
            .iter()
            .map(|r| r.disposition.as_str())
            .min_by_key(|d| disposition_rank(d))
            .unwrap_or("")
    }
}

/// Groups rows into calls, ordered by their first row's start (file order on ties).
pub fn group(rows: &[CdrRow]) -> Vec<Call<'_>> {
    let mut index: HashMap<&str, usize> = HashMap::new();
    let mut calls: Vec<Call<'_>> = Vec::new();
    for row in rows {
        let key = row.call_key();
        match index.get(key) {
            Some(&i) if !key.is_empty() => calls[i].rows.push(row),
            _ => {
                index.insert(key, calls.len());
                calls.push(Call {
                    key,
                    rows: vec![row],
                });
            }
        }
    }
    calls.sort_by_key(|c| c.rows.iter().map(|r| r.start).min().unwrap_or(0));
    calls
}

/// The number inside a caller-id `"Name" <num>`, or the name part.
fn clid_name(clid: &str) -> &str {
    let name = clid.split('<').next().unwrap_or("").trim();
    name.trim_matches('"').trim()
}

/// Writes the calls list rows.
pub fn emit_calls_list(job: &Job, rows: &[CdrRow], sink: &mut dyn Sink) -> Result<(), Cancelled> {
    let company = job.params.company.as_deref().unwrap_or("");
    let campaign = job.params.campaign.as_deref().unwrap_or("");
    for call in group(rows) {
        let Some(first) = call.rows.first() else {
            continue;
        };
        let inbound = job.settings.inbound_contexts.contains(&first.dcontext);
        let start = call
            .rows
            .iter()
            .map(|r| r.start)
            .min()
            .unwrap_or(first.start);
        let end = call.rows.iter().map(|r| r.end).max().unwrap_or(first.end);
        let answered = call.rows.iter().filter(|r| r.disposition == "ANSWERED");
        let best = answered.max_by_key(|r| r.billsec);
        let talk = best.map_or(0, |r| r.billsec);
        let (contact, user, ext) = if inbound {
            let ch = best.map_or("", |r| r.dstchannel.as_str());
            let ext = crate::score::extension_of(ch);
            (first.src.as_str(), ext, ext)
        } else {
            let ext = crate::score::extension_of(&first.channel);
            let name = clid_name(&first.clid);
            (
                first.dst.as_str(),
                if name.is_empty() { ext } else { name },
                ext,
            )
        };
        sink.row(&[
            Value::Text(company),
            Value::Text(campaign),
            Value::Text(if inbound { "Entrante" } else { "Saliente" }),
            Value::Text(if inbound { "Entrante" } else { "Manual" }),
            Value::Text(contact),
            Value::Text(if best.is_some() {
                "Contestada"
            } else {
                "No contestada"
            }),
            Value::DateTime(start),
            Value::DateTime(end),
            Value::Text(user),
            Value::Text(ext),
            Value::Duration((end - start).max(0) * 1000),
            Value::Duration(talk.max(0) * 1000),
            Value::Text(call.disposition()),
            Value::Text(call.key),
        ])?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn csv_quoting() {
        let f = split_csv(r#""a","""Bob"" <1>",12,"","x,y""#).unwrap();
        assert_eq!(f, vec!["a", "\"Bob\" <1>", "12", "", "x,y"]);
        assert_eq!(split_csv(r#""open"#), None);
    }

    #[test]
    fn column_counts() {
        let base = r#""acc","100","200","from-trunk","""A"" <100>","SIP/100-0001","SIP/200-0002","Dial","SIP/200","2026-11-20 10:00:00","2026-11-20 10:00:05","2026-11-20 10:01:05",65,60,"ANSWERED","DOCUMENTATION""#;
        let r16 = parse_row(base, CdrFormat::CdrCsv).unwrap();
        assert_eq!(r16.call_key(), "");
        assert_eq!(r16.billsec, 60);
        assert_eq!(r16.src, "100");
        let r18 = parse_row(&format!(r#"{base},"1.1","uf""#), CdrFormat::CdrCsv).unwrap();
        assert_eq!(r18.call_key(), "1.1");
        let r21 = parse_row(
            &format!(r#"{base},"1.2","uf","","1.0",7"#),
            CdrFormat::CdrCsv,
        )
        .unwrap();
        assert_eq!(r21.call_key(), "1.0");
        assert_eq!(parse_row(r#""a","b""#, CdrFormat::CdrCsv), None);
        let custom = r#""""A"" <100>","100","200","from-trunk","SIP/100-0001","SIP/200-0002","Dial","SIP/200","2026-11-20 10:00:00","2026-11-20 10:00:05","2026-11-20 10:01:05",65,60,"ANSWERED","DOCUMENTATION","acc","9.9","uf",3"#;
        let rc = parse_row(custom, CdrFormat::CdrCustom).unwrap();
        assert_eq!(
            (rc.src.as_str(), rc.dcontext.as_str(), rc.call_key()),
            ("100", "from-trunk", "9.9")
        );
        assert_eq!(rc.clid, "\"A\" <100>");
    }
}
