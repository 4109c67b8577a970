//! The rows of each report. Every report reads the tables it needs (see
//! [`crate::settings::required_tables`]), checks what only the data can tell (the company
//! and campaign exist, `R-SCORE-HISTORY`), then writes its columns — fixed ones from
//! [`crate::catalog`], dynamic ones (contact template fields, form fields) appended in
//! template/form order.

use std::collections::{BTreeMap, HashMap, HashSet};

use chrono::NaiveDate;
use chrono_tz::Tz;
use reportd_plugin_api::{Cancelled, Column, ColumnType, PluginError, Sink, Value, Warning};

use crate::catalog::ReportKind;
use crate::db::{Cond, DbSource, MARGIN, Query};
use crate::settings::{Inputs, Job, required_tables};
use crate::states::{self, EVENTS, StateRecord};
use crate::tables::{Malformed, Row, Visit, scan_table};
use crate::time::{
    day_number, local_dt, local_secs, parse_date, parse_decimal, parse_ts, secs_of_day,
};

fn cancelled(_: Cancelled) -> PluginError {
    PluginError::new("CANCELLED", "the host stopped the generation", "")
}

/// Where the tables are read from: the job's export files, or an open database.
pub enum Source {
    Files,
    Db(Box<DbSource>),
}

impl Source {
    /// Opens the job's input (connects to the database, if that is the input).
    pub fn open(job: &Job) -> Result<Self, PluginError> {
        Ok(match &job.inputs {
            Inputs::Files(_) => Source::Files,
            Inputs::Database(d) => Source::Db(Box::new(DbSource::open(d)?)),
        })
    }

    /// Whether `table` can be read (configured file; existing database table).
    fn has(&mut self, job: &Job, table: &'static str) -> Result<bool, PluginError> {
        match self {
            Source::Files => Ok(job.table(table).is_some()),
            Source::Db(d) => d.has(table),
        }
    }

    /// Streams the rows of `q.table` to `visit`. Files are read whole and `q`'s filters are
    /// ignored (`visit` filters exactly in both cases); the database applies them in SQL. A
    /// table the report needs must exist; an optional one that does not reads as empty.
    fn scan(
        &mut self,
        job: &Job,
        q: Query,
        bad: &mut Malformed,
        visit: &mut Visit<'_>,
    ) -> Result<(), PluginError> {
        match self {
            Source::Files => match job.table(q.table) {
                Some(p) => scan_table(p, q.table, bad, visit),
                None => Ok(()),
            },
            Source::Db(d) => {
                if !required_tables(job.report).contains(&q.table) && !d.has(q.table)? {
                    return Ok(());
                }
                d.scan(&q, bad, visit)
            }
        }
    }

    /// Every row of `q` (small tables, or rows already filtered by `q`).
    fn load(&mut self, job: &Job, q: Query, bad: &mut Malformed) -> Result<Vec<Row>, PluginError> {
        let mut rows = Vec::new();
        self.scan(job, q, bad, &mut |r, _| {
            rows.push(r);
            Ok(())
        })?;
        Ok(rows)
    }
}

/// Generates `job`'s report into `sink`.
pub fn generate(job: &Job, sink: &mut dyn Sink) -> Result<(), PluginError> {
    use ReportKind::*;
    let mut bad = Malformed::default();
    let src = &mut Source::open(job)?;
    match job.report {
        PlatformTimeSummary => platform_time_summary(job, src, sink, &mut bad)?,
        PlatformTimeDetail => platform_time_detail(job, src, sink, &mut bad)?,
        TypificationsByContact | TypificationsByProduct => typifications(job, src, sink, &mut bad)?,
        TypificationsByHour => typifications_by_hour(job, src, sink, &mut bad)?,
        AcwLogs => acw_logs(job, src, sink, &mut bad)?,
        AcwDefaultTypifications => acw_default_typifications(job, src, sink, &mut bad)?,
        Forms => forms(job, src, sink, &mut bad)?,
        AiUsage => ai_usage(job, src, sink, &mut bad)?,
    }
    bad.report(sink);
    Ok(())
}

/// The period filter of a time column (widened in SQL, exact in the reports).
fn period(job: &Job, column: &'static str) -> [Cond; 2] {
    [
        Cond::Ge(column, job.start_utc),
        Cond::Lt(column, job.end_utc),
    ]
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

fn users(
    job: &Job,
    src: &mut Source,
    bad: &mut Malformed,
) -> Result<HashMap<String, User>, PluginError> {
    let mut out = HashMap::new();
    for r in src.load(job, Query::new("users", vec![]), bad)? {
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
fn scope(
    job: &Job,
    src: &mut Source,
    sink: &mut dyn Sink,
    bad: &mut Malformed,
) -> Result<Scope, PluginError> {
    let want_co = job.params.company.as_deref().unwrap_or_default();
    let want_ca = job.params.campaign.as_deref().unwrap_or_default();
    let companies = src.load(job, Query::new("companies", vec![]), bad)?;
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
    let campaigns = src.load(job, Query::new("campaigns", vec![]), bad)?;
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

/// Contacts of the campaign whose code is in `codes`, by code; `referenced` is the SQL
/// form of "referenced by the report's rows" (so a database never sends every contact).
fn contacts(
    job: &Job,
    src: &mut Source,
    scope: &Scope,
    codes: &HashSet<String>,
    referenced: Cond,
    bad: &mut Malformed,
) -> Result<HashMap<String, Row>, PluginError> {
    let mut out = HashMap::new();
    let q = Query::new(
        "contacts",
        vec![
            Cond::Eq("campaign_id", scope.campaign_id.clone()),
            referenced,
        ],
    );
    src.scan(job, q, bad, &mut |r, bad| {
        let Some(code) = r.get("code") else {
            bad.note("contacts", r.line, "missing code");
            return Ok(());
        };
        if r.get("campaign_id") == Some(scope.campaign_id.as_str()) && codes.contains(code) {
            out.insert(code.to_owned(), r);
        }
        Ok(())
    })?;
    Ok(out)
}

/// Tickets of the campaign (any campaign when `campaign` is `None`) whose id is in `ids`, by
/// id; `referenced` is the SQL form of the same selection.
fn tickets(
    job: &Job,
    src: &mut Source,
    campaign: Option<&str>,
    ids: &HashSet<String>,
    referenced: Cond,
    bad: &mut Malformed,
) -> Result<HashMap<String, Row>, PluginError> {
    let mut out = HashMap::new();
    let mut conds = vec![referenced];
    if let Some(c) = campaign {
        conds.push(Cond::Eq("campaign_id", c.to_owned()));
    }
    src.scan(job, Query::new("tickets", conds), bad, &mut |r, bad| {
        let Some(id) = r.get("id") else {
            bad.note("tickets", r.line, "missing id");
            return Ok(());
        };
        if campaign.is_none_or(|c| r.get("campaign_id") == Some(c)) && ids.contains(id) {
            out.insert(id.to_owned(), r);
        }
        Ok(())
    })?;
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

/// Per user: the state records that matter for the period, from the agent_events table —
/// those starting in the period, and the last one starting before it (the state the agent
/// was in when the period began). Later records cannot matter: every state is clipped at the
/// period end. Files are streamed keeping only those; a database sends the period (widened)
/// and then, per user, its last record before — one indexed `ORDER BY started_at DESC
/// LIMIT 1` query per user of the `users` table or of the period.
fn state_records(
    job: &Job,
    src: &mut Source,
    users: &HashMap<String, User>,
    bad: &mut Malformed,
) -> Result<BTreeMap<String, Vec<StateRecord>>, PluginError> {
    let mut acc = StateAcc::default();
    let mut conds = period(job, "started_at").to_vec();
    if let Some(u) = &job.params.user {
        conds.push(Cond::Eq("user_id", u.clone()));
    }
    let q = Query::new(AGENT_EVENTS, conds).order(&["started_at"]);
    src.scan(job, q, bad, &mut |r, bad| {
        acc.take(job, r, bad);
        Ok(())
    })?;
    if let Source::Db(db) = src {
        // The widened period (from start − MARGIN) already holds the last record before the
        // start of users with one there; the others' is the latest below that bound.
        let mut who: Vec<String> = match &job.params.user {
            Some(u) => vec![u.clone()],
            None => users.keys().chain(acc.inside.keys()).cloned().collect(),
        };
        who.sort();
        who.dedup();
        who.retain(|u| !acc.before.contains_key(u));
        for u in who {
            let q = Query {
                table: AGENT_EVENTS,
                conds: vec![
                    Cond::Eq("user_id", u),
                    Cond::Below("started_at", job.start_utc),
                ],
                order: &["started_at"],
                desc: true,
                limit: Some(1),
            };
            db.scan(&q, bad, &mut |r, bad| {
                acc.take(job, r, bad);
                Ok(())
            })?;
        }
    }
    let StateAcc { mut inside, before } = acc;
    for (u, recs) in before {
        inside.entry(u).or_default().splice(0..0, recs);
    }
    Ok(inside)
}

const AGENT_EVENTS: &str = "agent_events";

/// The agent_events records [`state_records`] keeps.
#[derive(Default)]
struct StateAcc {
    /// Per user: records starting in the period.
    inside: BTreeMap<String, Vec<StateRecord>>,
    /// Per user: the records with the latest start before the period (ties all kept).
    before: BTreeMap<String, Vec<StateRecord>>,
}

impl StateAcc {
    /// Checks one record (malformed ones are counted) and keeps it if it matters.
    fn take(&mut self, job: &Job, r: Row, bad: &mut Malformed) {
        const T: &str = AGENT_EVENTS;
        let Some(user) = r.get("user_id") else {
            bad.note(T, r.line, "missing user_id");
            return;
        };
        let Some(event) = r.get("event").and_then(states::event_index) else {
            bad.note(
                T,
                r.line,
                &format!("unknown event {:?}", r.get("event").unwrap_or("")),
            );
            return;
        };
        let Some(start) = required_ts(&r, "started_at", T, job.tz, bad) else {
            return;
        };
        let end = match r.get("ended_at") {
            None => None,
            Some(s) => match parse_ts(s, job.tz) {
                Some(e) if e >= start => Some(e),
                _ => {
                    bad.note(T, r.line, "ended_at is not a timestamp after started_at");
                    return;
                }
            },
        };
        if !user_allowed(job, Some(user)) || start >= job.end_utc {
            return;
        }
        let rec = StateRecord { event, start, end };
        if start >= job.start_utc {
            self.inside.entry(user.to_owned()).or_default().push(rec);
        } else {
            let slot = self.before.entry(user.to_owned()).or_default();
            match slot.first().map(|x| x.start) {
                Some(s) if s > start => {}
                Some(s) if s == start => slot.push(rec),
                _ => *slot = vec![rec],
            }
        }
    }
}

fn platform_time_detail(
    job: &Job,
    src: &mut Source,
    sink: &mut dyn Sink,
    bad: &mut Malformed,
) -> Result<(), PluginError> {
    let users = users(job, src, bad)?;
    let mut per_user = state_records(job, src, &users, bad)?;
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
    src: &mut Source,
    sink: &mut dyn Sink,
    bad: &mut Malformed,
) -> Result<(), PluginError> {
    let users = users(job, src, bad)?;
    let mut per_user = state_records(job, src, &users, bad)?;
    let mut acc: BTreeMap<(NaiveDate, String), DayTotals> = BTreeMap::new();
    for (uid, recs) in per_user.iter_mut() {
        for iv in states::intervals(recs, job.start_utc, job.end_utc) {
            add_split(job, &mut acc, uid, iv.event, iv.start, iv.end);
        }
    }
    // Tipificando / Resolviendo (REPORTS.md §6.4 proposal (b)): typified_at → saved_at of
    // each typification, assigned_at → resolved_at of each resolved ticket, per user. A
    // typification is read when it starts at most a day (+ MARGIN in SQL) before the period.
    let have_typ = src.has(job, "typifications")?;
    let have_tickets = src.has(job, "tickets")?;
    let typ_window = vec![
        Cond::Ge("typified_at", job.start_utc - MARGIN),
        Cond::Lt("typified_at", job.end_utc),
    ];
    // (user or ticket id for the ticket's user, typified_at, saved_at)
    let mut spans: Vec<(Option<String>, Option<String>, i64, i64)> = Vec::new();
    let q = Query::new("typifications", typ_window.clone());
    src.scan(job, q, bad, &mut |r, _| {
        if let (Some(a), Some(b)) = (
            r.get("typified_at").and_then(|s| parse_ts(s, job.tz)),
            r.get("saved_at").and_then(|s| parse_ts(s, job.tz)),
        ) && b > a
            && b > job.start_utc
            && a < job.end_utc
        {
            let user = r.get("user_id").map(str::to_owned);
            let ticket = r.get("ticket_id").map(str::to_owned);
            spans.push((user, ticket, a, b));
        }
        Ok(())
    })?;
    let need: HashSet<String> = spans
        .iter()
        .filter(|s| s.0.is_none())
        .filter_map(|s| s.1.clone())
        .collect();
    let mut ticket_user: HashMap<String, String> = HashMap::new();
    let q = Query::new(
        "tickets",
        vec![Cond::Any(vec![
            Cond::All(vec![
                Cond::Ge("resolved_at", job.start_utc),
                Cond::Lt("assigned_at", job.end_utc),
            ]),
            Cond::In("id", "typifications", "ticket_id", typ_window),
        ])],
    );
    src.scan(job, q, bad, &mut |t, bad| {
        let Some(id) = t.get("id") else {
            bad.note("tickets", t.line, "missing id");
            return Ok(());
        };
        let Some(user) = t.get("user_id") else {
            return Ok(());
        };
        if need.contains(id) {
            ticket_user.insert(id.to_owned(), user.to_owned());
        }
        if let (Some(a), Some(b)) = (
            t.get("assigned_at").and_then(|s| parse_ts(s, job.tz)),
            t.get("resolved_at").and_then(|s| parse_ts(s, job.tz)),
        ) && user_allowed(job, Some(user))
            && b > a
        {
            add_split(job, &mut acc, user, RESOLVING, a, b);
        }
        Ok(())
    })?;
    for (user, ticket, a, b) in &spans {
        let user = user.as_deref().or_else(|| {
            ticket
                .as_ref()
                .and_then(|t| ticket_user.get(t))
                .map(String::as_str)
        });
        if let Some(user) = user
            && user_allowed(job, Some(user))
        {
            add_split(job, &mut acc, user, TYPIFYING, *a, *b);
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

/// The campaign's typifications of the period and their tickets.
struct CampaignTyps {
    /// Typifications in the period (by `typified_at`), any campaign for files.
    rows: Vec<(Row, i64)>,
    /// The campaign's tickets of those typifications, by id.
    tickets: HashMap<String, Row>,
}

const TYPIFICATIONS: &str = "typifications";

/// Reads the campaign's typifications of the period, then their tickets. A database sends
/// only the period's typifications of the campaign's tickets, and only those tickets.
fn campaign_typifications(
    job: &Job,
    src: &mut Source,
    scope: &Scope,
    bad: &mut Malformed,
) -> Result<CampaignTyps, PluginError> {
    const T: &str = TYPIFICATIONS;
    let campaign = scope.campaign_id.as_str();
    let mut rows = Vec::new();
    let mut conds = period(job, "typified_at").to_vec();
    conds.push(Cond::In(
        "ticket_id",
        "tickets",
        "id",
        vec![Cond::Eq("campaign_id", campaign.to_owned())],
    ));
    let q = Query::new(T, conds).order(&["typified_at", "id"]);
    src.scan(job, q, bad, &mut |r, bad| {
        if r.get("ticket_id").is_none() {
            bad.note(T, r.line, "missing ticket_id");
            return Ok(());
        }
        let Some(at) = required_ts(&r, "typified_at", T, job.tz, bad) else {
            return Ok(());
        };
        if in_period(job, at) {
            rows.push((r, at));
        }
        Ok(())
    })?;
    let ids: HashSet<String> = rows
        .iter()
        .filter_map(|(r, _)| r.get("ticket_id").map(str::to_owned))
        .collect();
    let of_period = Cond::In("id", T, "ticket_id", period(job, "typified_at").to_vec());
    let tickets = tickets(job, src, Some(campaign), &ids, of_period, bad)?;
    Ok(CampaignTyps { rows, tickets })
}

impl CampaignTyps {
    /// The campaign's typifications (tickets of other campaigns are simply not ours) of the
    /// report's user, in time order.
    fn list(&self, job: &Job) -> Vec<Typ<'_>> {
        let mut out = Vec::new();
        for (r, at) in &self.rows {
            let Some(ticket) = r.get("ticket_id").and_then(|t| self.tickets.get(t)) else {
                continue;
            };
            let user = r.get("user_id").or_else(|| ticket.get("user_id"));
            if !user_allowed(job, user) {
                continue;
            }
            out.push(Typ {
                row: r,
                ticket,
                at: *at,
                user,
            });
        }
        out.sort_by_key(|t| (t.at, t.row.line));
        out
    }

    /// The contact codes of the typifications' tickets.
    fn contact_codes(&self) -> HashSet<String> {
        self.tickets
            .values()
            .filter_map(|t| t.get("contact_code").map(str::to_owned))
            .collect()
    }
}

/// SQL: the contacts of the campaign's tickets typified in the period.
fn typified_contacts(job: &Job, scope: &Scope) -> Cond {
    Cond::In(
        "code",
        "tickets",
        "contact_code",
        vec![
            Cond::Eq("campaign_id", scope.campaign_id.clone()),
            Cond::In(
                "id",
                TYPIFICATIONS,
                "ticket_id",
                period(job, "typified_at").to_vec(),
            ),
        ],
    )
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

fn typifications(
    job: &Job,
    src: &mut Source,
    sink: &mut dyn Sink,
    bad: &mut Malformed,
) -> Result<(), PluginError> {
    let product = job.report == ReportKind::TypificationsByProduct;
    let scope = scope(job, src, sink, bad)?;
    let users = users(job, src, bad)?;
    let ct = campaign_typifications(job, src, &scope, bad)?;
    let codes = ct.contact_codes();
    let contacts = contacts(
        job,
        src,
        &scope,
        &codes,
        typified_contacts(job, &scope),
        bad,
    )?;
    let typs = ct.list(job);
    let mut columns = job.report.columns();
    // §6.1 only: the campaign's custom contact-template fields, in template order.
    let custom = if product {
        Vec::new()
    } else {
        let q = Query::new(
            "contact_fields",
            vec![Cond::Eq("campaign_id", scope.campaign_id.clone())],
        );
        let tpl = src.load(job, q, bad)?;
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
    src: &mut Source,
    sink: &mut dyn Sink,
    bad: &mut Malformed,
) -> Result<(), PluginError> {
    let scope = scope(job, src, sink, bad)?;
    let users = users(job, src, bad)?;
    let ct = campaign_typifications(job, src, &scope, bad)?;
    let typs = ct.list(job);
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

fn acw_logs(
    job: &Job,
    src: &mut Source,
    sink: &mut dyn Sink,
    bad: &mut Malformed,
) -> Result<(), PluginError> {
    const T: &str = "acw_logs";
    let scope = scope(job, src, sink, bad)?;
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
    let users = users(job, src, bad)?;
    let campaign = scope.campaign_id.as_str();
    let mut logs_cond = vec![Cond::Eq("campaign_id", campaign.to_owned())];
    logs_cond.extend(period(job, "at"));
    let mut sel = Vec::new();
    let q = Query::new(T, logs_cond.clone()).order(&["at"]);
    src.scan(job, q, bad, &mut |r, bad| {
        let Some(at) = required_ts(&r, "at", T, job.tz, bad) else {
            return Ok(());
        };
        let Some(c) = r.get("campaign_id") else {
            bad.note(T, r.line, "missing campaign_id");
            return Ok(());
        };
        if c == campaign && in_period(job, at) && user_allowed(job, r.get("user_id")) {
            sel.push((at, r));
        }
        Ok(())
    })?;
    sel.sort_by_key(|(at, r)| (*at, r.line));
    let ids: HashSet<String> = sel
        .iter()
        .filter_map(|(_, r)| r.get("ticket_id").map(str::to_owned))
        .collect();
    let logged_tickets = Cond::In("id", T, "ticket_id", logs_cond.clone());
    let tickets = tickets(job, src, Some(campaign), &ids, logged_tickets.clone(), bad)?;
    let codes: HashSet<String> = sel
        .iter()
        .filter_map(|(_, r)| {
            r.get("contact_code").or_else(|| {
                r.get("ticket_id")
                    .and_then(|t| tickets.get(t))
                    .and_then(|t| t.get("contact_code"))
            })
        })
        .map(str::to_owned)
        .collect();
    let referenced = Cond::Any(vec![
        Cond::In("code", T, "contact_code", logs_cond),
        Cond::In("code", "tickets", "contact_code", vec![logged_tickets]),
    ]);
    let contacts = contacts(job, src, &scope, &codes, referenced, bad)?;
    let none = User::default();
    for (at, r) in &sel {
        let (at, r) = (*at, r);
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
    src: &mut Source,
    sink: &mut dyn Sink,
    bad: &mut Malformed,
) -> Result<(), PluginError> {
    let scope = scope(job, src, sink, bad)?;
    let users = users(job, src, bad)?;
    let ct = campaign_typifications(job, src, &scope, bad)?;
    let codes = ct.contact_codes();
    let contacts = contacts(
        job,
        src,
        &scope,
        &codes,
        typified_contacts(job, &scope),
        bad,
    )?;
    let typs = ct.list(job);
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

fn forms(
    job: &Job,
    src: &mut Source,
    sink: &mut dyn Sink,
    bad: &mut Malformed,
) -> Result<(), PluginError> {
    const T: &str = "form_answers";
    let scope = scope(job, src, sink, bad)?;
    let want = job.params.form.as_deref().unwrap_or_default();
    let q = Query::new(
        "forms",
        vec![Cond::Eq("campaign_id", scope.campaign_id.clone())],
    );
    let forms = src.load(job, q, bad)?;
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
    let users = users(job, src, bad)?;
    let q = Query::new("form_fields", vec![Cond::Eq("form_id", form_id.clone())]);
    let field_rows = src.load(job, q, bad)?;
    let fields = ordered_fields(&field_rows, "form_fields", "form_id", &form_id, bad);
    let keys: Vec<String> = fields.iter().map(|n| format!("fields.{n}")).collect();
    let mut columns = job.report.columns();
    columns.extend(fields.iter().map(|n| dynamic_column("form", n)));
    let mut answers_cond = vec![Cond::Eq("form_id", form_id.clone())];
    answers_cond.extend(period(job, "at"));
    let mut sel = Vec::new();
    let q = Query::new(T, answers_cond.clone()).order(&["at", "id"]);
    src.scan(job, q, bad, &mut |r, bad| {
        if r.get("form_id") != Some(form_id.as_str()) {
            return Ok(());
        }
        let Some(at) = required_ts(&r, "at", T, job.tz, bad) else {
            return Ok(());
        };
        if in_period(job, at) {
            sel.push((at, r));
        }
        Ok(())
    })?;
    sel.sort_by_key(|(at, r)| (*at, r.line));
    let codes: HashSet<String> = sel
        .iter()
        .filter_map(|(_, r)| r.get("contact_code").map(str::to_owned))
        .collect();
    let referenced = Cond::In("code", T, "contact_code", answers_cond);
    let contacts = contacts(job, src, &scope, &codes, referenced, bad)?;
    sink.begin(&columns).map_err(cancelled)?;
    let none = User::default();
    let mut cells = Vec::with_capacity(columns.len());
    for (at, r) in &sel {
        let (at, r) = (*at, r);
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

fn ai_usage(
    job: &Job,
    src: &mut Source,
    sink: &mut dyn Sink,
    bad: &mut Malformed,
) -> Result<(), PluginError> {
    const T: &str = "ai_conclusions";
    let scope = scope(job, src, sink, bad)?;
    let users = users(job, src, bad)?;
    let campaign = scope.campaign_id.as_str();
    let mut conds = vec![Cond::Eq("campaign_id", campaign.to_owned())];
    conds.extend(period(job, "at"));
    let mut acc: BTreeMap<(NaiveDate, String), i64> = BTreeMap::new();
    src.scan(job, Query::new(T, conds), bad, &mut |r, bad| {
        let Some(at) = required_ts(&r, "at", T, job.tz, bad) else {
            return Ok(());
        };
        let (Some(c), Some(user)) = (r.get("campaign_id"), r.get("user_id")) else {
            bad.note(T, r.line, "missing campaign_id or user_id");
            return Ok(());
        };
        if c == campaign && in_period(job, at) {
            *acc.entry((local_dt(job.tz, at).date(), user.to_owned()))
                .or_default() += 1;
        }
        Ok(())
    })?;
    sink.begin(&job.report.columns()).map_err(cancelled)?;
    let none = User::default();
    for ((day, user), n) in &acc {
        let u = users.get(user).unwrap_or(&none);
        sink.row(&[
            date_value(*day),
            text(u.name.as_deref().or(Some(user))),
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
