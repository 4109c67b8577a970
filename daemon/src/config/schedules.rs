//! `[[schedule]]` entries, from the main file and every `schedules.d` file: each key read
//! and checked on its own, then checked against `[sources]` and `[destinations]`, and names
//! made unique across all files.

use std::collections::HashMap;
use std::path::PathBuf;
use std::time::Duration;

use chrono::format::{Item, StrftimeItems};
use serde_json::Map;

use super::plan::{
    CatchUp, Compression, CsvDialect, CsvMetadata, DaemonPlan, Format, Lang, Overlap, RetryPolicy,
    SchedulePlan, XlsxMetadata, XlsxOptions,
};
use super::raw::{Diagnostics, Field, Table, table_to_json};
use super::suggest;
use super::validate::{Refs, read_retry, read_zone, sanitized_name, valid_name};
use crate::render::filename::Template;
use crate::render::xlsx::{SHEET_NAME_FORBIDDEN, SHEET_NAME_MAX, sanitize_sheet_name};
use crate::schedule::cron::CronExpr;
use crate::schedule::period::PeriodSpec;

const SCHEDULE_KEYS: &[&str] = &[
    "name",
    "enabled",
    "cron",
    "timezone",
    "source",
    "report",
    "period",
    "filters",
    "portfolio",
    "format",
    "csv",
    "xlsx",
    "compress",
    "filename",
    "deliver",
    "catch_up",
    "catch_up_window",
    "overlap",
    "timeout",
    "retry",
    "wait_for_data",
    "wait_check_every",
];
const CSV_KEYS: &[&str] = &[
    "delimiter",
    "bom",
    "decimal",
    "date_format",
    "datetime_format",
    "lang",
    "duration",
    "crlf",
    "metadata",
];
const XLSX_KEYS: &[&str] = &[
    "lang",
    "date_format",
    "datetime_format",
    "sheet_name",
    "duration",
    "metadata",
];
/// Default `filename`.
pub const DEFAULT_FILENAME: &str = "{schedule}_{period_start:%Y%m%d}.{ext}";

/// What schedules are checked against, and what they found so far.
pub(crate) struct ScheduleCtx<'a> {
    daemon: &'a DaemonPlan,
    /// `None` when the main file did not parse: references cannot be checked.
    refs: Option<&'a Refs>,
    /// Name → (file, line) of its first definition.
    seen: HashMap<String, (PathBuf, usize)>,
    pub warnings: Vec<String>,
}

impl<'a> ScheduleCtx<'a> {
    pub fn new(daemon: &'a DaemonPlan, refs: Option<&'a Refs>) -> Self {
        Self {
            daemon,
            refs,
            seen: HashMap::new(),
            warnings: Vec::new(),
        }
    }
}

/// The `schedule` array of one file's root.
pub(crate) fn read_schedules(
    root: &Table<'_, '_>,
    ctx: &mut ScheduleCtx<'_>,
    diags: &mut Diagnostics,
) -> Vec<SchedulePlan> {
    let mut out = Vec::new();
    let Some(field) = root.get("schedule") else {
        return out;
    };
    if field.value.get_ref().is_table() {
        field.error(
            diags,
            "expected an array of tables, found a table".to_owned(),
            "write each schedule under [[schedule]] (two brackets)".to_owned(),
        );
        return out;
    }
    let Some(items) = field.array(diags, "write each schedule under [[schedule]]") else {
        return out;
    };
    for (index, item) in items.iter().enumerate() {
        let Some(table) = item.table(diags) else {
            continue;
        };
        if let Some(plan) = read_schedule(index, table, ctx, diags) {
            out.push(plan);
        }
    }
    out
}

/// One schedule; `None` when a required value is missing or bad (its error is recorded).
fn read_schedule(
    index: usize,
    mut t: Table<'_, '_>,
    ctx: &mut ScheduleCtx<'_>,
    diags: &mut Diagnostics,
) -> Option<SchedulePlan> {
    // The key path names the schedule once its name is known: `schedule[acme-daily].cron`.
    let name_field = t.get("name");
    let name = name_field.as_ref().and_then(|f| match f.value.get_ref() {
        toml::de::DeValue::String(s) if !s.is_empty() => Some(s.to_string()),
        _ => None,
    });
    t.path = match &name {
        Some(name) => format!("schedule[{name}]"),
        None => format!("schedule[{index}]"),
    };
    t.check_keys(SCHEDULE_KEYS, diags);

    let name_ok = match t.required("name", "name = \"acme-daily\"", diags) {
        Some(f) => check_schedule_name(&f, ctx, diags),
        None => false,
    };
    let enabled = t.get("enabled").and_then(|f| f.bool(diags)).unwrap_or(true);
    let cron = t
        .required("cron", "cron = \"0 6 * * *\"", diags)
        .and_then(|f| read_cron(&f, diags));
    let timezone = match t.get("timezone") {
        Some(f) => read_zone(&f, diags),
        None => Some(ctx.daemon.timezone),
    };
    let source_field = t.required("source", "source = \"<a [sources.NAME] name>\"", diags);
    let source = source_field
        .as_ref()
        .and_then(|f| read_source_ref(f, ctx.refs, diags));
    let report = t
        .required(
            "report",
            "report = \"<plugin>.<report>\", e.g. \"telephony.service_level\"",
            diags,
        )
        .and_then(|f| read_report(&f, source.as_deref(), ctx.refs, diags));
    let period = t
        .required("period", "period = \"yesterday\"", diags)
        .and_then(|f| read_period(&f, diags));
    let filters = match t.get("filters") {
        Some(f) => f.table(diags).and_then(|ft| table_to_json(&ft, &[], diags)),
        None => Some(Map::new()),
    };
    let portfolio = match t.get("portfolio") {
        Some(f) => match f.str(diags) {
            Some("") => {
                f.error(
                    diags,
                    "empty portfolio".to_owned(),
                    "name the portfolio (e.g. the customer), or remove the key".to_owned(),
                );
                None
            }
            Some(p) => Some(Some(p.to_owned())),
            None => None,
        },
        None => Some(None),
    };
    let format = read_format(&t, diags);
    let compress = match t.get("compress") {
        Some(f) => f.choice(&["none", "gzip", "zip"], diags).map(|c| match c {
            "gzip" => Compression::Gzip,
            "zip" => Compression::Zip,
            _ => Compression::None,
        }),
        None => Some(Compression::None),
    };
    let filename = match t.get("filename") {
        Some(f) => f.str(diags).and_then(|s| read_template(&f, s, diags)),
        None => Template::parse(DEFAULT_FILENAME).ok(),
    };
    let deliver = t
        .required(
            "deliver",
            "deliver = [\"<a [destinations.NAME] name>\"]",
            diags,
        )
        .and_then(|f| read_deliver(&f, ctx.refs, diags));
    let catch_up = match t.get("catch_up") {
        Some(f) => f
            .choice(&["latest", "all", "none"], diags)
            .map(|c| match c {
                "all" => CatchUp::All,
                "none" => CatchUp::None,
                _ => CatchUp::Latest,
            }),
        None => Some(CatchUp::Latest),
    };
    let catch_up_window = t
        .get("catch_up_window")
        .and_then(|f| f.duration(diags))
        .unwrap_or(Duration::from_secs(24 * 3600));
    let overlap = match t.get("overlap") {
        Some(f) => f.choice(&["queue", "skip"], diags).map(|c| match c {
            "skip" => Overlap::Skip,
            _ => Overlap::Queue,
        }),
        None => Some(Overlap::Queue),
    };
    let timeout = t
        .get("timeout")
        .and_then(|f| f.duration(diags))
        .unwrap_or(ctx.daemon.run_timeout);
    let retry = read_retry(t.get("retry"), RetryPolicy::RUN_DEFAULT, diags);
    let wait_for_data = t.get("wait_for_data").and_then(|f| f.duration(diags));
    let wait_check_every = t
        .get("wait_check_every")
        .and_then(|f| f.duration(diags))
        .unwrap_or(Duration::from_secs(300))
        .max(Duration::from_secs(1));

    let name = name.filter(|_| name_ok)?;
    if let (Some(format), Some(compress), Some(filename)) = (&format, compress, &filename) {
        let ext = format.extension_with(compress);
        let template = filename.as_str();
        if !template.contains("{ext}") && !template.ends_with(&format!(".{ext}")) {
            let (line, _) = t.file.position(t.header);
            ctx.warnings.push(format!(
                "schedule {name:?} in {}:{line}: file name {template:?} does not end in \".{ext}\" \
                 (use {{ext}} to follow format and compress)",
                t.file.path().display()
            ));
        }
    }
    if !enabled {
        let (line, _) = t.file.position(t.header);
        ctx.warnings.push(format!(
            "schedule {name:?} is disabled (enabled = false) in {}:{line}",
            t.file.path().display()
        ));
    }
    Some(SchedulePlan {
        name,
        file: t.file.path().to_path_buf(),
        enabled,
        cron: cron?,
        timezone: timezone?,
        source: source?,
        report: report?,
        period: period?,
        filters: filters?,
        portfolio: portfolio?,
        format: format?,
        compress: compress?,
        filename: filename?,
        deliver: deliver?,
        catch_up: catch_up?,
        catch_up_window,
        overlap: overlap?,
        timeout,
        retry,
        wait_for_data,
        wait_check_every,
    })
}

/// A valid name not used before (in this file or an earlier one).
fn check_schedule_name(
    field: &Field<'_, '_>,
    ctx: &mut ScheduleCtx<'_>,
    diags: &mut Diagnostics,
) -> bool {
    let Some(name) = field.str(diags) else {
        return false;
    };
    if !valid_name(name) {
        field.error(
            diags,
            format!("invalid schedule name {name:?}: only letters, digits, \".\", \"_\" and \"-\" are allowed"),
            format!("rename it, e.g. {:?}", sanitized_name(name)),
        );
        return false;
    }
    let (line, _) = field.file.position(field.span().start);
    if let Some((file, first_line)) = ctx.seen.get(name) {
        field.error(
            diags,
            format!(
                "duplicate schedule name {name:?} (first defined at {}:{first_line})",
                file.display()
            ),
            "rename one of them: schedule names must be unique across reportd.toml and schedules.d/*.toml".to_owned(),
        );
        return false;
    }
    ctx.seen
        .insert(name.to_owned(), (field.file.path().to_path_buf(), line));
    true
}

fn read_cron(field: &Field<'_, '_>, diags: &mut Diagnostics) -> Option<CronExpr> {
    let s = field.str(diags)?;
    match CronExpr::parse(s) {
        Ok(cron) => Some(cron),
        Err(e) => {
            field.error(
                diags,
                format!("invalid cron expression {s:?}: {e}"),
                "use 5 fields \"minute hour day-of-month month day-of-week\" such as \"0 6 * * *\", \
                 or @hourly, @daily, @weekly, @monthly"
                    .to_owned(),
            );
            None
        }
    }
}

fn read_period(field: &Field<'_, '_>, diags: &mut Diagnostics) -> Option<PeriodSpec> {
    let s = field.str(diags)?;
    match PeriodSpec::parse(s) {
        Ok(period) => Some(period),
        Err(e) => {
            field.error(
                diags,
                format!("invalid period {s:?}: {e}"),
                "use a period such as \"yesterday\", \"previous_week\", \"previous_month\" or \"last_7_days\""
                    .to_owned(),
            );
            None
        }
    }
}

fn read_template(field: &Field<'_, '_>, s: &str, diags: &mut Diagnostics) -> Option<Template> {
    match Template::parse(s) {
        Ok(template) => Some(template),
        Err(e) => {
            field.error(
                diags,
                format!("invalid file name template {s:?}: {e}"),
                "use text and placeholders such as {schedule}, {report}, {period_start:%Y%m%d}, \
                 {fired_at:%H%M}, {run_id}, {ext}"
                    .to_owned(),
            );
            None
        }
    }
}

/// The fix for a name that refers to nothing: the closest name, else the list.
fn unknown_ref_fix(name: &str, known: &[&str], define: &str) -> String {
    if let Some(suggestion) = suggest::closest(name, known.iter().copied()) {
        format!("did you mean {suggestion:?}?")
    } else if known.is_empty() {
        format!("define {define} in reportd.toml")
    } else {
        format!(
            "use {}, or define {define} in reportd.toml",
            suggest::quoted_list(known)
        )
    }
}

/// `source`: a key of `[sources]` (checked when the main file parsed).
fn read_source_ref(
    field: &Field<'_, '_>,
    refs: Option<&Refs>,
    diags: &mut Diagnostics,
) -> Option<String> {
    let s = field.str(diags)?;
    if let Some(refs) = refs.filter(|r| !r.sources.contains_key(s)) {
        let known: Vec<&str> = refs.sources.keys().map(String::as_str).collect();
        field.error(
            diags,
            format!("unknown source {s:?}"),
            unknown_ref_fix(s, &known, &format!("[sources.{s}]")),
        );
        return None;
    }
    Some(s.to_owned())
}

/// `report`: `<plugin>.<id>`, where plugin is the plugin of the schedule's source.
fn read_report(
    field: &Field<'_, '_>,
    source: Option<&str>,
    refs: Option<&Refs>,
    diags: &mut Diagnostics,
) -> Option<String> {
    let report = field.str(diags)?;
    let plugin = source
        .zip(refs)
        .and_then(|(source, refs)| refs.sources.get(source).cloned().flatten());
    let shaped = report
        .split_once('.')
        .is_some_and(|(p, id)| !p.is_empty() && !id.is_empty());
    match (plugin, source) {
        (Some(plugin), Some(source)) => {
            let prefix = format!("{plugin}.");
            if report.starts_with(&prefix) && report.len() > prefix.len() {
                return Some(report.to_owned());
            }
            let fix = if shaped {
                format!(
                    "use a report id starting with {prefix:?}, or a source whose plugin is {:?}",
                    report.split('.').next().unwrap_or_default()
                )
            } else {
                format!("write {:?}", format!("{prefix}{report}"))
            };
            field.error(
                diags,
                format!("report {report:?} does not belong to source {source:?}, whose plugin is {plugin:?}"),
                fix,
            );
            None
        }
        _ if shaped => Some(report.to_owned()),
        _ => {
            field.error(
                diags,
                format!("invalid report id {report:?}"),
                "write it as \"<plugin>.<report>\", e.g. \"telephony.service_level\"".to_owned(),
            );
            None
        }
    }
}

/// `deliver`: a non-empty list of distinct `[destinations]` keys.
fn read_deliver(
    field: &Field<'_, '_>,
    refs: Option<&Refs>,
    diags: &mut Diagnostics,
) -> Option<Vec<String>> {
    let example = refs
        .and_then(|r| r.destinations.first())
        .map_or("acme-sftp", String::as_str);
    let list_fix = format!("list at least one destination, e.g. deliver = [{example:?}]");
    let items = field.array(diags, &list_fix)?;
    if items.is_empty() {
        field.error(diags, "no destination listed".to_owned(), list_fix);
        return None;
    }
    let mut out: Vec<String> = Vec::new();
    let mut ok = true;
    for item in &items {
        let Some(name) = item.str(diags) else {
            ok = false;
            continue;
        };
        if let Some(refs) = refs.filter(|r| !r.destinations.iter().any(|d| d == name)) {
            let known: Vec<&str> = refs.destinations.iter().map(String::as_str).collect();
            item.error(
                diags,
                format!("unknown destination {name:?}"),
                unknown_ref_fix(name, &known, &format!("[destinations.{name}]")),
            );
            ok = false;
            continue;
        }
        if out.iter().any(|d| d == name) {
            item.error(
                diags,
                format!("destination {name:?} is listed twice"),
                "list each destination once".to_owned(),
            );
            ok = false;
            continue;
        }
        out.push(name.to_owned());
    }
    ok.then_some(out)
}

/// `format` with its options table: `csv = { ... }` or `xlsx = { ... }`, never the other
/// one (a `csv` table under `format = "xlsx"` would be silently ignored otherwise).
fn read_format(t: &Table<'_, '_>, diags: &mut Diagnostics) -> Option<Format> {
    let format_field = t.get("format");
    let kind = match &format_field {
        Some(f) => f.choice(&["csv", "xlsx"], diags),
        None => Some("csv"),
    };
    // Each options table is read whatever the format, so all its errors show at once.
    let csv_field = t.get("csv");
    let dialect = match &csv_field {
        Some(f) => f.table(diags).and_then(|mut csv| read_csv(&mut csv, diags)),
        None => Some(CsvDialect::default()),
    };
    let xlsx_field = t.get("xlsx");
    let xlsx = match &xlsx_field {
        Some(f) => f
            .table(diags)
            .and_then(|mut xlsx| read_xlsx(&mut xlsx, diags)),
        None => Some(XlsxOptions::default()),
    };
    match kind? {
        "xlsx" => {
            if let Some(f) = &csv_field {
                f.error(
                    diags,
                    "csv options with format = \"xlsx\"".to_owned(),
                    "write them as xlsx = { ... } (lang, date_format, datetime_format, sheet_name, \
                     duration, metadata; dates use Excel codes such as \"dd/mm/yyyy\"), \
                     or set format = \"csv\""
                        .to_owned(),
                );
                return None;
            }
            Some(Format::Xlsx(xlsx?))
        }
        _ => {
            if let Some(f) = &xlsx_field {
                let message = if format_field.is_some() {
                    "xlsx options with format = \"csv\""
                } else {
                    "xlsx options with format = \"csv\" (the default)"
                };
                f.error(
                    diags,
                    message.to_owned(),
                    "set format = \"xlsx\", or write the options as csv = { ... }".to_owned(),
                );
                return None;
            }
            Some(Format::Csv(dialect?))
        }
    }
}

/// `xlsx = { ... }` over [`XlsxOptions::default`].
fn read_xlsx(t: &mut Table<'_, '_>, diags: &mut Diagnostics) -> Option<XlsxOptions> {
    t.check_keys(XLSX_KEYS, diags);
    let mut options = XlsxOptions::default();
    let mut ok = true;
    if let Some(f) = t.get("lang") {
        match f.choice(&["pt-BR", "es", "en"], diags) {
            Some("en") => options.lang = Lang::En,
            Some("es") => options.lang = Lang::Es,
            Some(_) => options.lang = Lang::PtBr,
            None => ok = false,
        }
    }
    for (key, slot, example) in [
        ("date_format", &mut options.date_format, "dd/mm/yyyy"),
        (
            "datetime_format",
            &mut options.datetime_format,
            "dd/mm/yyyy hh:mm:ss",
        ),
    ] {
        if let Some(f) = t.get(key) {
            match read_excel_format(&f, example, diags) {
                Some(s) => *slot = s,
                None => ok = false,
            }
        }
    }
    if let Some(f) = t.get("sheet_name") {
        match read_sheet_name(&f, diags) {
            Some(s) => options.sheet_name = Some(s),
            None => ok = false,
        }
    }
    if let Some(f) = t.get("duration") {
        match f.choice(&["seconds", "hms"], diags) {
            Some(d) => options.duration_hms = d == "hms",
            None => ok = false,
        }
    }
    if let Some(f) = t.get("metadata") {
        match f.choice(&["sheet", "none"], diags) {
            Some("none") => options.metadata = XlsxMetadata::None,
            Some(_) => options.metadata = XlsxMetadata::Sheet,
            None => ok = false,
        }
    }
    ok.then_some(options)
}

/// An Excel number format for dates: Excel renders it, so only what is surely wrong is
/// refused — empty, control characters, and strftime `%` codes (a CSV habit).
fn read_excel_format(
    field: &Field<'_, '_>,
    example: &str,
    diags: &mut Diagnostics,
) -> Option<String> {
    let s = field.str(diags)?;
    let problem = if s.trim().is_empty() {
        Some("empty Excel date format".to_owned())
    } else if s.contains('%') {
        Some(format!(
            "invalid Excel date format {s:?}: XLSX dates use Excel codes, not strftime"
        ))
    } else if s.chars().any(char::is_control) {
        Some(format!(
            "invalid Excel date format {s:?}: control characters are not allowed"
        ))
    } else {
        None
    };
    match problem {
        Some(message) => {
            field.error(
                diags,
                message,
                format!("use Excel codes such as {example:?} (d, m, yyyy, hh, mm, ss)"),
            );
            None
        }
        None => Some(s.to_owned()),
    }
}

/// A worksheet name Excel accepts: 1..=31 characters, none of `[]:*?/\`, no apostrophe at
/// either end, not the reserved `History`.
fn read_sheet_name(field: &Field<'_, '_>, diags: &mut Diagnostics) -> Option<String> {
    let s = field.str(diags)?;
    let fixed = sanitize_sheet_name(s);
    let problem = if s.trim().is_empty() {
        Some("empty sheet name".to_owned())
    } else if let Some(c) = s.chars().find(|c| SHEET_NAME_FORBIDDEN.contains(c)) {
        Some(format!(
            "invalid sheet name {s:?}: Excel does not allow {c:?} (nor any of []:*?/\\)"
        ))
    } else if s.encode_utf16().count() > SHEET_NAME_MAX {
        Some(format!(
            "sheet name {s:?} is longer than Excel's {SHEET_NAME_MAX} characters"
        ))
    } else if s.starts_with('\'') || s.ends_with('\'') {
        Some(format!(
            "invalid sheet name {s:?}: Excel does not allow an apostrophe at its start or end"
        ))
    } else if s.eq_ignore_ascii_case("history") {
        Some(format!("invalid sheet name {s:?}: Excel reserves it"))
    } else {
        None
    };
    match problem {
        Some(message) => {
            let fix = if fixed.is_empty() || fixed.eq_ignore_ascii_case("history") {
                "write a name of 1 to 31 characters, e.g. sheet_name = \"Report\"".to_owned()
            } else {
                format!(
                    "write e.g. sheet_name = {fixed:?}, or remove the key to use the report's title"
                )
            };
            field.error(diags, message, fix);
            None
        }
        None => Some(s.to_owned()),
    }
}

/// `csv = { ... }` over [`CsvDialect::default`].
fn read_csv(t: &mut Table<'_, '_>, diags: &mut Diagnostics) -> Option<CsvDialect> {
    t.check_keys(CSV_KEYS, diags);
    let mut dialect = CsvDialect::default();
    let mut ok = true;

    let delimiter_field = t.get("delimiter");
    if let Some(f) = &delimiter_field {
        match read_delimiter(f, diags) {
            Some(d) => dialect.delimiter = d,
            None => ok = false,
        }
    }
    let decimal_field = t.get("decimal");
    if let Some(f) = &decimal_field {
        match f.choice(&[".", ","], diags) {
            Some(",") => dialect.decimal = ',',
            Some(_) => dialect.decimal = '.',
            None => ok = false,
        }
    }
    if ok && char::from(dialect.delimiter) == dialect.decimal {
        // Point at whichever of the two the author wrote (decimal when both).
        let fix = "use delimiter = \";\" with decimal = \",\"".to_owned();
        if let Some(f) = &decimal_field {
            let message = format!(
                "decimal separator \"{}\" is the same as the delimiter",
                dialect.decimal
            );
            f.error(diags, message, fix);
        } else if let Some(f) = &delimiter_field {
            let message = format!(
                "delimiter \"{}\" is the same as the decimal separator",
                dialect.decimal
            );
            f.error(diags, message, fix);
        }
        ok = false;
    }
    for (key, slot) in [
        ("date_format", &mut dialect.date_format),
        ("datetime_format", &mut dialect.datetime_format),
    ] {
        if let Some(f) = t.get(key) {
            match read_strftime(&f, diags) {
                Some(s) => *slot = s,
                None => ok = false,
            }
        }
    }
    if let Some(f) = t.get("lang") {
        match f.choice(&["pt-BR", "es", "en"], diags) {
            Some("en") => dialect.lang = Lang::En,
            Some("es") => dialect.lang = Lang::Es,
            Some(_) => dialect.lang = Lang::PtBr,
            None => ok = false,
        }
    }
    if let Some(f) = t.get("duration") {
        match f.choice(&["seconds", "hms"], diags) {
            Some(d) => dialect.duration_hms = d == "hms",
            None => ok = false,
        }
    }
    if let Some(f) = t.get("metadata") {
        match f.choice(&["footer", "none"], diags) {
            Some("none") => dialect.metadata = CsvMetadata::None,
            Some(_) => dialect.metadata = CsvMetadata::Footer,
            None => ok = false,
        }
    }
    for (key, slot) in [("bom", &mut dialect.bom), ("crlf", &mut dialect.crlf)] {
        if let Some(f) = t.get(key) {
            match f.bool(diags) {
                Some(b) => *slot = b,
                None => ok = false,
            }
        }
    }
    ok.then_some(dialect)
}

/// One ASCII character that can separate CSV fields (not a quote or line break).
fn read_delimiter(field: &Field<'_, '_>, diags: &mut Diagnostics) -> Option<u8> {
    let s = field.str(diags)?;
    match s.as_bytes() {
        [b] if b.is_ascii() && !matches!(b, b'"' | b'\n' | b'\r') => Some(*b),
        _ => {
            field.error(
                diags,
                format!("invalid delimiter {s:?}: must be one ASCII character other than a quote or line break"),
                "use a single character such as \",\", \";\" or \"\\t\"".to_owned(),
            );
            None
        }
    }
}

/// A chrono strftime format with no unknown or incomplete `%` specifier.
fn read_strftime(field: &Field<'_, '_>, diags: &mut Diagnostics) -> Option<String> {
    let s = field.str(diags)?;
    if StrftimeItems::new(s).any(|item| matches!(item, Item::Error)) {
        field.error(
            diags,
            format!("invalid date format {s:?}: unknown or incomplete % specifier"),
            "use chrono strftime specifiers such as \"%d/%m/%Y %H:%M\" \
             (https://docs.rs/chrono/latest/chrono/format/strftime/)"
                .to_owned(),
        );
        return None;
    }
    Some(s.to_owned())
}
