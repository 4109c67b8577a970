//! The rows of each report. Every report reads the tables it needs (see
//! [`crate::settings::required_tables`]), checks what only the data can tell (the company
//! and campaign exist, `R-SCORE-HISTORY`), then writes its columns — fixed ones from
//! [`crate::catalog`], dynamic ones (contact template fields, form fields) appended in
//! template/form order.

use std::collections::{BTreeMap, HashMap};

use chrono::NaiveDate;
use chrono_tz::Tz;
use reportd_plugin_api::{Cancelled, Column, ColumnType, PluginError, Sink, Value, Warning};

use crate::catalog::ReportKind;
use crate::settings::Job;
use crate::states::{self, EVENTS, StateRecord};
use crate::tables::{Malformed, Row, read_table};
use crate::time::{
    day_number, local_dt, local_secs, parse_date, parse_decimal, parse_ts, secs_of_day,
};

fn cancelled(_: Cancelled) -> PluginError {
    PluginError::new("CANCELLED", "the host stopped the generation", "")
}

/// Reads `table` (empty when the source does not configure it).
fn load(job: &Job, table: &str, bad: &mut Malformed) -> Result<Vec<Row>, PluginError> {
    match job.table(table) {
        Some(p) => read_table(p, table, bad),
        None => Ok(Vec::new()),
    }
}

/// Generates `job`'s report into `sink`.
pub fn generate(job: &Job, sink: &mut dyn Sink) -> Result<(), PluginError> {
    use ReportKind::*;
    let mut bad = Malformed::default();
    match job.report {
        PlatformTimeSummary => platform_time_summary(job, sink, &mut bad)?,
        PlatformTimeDetail => platform_time_detail(job, sink, &mut bad)?,
        TypificationsByContact | TypificationsByProduct => typifications(job, sink, &mut bad)?,
        TypificationsByHour => typifications_by_hour(job, sink, &mut bad)?,
        AcwLogs => acw_logs(job, sink, &mut bad)?,
        AcwDefaultTypifications => acw_default_typifications(job, sink, &mut bad)?,
        Forms => forms(job, sink, &mut bad)?,
        AiUsage => ai_usage(job, sink, &mut bad)?,
    }
    bad.report(sink);
    Ok(())
}

// ---------------------------------------------------------------------------------------
// Shared lookups.

/// A user of the `users` table.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct User {
    pub name: Option<String>,
    pub extension: Option<String>,
    pub profile: Option<String>,
    pub email: Option<String>,
}

fn users(job: &Job, bad: &mut Malformed) -> Result<HashMap<String, User>, PluginError> {
    let mut out = HashMap::new();
    for r in load(job, "users", bad)? {
        let Some(id) = r.get("id") else {
            bad.note("users", r.line, "missing id");
            continue;
        };
        let s = |k: &str| r.get(k).map(str::to_owned);
        out.insert(
            id.to_owned(),
            User {
                name: s("name"),
                extension: s("extension"),
                profile: s("profile"),
                email: s("email"),
            },
        );
    }
    Ok(out)
}

/// The company and campaign a report is about.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Scope {
    pub company_id: String,
    pub company: String,
    pub campaign_id: String,
    pub campaign: String,
    /// Campaign type `Cobranza` (collections): PDP and agenda columns are filled.
    pub cobranza: bool,
    /// `acw_log_enabled` of the campaign (true when absent).
    pub acw_log_enabled: bool,
}

fn falsy(v: Option<&str>) -> bool {
    v.is_some_and(|v| matches!(v.to_lowercase().as_str(), "false" | "0" | "no" | "n"))
}

fn truthy(v: Option<&str>) -> bool {
    v.is_some_and(|v| {
        matches!(
            v.to_lowercase().as_str(),
            "true" | "1" | "yes" | "si" | "sí" | "y"
        )
    })
}

/// Finds the company and campaign of the parameters; checks `R-SCORE-HISTORY`.
fn scope(job: &Job, sink: &mut dyn Sink, bad: &mut Malformed) -> Result<Scope, PluginError> {
    let want_co = job.params.company.as_deref().unwrap_or_default();
    let want_ca = job.params.campaign.as_deref().unwrap_or_default();
    let companies = load(job, "companies", bad)?;
    let company = companies
        .iter()
        .find(|r| r.get("id") == Some(want_co))
        .or_else(|| companies.iter().find(|r| r.get("name") == Some(want_co)))
        .ok_or_else(|| {
            PluginError::new(
                "UNKNOWN_COMPANY",
                format!("no company {want_co:?} (by id or name) in the companies table"),
                "check params.company against the companies export",
            )
        })?;
    let company_id = company.get("id").unwrap_or(want_co).to_owned();
    if let Some(created) = company.get("created_at") {
        match parse_ts(created, job.tz)
            .map(|t| local_dt(job.tz, t).date())
            .or_else(|| parse_date(created))
        {
            Some(d) if job.date_from < d => {
                return Err(PluginError::new(
                    "BEFORE_HISTORY",
                    format!(
                        "the period starts {} but the company's profile was created {d} (R-SCORE-HISTORY)",
                        job.date_from
                    ),
                    "Score keeps history only since the company's profile was created",
                ));
            }
            Some(_) => {}
            None => bad.note("companies", company.line, "created_at is not a timestamp"),
        }
    }
    let campaigns = load(job, "campaigns", bad)?;
    let of_company: Vec<&Row> = campaigns
        .iter()
        .filter(|r| r.get("company_id") == Some(company_id.as_str()))
        .collect();
    let campaign = of_company
        .iter()
        .find(|r| r.get("id") == Some(want_ca))
        .or_else(|| of_company.iter().find(|r| r.get("name") == Some(want_ca)))
        .ok_or_else(|| {
            PluginError::new(
                "UNKNOWN_CAMPAIGN",
                format!("company {want_co:?} has no campaign {want_ca:?} (by id or name)"),
                "check params.campaign against the campaigns export",
            )
        })?;
    let s = Scope {
        company: company.get("name").unwrap_or(want_co).to_owned(),
        company_id,
        campaign_id: campaign.get("id").unwrap_or(want_ca).to_owned(),
        campaign: campaign.get("name").unwrap_or(want_ca).to_owned(),
        cobranza: campaign
            .get("type")
            .is_some_and(|t| t.trim().eq_ignore_ascii_case("cobranza")),
        acw_log_enabled: !falsy(campaign.get("acw_log_enabled")),
    };
    sink.meta("company", &s.company);
    sink.meta("campaign", &s.campaign);
    sink.meta(
        "campaign_type_cobranza",
        if s.cobranza { "true" } else { "false" },
    );
    Ok(s)
}

/// Contacts of the campaign by code.
fn contacts(
    job: &Job,
    scope: &Scope,
    bad: &mut Malformed,
) -> Result<HashMap<String, Row>, PluginError> {
    let mut out = HashMap::new();
    for r in load(job, "contacts", bad)? {
        let Some(code) = r.get("code") else {
            bad.note("contacts", r.line, "missing code");
            continue;
        };
        if r.get("campaign_id") == Some(scope.campaign_id.as_str()) {
            out.insert(code.to_owned(), r);
        }
    }
    Ok(out)
}

/// Tickets of the campaign by id.
fn tickets(
    job: &Job,
    scope: Option<&Scope>,
    bad: &mut Malformed,
) -> Result<HashMap<String, Row>, PluginError> {
    let mut out = HashMap::new();
    for r in load(job, "tickets", bad)? {
        let Some(id) = r.get("id") else {
            bad.note("tickets", r.line, "missing id");
            continue;
        };
        if scope.is_none_or(|s| r.get("campaign_id") == Some(s.campaign_id.as_str())) {
            out.insert(id.to_owned(), r);
        }
    }
    Ok(out)
}

/// Field names of a `(owner_key = owner, position, name)` table, in position order (file
/// order for equal or missing positions).
fn ordered_fields(
    rows: &[Row],
    table: &str,
    owner_key: &str,
    owner: &str,
    bad: &mut Malformed,
) -> Vec<String> {
    let mut v: Vec<(i64, usize, String)> = Vec::new();
    for (i, r) in rows.iter().enumerate() {
        if r.get(owner_key) != Some(owner) {
            continue;
        }
        let Some(name) = r.get("name") else {
            bad.note(table, r.line, "missing name");
            continue;
        };
        let pos = match r.get("position").map(str::parse::<i64>) {
            None => i64::MAX,
            Some(Ok(p)) => p,
            Some(Err(_)) => {
                bad.note(table, r.line, "position is not an integer");
                continue;
            }
        };
        v.push((pos, i, name.to_owned()));
    }
    v.sort();
    v.into_iter().map(|x| x.2).collect()
}

/// A dynamic text column named after a tenant field.
fn dynamic_column(prefix: &str, name: &str) -> Column {
    Column::new(
        &format!("{prefix}.{name}"),
        ColumnType::Text,
        name,
        name,
        name,
    )
}

fn text(v: Option<&str>) -> Value<'_> {
    v.map_or(Value::Null, Value::Text)
}

fn dt(tz: Tz, v: Option<&str>) -> Value<'static> {
    v.and_then(|s| parse_ts(s, tz))
        .map_or(Value::Null, |t| Value::DateTime(local_secs(tz, t)))
}

fn date_value(d: NaiveDate) -> Value<'static> {
    Value::Date(day_number(d))
}

/// A timestamp column that must be present and valid; counts the record as malformed
/// otherwise.
fn required_ts(r: &Row, key: &str, table: &str, tz: Tz, bad: &mut Malformed) -> Option<i64> {
    match r.get(key).map(|s| parse_ts(s, tz)) {
        Some(Some(t)) => Some(t),
        Some(None) => {
            bad.note(table, r.line, &format!("{key} is not a timestamp"));
            None
        }
        None => {
            bad.note(table, r.line, &format!("missing {key}"));
            None
        }
    }
}

fn in_period(job: &Job, t: i64) -> bool {
    job.start_utc <= t && t < job.end_utc
}

fn user_allowed(job: &Job, user: Option<&str>) -> bool {
    job.params.user.as_deref().is_none_or(|u| user == Some(u))
}

// ---------------------------------------------------------------------------------------
// Time in platform (§6.4, §6.5).

/// Per user: state records, from the agent_events table.
fn state_records(
    job: &Job,
    bad: &mut Malformed,
) -> Result<BTreeMap<String, Vec<StateRecord>>, PluginError> {
    let mut out: BTreeMap<String, Vec<StateRecord>> = BTreeMap::new();
    for r in load(job, "agent_events", bad)? {
        const T: &str = "agent_events";
        let Some(user) = r.get("user_id") else {
            bad.note(T, r.line, "missing user_id");
            continue;
        };
        let Some(event) = r.get("event").and_then(states::event_index) else {
            bad.note(
                T,
                r.line,
                &format!("unknown event {:?}", r.get("event").unwrap_or("")),
            );
            continue;
        };
        let Some(start) = required_ts(&r, "started_at", T, job.tz, bad) else {
            continue;
        };
        let end = match r.get("ended_at") {
            None => None,
            Some(s) => match parse_ts(s, job.tz) {
                Some(e) if e >= start => Some(e),
                _ => {
                    bad.note(T, r.line, "ended_at is not a timestamp after started_at");
                    continue;
                }
            },
        };
        if !user_allowed(job, Some(user)) {
            continue;
        }
        out.entry(user.to_owned())
            .or_default()
            .push(StateRecord { event, start, end });
    }
    Ok(out)
}

fn platform_time_detail(
    job: &Job,
    sink: &mut dyn Sink,
    bad: &mut Malformed,
) -> Result<(), PluginError> {
    let users = users(job, bad)?;
    let mut per_user = state_records(job, bad)?;
    sink.begin(&job.report.columns()).map_err(cancelled)?;
    let none = User::default();
    for (uid, recs) in per_user.iter_mut() {
        let u = users.get(uid).unwrap_or(&none);
        for iv in states::intervals(recs, job.start_utc, job.end_utc) {
            let general = if iv.event == states::DISCONNECTED {
                "Desconectado"
            } else {
                "Conectado"
            };
            sink.row(&[
                text(u.profile.as_deref()),
                Value::Text(uid),
                text(u.name.as_deref()),
                text(u.extension.as_deref()),
                Value::Text(general),
                Value::Text(EVENTS[iv.event].name),
                Value::DateTime(local_secs(job.tz, iv.start)),
                Value::DateTime(local_secs(job.tz, iv.end)),
                Value::Duration((iv.end - iv.start) * 1000),
                text(u.email.as_deref()),
            ])
            .map_err(cancelled)?;
        }
    }
    Ok(())
}

/// Seconds per summary bucket of one user-day: the 13 events, then typifying, resolving.
type DayTotals = [i64; 15];
const TYPIFYING: usize = 13;
const RESOLVING: usize = 14;

/// Adds `[a, b)` (clipped to the period, split at midnight) to `slot` of `user`'s days.
fn add_split(
    job: &Job,
    acc: &mut BTreeMap<(NaiveDate, String), DayTotals>,
    user: &str,
    slot: usize,
    a: i64,
    b: i64,
) {
    let (a, b) = (a.max(job.start_utc), b.min(job.end_utc));
    for (day, secs) in states::split_days(job.tz, a, b) {
        acc.entry((day, user.to_owned())).or_insert([0; 15])[slot] += secs;
    }
}

fn platform_time_summary(
    job: &Job,
    sink: &mut dyn Sink,
    bad: &mut Malformed,
) -> Result<(), PluginError> {
    let users = users(job, bad)?;
    let mut per_user = state_records(job, bad)?;
    let mut acc: BTreeMap<(NaiveDate, String), DayTotals> = BTreeMap::new();
    for (uid, recs) in per_user.iter_mut() {
        for iv in states::intervals(recs, job.start_utc, job.end_utc) {
            add_split(job, &mut acc, uid, iv.event, iv.start, iv.end);
        }
    }
    // Tipificando / Resolviendo (REPORTS.md §6.4 proposal (b)): typified_at → saved_at of
    // each typification, assigned_at → resolved_at of each resolved ticket, per user.
    let have_typ = job.table("typifications").is_some();
    let have_tickets = job.table("tickets").is_some();
    let tickets = tickets(job, None, bad)?;
    if have_typ {
        for r in load(job, "typifications", bad)? {
            let user = r.get("user_id").or_else(|| {
                r.get("ticket_id")
                    .and_then(|t| tickets.get(t))
                    .and_then(|t| t.get("user_id"))
            });
            let (Some(user), Some(a), Some(b)) = (
                user,
                r.get("typified_at").and_then(|s| parse_ts(s, job.tz)),
                r.get("saved_at").and_then(|s| parse_ts(s, job.tz)),
            ) else {
                continue;
            };
            if user_allowed(job, Some(user)) && b > a {
                add_split(job, &mut acc, user, TYPIFYING, a, b);
            }
        }
    }
    for t in tickets.values() {
        let (Some(user), Some(a), Some(b)) = (
            t.get("user_id"),
            t.get("assigned_at").and_then(|s| parse_ts(s, job.tz)),
            t.get("resolved_at").and_then(|s| parse_ts(s, job.tz)),
        ) else {
            continue;
        };
        if user_allowed(job, Some(user)) && b > a {
            add_split(job, &mut acc, user, RESOLVING, a, b);
        }
    }
    sink.meta(
        "available_definition",
        "Online + Esperando + Timbrando + Hablando + ACW + Abriendo + Escribiendo",
    );
    sink.begin(&job.report.columns()).map_err(cancelled)?;
    let none = User::default();
    let secs = |s: i64| Value::Duration(s * 1000);
    for ((day, uid), totals) in &acc {
        let u = users.get(uid).unwrap_or(&none);
        let available: i64 = EVENTS
            .iter()
            .zip(totals.iter())
            .filter(|(e, _)| e.available)
            .map(|(_, s)| s)
            .sum();
        let mut cells = vec![
            date_value(*day),
            text(u.extension.as_deref()),
            text(u.name.as_deref()),
            text(u.profile.as_deref()),
            secs(available),
        ];
        for (i, e) in EVENTS.iter().enumerate() {
            if e.column.is_some() {
                cells.push(secs(totals[i]));
            }
        }
        cells.push(Value::Text(uid));
        cells.push(if have_typ {
            secs(totals[TYPIFYING])
        } else {
            Value::Null
        });
        cells.push(if have_tickets {
            secs(totals[RESOLVING])
        } else {
            Value::Null
        });
        cells.push(text(u.email.as_deref()));
        sink.row(&cells).map_err(cancelled)?;
    }
    Ok(())
}

// ---------------------------------------------------------------------------------------
// Typifications (§6.1, §6.2, §6.3, §6.7).

/// A typification of the campaign in the period, joined with its ticket.
struct Typ<'a> {
    row: &'a Row,
    ticket: &'a Row,
    at: i64,
    user: Option<&'a str>,
}

/// The campaign's typifications in the period (by `typified_at`), in time order.
fn campaign_typifications<'a>(
    job: &Job,
    rows: &'a [Row],
    tickets: &'a HashMap<String, Row>,
    bad: &mut Malformed,
) -> Vec<Typ<'a>> {
    const T: &str = "typifications";
    let mut out = Vec::new();
    for r in rows {
        let Some(tid) = r.get("ticket_id") else {
            bad.note(T, r.line, "missing ticket_id");
            continue;
        };
        let Some(at) = required_ts(r, "typified_at", T, job.tz, bad) else {
            continue;
        };
        // Tickets of other campaigns are simply not ours.
        let Some(ticket) = tickets.get(tid) else {
            continue;
        };
        if !in_period(job, at) {
            continue;
        }
        let user = r.get("user_id").or_else(|| ticket.get("user_id"));
        if !user_allowed(job, user) {
            continue;
        }
        out.push(Typ {
            row: r,
            ticket,
            at,
            user,
        });
    }
    out.sort_by_key(|t| (t.at, t.row.line));
    out
}

/// A decimal cell of an amount column, counting an unparsable one as malformed.
fn amount<'a>(r: &Row, key: &str, table: &str, bad: &mut Malformed) -> Value<'a> {
    match r.get(key) {
        None => Value::Null,
        Some(s) => match parse_decimal(s) {
            Some((mantissa, scale)) => Value::Decimal { mantissa, scale },
            None => {
                bad.note(table, r.line, &format!("{key} is not an amount"));
                Value::Null
            }
        },
    }
}

fn is_phone_channel(channel: Option<&str>) -> bool {
    channel.is_none_or(|c| {
        let c = c.to_lowercase();
        c.contains("telefon") || c.contains("llamada") || c.contains("phone") || c.contains("call")
    })
}

fn typifications(job: &Job, sink: &mut dyn Sink, bad: &mut Malformed) -> Result<(), PluginError> {
    let product = job.report == ReportKind::TypificationsByProduct;
    let scope = scope(job, sink, bad)?;
    let users = users(job, bad)?;
    let contacts = contacts(job, &scope, bad)?;
    let tickets = tickets(job, Some(&scope), bad)?;
    let rows = load(job, "typifications", bad)?;
    let typs = campaign_typifications(job, &rows, &tickets, bad);
    let mut columns = job.report.columns();
    // §6.1 only: the campaign's custom contact-template fields, in template order.
    let custom = if product {
        Vec::new()
    } else {
        let tpl = load(job, "contact_fields", bad)?;
        ordered_fields(
            &tpl,
            "contact_fields",
            "campaign_id",
            &scope.campaign_id,
            bad,
        )
    };
    columns.extend(custom.iter().map(|n| dynamic_column("contact", n)));
    sink.begin(&columns).map_err(cancelled)?;
    let tz = job.tz;
    let none = User::default();
    let mut cells: Vec<Value<'_>> = Vec::with_capacity(columns.len());
    let custom_keys: Vec<String> = custom.iter().map(|n| format!("fields.{n}")).collect();
    for t in &typs {
        let (r, tk) = (t.row, t.ticket);
        if product
            && job
                .params
                .product
                .as_deref()
                .is_some_and(|p| r.get("product_code") != Some(p))
        {
            continue;
        }
        let contact = tk.get("contact_code").and_then(|c| contacts.get(c));
        let cget = |k: &str| contact.and_then(|c| c.get(k));
        let u = t.user.and_then(|id| users.get(id)).unwrap_or(&none);
        cells.clear();
        cells.extend([
            Value::Text(&scope.company),
            Value::Text(&scope.campaign),
            text(tk.get("strategy")),
            text(tk.get("channel_type")),
            text(tk.get("dial_type")),
            text(tk.get("contact_code")),
            text(cget("name")),
            dt(tz, cget("created_at")),
            dt(tz, cget("updated_at")),
        ]);
        if product {
            cells.push(text(r.get("product_code")));
        }
        cells.push(text(tk.get("phone").or_else(|| cget("phone"))));
        for level in ["group", "result", "reason", "subreason"] {
            cells.push(text(r.get(level)));
            if product {
                cells.push(text(r.get(&format!("{level}_code"))));
            }
        }
        cells.push(text(r.get("comment")));
        // Resultado ATK: "currently not considered" by the seed (A17).
        cells.push(Value::Null);
        cells.push(text(tk.get("zip_code")));
        cells.push(dt(tz, tk.get("assigned_at")));
        cells.push(Value::DateTime(local_secs(tz, t.at)));
        cells.push(dt(tz, tk.get("resolved_at")));
        if scope.cobranza {
            cells.push(
                r.get("pdp_date")
                    .and_then(parse_date)
                    .map_or(Value::Null, date_value),
            );
            cells.push(amount(r, "pdp_amount", "typifications", bad));
            cells.push(dt(tz, r.get("callback_at")));
        } else {
            cells.extend([Value::Null, Value::Null, Value::Null]);
        }
        cells.push(text(t.user));
        cells.push(text(u.name.as_deref()));
        let ext = tk.get("user_extension").or(u.extension.as_deref());
        cells.push(if is_phone_channel(tk.get("channel_type")) {
            text(ext)
        } else {
            Value::Null
        });
        if !product {
            cells.push(text(r.get("management_id")));
            cells.push(text(tk.get("call_id")));
            cells.push(text(r.get("ticket_id")));
            for k in &custom_keys {
                cells.push(text(cget(k)));
            }
        }
        sink.row(&cells).map_err(cancelled)?;
    }
    Ok(())
}

/// The three contact types of a typification result.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ContactType {
    Direct,
    Indirect,
    NoContact,
}

/// Reads a `contact_type` value (seed spellings and English, case-insensitive).
pub fn contact_type(s: &str) -> Option<ContactType> {
    let s = s.trim().to_lowercase();
    match s.as_str() {
        "contacto directo" | "directo" | "direct" | "cd" => Some(ContactType::Direct),
        "contacto indirecto" | "indirecto" | "indirect" | "ci" => Some(ContactType::Indirect),
        "no contacto"
        | "contacto no contactado"
        | "no contactado"
        | "no_contact"
        | "no contact"
        | "nc" => Some(ContactType::NoContact),
        _ => None,
    }
}

#[derive(Default)]
struct HourCounts {
    direct: i64,
    indirect: i64,
    no_contact: i64,
    pdp_count: i64,
    /// Cents (scale 2).
    pdp_cents: i64,
}

fn cents(m: i64, scale: u32) -> i64 {
    if scale <= 2 {
        m * 10i64.pow(2 - scale)
    } else {
        m / 10i64.pow(scale - 2)
    }
}

fn typifications_by_hour(
    job: &Job,
    sink: &mut dyn Sink,
    bad: &mut Malformed,
) -> Result<(), PluginError> {
    let scope = scope(job, sink, bad)?;
    let users = users(job, bad)?;
    let tickets = tickets(job, Some(&scope), bad)?;
    let rows = load(job, "typifications", bad)?;
    let typs = campaign_typifications(job, &rows, &tickets, bad);
    let (from, to) = (
        job.params.time_from.unwrap_or(0),
        job.params.time_to.unwrap_or(86_400),
    );
    type Key<'a> = (
        NaiveDate,
        &'a str,
        u32,
        Option<&'a str>,
        Option<&'a str>,
        Option<&'a str>,
    );
    let mut acc: BTreeMap<Key<'_>, HourCounts> = BTreeMap::new();
    for t in &typs {
        let local = local_dt(job.tz, t.at);
        let sod = secs_of_day(local.time());
        if sod < from || sod >= to {
            continue;
        }
        let Some(kind) = t.row.get("contact_type").and_then(contact_type) else {
            bad.note(
                "typifications",
                t.row.line,
                "missing or unknown contact_type",
            );
            continue;
        };
        let key = (
            local.date(),
            t.user.unwrap_or_default(),
            sod / 3600,
            t.row.get("group"),
            t.row.get("result"),
            t.row.get("reason"),
        );
        let c = acc.entry(key).or_default();
        match kind {
            ContactType::Direct => c.direct += 1,
            ContactType::Indirect => c.indirect += 1,
            ContactType::NoContact => c.no_contact += 1,
        }
        if scope.cobranza {
            let amt = t.row.get("pdp_amount").and_then(parse_decimal);
            if amt.is_some() || t.row.get("pdp_date").is_some() {
                c.pdp_count += 1;
            }
            if let Some((m, s)) = amt {
                c.pdp_cents += cents(m, s);
            }
        }
    }
    sink.begin(&job.report.columns()).map_err(cancelled)?;
    let none = User::default();
    for ((day, user, hour, g, r, m), c) in &acc {
        let u = users.get(*user).unwrap_or(&none);
        let (pdp_count, pdp_amount) = if scope.cobranza {
            (
                Value::Int(c.pdp_count),
                Value::Decimal {
                    mantissa: c.pdp_cents,
                    scale: 2,
                },
            )
        } else {
            (Value::Null, Value::Null)
        };
        sink.row(&[
            date_value(*day),
            if user.is_empty() {
                Value::Null
            } else {
                Value::Text(user)
            },
            text(u.name.as_deref()),
            Value::Int(i64::from(*hour)),
            Value::Int(c.direct + c.indirect + c.no_contact),
            Value::Int(c.direct),
            Value::Int(c.indirect),
            Value::Int(c.no_contact),
            pdp_count,
            pdp_amount,
            text(*g),
            text(*r),
            text(*m),
        ])
        .map_err(cancelled)?;
    }
    Ok(())
}

// ---------------------------------------------------------------------------------------
// ACW (§6.6, §6.7), forms (§6.8), Score AI (§6.9).

fn date_time_cells(tz: Tz, at: i64) -> [Value<'static>; 2] {
    let l = local_dt(tz, at);
    [date_value(l.date()), Value::Time(secs_of_day(l.time()))]
}

fn acw_logs(job: &Job, sink: &mut dyn Sink, bad: &mut Malformed) -> Result<(), PluginError> {
    const T: &str = "acw_logs";
    let scope = scope(job, sink, bad)?;
    let users = users(job, bad)?;
    let contacts = contacts(job, &scope, bad)?;
    let tickets = tickets(job, Some(&scope), bad)?;
    let rows = load(job, T, bad)?;
    sink.begin(&job.report.columns()).map_err(cancelled)?;
    if !scope.acw_log_enabled {
        // REPORTS.md §6.6 proposal: empty result plus a warning.
        sink.warn(Warning {
            code: "ACW_LOG_DISABLED".to_owned(),
            message: format!("the ACW log is disabled on campaign {:?}", scope.campaign),
            count: 1,
            examples: Vec::new(),
        });
        return Ok(());
    }
    let mut sel = Vec::new();
    for r in &rows {
        let Some(at) = required_ts(r, "at", T, job.tz, bad) else {
            continue;
        };
        let Some(campaign) = r.get("campaign_id") else {
            bad.note(T, r.line, "missing campaign_id");
            continue;
        };
        if campaign != scope.campaign_id
            || !in_period(job, at)
            || !user_allowed(job, r.get("user_id"))
        {
            continue;
        }
        sel.push((at, r));
    }
    sel.sort_by_key(|(at, r)| (*at, r.line));
    let none = User::default();
    for (at, r) in sel {
        let ticket = r.get("ticket_id").and_then(|t| tickets.get(t));
        let code = r
            .get("contact_code")
            .or_else(|| ticket.and_then(|t| t.get("contact_code")));
        let contact = code.and_then(|c| contacts.get(c));
        let cget = |k: &str| contact.and_then(|c| c.get(k));
        let u = r
            .get("user_id")
            .and_then(|id| users.get(id))
            .unwrap_or(&none);
        let [d, tm] = date_time_cells(job.tz, at);
        sink.row(&[
            d,
            tm,
            text(cget("name")),
            text(code),
            text(
                r.get("phone")
                    .or_else(|| ticket.and_then(|t| t.get("phone")))
                    .or_else(|| cget("phone")),
            ),
            text(u.name.as_deref().or(r.get("user_id"))),
            Value::Text(&scope.company),
            Value::Text(&scope.campaign),
            text(r.get("base").or_else(|| cget("base"))),
        ])
        .map_err(cancelled)?;
    }
    Ok(())
}

fn acw_default_typifications(
    job: &Job,
    sink: &mut dyn Sink,
    bad: &mut Malformed,
) -> Result<(), PluginError> {
    let scope = scope(job, sink, bad)?;
    let users = users(job, bad)?;
    let contacts = contacts(job, &scope, bad)?;
    let tickets = tickets(job, Some(&scope), bad)?;
    let rows = load(job, "typifications", bad)?;
    let typs = campaign_typifications(job, &rows, &tickets, bad);
    sink.begin(&job.report.columns()).map_err(cancelled)?;
    let none = User::default();
    for t in typs.iter().filter(|t| truthy(t.row.get("acw_default"))) {
        let code = t.ticket.get("contact_code");
        let contact = code.and_then(|c| contacts.get(c));
        let cget = |k: &str| contact.and_then(|c| c.get(k));
        let u = t.user.and_then(|id| users.get(id)).unwrap_or(&none);
        let [d, tm] = date_time_cells(job.tz, t.at);
        sink.row(&[
            d,
            tm,
            text(code),
            text(cget("name")),
            text(t.ticket.get("phone").or_else(|| cget("phone"))),
            text(u.name.as_deref().or(t.user)),
            Value::Text(&scope.company),
            Value::Text(&scope.campaign),
            text(cget("base")),
            text(t.row.get("group")),
            text(t.row.get("result")),
            text(t.row.get("reason")),
        ])
        .map_err(cancelled)?;
    }
    Ok(())
}

fn forms(job: &Job, sink: &mut dyn Sink, bad: &mut Malformed) -> Result<(), PluginError> {
    const T: &str = "form_answers";
    let scope = scope(job, sink, bad)?;
    let want = job.params.form.as_deref().unwrap_or_default();
    let forms = load(job, "forms", bad)?;
    let of_campaign: Vec<&Row> = forms
        .iter()
        .filter(|r| r.get("campaign_id") == Some(scope.campaign_id.as_str()))
        .collect();
    let form = of_campaign
        .iter()
        .find(|r| r.get("id") == Some(want))
        .or_else(|| of_campaign.iter().find(|r| r.get("name") == Some(want)))
        .ok_or_else(|| {
            PluginError::new(
                "UNKNOWN_FORM",
                format!(
                    "campaign {:?} has no form {want:?} (by id or name)",
                    scope.campaign
                ),
                "check params.form against the forms export",
            )
        })?;
    let form_id = form.get("id").unwrap_or(want).to_owned();
    sink.meta("form", form.get("name").unwrap_or(want));
    let users = users(job, bad)?;
    let contacts = contacts(job, &scope, bad)?;
    let field_rows = load(job, "form_fields", bad)?;
    let fields = ordered_fields(&field_rows, "form_fields", "form_id", &form_id, bad);
    let keys: Vec<String> = fields.iter().map(|n| format!("fields.{n}")).collect();
    let mut columns = job.report.columns();
    columns.extend(fields.iter().map(|n| dynamic_column("form", n)));
    let answers = load(job, T, bad)?;
    let mut sel = Vec::new();
    for r in &answers {
        if r.get("form_id") != Some(form_id.as_str()) {
            continue;
        }
        let Some(at) = required_ts(r, "at", T, job.tz, bad) else {
            continue;
        };
        if in_period(job, at) {
            sel.push((at, r));
        }
    }
    sel.sort_by_key(|(at, r)| (*at, r.line));
    sink.begin(&columns).map_err(cancelled)?;
    let none = User::default();
    let mut cells = Vec::with_capacity(columns.len());
    for (at, r) in sel {
        let code = r.get("contact_code");
        let contact = code.and_then(|c| contacts.get(c));
        let u = r
            .get("user_id")
            .and_then(|id| users.get(id))
            .unwrap_or(&none);
        let [d, tm] = date_time_cells(job.tz, at);
        cells.clear();
        cells.extend([
            text(r.get("id")),
            text(r.get("management_id")),
            Value::Text(&scope.campaign),
            text(code),
            text(contact.and_then(|c| c.get("name"))),
            text(r.get("user_id")),
            text(u.name.as_deref()),
            d,
            tm,
        ]);
        cells.extend(keys.iter().map(|k| text(r.get(k))));
        sink.row(&cells).map_err(cancelled)?;
    }
    Ok(())
}

fn ai_usage(job: &Job, sink: &mut dyn Sink, bad: &mut Malformed) -> Result<(), PluginError> {
    const T: &str = "ai_conclusions";
    let scope = scope(job, sink, bad)?;
    let users = users(job, bad)?;
    let rows = load(job, T, bad)?;
    let mut acc: BTreeMap<(NaiveDate, &str), i64> = BTreeMap::new();
    for r in &rows {
        let Some(at) = required_ts(r, "at", T, job.tz, bad) else {
            continue;
        };
        let (Some(campaign), Some(user)) = (r.get("campaign_id"), r.get("user_id")) else {
            bad.note(T, r.line, "missing campaign_id or user_id");
            continue;
        };
        if campaign == scope.campaign_id && in_period(job, at) {
            *acc.entry((local_dt(job.tz, at).date(), user)).or_default() += 1;
        }
    }
    sink.begin(&job.report.columns()).map_err(cancelled)?;
    let none = User::default();
    for ((day, user), n) in &acc {
        let u = users.get(*user).unwrap_or(&none);
        sink.row(&[
            date_value(*day),
            text(u.name.as_deref().or(Some(*user))),
            text(u.extension.as_deref()),
            text(u.profile.as_deref()),
            Value::Int(*n),
            Value::Text(&scope.company),
            Value::Text(&scope.campaign),
        ])
        .map_err(cancelled)?;
    }
    Ok(())
}
