//! Subject and body templates of e-mail destinations
//! (`subject = "{report} — {period_start:%d/%m/%Y}"`).
//!
//! The same syntax as file-name templates ([`crate::render::filename`]) — `{name}`,
//! `{name:FMT}`, `{{`/`}}` — with the placeholders a mail needs (`{file}`, `{rows}`,
//! `{bytes}`) and without the file-name rules: a body may hold newlines, slashes and
//! anything else. A subject is one line: [`MailTemplate::parse_subject`] refuses control
//! characters in its text and in what its date formats produce. Parsing happens at config
//! validation, so a typo fails `reportd check`, not the 06:00 delivery.
//!
//! Values come from the [`OutgoingFile`](super::super::OutgoingFile) and its optional
//! [`RunContext`]; without a context, the run's values render as `?`.

use chrono::format::Item;
use chrono::{DateTime, TimeDelta, TimeZone};
use chrono_tz::Tz;

use crate::deliver::RunContext;
use crate::render::csv::parse_format;

/// Default chrono format of date placeholders in mail text (readable, unlike the compact
/// `%Y%m%d` of file names).
pub const DEFAULT_DATE_FORMAT: &str = "%Y-%m-%d";

/// Default `subject`.
pub const DEFAULT_SUBJECT: &str = "{report} — {period_start:%Y-%m-%d}";

/// Default `body`: Portuguese first (the customers), then English.
pub const DEFAULT_BODY: &str = "Olá,

segue em anexo o relatório {report} do período de {period_start:%d/%m/%Y} a {period_last:%d/%m/%Y}: {rows} linhas, arquivo {file} ({bytes} bytes).

Hello,

attached is the {report} report for {period_start:%Y-%m-%d} to {period_last:%Y-%m-%d}: {rows} rows, file {file} ({bytes} bytes).

-- 
reportd · {schedule} · {run_id}
";

/// Shown for a value that is not known (no run context, rows not counted).
const UNKNOWN: &str = "?";

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Which {
    Start,
    End,
    /// End − 1 s: the last instant inside the period.
    Last,
}

#[derive(Debug, Clone, PartialEq)]
enum Segment {
    Literal(String),
    Schedule,
    Report,
    RunId,
    File,
    Rows,
    Bytes,
    Date {
        which: Which,
        items: Vec<Item<'static>>,
    },
}

/// A validated subject or body template.
#[derive(Debug, Clone)]
pub struct MailTemplate {
    source: String,
    segments: Vec<Segment>,
    one_line: bool,
}

impl PartialEq for MailTemplate {
    fn eq(&self, other: &Self) -> bool {
        // The segments are a function of the source and the kind.
        self.source == other.source && self.one_line == other.one_line
    }
}

/// The values a template is rendered with.
#[derive(Debug, Clone, Copy)]
pub struct MailValues<'a> {
    /// File name as attached (`x.csv`, or `x.csv.zip` when zipped).
    pub file: &'a str,
    /// Size of the report file in bytes (before any zip).
    pub bytes: u64,
    pub context: Option<&'a RunContext>,
}

impl MailTemplate {
    /// Parses a subject: one line, so no control characters.
    pub fn parse_subject(s: &str) -> Result<Self, String> {
        Self::parse(s, true)
    }

    /// Parses a body: any text.
    pub fn parse_body(s: &str) -> Result<Self, String> {
        Self::parse(s, false)
    }

    fn parse(s: &str, one_line: bool) -> Result<Self, String> {
        let what = if one_line { "subject" } else { "body" };
        let mut segments = Vec::new();
        let mut lit = String::new();
        let mut rest = s;
        while let Some(c) = rest.chars().next() {
            if rest.starts_with("{{") {
                lit.push('{');
                rest = &rest[2..];
            } else if rest.starts_with("}}") {
                lit.push('}');
                rest = &rest[2..];
            } else if c == '}' {
                return Err(format!(
                    "unmatched `}}` in the {what} template (write `}}}}` for a literal brace)"
                ));
            } else if c == '{' {
                let Some(end) = rest.find('}') else {
                    return Err(format!(
                        "unclosed `{{` in the {what} template (write `{{{{` for a literal brace)"
                    ));
                };
                if !lit.is_empty() {
                    segments.push(Segment::Literal(std::mem::take(&mut lit)));
                }
                segments.push(parse_placeholder(&rest[1..end], one_line)?);
                rest = &rest[end + 1..];
            } else {
                if one_line && c.is_control() {
                    return Err(format!(
                        "the subject contains {c:?}: a subject is one line of text"
                    ));
                }
                lit.push(c);
                rest = &rest[c.len_utf8()..];
            }
        }
        if !lit.is_empty() {
            segments.push(Segment::Literal(lit));
        }
        Ok(Self {
            source: s.to_owned(),
            segments,
            one_line,
        })
    }

    /// The template as written.
    pub fn as_str(&self) -> &str {
        &self.source
    }

    /// The text. A subject never contains a line break, whatever the values.
    pub fn render(&self, v: &MailValues<'_>) -> String {
        let mut out = String::new();
        for seg in &self.segments {
            match seg {
                Segment::Literal(s) => out.push_str(s),
                Segment::File => out.push_str(v.file),
                Segment::Bytes => out.push_str(&v.bytes.to_string()),
                Segment::Schedule => out.push_str(v.context.map_or(UNKNOWN, |c| &c.schedule)),
                Segment::Report => out.push_str(v.context.map_or(UNKNOWN, |c| &c.report)),
                Segment::RunId => out.push_str(v.context.map_or(UNKNOWN, |c| &c.run_id)),
                Segment::Rows => match v.context.and_then(|c| c.rows) {
                    Some(n) => out.push_str(&n.to_string()),
                    None => out.push_str(UNKNOWN),
                },
                Segment::Date { which, items } => match v.context {
                    Some(c) => {
                        let at = match which {
                            Which::Start => c.period_start,
                            Which::End => c.period_end,
                            Which::Last => c.period_end - TimeDelta::seconds(1),
                        };
                        out.push_str(&format_date(&at, items));
                    }
                    None => out.push_str(UNKNOWN),
                },
            }
        }
        if self.one_line {
            // Values are names and validated formats, but a header must never be split.
            out = out
                .chars()
                .map(|c| if c.is_control() { ' ' } else { c })
                .collect();
        }
        out
    }
}

fn format_date(at: &DateTime<Tz>, items: &[Item<'static>]) -> String {
    use std::fmt::Write as _;
    let mut s = String::new();
    // Formats were rendered once at parse time, so this cannot fail; if it did, the
    // unknown marker is better than a failed delivery.
    if write!(s, "{}", at.format_with_items(items.iter())).is_err() {
        return UNKNOWN.to_owned();
    }
    s
}

fn parse_placeholder(inner: &str, one_line: bool) -> Result<Segment, String> {
    let (name, format) = match inner.split_once(':') {
        Some((n, f)) => (n, Some(f)),
        None => (inner, None),
    };
    let simple = match name {
        "schedule" => Some(Segment::Schedule),
        "report" => Some(Segment::Report),
        "run_id" => Some(Segment::RunId),
        "file" => Some(Segment::File),
        "rows" => Some(Segment::Rows),
        "bytes" => Some(Segment::Bytes),
        _ => None,
    };
    if let Some(seg) = simple {
        if format.is_some() {
            return Err(format!(
                "`{{{name}}}` takes no format (found `{{{inner}}}`)"
            ));
        }
        return Ok(seg);
    }
    let which = match name {
        "period_start" => Which::Start,
        "period_end" => Which::End,
        "period_last" => Which::Last,
        _ => {
            return Err(format!(
                "unknown placeholder `{{{inner}}}`; known: {{schedule}}, {{report}}, {{run_id}}, {{file}}, {{rows}}, {{bytes}}, {{period_start:FMT}}, {{period_end:FMT}}, {{period_last:FMT}}"
            ));
        }
    };
    let format = format.unwrap_or(DEFAULT_DATE_FORMAT);
    if format.is_empty() {
        return Err(format!("`{{{inner}}}` has an empty date format"));
    }
    let items = parse_format(format)?;
    // Render a sample now: a format that cannot render, or (in a subject) that yields a
    // line break such as `%n`, fails validation rather than a delivery.
    let sample = chrono_tz::UTC
        .with_ymd_and_hms(2026, 12, 31, 23, 59, 58)
        .single()
        .ok_or_else(|| "internal: sample date".to_owned())?;
    let mut rendered = String::new();
    use std::fmt::Write as _;
    write!(rendered, "{}", sample.format_with_items(items.iter()))
        .map_err(|_| format!("date format `{format}` cannot be rendered"))?;
    if one_line && let Some(c) = rendered.chars().find(|c| c.is_control()) {
        return Err(format!(
            "date format `{format}` produces {c:?}, which a subject cannot contain"
        ));
    }
    Ok(Segment::Date { which, items })
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono_tz::America::Sao_Paulo;

    fn at(y: i32, mo: u32, d: u32) -> DateTime<Tz> {
        Sao_Paulo
            .with_ymd_and_hms(y, mo, d, 0, 0, 0)
            .single()
            .unwrap()
    }

    /// "yesterday" seen from a fire on 2026-11-21 in São Paulo.
    fn ctx() -> RunContext {
        RunContext {
            schedule: "acme-sl-daily".into(),
            report: "telephony.service_level".into(),
            run_id: "0192f0c1".into(),
            rows: Some(48),
            period_start: at(2026, 11, 20),
            period_end: at(2026, 11, 21),
        }
    }

    #[test]
    fn every_placeholder() {
        let c = ctx();
        let v = MailValues {
            file: "sl.csv",
            bytes: 1234,
            context: Some(&c),
        };
        let t = MailTemplate::parse_subject(
            "{schedule}|{report}|{run_id}|{file}|{rows}|{bytes}|{period_start}|{period_end:%d/%m}|{period_last:%d/%m/%Y}",
        )
        .unwrap();
        // period_last = end − 1 s = 2026-11-20 23:59:59, the start's day.
        assert_eq!(
            t.render(&v),
            "acme-sl-daily|telephony.service_level|0192f0c1|sl.csv|48|1234|2026-11-20|21/11|20/11/2026"
        );
        assert_eq!(
            MailTemplate::parse_subject(DEFAULT_SUBJECT)
                .unwrap()
                .render(&v),
            "telephony.service_level — 2026-11-20"
        );
        let body = MailTemplate::parse_body(DEFAULT_BODY).unwrap().render(&v);
        assert!(body.contains("relatório telephony.service_level do período de 20/11/2026 a 20/11/2026: 48 linhas, arquivo sl.csv (1234 bytes)"));
        assert!(body.contains("report for 2026-11-20 to 2026-11-20: 48 rows, file sl.csv"));
        assert!(body.contains("acme-sl-daily · 0192f0c1"));
    }

    #[test]
    fn without_context_values_are_unknown() {
        let v = MailValues {
            file: "x.csv",
            bytes: 7,
            context: None,
        };
        let t =
            MailTemplate::parse_subject("{report} {rows} {period_start} {file} {bytes}").unwrap();
        assert_eq!(t.render(&v), "? ? ? x.csv 7");
    }

    #[test]
    fn escapes_and_body_newlines() {
        let v = MailValues {
            file: "a/b",
            bytes: 0,
            context: None,
        };
        let t = MailTemplate::parse_body("{{x}}\nline {file}").unwrap();
        assert_eq!(t.render(&v), "{x}\nline a/b");
        assert_eq!(t.as_str(), "{{x}}\nline {file}");
    }

    #[test]
    fn rejections() {
        let subj = |t: &str| MailTemplate::parse_subject(t).unwrap_err();
        assert!(subj("{nope}").contains("unknown placeholder `{nope}`"));
        assert!(subj("{rows:%Y}").contains("takes no format"));
        assert!(subj("a{report").contains("unclosed"));
        assert!(subj("a}b").contains("unmatched"));
        assert!(subj("two\nlines").contains("one line"));
        assert!(subj("{period_start:%n}").contains("subject cannot contain"));
        assert!(subj("{period_start:%Q}").contains("invalid date format"));
        assert!(subj("{period_end:}").contains("empty date format"));
        // A body may have line breaks, also from a date format.
        assert!(MailTemplate::parse_body("{period_start:%n}").is_ok());
    }
}
