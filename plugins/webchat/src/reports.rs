//! Generation: reads the sessions (always), messages and surveys (when the report needs
//! them) and writes the report's rows. Sessions belong to the period by their start time;
//! surveys and KPIs by their own time. Definitions chosen where REPORTS.md §5/§8 leave room
//! are in each report's `report_definition` metadata and in the README.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use chrono::Datelike;
use chrono_tz::Tz;
use reportd_plugin_api::{Cancelled, PluginError, Sink, Value, Warning};

use crate::catalog::ReportKind;
use crate::db::{self, Reader, SurveyScope};
use crate::model::{self, Author, Malformed, Message, Session, Sessions, Status, Survey};
use crate::settings::{Job, Mode, Scope, allows, allows_opt};

const DAY_MS: i64 = 86_400_000;

fn cancelled(_: Cancelled) -> PluginError {
    PluginError::new("CANCELLED", "the host stopped the generation", "")
}

/// Local wall-clock seconds (naive) of a Unix time in ms.
pub fn local_secs(tz: Tz, ms: i64) -> i64 {
    let s = ms.div_euclid(1000);
    chrono::DateTime::from_timestamp(s, 0)
        .map(|d| d.with_timezone(&tz).naive_local())
        .map_or(s, |n| n.and_utc().timestamp())
}

fn local_dt(tz: Tz, ms: i64) -> chrono::NaiveDateTime {
    chrono::DateTime::from_timestamp(ms.div_euclid(1000), 0)
        .map(|d| d.with_timezone(&tz).naive_local())
        .unwrap_or_default()
}

fn dt(tz: Tz, ms: Option<i64>) -> Value<'static> {
    ms.map_or(Value::Null, |m| Value::DateTime(local_secs(tz, m)))
}

fn text(s: Option<&str>) -> Value<'_> {
    s.filter(|s| !s.is_empty()).map_or(Value::Null, Value::Text)
}

/// `100·num/den` as a 2-decimal value, rounded half up; 0 when `den` is 0.
pub fn pct(num: u64, den: u64) -> Value<'static> {
    let m = if den == 0 {
        0
    } else {
        (u128::from(num) * 20_000 / u128::from(den)).div_ceil(2)
    };
    Value::Decimal {
        mantissa: i64::try_from(m).unwrap_or(i64::MAX),
        scale: 2,
    }
}

/// `sum / n` rounded half up (n > 0), 0 when n is 0.
fn avg(sum: i64, n: i64) -> i64 {
    if n == 0 {
        0
    } else {
        (2 * sum + n).div_euclid(2 * n)
    }
}

fn join(pairs: &[(String, String)]) -> String {
    pairs
        .iter()
        .map(|(k, v)| format!("{k}: {v}"))
        .collect::<Vec<_>>()
        .join(" | ")
}

/// Everything one generation reads.
struct Data {
    /// All sessions, in file order (first appearance); from a database, the sessions of
    /// the report's [`db::Scope`] by start.
    all: Vec<Session>,
    bad: Malformed,
    /// The database input and the scope its sessions were read with.
    db: Option<(Reader, db::Scope)>,
}

impl Data {
    fn from_sessions(all: Vec<Session>) -> Self {
        Self {
            all,
            bad: Malformed::default(),
            db: None,
        }
    }
}

impl Data {
    /// Sessions started in the period that pass the bot/channel filters, by start time.
    fn in_period<'a>(&'a self, job: &Job) -> Vec<&'a Session> {
        let (a, b) = (job.start_utc * 1000, job.end_utc * 1000);
        let mut v: Vec<&Session> = self
            .all
            .iter()
            .filter(|s| s.started_at >= a && s.started_at < b)
            .filter(|s| base_filter(job, s))
            .collect();
        v.sort_by_key(|s| s.started_at);
        v
    }

    /// Streams the messages of the sessions in `ids`.
    fn messages(
        &mut self,
        job: &Job,
        ids: &HashMap<&str, usize>,
        mut f: impl FnMut(usize, Message),
    ) -> Result<(), PluginError> {
        if let Some((reader, scope)) = &mut self.db {
            return reader.messages(scope, &mut self.bad, &mut |m| {
                if let Some(&i) = ids.get(m.session.as_str()) {
                    f(i, m);
                }
            });
        }
        let Some(path) = &job.settings.messages else {
            return Ok(());
        };
        model::read(path, model::parse_message, &mut self.bad, |m| {
            if let Some(&i) = ids.get(m.session.as_str()) {
                f(i, m);
            }
        })
    }

    /// Surveys, when configured.
    fn surveys(&mut self, job: &Job) -> Result<Vec<Survey>, PluginError> {
        let mut out = Vec::new();
        if let Some((reader, scope)) = &mut self.db {
            // NPS counts surveys by their own time; the other reports look surveys up by
            // session.
            let which = if job.report == ReportKind::Nps {
                SurveyScope::At {
                    from: job.start_utc * 1000,
                    to: job.end_utc * 1000,
                }
            } else {
                SurveyScope::Of(scope.clone())
            };
            reader.surveys(&which, &mut self.bad, &mut |s| out.push(s))?;
            return Ok(out);
        }
        if let Some(path) = &job.settings.surveys {
            model::read(path, model::parse_survey, &mut self.bad, |s| out.push(s))?;
        }
        Ok(out)
    }
}

fn base_filter(job: &Job, s: &Session) -> bool {
    allows(&job.params.bots, &s.bot) && allows_opt(&job.params.channels, s.channel.as_deref())
}

fn index<'a>(sessions: &[&'a Session]) -> HashMap<&'a str, usize> {
    sessions
        .iter()
        .enumerate()
        .map(|(i, s)| (s.id.as_str(), i))
        .collect()
}

/// Generates `job.report` into `sink`.
pub fn generate(job: &Job, sink: &mut dyn Sink) -> Result<(), PluginError> {
    let mut bad = Malformed::default();
    let mut db = None;
    let all = match (&job.settings.database, &job.settings.sessions) {
        (Some(settings), _) => {
            let mut reader = Reader::open(settings, job.tz)?;
            let (all, scope) = db_sessions(job, &mut reader, &mut bad)?;
            db = Some((reader, scope));
            all
        }
        (None, Some(p)) => model::read_sessions(p, &mut bad)?,
        (None, None) => Vec::new(),
    };
    let mut data = Data { all, bad, db };
    for (k, v) in &job.params.ignored {
        sink.meta(&format!("ignored_param.{k}"), v);
    }
    use ReportKind::*;
    let r = match job.report {
        ContactsReceived => contacts_received(job, &mut data, sink),
        IdrFlowKpis => idr_flow_kpis(job, &data, sink),
        Nps => nps(job, &mut data, sink),
        StepAnalysis => step_analysis(job, &mut data, sink),
        AgentAnalysis => agent_analysis(job, &mut data, sink),
        SessionAnalysis => session_analysis(job, &data, sink),
        SessionsByDay | SessionsByHour => sessions_by(job, &data, sink),
        TrafficByDayOfMonth => traffic(job, &mut data, sink),
        SessionDetail => session_detail(job, &mut data, sink),
        AgentAttendances | AgentAttendanceHistory | AgentAttendancesByStatus => {
            agent_reports(job, &mut data, sink)
        }
        AttendanceTranscript => transcript(job, &mut data, sink),
    };
    sink.meta("malformed_lines", &data.bad.count.to_string());
    if data.bad.count > 0 {
        sink.warn(Warning {
            code: "MALFORMED_LINES".to_owned(),
            message: format!(
                "{} input line(s) could not be read and were skipped",
                data.bad.count
            ),
            count: data.bad.count,
            examples: data.bad.examples.clone(),
        });
    }
    r
}

/// Reads the sessions `job` needs from a database: the time condition in SQL, a superset
/// of what the report's own (unchanged) in-memory filters keep. Returns them and the scope
/// messages and surveys are then read with.
fn db_sessions(
    job: &Job,
    reader: &mut Reader,
    bad: &mut Malformed,
) -> Result<(Vec<Session>, db::Scope), PluginError> {
    let (a, b) = (job.start_utc * 1000, job.end_utc * 1000);
    let mut out = Sessions::default();
    let scope = match job.report {
        // Surveys answered in the period, of sessions started whenever.
        ReportKind::Nps => db::Scope::Surveyed { from: a, to: b },
        // KPIs recorded in the period, by sessions started up to a day before it.
        ReportKind::IdrFlowKpis => db::Scope::Started {
            from: a - DAY_MS,
            to: b,
        },
        ReportKind::AttendanceTranscript => {
            let wanted = job.params.protocol.clone().unwrap_or_default();
            reader.sessions(&db::Scope::Keys(vec![wanted.clone()]), bad, &mut out)?;
            let target = out
                .list
                .iter()
                .find(|s| s.protocol == wanted || s.id == wanted)
                .cloned();
            if let (Some(t), Scope::Session) = (target, job.params.scope) {
                let end = t.ended_at.unwrap_or(t.started_at);
                reader.sessions(
                    &db::Scope::BotWindow {
                        bot: t.bot.clone(),
                        from: end - DAY_MS,
                        to: end,
                    },
                    bad,
                    &mut out,
                )?;
            }
            let ids = out.list.iter().map(|s| s.id.clone()).collect();
            return Ok((out.list, db::Scope::Keys(ids)));
        }
        _ => db::Scope::Started { from: a, to: b },
    };
    reader.sessions(&scope, bad, &mut out)?;
    Ok((out.list, scope))
}

fn begin(job: &Job, sink: &mut dyn Sink, definition: &str) -> Result<(), PluginError> {
    sink.meta("report_definition", definition);
    sink.begin(&job.report.columns()).map_err(cancelled)
}

fn latest_survey(surveys: &[Survey]) -> HashMap<&str, &Survey> {
    let mut m: HashMap<&str, &Survey> = HashMap::new();
    for s in surveys {
        let e = m.entry(s.session.as_str()).or_insert(s);
        if s.at >= e.at {
            *e = s;
        }
    }
    m
}

fn contacts_received(job: &Job, data: &mut Data, sink: &mut dyn Sink) -> Result<(), PluginError> {
    let surveys = data.surveys(job)?;
    let eval = latest_survey(&surveys);
    begin(
        job,
        sink,
        "one row per session started in the period; handled_by = human when an agent took part; evaluation = the session's latest survey rating",
    )?;
    let tz = job.tz;
    for s in data.in_period(job) {
        if !allows_opt(&job.params.departments, s.department.as_deref()) || !agent_match(job, s) {
            continue;
        }
        let agents = s.agents.join(", ");
        let human = !s.agents.is_empty() || s.first_contact_at.is_some();
        let form = join(&s.form);
        sink.row(&[
            Value::Text(&s.protocol),
            dt(tz, Some(s.started_at)),
            text(s.contact_name.as_deref()),
            text(s.contact_phone.as_deref()),
            text(s.contact_email.as_deref()),
            text(s.department.as_deref()),
            Value::Text(if human { "human" } else { "bot" }),
            text(Some(&agents)),
            s.status.map_or(Value::Null, |st| Value::Text(st.label())),
            dt(tz, s.ended_at),
            text(eval.get(s.id.as_str()).and_then(|e| e.rating.as_deref())),
            text(Some(&form)),
        ])
        .map_err(cancelled)?;
    }
    Ok(())
}

fn agent_match(job: &Job, s: &Session) -> bool {
    job.params
        .agents
        .as_ref()
        .is_none_or(|set| s.agents.iter().any(|a| set.contains(a)))
}

fn idr_flow_kpis(job: &Job, data: &Data, sink: &mut dyn Sink) -> Result<(), PluginError> {
    begin(
        job,
        sink,
        "one row per KPI recorded by the bot flow (session kpis[]) at a time in the period",
    )?;
    let (a, b) = (job.start_utc * 1000, job.end_utc * 1000);
    let mut rows: Vec<(&Session, &model::Kpi)> = data
        .all
        .iter()
        .filter(|s| base_filter(job, s))
        .flat_map(|s| s.kpis.iter().map(move |k| (s, k)))
        .filter(|(_, k)| k.at >= a && k.at < b)
        .filter(|(_, k)| allows_opt(&job.params.flows, k.flow.as_deref()))
        .collect();
    rows.sort_by_key(|(_, k)| k.at);
    for (s, k) in rows {
        let contact = s
            .contact_name
            .as_deref()
            .or(s.contact_phone.as_deref())
            .unwrap_or(&s.contact);
        sink.row(&[
            dt(job.tz, Some(k.at)),
            text(k.flow.as_deref()),
            Value::Text(&k.name),
            Value::Text(&k.value),
            Value::Text(&s.protocol),
            text(Some(contact)),
            text(s.channel.as_deref()),
        ])
        .map_err(cancelled)?;
    }
    Ok(())
}

/// NPS category of a 0–10 score.
pub fn nps_category(score: i64) -> &'static str {
    match score {
        9.. => "promoter",
        7..=8 => "passive",
        _ => "detractor",
    }
}

fn nps(job: &Job, data: &mut Data, sink: &mut dyn Sink) -> Result<(), PluginError> {
    let mut surveys = data.surveys(job)?;
    surveys.sort_by_key(|s| s.at);
    let by_id: HashMap<&str, &Session> = data.all.iter().map(|s| (s.id.as_str(), s)).collect();
    let (a, b) = (job.start_utc * 1000, job.end_utc * 1000);
    let filtered = job.params.bots.is_some()
        || job.params.channels.is_some()
        || job.params.departments.is_some()
        || job.params.agents.is_some();
    let mut rows = Vec::new();
    let (mut promoters, mut detractors, mut answers) = (0i64, 0i64, 0i64);
    for sv in surveys.iter().filter(|s| s.at >= a && s.at < b) {
        let session = by_id.get(sv.session.as_str()).copied();
        let keep = match session {
            Some(s) => {
                base_filter(job, s)
                    && allows_opt(&job.params.departments, s.department.as_deref())
                    && agent_match(job, s)
            }
            // A survey of an unknown session only passes when nothing is filtered.
            None => !filtered,
        };
        if !keep {
            continue;
        }
        if let Some(n) = sv.nps {
            answers += 1;
            match nps_category(n) {
                "promoter" => promoters += 1,
                "detractor" => detractors += 1,
                _ => {}
            }
        }
        rows.push((sv, session));
    }
    // NPS = (promoters − detractors) / answers × 100, 2 decimals.
    let score = if answers == 0 {
        "".to_owned()
    } else {
        format!(
            "{:.2}",
            (promoters - detractors) as f64 * 100.0 / answers as f64
        )
    };
    sink.meta("nps", &score);
    sink.meta("nps_answers", &answers.to_string());
    begin(
        job,
        sink,
        "one row per survey answered in the period; NPS = (promoters 9–10 − detractors 0–6) / NPS answers × 100 (metadata nps)",
    )?;
    for (sv, s) in rows {
        let agents = s.map(|s| s.agents.join(", ")).unwrap_or_default();
        sink.row(&[
            Value::Text(s.map_or(sv.session.as_str(), |s| s.protocol.as_str())),
            dt(job.tz, Some(sv.at)),
            text(Some(&agents)),
            text(s.and_then(|s| s.department.as_deref())),
            text(sv.rating.as_deref()),
            sv.nps.map_or(Value::Null, Value::Int),
            sv.nps.map_or(Value::Null, |n| Value::Text(nps_category(n))),
            text(sv.comment.as_deref()),
        ])
        .map_err(cancelled)?;
    }
    Ok(())
}

/// Step visits of one session: `(entered_at, step)`; consecutive observations of the same
/// step are one visit.
fn visits(mut obs: Vec<(i64, usize, String)>) -> Vec<(i64, String)> {
    obs.sort();
    let mut out: Vec<(i64, String)> = Vec::new();
    for (at, _, step) in obs {
        if out.last().is_none_or(|(_, s)| *s != step) {
            out.push((at, step));
        }
    }
    out
}

/// A step observation: `(at, sequence, step)`.
type StepObs = (i64, usize, String);

/// Per agent: busy intervals, sessions, messages.
type AgentStats = (Vec<(i64, i64)>, i64, u64);

/// Per-session step observations of the sessions in `sessions`, from the messages.
fn step_observations(
    job: &Job,
    data: &mut Data,
    sessions: &[&Session],
) -> Result<Vec<Vec<StepObs>>, PluginError> {
    let ids = index(sessions);
    let mut obs: Vec<Vec<StepObs>> = vec![Vec::new(); sessions.len()];
    let mut seq = 0usize;
    data.messages(job, &ids, |i, m| {
        if let Some(step) = m.step {
            seq += 1;
            obs[i].push((m.at, seq, step));
        }
    })?;
    Ok(obs)
}

fn step_analysis(job: &Job, data: &mut Data, sink: &mut dyn Sink) -> Result<(), PluginError> {
    let all = data.all.clone();
    let sessions: Vec<&Session> = {
        let (a, b) = (job.start_utc * 1000, job.end_utc * 1000);
        let mut v: Vec<&Session> = all
            .iter()
            .filter(|s| s.started_at >= a && s.started_at < b && base_filter(job, s))
            .collect();
        v.sort_by_key(|s| s.started_at);
        v
    };
    let obs = step_observations(job, data, &sessions)?;
    // step → (times, total ms)
    let mut stats: BTreeMap<String, (u64, i64)> = BTreeMap::new();
    for (s, o) in sessions.iter().zip(obs) {
        let v = visits(o);
        for (i, (at, step)) in v.iter().enumerate() {
            let next = v.get(i + 1).map(|n| n.0).or(s.ended_at).unwrap_or(*at);
            let e = stats.entry(step.clone()).or_default();
            e.0 += 1;
            e.1 += (next - at).max(0);
        }
    }
    let total: u64 = stats.values().map(|x| x.0).sum();
    let mut rows: Vec<(String, u64, i64)> =
        stats.into_iter().map(|(k, (n, ms))| (k, n, ms)).collect();
    rows.sort_by(|a, b| {
        b.1.cmp(&a.1)
            .then_with(|| a.0.to_lowercase().cmp(&b.0.to_lowercase()))
    });
    sink.meta("total_selections", &total.to_string());
    begin(
        job,
        sink,
        "times = visits of the step (consecutive messages in one step are one visit; returning counts again) in sessions started in the period; pct = times / Σ times × 100; duration = average time from entering the step to the next step or the session end, whole seconds; ties sorted by step name",
    )?;
    for (step, n, ms) in &rows {
        let avg_s = avg(*ms, i64::try_from(*n).unwrap_or(1) * 1000);
        sink.row(&[
            Value::Text(step),
            Value::Int(i64::try_from(*n).unwrap_or(i64::MAX)),
            pct(*n, total),
            Value::Duration(avg_s * 1000),
        ])
        .map_err(cancelled)?;
    }
    Ok(())
}

/// Length of the union of `[a, b)` intervals.
pub fn union_len(mut iv: Vec<(i64, i64)>) -> i64 {
    iv.sort();
    let (mut total, mut cur): (i64, Option<(i64, i64)>) = (0, None);
    for (a, b) in iv.into_iter().filter(|(a, b)| b > a) {
        cur = match cur {
            Some((ca, cb)) if a <= cb => Some((ca, cb.max(b))),
            Some((ca, cb)) => {
                total += cb - ca;
                Some((a, b))
            }
            None => Some((a, b)),
        };
    }
    total + cur.map_or(0, |(a, b)| b - a)
}

fn agent_analysis(job: &Job, data: &mut Data, sink: &mut dyn Sink) -> Result<(), PluginError> {
    let all = data.all.clone();
    let d2 = Data::from_sessions(all);
    let sessions: Vec<&Session> = d2
        .in_period(job)
        .into_iter()
        .filter(|s| !s.agents.is_empty())
        .collect();
    let ids = index(&sessions);
    // agent → (intervals, sessions, messages)
    let mut per: BTreeMap<String, AgentStats> = BTreeMap::new();
    let end_cap = job.end_utc * 1000;
    for s in &sessions {
        let from = s.first_contact_at.or(s.panel_at).unwrap_or(s.started_at);
        let to = s.ended_at.unwrap_or(end_cap);
        for a in &s.agents {
            let e = per.entry(a.clone()).or_default();
            e.0.push((from, to));
            e.1 += 1;
        }
    }
    data.messages(job, &ids, |i, m| {
        if m.author != Author::Agent {
            return;
        }
        let s = sessions[i];
        // An unnamed agent message belongs to the session's only agent, if there is one.
        let name = m
            .agent
            .or_else(|| (s.agents.len() == 1).then(|| s.agents[0].clone()));
        if let Some(n) = name {
            per.entry(n).or_default().2 += 1;
        }
    })?;
    per.retain(|a, _| allows(&job.params.agents, a));
    let total: u64 = per.values().map(|x| x.2).sum();
    begin(
        job,
        sink,
        "busy = union of the intervals first contact (or panel entry) → session end of the agent's sessions started in the period; avg_busy = busy / sessions (REPORTS §8 A28); messages = agent messages in those sessions; share = messages / Σ messages × 100",
    )?;
    for (agent, (iv, n, msgs)) in per {
        let busy = union_len(iv);
        sink.row(&[
            Value::Text(&agent),
            Value::Duration(avg(busy, 1000) * 1000),
            Value::Duration(avg(busy, n.max(1) * 1000) * 1000 * i64::from(n > 0)),
            Value::Int(n),
            Value::Int(i64::try_from(msgs).unwrap_or(i64::MAX)),
            pct(msgs, total),
        ])
        .map_err(cancelled)?;
    }
    Ok(())
}

/// Bots in first-appearance order of the sessions file.
fn bot_order(data: &Data) -> HashMap<&str, usize> {
    let mut m = HashMap::new();
    for s in &data.all {
        let n = m.len();
        m.entry(s.bot.as_str()).or_insert(n);
    }
    m
}

fn session_analysis(job: &Job, data: &Data, sink: &mut dyn Sink) -> Result<(), PluginError> {
    // bot → (sessions, abandoned, panel, contacts)
    let mut per: BTreeMap<&str, (i64, i64, i64, BTreeSet<&str>)> = BTreeMap::new();
    for s in data.in_period(job) {
        let e = per.entry(s.bot.as_str()).or_default();
        e.0 += 1;
        e.1 += i64::from(s.abandoned);
        e.2 += i64::from(s.panel());
        e.3.insert(s.contact.as_str());
    }
    begin(
        job,
        sink,
        "per bot, sessions started in the period; abandoned = reached the panel and no agent answered; unique contacts = distinct contact ids",
    )?;
    for (bot, (n, ab, panel, contacts)) in per {
        sink.row(&[
            Value::Text(bot),
            Value::Int(n),
            Value::Int(ab),
            Value::Int(panel),
            Value::Int(i64::try_from(contacts.len()).unwrap_or(0)),
        ])
        .map_err(cancelled)?;
    }
    Ok(())
}

fn sessions_by(job: &Job, data: &Data, sink: &mut dyn Sink) -> Result<(), PluginError> {
    let by_day = job.report == ReportKind::SessionsByDay;
    let mut per: BTreeMap<(i64, &str), i64> = BTreeMap::new();
    for s in data.in_period(job) {
        let l = local_secs(job.tz, s.started_at);
        let k = if by_day {
            l.div_euclid(86_400)
        } else {
            l.rem_euclid(86_400) / 3600
        };
        *per.entry((k, s.bot.as_str())).or_default() += 1;
    }
    begin(
        job,
        sink,
        if by_day {
            "sessions per local start day and bot; days without sessions omitted"
        } else {
            "sessions per local start hour (0–23, summed over the period) and bot"
        },
    )?;
    for ((k, bot), n) in per {
        let first = if by_day {
            Value::Date(i32::try_from(k).unwrap_or(0))
        } else {
            Value::Int(k)
        };
        sink.row(&[first, Value::Text(bot), Value::Int(n)])
            .map_err(cancelled)?;
    }
    Ok(())
}

#[derive(Default)]
struct Traffic<'a> {
    sessions: i64,
    contacts: BTreeSet<&'a str>,
    msg_in: i64,
    msg_out: i64,
    len_sum: i64,
    len_n: i64,
    wait_sum: i64,
    wait_n: i64,
    abandoned: i64,
}

fn traffic(job: &Job, data: &mut Data, sink: &mut dyn Sink) -> Result<(), PluginError> {
    let all = data.all.clone();
    let d2 = Data::from_sessions(all);
    let order = bot_order(&d2);
    let sessions = d2.in_period(job);
    let ids = index(&sessions);
    let keys: Vec<(u32, usize)> = sessions
        .iter()
        .map(|s| {
            (
                local_dt(job.tz, s.started_at).day(),
                order.get(s.bot.as_str()).copied().unwrap_or(usize::MAX),
            )
        })
        .collect();
    let mut per: BTreeMap<(u32, usize), Traffic> = BTreeMap::new();
    for (s, k) in sessions.iter().zip(&keys) {
        let t = per.entry(*k).or_default();
        t.sessions += 1;
        t.contacts.insert(s.contact.as_str());
        if let Some(e) = s.ended_at {
            t.len_sum += (e - s.started_at).max(0);
            t.len_n += 1;
        }
        if let Some(w) = s.wait_ms() {
            t.wait_sum += w;
            t.wait_n += 1;
        }
        t.abandoned += i64::from(s.abandoned);
    }
    let mut counts = vec![(0i64, 0i64); sessions.len()];
    data.messages(job, &ids, |i, m| {
        if m.incoming {
            counts[i].0 += 1;
        } else {
            counts[i].1 += 1;
        }
    })?;
    for (k, c) in keys.iter().zip(&counts) {
        if let Some(t) = per.get_mut(k) {
            t.msg_in += c.0;
            t.msg_out += c.1;
        }
    }
    let bots: HashMap<usize, &str> = order.iter().map(|(b, i)| (*i, *b)).collect();
    begin(
        job,
        sink,
        "per local day of month of the session start and bot (bots in sessions-file order; a period over several months adds up equal days); messages = messages of those sessions; averages in ms over ended sessions and over attended panel sessions (0 when none); abandoned sessions do not count in the wait",
    )?;
    for ((day, b), t) in per {
        sink.row(&[
            Value::Text(bots.get(&b).copied().unwrap_or("")),
            Value::Int(i64::from(day)),
            Value::Int(t.sessions),
            Value::Int(i64::try_from(t.contacts.len()).unwrap_or(0)),
            Value::Int(t.msg_in),
            Value::Int(t.msg_out),
            Value::Duration(avg(t.len_sum, t.len_n)),
            Value::Duration(avg(t.wait_sum, t.wait_n)),
            Value::Int(t.abandoned),
        ])
        .map_err(cancelled)?;
    }
    Ok(())
}

#[derive(Default, Clone)]
struct Detail {
    msg_in: i64,
    msg_out: i64,
    /// (at, seq, step) of the last message with a step.
    last_step: Option<(i64, usize, String)>,
    steps: BTreeSet<String>,
    text_hit: bool,
}

fn session_detail(job: &Job, data: &mut Data, sink: &mut dyn Sink) -> Result<(), PluginError> {
    let all = data.all.clone();
    let d2 = Data::from_sessions(all);
    let p = &job.params;
    let sessions: Vec<&Session> = d2
        .in_period(job)
        .into_iter()
        .filter(|s| match p.mode {
            Mode::All => true,
            Mode::Panel => s.panel(),
            Mode::BotOnly => !s.panel(),
        })
        .filter(|s| {
            p.contacts.as_ref().is_none_or(|c| {
                c.contains(&s.contact)
                    || s.contact_phone.as_ref().is_some_and(|x| c.contains(x))
                    || s.contact_name.as_ref().is_some_and(|x| c.contains(x))
            })
        })
        .filter(|s| agent_match(job, s))
        .filter(|s| p.abandoned.is_none_or(|a| a == s.abandoned))
        .collect();
    let ids = index(&sessions);
    let mut det = vec![Detail::default(); sessions.len()];
    let mut seq = 0usize;
    let needle = p.message_text.clone();
    data.messages(job, &ids, |i, m| {
        let d = &mut det[i];
        seq += 1;
        if m.incoming {
            d.msg_in += 1;
        } else {
            d.msg_out += 1;
        }
        if let Some(step) = m.step {
            d.steps.insert(step.clone());
            if d.last_step
                .as_ref()
                .is_none_or(|(at, q, _)| (m.at, seq) > (*at, *q))
            {
                d.last_step = Some((m.at, seq, step));
            }
        }
        if let Some(n) = &needle
            && m.text.to_lowercase().contains(n.as_str())
        {
            d.text_hit = true;
        }
    })?;
    begin(
        job,
        sink,
        "one row per session started in the period, by start; panel_start = handed to the agent panel, first_contact = first agent contact, wait_ms = first_contact − panel_start (empty when abandoned); menus and typifications as `name: value | …` (the seed's `_`-prefixed dynamic columns)",
    )?;
    let tz = job.tz;
    for (s, d) in sessions.iter().zip(&det) {
        if p.steps.as_ref().is_some_and(|st| st.is_disjoint(&d.steps)) {
            continue;
        }
        if needle.is_some() && !d.text_hit {
            continue;
        }
        let menus = join(&s.menus);
        let typ = join(&s.typifications);
        let agents = s.agents.join(", ");
        sink.row(&[
            Value::Text(&s.bot),
            text(s.channel.as_deref()),
            dt(tz, Some(s.started_at)),
            dt(tz, s.ended_at),
            text(s.contact_phone.as_deref()),
            text(s.contact_name.as_deref()),
            Value::Int(d.msg_in),
            Value::Int(d.msg_out),
            text(d.last_step.as_ref().map(|x| x.2.as_str())),
            text(Some(&menus)),
            text(Some(&typ)),
            Value::Bool(s.panel()),
            text(Some(&agents)),
            dt(tz, s.panel_at),
            dt(tz, s.first_contact_at),
            s.wait_ms().map_or(Value::Null, Value::Duration),
            Value::Bool(s.abandoned),
        ])
        .map_err(cancelled)?;
    }
    Ok(())
}

fn agent_reports(job: &Job, data: &mut Data, sink: &mut dyn Sink) -> Result<(), PluginError> {
    let surveys = data.surveys(job)?;
    let eval = latest_survey(&surveys);
    let p = &job.params;
    let kind = job.report;
    // §8 A34: the attendances export defaults to Concluído when no status is chosen.
    let default_concluded =
        kind == ReportKind::AgentAttendances && p.statuses.is_none() && !p.all_statuses;
    let mut sessions: Vec<&Session> = data
        .in_period(job)
        .into_iter()
        .filter(|s| agent_match(job, s))
        .filter(|s| {
            if default_concluded {
                s.status == Some(Status::Concluded)
            } else {
                p.statuses
                    .as_ref()
                    .is_none_or(|set| s.status.is_some_and(|st| set.contains(&st)))
            }
        })
        .filter(|s| allows_opt(&p.departments, s.department.as_deref()))
        .filter(|s| {
            p.tags
                .as_ref()
                .is_none_or(|t| s.tags.iter().any(|x| t.contains(x)))
        })
        .filter(|s| {
            allows_opt(
                &p.evaluations,
                eval.get(s.id.as_str()).and_then(|e| e.rating.as_deref()),
            )
        })
        .collect();
    let tz = job.tz;
    match kind {
        ReportKind::AgentAttendances => {
            sessions.reverse();
            begin(
                job,
                sink,
                "the agent's own attendances started in the period, latest first; status defaults to Concluído (REPORTS §8 A34); wait = first contact − panel entry; attendance = end − first contact",
            )?;
            for s in sessions {
                let tags = s.tags.join(", ");
                let form = join(&s.form);
                let info = join(&s.additional_info);
                let att = match (s.first_contact_at, s.ended_at) {
                    (Some(a), Some(b)) => Value::Duration(avg((b - a).max(0), 1000) * 1000),
                    _ => Value::Null,
                };
                sink.row(&[
                    Value::Text(&s.protocol),
                    dt(tz, Some(s.started_at)),
                    s.status.map_or(Value::Null, |st| Value::Text(st.label())),
                    text(s.department.as_deref()),
                    text(eval.get(s.id.as_str()).and_then(|e| e.rating.as_deref())),
                    text(s.channel.as_deref()),
                    text(Some(&tags)),
                    s.wait_ms()
                        .map_or(Value::Null, |w| Value::Duration(avg(w, 1000) * 1000)),
                    att,
                    dt(tz, s.ended_at),
                    text(Some(&form)),
                    text(Some(&info)),
                ])
                .map_err(cancelled)?;
            }
        }
        ReportKind::AgentAttendanceHistory => {
            sessions.sort_by(|a, b| {
                a.protocol
                    .cmp(&b.protocol)
                    .then(a.started_at.cmp(&b.started_at))
            });
            begin(
                job,
                sink,
                "timeline events of the agent's attendances, by protocol then time; without a history[] the events iniciou (first contact) and concluiu (end of a Concluído attendance) are derived",
            )?;
            for s in sessions {
                let derived;
                let events = if s.history.is_empty() {
                    derived = derive_history(s);
                    &derived
                } else {
                    &s.history
                };
                for e in events {
                    sink.row(&[
                        Value::Text(&s.protocol),
                        Value::Text(&e.event),
                        dt(tz, Some(e.at)),
                        text(e.from.as_deref()),
                        text(e.to.as_deref()),
                        text(e.department.as_deref().or(s.department.as_deref())),
                    ])
                    .map_err(cancelled)?;
                }
            }
        }
        _ => {
            let mut counts: BTreeMap<Status, i64> = BTreeMap::new();
            for s in &sessions {
                if let Some(st) = s.status {
                    *counts.entry(st).or_default() += 1;
                }
            }
            begin(
                job,
                sink,
                "the agent's attendances started in the period per status, non-zero only, in the seed's status order; sessions without status are not counted",
            )?;
            for (st, n) in counts {
                sink.row(&[Value::Text(st.label()), Value::Int(n)])
                    .map_err(cancelled)?;
            }
        }
    }
    Ok(())
}

fn derive_history(s: &Session) -> Vec<model::HistoryEvent> {
    let mut v = Vec::new();
    if let Some(at) = s.first_contact_at {
        v.push(model::HistoryEvent {
            at,
            event: "iniciou".to_owned(),
            from: None,
            to: s.agents.first().cloned(),
            department: None,
        });
    }
    if let (Some(at), Some(Status::Concluded)) = (s.ended_at, s.status) {
        v.push(model::HistoryEvent {
            at,
            event: "concluiu".to_owned(),
            from: s.agents.last().cloned(),
            to: None,
            department: None,
        });
    }
    v
}

fn transcript(job: &Job, data: &mut Data, sink: &mut dyn Sink) -> Result<(), PluginError> {
    let wanted = job.params.protocol.clone().unwrap_or_default();
    let all = data.all.clone();
    let target = all.iter().find(|s| s.protocol == wanted || s.id == wanted);
    let mut chosen: Vec<&Session> = Vec::new();
    if let Some(t) = target {
        match job.params.scope {
            Scope::Attendance => chosen.push(t),
            Scope::Session => {
                let end = t.ended_at.unwrap_or(t.started_at);
                chosen = all
                    .iter()
                    .filter(|s| s.contact == t.contact && s.bot == t.bot)
                    .filter(|s| s.started_at >= end - DAY_MS && s.started_at <= end)
                    .collect();
                if !chosen.iter().any(|s| s.id == t.id) {
                    chosen.push(t);
                }
            }
        }
    } else {
        sink.warn(Warning {
            code: "NOT_FOUND".to_owned(),
            message: format!("no session with protocol or id {wanted:?}"),
            count: 1,
            examples: Vec::new(),
        });
    }
    let ids = index(&chosen);
    let mut msgs: Vec<(i64, usize, usize, Message)> = Vec::new();
    data.messages(job, &ids, |i, m| {
        let n = msgs.len();
        msgs.push((m.at, n, i, m));
    })?;
    msgs.sort_by_key(|(at, n, _, _)| (*at, *n));
    begin(
        job,
        sink,
        "messages of the attendance (scope attendance) or of the contact's attendances with the same bot started in the 24 h before its end (scope session), by time; PDF/ZIP rendering is the host's",
    )?;
    for (at, _, i, m) in &msgs {
        let s = chosen[*i];
        let name = match m.author {
            Author::Bot => Some(s.bot.as_str()),
            Author::Agent => m.agent.as_deref().or(s.agents.first().map(String::as_str)),
            Author::Contact => s.contact_name.as_deref().or(s.contact_phone.as_deref()),
        };
        sink.row(&[
            Value::Text(&s.protocol),
            dt(job.tz, Some(*at)),
            Value::Text(m.author.label()),
            text(name),
            Value::Text(&m.text),
        ])
        .map_err(cancelled)?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn union_of_intervals() {
        // [0,10) ∪ [5,15) = [0,15) → 15; plus [20,25) → 20; [30,30) empty.
        assert_eq!(union_len(vec![(5, 15), (0, 10), (20, 25), (30, 30)]), 20);
    }

    #[test]
    fn pct_rounds_half_up() {
        // 9/35 = 25.714… → 25.71; 1/8 = 12.5 → 12.50; 1/3 = 33.33.
        assert_eq!(
            pct(9, 35),
            Value::Decimal {
                mantissa: 2571,
                scale: 2
            }
        );
        assert_eq!(
            pct(1, 8),
            Value::Decimal {
                mantissa: 1250,
                scale: 2
            }
        );
        assert_eq!(
            pct(1, 3),
            Value::Decimal {
                mantissa: 3333,
                scale: 2
            }
        );
        assert_eq!(
            pct(1, 0),
            Value::Decimal {
                mantissa: 0,
                scale: 2
            }
        );
    }

    #[test]
    fn average_rounding() {
        assert_eq!(avg(5, 2), 3);
        assert_eq!(avg(4, 3), 1);
        assert_eq!(avg(0, 0), 0);
    }
}
