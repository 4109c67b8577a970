//! Generation: reads the inputs a report needs (webhook archive, send log, opt-outs) and
//! writes its rows. Definitions (the choices REPORTS.md §4/§8 leave open) are stated in each
//! report's `report_definition` metadata and in the README.

use std::cell::Cell;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::rc::Rc;

use chrono::{Datelike, NaiveDate};
use chrono_tz::Tz;
use reportd_plugin_api::{Cancelled, PluginError, Sink, Value, Warning};

use crate::catalog::ReportKind;
use crate::db::{self, Records};
use crate::sendlog::{OptOut, SendOrigin, SendRecord};
use crate::settings::{Bucket, Job, allows};
use crate::state::{self, Keep, Scan, Status, WINDOW_S, key, lean};
use reportd_plugin_api::input::{self, Input};

/// Files last written more than this before the period start are skipped: statuses of a
/// message normally arrive within days, and sessions look back 24 h.
pub const LOOKBACK_S: i64 = 7 * 86_400;

fn cancelled(_: Cancelled) -> PluginError {
    PluginError::new("CANCELLED", "the host stopped the generation", "")
}

/// Local wall-clock seconds of a Unix time in `tz`.
pub fn local_secs(tz: Tz, utc: i64) -> i64 {
    chrono::DateTime::from_timestamp(utc, 0)
        .map(|d| d.with_timezone(&tz).naive_local())
        .map_or(utc, |n| n.and_utc().timestamp())
}

/// Local day number (days since 1970-01-01) of a Unix time.
pub fn local_day(tz: Tz, utc: i64) -> i32 {
    i32::try_from(local_secs(tz, utc).div_euclid(86_400)).unwrap_or(0)
}

fn date_of(day: i32) -> NaiveDate {
    NaiveDate::from_num_days_from_ce_opt(day + 719_163).unwrap_or_default()
}

fn day_of(d: NaiveDate) -> i32 {
    d.num_days_from_ce() - 719_163
}

/// First day of the bucket holding `day`.
pub fn bucket_start(bucket: Bucket, day: i32, period_first_day: i32) -> i32 {
    match bucket {
        Bucket::Period => period_first_day,
        Bucket::Day => day,
        // 1970-01-01 was a Thursday: Monday-based weekday of day 0 is 3.
        Bucket::Week => day - (day + 3).rem_euclid(7),
        Bucket::Month => {
            let d = date_of(day);
            day_of(d.with_day(1).unwrap_or(d))
        }
    }
}

fn next_bucket(bucket: Bucket, start: i32) -> i32 {
    match bucket {
        Bucket::Period => i32::MAX,
        Bucket::Day => start + 1,
        Bucket::Week => start + 7,
        Bucket::Month => {
            let d = date_of(start);
            let (y, m) = if d.month() == 12 {
                (d.year() + 1, 1)
            } else {
                (d.year(), d.month() + 1)
            };
            NaiveDate::from_ymd_opt(y, m, 1).map_or(i32::MAX, day_of)
        }
    }
}

fn text(s: Option<&str>) -> Value<'_> {
    s.filter(|s| !s.is_empty()).map_or(Value::Null, Value::Text)
}

fn warn(sink: &mut dyn Sink, code: &str, message: String, count: u64, examples: Vec<String>) {
    sink.warn(Warning {
        code: code.to_owned(),
        message,
        count,
        examples,
    });
}

/// What each report keeps from the webhook stream.
fn keep_for(kind: ReportKind) -> Keep {
    use ReportKind::*;
    let mut k = Keep::default();
    match kind {
        MessagesByStatus => k.lean = true,
        MessagesByOrigin => (k.lean, k.inbound) = (true, true),
        // Detail too: a failed HSM send does not open a session.
        Sessions | CasesByPeriod => (k.detail, k.inbound) = (true, true),
        ConsumptionDetail => (k.detail, k.inbound) = (true, true),
        HsmActiveSends | HsmSendsByUser | OutboundCampaignResults => k.detail = true,
        TemplateStatus => k.templates = true,
        LineStatus => k.lines = true,
        CampaignUnsubscribes => {}
    }
    k
}

/// Reads the webhook archive into a [`Scan`].
pub fn scan_webhooks(job: &Job, sink: &mut dyn Sink) -> Result<Scan, PluginError> {
    let mut scan = Scan::new(keep_for(job.report), job.start_utc, job.end_utc);
    if job.report != ReportKind::TemplateStatus {
        scan.lines = job.params.lines.clone();
    }
    let Some(path) = &job.settings.webhooks else {
        // Database input: db.rs feeds each row to the same Scan::line.
        if let Some(db) = &job.settings.db {
            crate::db::scan_webhooks(job, db, &mut scan, sink)?;
            return report_scan(job, scan, sink);
        }
        return Ok(scan);
    };
    let (list, skipped) = Input::DEFAULT.discover(path, job.start_utc - LOOKBACK_S)?;
    let total: u64 = list.iter().map(|f| f.size).sum();
    let count = Rc::new(Cell::new(0u64));
    let mut next_check = 0u64;
    let mut stop = false;
    Input::DEFAULT.for_each_line(&list, &count, |file, n, line| {
        scan.line(line, || {
            format!(
                "{}:{n}",
                file.path.file_name().unwrap_or_default().to_string_lossy()
            )
        });
        // Poll the host every ~64k lines: cancellation and progress are cheap but not free.
        if scan.stats.lines_read >= next_check {
            next_check = scan.stats.lines_read + 65_536;
            sink.progress(count.get(), total);
            if sink.cancelled() {
                stop = true;
                return false;
            }
        }
        true
    })?;
    if stop {
        return Err(cancelled(Cancelled));
    }
    sink.progress(count.get(), total);
    let read: Vec<PathBuf> = list.iter().map(|f| f.path.clone()).collect();
    sink.meta("source_files", &input::names(&read));
    if !skipped.is_empty() {
        sink.meta("source_files_skipped", &input::names(&skipped));
    }
    report_scan(job, scan, sink)
}

/// The metadata and warnings of a finished webhook scan (file or database input).
fn report_scan(job: &Job, scan: Scan, sink: &mut dyn Sink) -> Result<Scan, PluginError> {
    let st = &scan.stats;
    sink.meta("lines_read", &st.lines_read.to_string());
    sink.meta("events", &st.events.to_string());
    sink.meta("malformed_lines", &st.malformed_lines.to_string());
    sink.meta("events_after_period", &st.after_period.to_string());
    if st.malformed_lines > 0 {
        warn(
            sink,
            "MALFORMED_LINES",
            format!(
                "{} webhook line(s) could not be parsed and were skipped",
                st.malformed_lines
            ),
            st.malformed_lines,
            st.malformed_examples.clone(),
        );
    }
    if st.unknown_statuses > 0 {
        warn(
            sink,
            "UNKNOWN_STATUS",
            format!(
                "{} status webhook(s) had a status other than sent/delivered/read/failed and were ignored",
                st.unknown_statuses
            ),
            st.unknown_statuses,
            Vec::new(),
        );
    }
    let newest = st.newest_ts;
    sink.meta(
        "newest_record",
        &newest.map_or("none".to_owned(), |n| date_time_text(job.tz, n)),
    );
    if newest.is_none_or(|n| n < job.end_utc - 1) {
        warn(
            sink,
            "PERIOD_NOT_CLOSED",
            "the newest webhook is older than the period end: the figures may still change"
                .to_owned(),
            1,
            Vec::new(),
        );
    }
    Ok(scan)
}

fn date_time_text(tz: Tz, utc: i64) -> String {
    chrono::DateTime::from_timestamp(local_secs(tz, utc), 0)
        .map(|d| d.naive_utc().format("%Y-%m-%d %H:%M:%S").to_string())
        .unwrap_or_default()
}

/// Reads a JSONL file of `T` (with rotation/gzip), keeping records `keep` accepts; counts
/// malformed lines into a warning named `code`.
fn read_jsonl<T: serde::de::DeserializeOwned>(
    path: &Path,
    since_utc: i64,
    code: &str,
    what: &str,
    sink: &mut dyn Sink,
    mut keep: impl FnMut(&T) -> bool,
) -> Result<Vec<T>, PluginError> {
    let (list, _) = Input::DEFAULT.discover(path, since_utc)?;
    let count = Rc::new(Cell::new(0u64));
    let mut out = Vec::new();
    let mut bad = 0u64;
    let mut examples = Vec::new();
    Input::DEFAULT.for_each_line(&list, &count, |file, n, line| {
        if line.iter().all(u8::is_ascii_whitespace) {
            return true;
        }
        match serde_json::from_slice::<T>(line) {
            Ok(r) => {
                if keep(&r) {
                    out.push(r);
                }
            }
            Err(e) => {
                bad += 1;
                if examples.len() < state::MAX_EXAMPLES {
                    examples.push(format!(
                        "{}:{n}: {e}",
                        file.path.file_name().unwrap_or_default().to_string_lossy()
                    ));
                }
            }
        }
        true
    })?;
    if bad > 0 {
        warn(
            sink,
            code,
            format!("{bad} {what} line(s) could not be parsed and were skipped"),
            bad,
            examples,
        );
    }
    Ok(out)
}

/// The send log records sent in `[start − LOOKBACK, end)` on the requested lines, in time
/// order.
fn read_sends(job: &Job, scan: &Scan, sink: &mut dyn Sink) -> Result<Vec<SendRecord>, PluginError> {
    let from = job.start_utc - LOOKBACK_S;
    let keep = |r: &SendRecord| {
        r.sent_at.0 >= from
            && r.sent_at.0 < job.end_utc
            && job.params.lines.as_ref().is_none_or(|s| {
                r.line
                    .as_deref()
                    .is_some_and(|l| s.contains(l) || s.contains(scan.line_number(l)))
            })
    };
    let code = ("MALFORMED_SEND_LOG", "send log");
    let mut v: Vec<SendRecord> = if let Some((db, t)) = db::records_table(job, Records::SendLog) {
        db::read_records(
            job,
            db,
            t,
            Records::SendLog,
            (from, job.end_utc),
            code,
            sink,
            keep,
        )?
    } else if let Some(path) = &job.settings.send_log {
        read_jsonl(path, from, code.0, code.1, sink, keep)?
    } else {
        return Ok(Vec::new());
    };
    v.sort_by_key(|r| r.sent_at.0);
    Ok(v)
}

/// Writes the report of `job`.
pub fn generate(job: &Job, sink: &mut dyn Sink) -> Result<(), PluginError> {
    use ReportKind::*;
    sink.begin(&job.report.columns()).map_err(cancelled)?;
    for (k, v) in &job.params.ignored {
        sink.meta(&format!("ignored_param.{k}"), v);
    }
    sink.meta("report_definition", definition(job.report));
    if job.report == CampaignUnsubscribes {
        return unsubscribes(job, sink);
    }
    let mut scan = scan_webhooks(job, sink)?;
    let sends = if job.report == TemplateStatus || job.report == LineStatus {
        Vec::new()
    } else {
        read_sends(job, &scan, sink)?
    };
    match job.report {
        MessagesByStatus | MessagesByOrigin => counts(job, &mut scan, &sends, sink),
        Sessions | CasesByPeriod | ConsumptionDetail => sessions(job, &scan, &sends, sink),
        HsmActiveSends | HsmSendsByUser | OutboundCampaignResults => {
            sends_detail(job, &scan, &sends, sink)
        }
        TemplateStatus => template_status(job, &mut scan, sink),
        LineStatus => line_status(job, &mut scan, sink),
        CampaignUnsubscribes => Ok(()),
    }
    .map_err(cancelled)
}

/// The definition each report states in its metadata.
pub fn definition(kind: ReportKind) -> &'static str {
    use ReportKind::*;
    match kind {
        MessagesByStatus => {
            "outbound messages whose send time (send log sent_at, else the earliest status webhook) is in the period, by their highest status stamped before the period end: Lido (read/played) > Recebido (delivered) > Enviado (sent); Falhou (failed) is terminal; Novo = in the send log with no status yet (pending); duplicates and out-of-order statuses collapse per wamid; bucket by local send day"
        }
        MessagesByOrigin => {
            "enviada = distinct outbound messages sent in the period (as messages_by_status); recebida = distinct inbound messages (webhook messages[], deduplicated on wamid) stamped in the period"
        }
        Sessions => {
            "a session is the 24 h customer-service window per line and contact: opened by the contact (inbound message) or by the company (HSM send in the send log that did not fail) when none is open; every inbound message refreshes it; expires_at = last inbound (or the opening HSM) + 24 h; sessions opened in the period"
        }
        CasesByPeriod => {
            "cases = sessions (see whatsapp.sessions) opened in the period, per local day/week/month; every bucket of the period is listed"
        }
        ConsumptionDetail => {
            "one row per message (inbound and outbound) in the period; case = the session the message falls in (none for an outbound message outside any window); case_type receptivo/ativo and session_type cliente/HSM from who opened it; status = current status of outbound messages (inbound: empty); replies = send log text; pricing from the first status webhook carrying pricing (CBP: conversation-based, billable flag; PMP: per-message, billable = type regular)"
        }
        HsmActiveSends => {
            "template sends of the send log in the period, status as of the period end (pending = no status webhook yet), error = code and title of a failed status"
        }
        HsmSendsByUser => {
            "template sends of the send log in the period with origin user (manual sends)"
        }
        OutboundCampaignResults => {
            "template sends of the send log in the period; Estado = highest status before the period end in the seed's Spanish words; Estado del canal = Meta's raw status as 'Status: <status>'"
        }
        TemplateStatus => {
            "one row per message_template_status_update webhook in the period; line_number is empty (template events belong to the WhatsApp Business Account, not a line)"
        }
        LineStatus => {
            "one row per phone_number_quality_update / account_update webhook in the period; quality_rating RED on FLAGGED, GREEN on UNFLAGGED, else empty; messaging_limit = current_limit (else max_daily_conversations_per_business)"
        }
        CampaignUnsubscribes => "opt-outs of the opt-out log recorded in the period",
    }
}

fn counts(
    job: &Job,
    scan: &mut Scan,
    sends: &[SendRecord],
    sink: &mut dyn Sink,
) -> Result<(), Cancelled> {
    let first = local_day(job.tz, job.start_utc);
    let bucket = job.params.bucket;
    let in_period = |t: i64| t >= job.start_utc && t < job.end_utc;
    // (bucket day, slot) → messages; slot = Status as u8 (by status) or 0/1 (by origin).
    let mut c: BTreeMap<(i32, u8), u64> = BTreeMap::new();
    let by_status = job.report == ReportKind::MessagesByStatus;
    for r in sends {
        let st = match scan.lean.get_mut(key(&r.wamid)) {
            Some(v) => {
                let s = lean::status(*v);
                // Counted once, by the send log's time, whatever the webhooks say.
                *v = (*v & !7) | lean::COUNTED;
                if s == lean::COUNTED {
                    continue;
                } else {
                    s as u8
                }
            }
            None => Status::Pending as u8,
        };
        if in_period(r.sent_at.0) {
            let b = bucket_start(bucket, local_day(job.tz, r.sent_at.0), first);
            *c.entry((b, if by_status { st } else { 0 })).or_default() += 1;
        }
    }
    for (_, v) in scan.lean.iter() {
        let s = lean::status(*v);
        let t = lean::first_utc(*v);
        if s != lean::COUNTED && in_period(t) {
            let b = bucket_start(bucket, local_day(job.tz, t), first);
            *c.entry((b, if by_status { s as u8 } else { 0 }))
                .or_default() += 1;
        }
    }
    for m in &scan.inbound {
        if in_period(m.ts) {
            let b = bucket_start(bucket, local_day(job.tz, m.ts), first);
            *c.entry((b, 1)).or_default() += 1;
        }
    }
    let mut days: Vec<i32> = c.keys().map(|k| k.0).collect();
    days.dedup();
    if bucket == Bucket::Period && days.is_empty() {
        days.push(first);
    }
    for d in days {
        if by_status {
            for st in Status::REPORT_ORDER {
                let n = c.get(&(d, st as u8)).copied().unwrap_or(0);
                sink.row(&[Value::Date(d), Value::Text(st.pt()), Value::Int(n as i64)])?;
            }
        } else {
            for (slot, name) in [(0u8, "enviada"), (1, "recebida")] {
                let n = c.get(&(d, slot)).copied().unwrap_or(0);
                sink.row(&[Value::Date(d), Value::Text(name), Value::Int(n as i64)])?;
            }
        }
    }
    Ok(())
}

/// A message on a (line, contact) timeline.
#[derive(Debug, Clone)]
struct Msg {
    ts: i64,
    line: String,
    contact: String,
    /// 0 inbound, 1 HSM send, 2 other outbound (sort order within a second).
    kind: u8,
    /// Index into `sends` (kind 1/2 from the send log; `None` for inbound messages and
    /// outbound ones known only from status webhooks, found by `wamid_key`).
    send: Option<usize>,
    wamid_key: u64,
}

#[derive(Debug, Clone)]
struct Session {
    line: String,
    contact: String,
    by_contact: bool,
    opened_at: i64,
    expires_at: i64,
    template: Option<String>,
}

/// Builds sessions from `msgs` (sorted in place) and returns the session of each message.
fn build_sessions(msgs: &mut [Msg], sends: &[SendRecord]) -> (Vec<Session>, Vec<Option<usize>>) {
    msgs.sort_by(|a, b| {
        (&a.line, &a.contact, a.ts, a.kind).cmp(&(&b.line, &b.contact, b.ts, b.kind))
    });
    let mut sessions: Vec<Session> = Vec::new();
    let mut of = Vec::with_capacity(msgs.len());
    let mut cur: Option<usize> = None;
    for (i, m) in msgs.iter().enumerate() {
        if i > 0 && (msgs[i - 1].line != m.line || msgs[i - 1].contact != m.contact) {
            cur = None;
        }
        let open = cur.filter(|&s| m.ts < sessions[s].expires_at);
        match (open, m.kind) {
            (Some(s), 0) => {
                sessions[s].expires_at = m.ts + WINDOW_S;
                of.push(Some(s));
            }
            (Some(s), _) => of.push(Some(s)),
            (None, 0 | 1) => {
                sessions.push(Session {
                    line: m.line.clone(),
                    contact: m.contact.clone(),
                    by_contact: m.kind == 0,
                    opened_at: m.ts,
                    expires_at: m.ts + WINDOW_S,
                    template: m.send.and_then(|s| sends[s].template.clone()),
                });
                cur = Some(sessions.len() - 1);
                of.push(cur);
            }
            (None, _) => of.push(None),
        }
    }
    (sessions, of)
}

fn session_id(s: &Session) -> String {
    format!("{}-{}-{}", s.line, s.contact, s.opened_at)
}

fn sessions(
    job: &Job,
    scan: &Scan,
    sends: &[SendRecord],
    sink: &mut dyn Sink,
) -> Result<(), Cancelled> {
    let detail = job.report == ReportKind::ConsumptionDetail;
    let mut msgs = Vec::new();
    for m in &scan.inbound {
        msgs.push(Msg {
            ts: m.ts,
            line: m.line.clone(),
            contact: m.from.clone(),
            kind: 0,
            send: None,
            wamid_key: 0,
        });
    }
    let mut logged = std::collections::HashSet::new();
    for (i, r) in sends.iter().enumerate() {
        if !r.is_hsm() && !detail {
            continue;
        }
        let k = key(&r.wamid);
        logged.insert(k);
        let failed = scan
            .detail
            .get(k)
            .is_some_and(|d| d.status() == Status::Failed);
        msgs.push(Msg {
            ts: r.sent_at.0,
            line: r.line.clone().unwrap_or_default(),
            contact: r.to.clone(),
            kind: if r.is_hsm() && !failed { 1 } else { 2 },
            send: Some(i),
            wamid_key: key(&r.wamid),
        });
    }
    if detail {
        // Outbound messages known only from their status webhooks.
        for (k, d) in scan.detail.iter() {
            if logged.contains(&k) || d.first_ts < job.start_utc - WINDOW_S {
                continue;
            }
            msgs.push(Msg {
                ts: d.first_ts,
                line: scan.strings.get(d.line).unwrap_or("").to_owned(),
                contact: scan.strings.get(d.recipient).unwrap_or("").to_owned(),
                kind: 2,
                send: None,
                wamid_key: k,
            });
        }
    }
    let (list, of) = build_sessions(&mut msgs, sends);
    let in_period = |t: i64| t >= job.start_utc && t < job.end_utc;
    let contact_ok = |c: &str| allows(&job.params.contacts, c);
    let tz = job.tz;
    match job.report {
        ReportKind::Sessions => {
            let mut rows: Vec<&Session> = list
                .iter()
                .filter(|s| in_period(s.opened_at) && contact_ok(&s.contact))
                .collect();
            rows.sort_by(|a, b| {
                (a.opened_at, &a.line, &a.contact).cmp(&(b.opened_at, &b.line, &b.contact))
            });
            for s in rows {
                let id = session_id(s);
                let name = scan.names.get(&s.contact).map(String::as_str).or_else(|| {
                    sends
                        .iter()
                        .find(|r| r.to == s.contact)
                        .and_then(|r| r.contact_name.as_deref())
                });
                sink.row(&[
                    Value::Text(&id),
                    text(Some(scan.line_number(&s.line))),
                    Value::Text(&s.contact),
                    text(name),
                    Value::Text(if s.by_contact { "contato" } else { "empresa" }),
                    Value::DateTime(local_secs(tz, s.opened_at)),
                    Value::DateTime(local_secs(tz, s.expires_at)),
                    text(s.template.as_deref()),
                    text(job.params.portfolio.as_deref()),
                ])?;
            }
            Ok(())
        }
        ReportKind::CasesByPeriod => {
            let first = local_day(tz, job.start_utc);
            let last = local_day(tz, job.end_utc - 1);
            let bucket = job.params.bucket;
            let mut c: BTreeMap<i32, i64> = BTreeMap::new();
            let mut b = bucket_start(bucket, first, first);
            while b <= last {
                c.insert(b, 0);
                b = next_bucket(bucket, b);
            }
            for s in list
                .iter()
                .filter(|s| in_period(s.opened_at) && contact_ok(&s.contact))
            {
                *c.entry(bucket_start(bucket, local_day(tz, s.opened_at), first))
                    .or_default() += 1;
            }
            for (d, n) in c {
                sink.row(&[Value::Date(d), Value::Int(n)])?;
            }
            Ok(())
        }
        _ => consumption(job, scan, sends, &msgs, &list, &of, sink),
    }
}

#[allow(clippy::too_many_arguments)]
fn consumption(
    job: &Job,
    scan: &Scan,
    sends: &[SendRecord],
    msgs: &[Msg],
    list: &[Session],
    of: &[Option<usize>],
    sink: &mut dyn Sink,
) -> Result<(), Cancelled> {
    let tz = job.tz;
    // Position within the case, and the case's last agent (from every message of the case,
    // including those before the period).
    let mut order = vec![0i64; msgs.len()];
    let mut count = vec![0i64; list.len()];
    let mut last_agent: Vec<Option<&str>> = vec![None; list.len()];
    for (i, m) in msgs.iter().enumerate() {
        if let Some(s) = of[i] {
            count[s] += 1;
            order[i] = count[s];
            if let Some(u) = m.send.and_then(|x| sends[x].user.as_deref()) {
                last_agent[s] = Some(u);
            }
        }
    }
    let mut idx: Vec<usize> = (0..msgs.len())
        .filter(|&i| {
            msgs[i].ts >= job.start_utc
                && msgs[i].ts < job.end_utc
                && allows(&job.params.contacts, &msgs[i].contact)
        })
        .collect();
    // Cases in opening order, messages in order; messages outside any case last.
    idx.sort_by_key(|&i| {
        (
            of[i].map_or(i64::MAX, |s| list[s].opened_at),
            of[i].unwrap_or(usize::MAX),
            order[i],
            msgs[i].ts,
        )
    });
    for i in idx {
        let m = &msgs[i];
        let session = of[i].map(|s| &list[s]);
        let case_id = session.map(session_id);
        let send = m.send.map(|x| &sends[x]);
        let d = if m.kind == 0 {
            None
        } else {
            Some(scan.detail.get(m.wamid_key).copied().unwrap_or_default())
        };
        let status = d.map(|d| d.status().pt());
        let pricing: Vec<&str> = d
            .and_then(|d| scan.strings.get(d.pricing))
            .map(|p| p.split('\x1f').collect())
            .unwrap_or_default();
        let pget = |n: usize| pricing.get(n).copied().filter(|s| !s.is_empty());
        let billable = match (pget(3), pget(0), pget(2)) {
            (Some(b), _, _) => Value::Bool(b == "true"),
            (None, Some("PMP"), Some(t)) => Value::Bool(t == "regular"),
            _ => Value::Null,
        };
        // Without a send-log record, a business-initiated pricing category means a template.
        let hsm = match send {
            Some(r) => r.is_hsm(),
            None => m.kind != 0 && pget(1).is_some_and(|c| c != "service"),
        };
        sink.row(&[
            text(case_id.as_deref()),
            match session {
                Some(s) => Value::Text(if s.by_contact { "receptivo" } else { "ativo" }),
                None => Value::Null,
            },
            Value::Text("WhatsApp"),
            Value::Text(if hsm { "HSM" } else { "WApp" }),
            text(send.and_then(|r| r.template.as_deref())),
            text(status),
            Value::Text(&m.contact),
            text(send.and_then(|r| r.text.as_deref())),
            of[i].map_or(Value::Null, |_| Value::Int(order[i])),
            session.map_or(Value::Null, |s| {
                Value::DateTime(local_secs(tz, s.opened_at))
            }),
            text(of[i].and_then(|s| last_agent[s])),
            match session {
                Some(s) => Value::Text(if s.by_contact { "cliente" } else { "HSM" }),
                None => Value::Null,
            },
            text(pget(0)),
            text(pget(1)),
            text(pget(2)),
            billable,
            text(d.and_then(|d| scan.strings.get(d.conversation))),
        ])?;
    }
    Ok(())
}

fn sends_detail(
    job: &Job,
    scan: &Scan,
    sends: &[SendRecord],
    sink: &mut dyn Sink,
) -> Result<(), Cancelled> {
    let tz = job.tz;
    let p = &job.params;
    for r in sends {
        if r.sent_at.0 < job.start_utc || !r.is_hsm() {
            continue;
        }
        let template = r.template.as_deref().unwrap_or("");
        if !allows(&p.templates, template)
            || !allows(&p.contacts, &r.to)
            || !allows(&p.campaigns, r.campaign.as_deref().unwrap_or(""))
            || !allows(&p.users, r.user.as_deref().unwrap_or(""))
        {
            continue;
        }
        let d = scan.detail.get(key(&r.wamid)).copied().unwrap_or_default();
        let st = d.status();
        let sent_at = Value::DateTime(local_secs(tz, r.sent_at.0));
        match job.report {
            ReportKind::HsmActiveSends => {
                let line = r.line.as_deref().map(|l| scan.line_number(l));
                sink.row(&[
                    sent_at,
                    text(line),
                    Value::Text(&r.to),
                    text(r.contact_name.as_deref()),
                    Value::Text(template),
                    Value::Text(r.origin().name()),
                    text(r.user.as_deref()),
                    text(r.campaign.as_deref()),
                    Value::Text(st.wire()),
                    if st == Status::Pending {
                        Value::Null
                    } else {
                        Value::DateTime(local_secs(tz, d.status_ts))
                    },
                    text(scan.strings.get(d.error)),
                ])?;
            }
            ReportKind::HsmSendsByUser => {
                if r.origin() != SendOrigin::User {
                    continue;
                }
                sink.row(&[
                    text(r.user.as_deref()),
                    sent_at,
                    Value::Text(&r.to),
                    Value::Text(template),
                    Value::Text(st.wire()),
                ])?;
            }
            _ => {
                let queued = r.queued.unwrap_or(false);
                if p.queued.is_some_and(|q| q != queued)
                    || p.status.as_deref().is_some_and(|s| s != st.es())
                {
                    continue;
                }
                let raw = (st != Status::Pending).then(|| format!("Status: {}", st.wire()));
                sink.row(&[
                    Value::Text(&r.to),
                    sent_at,
                    Value::Bool(queued),
                    Value::Text(st.es()),
                    text(r.text.as_deref()),
                    Value::Text(template),
                    text(raw.as_deref()),
                ])?;
            }
        }
    }
    Ok(())
}

fn template_status(job: &Job, scan: &mut Scan, sink: &mut dyn Sink) -> Result<(), Cancelled> {
    scan.templates.sort_by_key(|t| t.ts.unwrap_or(i64::MIN));
    for t in &scan.templates {
        if !allows(&job.params.templates, &t.name) {
            continue;
        }
        sink.row(&[
            Value::Text(&t.name),
            text(Some(&t.language)),
            text(Some(&t.category)),
            text(Some(&t.event)),
            text(Some(&t.reason)),
            Value::Null,
            t.ts.map_or(Value::Null, |ts| Value::DateTime(local_secs(job.tz, ts))),
        ])?;
    }
    Ok(())
}

fn line_status(job: &Job, scan: &mut Scan, sink: &mut dyn Sink) -> Result<(), Cancelled> {
    scan.line_events.sort_by_key(|t| t.ts.unwrap_or(i64::MIN));
    for l in &scan.line_events {
        let quality = match (l.field.as_str(), l.event.as_str()) {
            ("phone_number_quality_update", "FLAGGED") => Some("RED"),
            ("phone_number_quality_update", "UNFLAGGED") => Some("GREEN"),
            _ => None,
        };
        sink.row(&[
            Value::Text(&l.phone),
            Value::Null,
            text(Some(&l.event)),
            text(quality),
            text(Some(&l.limit)),
            l.ts.map_or(Value::Null, |ts| Value::DateTime(local_secs(job.tz, ts))),
            text(Some(&l.detail)),
        ])?;
    }
    Ok(())
}

fn unsubscribes(job: &Job, sink: &mut dyn Sink) -> Result<(), PluginError> {
    let p = &job.params;
    let keep = |o: &OptOut| {
        o.at.0 >= job.start_utc
            && o.at.0 < job.end_utc
            && allows(&p.contacts, &o.contact)
            && allows(&p.campaigns, o.campaign.as_deref().unwrap_or(""))
    };
    let (span, code) = (
        (job.start_utc, job.end_utc),
        ("MALFORMED_OPTOUTS", "opt-out"),
    );
    let mut v: Vec<OptOut> = if let Some((db, t)) = db::records_table(job, Records::OptOuts) {
        db::read_records(job, db, t, Records::OptOuts, span, code, sink, keep)?
    } else if let Some(path) = &job.settings.optouts {
        read_jsonl(path, job.start_utc, code.0, code.1, sink, keep)?
    } else {
        return Ok(());
    };
    v.sort_by_key(|o| o.at.0);
    for o in &v {
        sink.row(&[
            text(o.contact_name.as_deref()),
            Value::Text(&o.contact),
            Value::DateTime(local_secs(job.tz, o.at.0)),
            text(o.channel.as_deref().or(Some("WhatsApp"))),
            text(o.campaign.as_deref()),
            text(o.reason.as_deref()),
        ])
        .map_err(cancelled)?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn buckets() {
        // 2026-11-20 (a Friday) = day 20412: 2026-01-01 is day 20454 − 365 … check via chrono.
        let d = day_of(NaiveDate::from_ymd_opt(2026, 11, 20).unwrap());
        assert_eq!(date_of(d), NaiveDate::from_ymd_opt(2026, 11, 20).unwrap());
        // Monday of that week: 2026-11-16.
        assert_eq!(
            date_of(bucket_start(Bucket::Week, d, 0)),
            NaiveDate::from_ymd_opt(2026, 11, 16).unwrap()
        );
        assert_eq!(
            date_of(bucket_start(Bucket::Month, d, 0)),
            NaiveDate::from_ymd_opt(2026, 11, 1).unwrap()
        );
        assert_eq!(
            date_of(next_bucket(
                Bucket::Month,
                bucket_start(Bucket::Month, d, 0)
            )),
            NaiveDate::from_ymd_opt(2026, 12, 1).unwrap()
        );
    }
}
