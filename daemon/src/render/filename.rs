//! File-name templates of schedules (`filename = "acme_sl_{period_start:%Y%m%d}.csv"`).
//!
//! [`Template::parse`] runs at config validation and refuses unknown placeholders, bad
//! chrono formats and literal text that cannot be part of a file name, so a schedule never
//! fails at 06:00 because of a typo. [`Template::render`] runs per run and checks the result
//! is a plain file name: the outbox and every destination write it as one path component.
//!
//! Placeholders:
//! * `{schedule}`, `{report}` (dots kept: `telephony.service_level`), `{run_id}`, `{ext}`
//! * `{period_start:FMT}`, `{period_end:FMT}` (end is exclusive: the day after "yesterday"),
//!   `{period_last:FMT}` (end − 1 s, so "yesterday" gives the same day as the start),
//!   `{fired_at:FMT}` — FMT is a chrono format, default `%Y%m%d`, in the schedule's zone
//! * `{{` and `}}` for literal braces.
//!
//! Substituted values are never rewritten: a value containing `/` or a control character is
//! an error, not silently replaced.

use chrono::format::Item;
use chrono::{DateTime, TimeDelta, TimeZone};
use chrono_tz::Tz;

use super::csv::parse_format;

/// Longest file name accepted, in bytes (common file systems allow 255; leave room for the
/// `.<name>.part` temporary names and compression suffixes).
pub const MAX_NAME_BYTES: usize = 200;

/// Default chrono format of date placeholders.
pub const DEFAULT_DATE_FORMAT: &str = "%Y%m%d";

/// Which instant a date placeholder renders.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Instant {
    PeriodStart,
    PeriodEnd,
    PeriodLast,
    FiredAt,
}

#[derive(Debug, Clone, PartialEq)]
enum Segment {
    Literal(String),
    Schedule,
    Report,
    RunId,
    Ext,
    Date {
        which: Instant,
        format: String,
        items: Vec<Item<'static>>,
    },
}

/// A validated file-name template.
#[derive(Debug, Clone)]
pub struct Template {
    source: String,
    segments: Vec<Segment>,
}

impl PartialEq for Template {
    fn eq(&self, other: &Self) -> bool {
        // The segments are a function of the source.
        self.source == other.source
    }
}

impl Eq for Template {}

/// The values a template is rendered with.
#[derive(Debug, Clone)]
pub struct NameContext<'a> {
    pub schedule: &'a str,
    pub report: &'a str,
    pub run_id: &'a str,
    /// Extension without the dot (`csv`).
    pub ext: &'a str,
    pub period_start: DateTime<Tz>,
    /// Exclusive end of the period.
    pub period_end: DateTime<Tz>,
    /// The scheduled fire instant (or the trigger time of a manual run).
    pub fired_at: DateTime<Tz>,
}

/// Characters that can never be in a file name we produce.
fn bad_char(c: char) -> bool {
    c == '/' || c == '\\' || c.is_control()
}

impl Template {
    /// Parses and validates a template; the error says what is wrong and where.
    pub fn parse(s: &str) -> Result<Self, String> {
        if s.is_empty() {
            return Err("the file-name template is empty".to_owned());
        }
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
                    "unmatched `}}` in file-name template `{s}` (write `}}}}` for a literal brace)"
                ));
            } else if c == '{' {
                let Some(end) = rest.find('}') else {
                    return Err(format!(
                        "unclosed `{{` in file-name template `{s}` (write `{{{{` for a literal brace)"
                    ));
                };
                let inner = &rest[1..end];
                if !lit.is_empty() {
                    segments.push(Segment::Literal(std::mem::take(&mut lit)));
                }
                segments.push(parse_placeholder(inner)?);
                rest = &rest[end + 1..];
            } else {
                if bad_char(c) {
                    return Err(format!(
                        "file-name template `{}` contains {:?}: the name must be a plain file name (no `/`, `\\` or control characters)",
                        s.escape_debug(),
                        c
                    ));
                }
                lit.push(c);
                rest = &rest[c.len_utf8()..];
            }
        }
        if !lit.is_empty() {
            segments.push(Segment::Literal(lit));
        }
        if matches!(segments.first(), Some(Segment::Literal(first)) if first.starts_with('.')) {
            return Err(format!(
                "file-name template `{s}` starts with `.`: hidden names are reserved for partial files"
            ));
        }
        Ok(Self {
            source: s.to_owned(),
            segments,
        })
    }

    /// The template as written.
    pub fn as_str(&self) -> &str {
        &self.source
    }

    /// Renders the file name, or says why the result is not a plain file name.
    pub fn render(&self, ctx: &NameContext<'_>) -> Result<String, String> {
        let mut out = String::new();
        for seg in &self.segments {
            let (name, value) = match seg {
                Segment::Literal(s) => {
                    out.push_str(s);
                    continue;
                }
                Segment::Schedule => ("schedule", ctx.schedule.to_owned()),
                Segment::Report => ("report", ctx.report.to_owned()),
                Segment::RunId => ("run_id", ctx.run_id.to_owned()),
                Segment::Ext => ("ext", ctx.ext.to_owned()),
                Segment::Date {
                    which,
                    format,
                    items,
                } => {
                    let at = match which {
                        Instant::PeriodStart => ctx.period_start,
                        Instant::PeriodEnd => ctx.period_end,
                        Instant::PeriodLast => ctx.period_end - TimeDelta::seconds(1),
                        Instant::FiredAt => ctx.fired_at,
                    };
                    let mut s = String::new();
                    use std::fmt::Write as _;
                    write!(s, "{}", at.format_with_items(items.iter()))
                        .map_err(|_| format!("`{format}` cannot format {at}"))?;
                    (which.name(), s)
                }
            };
            if let Some(c) = value.chars().find(|&c| bad_char(c)) {
                return Err(format!(
                    "`{{{name}}}` is `{}`, which contains {c:?}: a file name cannot contain it",
                    value.escape_debug()
                ));
            }
            out.push_str(&value);
        }
        check_plain_name(&out)?;
        Ok(out)
    }
}

impl Instant {
    fn name(self) -> &'static str {
        match self {
            Instant::PeriodStart => "period_start",
            Instant::PeriodEnd => "period_end",
            Instant::PeriodLast => "period_last",
            Instant::FiredAt => "fired_at",
        }
    }
}

fn parse_placeholder(inner: &str) -> Result<Segment, String> {
    let (name, format) = match inner.split_once(':') {
        Some((n, f)) => (n, Some(f)),
        None => (inner, None),
    };
    let which = match name {
        "schedule" | "report" | "run_id" | "ext" => {
            if format.is_some() {
                return Err(format!(
                    "`{{{name}}}` takes no format (found `{{{inner}}}`)"
                ));
            }
            return Ok(match name {
                "schedule" => Segment::Schedule,
                "report" => Segment::Report,
                "run_id" => Segment::RunId,
                _ => Segment::Ext,
            });
        }
        "period_start" => Instant::PeriodStart,
        "period_end" => Instant::PeriodEnd,
        "period_last" => Instant::PeriodLast,
        "fired_at" => Instant::FiredAt,
        _ => {
            return Err(format!(
                "unknown placeholder `{{{inner}}}` in file-name template; known: {{schedule}}, {{report}}, {{run_id}}, {{ext}}, {{period_start:FMT}}, {{period_end:FMT}}, {{period_last:FMT}}, {{fired_at:FMT}}"
            ));
        }
    };
    let format = format.unwrap_or(DEFAULT_DATE_FORMAT);
    if format.is_empty() {
        return Err(format!("`{{{inner}}}` has an empty date format"));
    }
    if format.contains('{') {
        return Err(format!("`{{{inner}}}`: a date format cannot contain `{{`"));
    }
    let items = parse_format(format)?;
    // Formats such as `%D` (08/31/26) or `%n` always yield characters a file name cannot
    // hold; find out now with a sample date rather than at the first run.
    let sample = chrono_tz::UTC
        .with_ymd_and_hms(2026, 12, 31, 23, 59, 58)
        .single()
        .ok_or_else(|| "internal: sample date".to_owned())?;
    let mut rendered = String::new();
    use std::fmt::Write as _;
    write!(rendered, "{}", sample.format_with_items(items.iter()))
        .map_err(|_| format!("date format `{format}` cannot be rendered"))?;
    if let Some(c) = rendered.chars().find(|&c| bad_char(c)) {
        return Err(format!(
            "date format `{format}` produces {c:?} (e.g. `{}`), which a file name cannot contain",
            rendered.escape_debug()
        ));
    }
    Ok(Segment::Date {
        which,
        format: format.to_owned(),
        items,
    })
}

/// Checks `name` is one plain file name: non-empty, at most [`MAX_NAME_BYTES`], no `/`,
/// `\`, NUL or control characters, not `.`/`..`, not hidden (leading `.`).
pub fn check_plain_name(name: &str) -> Result<(), String> {
    if name.is_empty() {
        return Err("the file name is empty".to_owned());
    }
    if name.len() > MAX_NAME_BYTES {
        return Err(format!(
            "the file name is {} bytes long; at most {MAX_NAME_BYTES} are allowed",
            name.len()
        ));
    }
    if let Some(c) = name.chars().find(|&c| bad_char(c)) {
        return Err(format!(
            "the file name `{}` contains {c:?}",
            name.escape_debug()
        ));
    }
    if name.starts_with('.') {
        return Err(format!(
            "the file name `{name}` starts with `.` (hidden names are reserved for partial files)"
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono_tz::America::Sao_Paulo;

    fn at(y: i32, mo: u32, d: u32, h: u32, mi: u32, s: u32) -> DateTime<Tz> {
        Sao_Paulo
            .with_ymd_and_hms(y, mo, d, h, mi, s)
            .single()
            .unwrap()
    }

    /// "yesterday" seen from a 06:00 fire on 2026-11-21 in São Paulo.
    fn ctx() -> NameContext<'static> {
        NameContext {
            schedule: "acme-sl-daily",
            report: "telephony.service_level",
            run_id: "0192f0c1",
            ext: "csv",
            period_start: at(2026, 11, 20, 0, 0, 0),
            period_end: at(2026, 11, 21, 0, 0, 0),
            fired_at: at(2026, 11, 21, 6, 0, 0),
        }
    }

    fn render(t: &str) -> Result<String, String> {
        Template::parse(t)?.render(&ctx())
    }

    #[test]
    fn every_placeholder() {
        assert_eq!(
            render("{schedule}_{report}_{run_id}.{ext}").unwrap(),
            "acme-sl-daily_telephony.service_level_0192f0c1.csv"
        );
        assert_eq!(
            render("sl_{period_start:%Y%m%d}-{period_end:%Y%m%d}.csv").unwrap(),
            "sl_20261120-20261121.csv"
        );
        // end − 1 s = 2026-11-20 23:59:59: the same day as the start.
        assert_eq!(
            render("sl_{period_last:%Y-%m-%d}.csv").unwrap(),
            "sl_2026-11-20.csv"
        );
        assert_eq!(render("{fired_at}.csv").unwrap(), "20261121.csv");
        assert_eq!(
            render("{fired_at:%Y%m%dT%H%M%S%z}.csv").unwrap(),
            "20261121T060000-0300.csv"
        );
        assert_eq!(render("{period_start}").unwrap(), "20261120");
    }

    #[test]
    fn escapes() {
        assert_eq!(render("{{x}}_{ext}").unwrap(), "{x}_csv");
        assert_eq!(render("a{{{ext}}}b").unwrap(), "a{csv}b");
        assert_eq!(Template::parse("{{x}}").unwrap().as_str(), "{{x}}");
    }

    #[test]
    fn parse_rejections() {
        let err = |t: &str| Template::parse(t).unwrap_err();
        assert!(err("").contains("empty"));
        assert!(err("{nope}.csv").contains("unknown placeholder `{nope}`"));
        assert!(err("{period_start:%Q}.csv").contains("invalid date format"));
        assert!(err("{period_start:}.csv").contains("empty date format"));
        assert!(err("{schedule:%Y}.csv").contains("takes no format"));
        assert!(err("a{schedule.csv").contains("unclosed"));
        assert!(err("a}b.csv").contains("unmatched"));
        assert!(err("dir/{schedule}.csv").contains("plain file name"));
        assert!(err("a\\b.csv").contains("plain file name"));
        assert!(err("a\tb.csv").contains("plain file name"));
        assert!(err("a\0b.csv").contains("plain file name"));
        assert!(err(".hidden_{schedule}").contains("starts with `.`"));
        // %D renders 12/31/26 and %n a newline.
        assert!(err("{period_start:%D}.csv").contains("'/'"));
        assert!(err("{period_start:%n}.csv").contains("'\\n'"));
    }

    #[test]
    fn render_rejections() {
        let t = Template::parse("{schedule}{ext}").unwrap();
        let mut c = ctx();
        c.schedule = "a/b";
        assert!(t.render(&c).unwrap_err().contains("`{schedule}` is `a/b`"));
        c.schedule = "a\nb";
        assert!(t.render(&c).unwrap_err().contains("'\\n'"));
        c.schedule = "";
        c.ext = "";
        assert!(t.render(&c).unwrap_err().contains("empty"));
        c.schedule = ".";
        assert!(t.render(&c).unwrap_err().contains("starts with `.`"));
        c.schedule = "..";
        assert!(t.render(&c).unwrap_err().contains("starts with `.`"));
        let long = "x".repeat(201);
        c.schedule = &long;
        assert!(t.render(&c).unwrap_err().contains("201 bytes"));
        let ok = "x".repeat(200);
        c.schedule = &ok;
        assert_eq!(t.render(&c).unwrap().len(), 200);
    }

    #[test]
    fn check_plain_name_cases() {
        assert!(check_plain_name("report.csv").is_ok());
        for bad in ["", ".", "..", ".x.part", "a/b", "a\\b", "a\u{7f}b"] {
            assert!(check_plain_name(bad).is_err(), "{bad:?} accepted");
        }
    }
}
