//! The neutral session model (README "Input model") and its JSONL readers: sessions,
//! messages and surveys, one JSON object per line. Bad lines are counted, never fatal.
//! Every time is kept as Unix **milliseconds** because the seed exports wait times in ms.

use std::cell::Cell;
use std::collections::BTreeMap;
use std::path::Path;
use std::rc::Rc;

use chrono::{DateTime, FixedOffset, NaiveDateTime, TimeZone};
use reportd_plugin_api::PluginError;
use serde::Deserialize;
use serde_json::Value as Json;

use reportd_plugin_api::input::Input;

/// Attendance status (REPORTS.md §5, seed 001). Output uses the seed spelling.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Status {
    Inertia,
    Waiting,
    Started,
    Cancelled,
    Concluded,
    Transferred,
    CancelledByClient,
    CancelledInactivity,
    CancelledByClientInProgress,
    ClientNotResponding,
}

/// `(status, seed spelling, enum value)`.
const STATUSES: [(Status, &str, &str); 10] = [
    (Status::Inertia, "Inércia", "inertia"),
    (Status::Waiting, "Aguardando atendimento", "waiting"),
    (Status::Started, "Iniciado", "started"),
    (Status::Cancelled, "Cancelado", "cancelled"),
    (Status::Concluded, "Concluído", "concluded"),
    (Status::Transferred, "Transferido", "transferred"),
    (
        Status::CancelledByClient,
        "Cancelado pelo Cliente",
        "cancelled_by_client",
    ),
    (
        Status::CancelledInactivity,
        "Cancelado por Inatividade",
        "cancelled_inactivity",
    ),
    (
        Status::CancelledByClientInProgress,
        "Cancelado pelo Cliente Atendimento em Andamento",
        "cancelled_by_client_in_progress",
    ),
    (
        Status::ClientNotResponding,
        "Cliente não Responde",
        "client_not_responding",
    ),
];

impl Status {
    /// All statuses, in the seed's order.
    pub fn all() -> impl Iterator<Item = Status> {
        STATUSES.iter().map(|s| s.0)
    }

    /// Parses the seed spelling (case-insensitive) or the snake_case enum value.
    pub fn parse(s: &str) -> Option<Status> {
        let s = s.trim();
        STATUSES
            .iter()
            .find(|(_, seed, code)| seed.to_lowercase() == s.to_lowercase() || *code == s)
            .map(|e| e.0)
    }

    /// The seed spelling, e.g. `Concluído`.
    pub fn label(self) -> &'static str {
        STATUSES.iter().find(|e| e.0 == self).map_or("", |e| e.1)
    }
}

/// The satisfaction scale of seed 001, best first; mapped to CSAT 5..1.
pub const RATINGS: [&str; 5] = ["excelente", "bom", "razoável", "ruim", "muito ruim"];

/// CSAT 1..5 → rating word.
pub fn rating_of(csat: i64) -> Option<&'static str> {
    usize::try_from(5 - csat)
        .ok()
        .and_then(|i| RATINGS.get(i).copied())
}

/// One event of an attendance timeline (REPORTS.md §5.12).
#[derive(Debug, Clone, PartialEq)]
pub struct HistoryEvent {
    pub at: i64,
    /// `iniciou`, `transferiu`, `recebeu_transferencia`, `concluiu`.
    pub event: String,
    pub from: Option<String>,
    pub to: Option<String>,
    pub department: Option<String>,
}

/// A KPI the bot flow (IDR) recorded (REPORTS.md §5.2).
#[derive(Debug, Clone, PartialEq)]
pub struct Kpi {
    pub at: i64,
    pub flow: Option<String>,
    pub name: String,
    pub value: String,
}

/// A session (a conversation with a bot, possibly handed to agents). Times in Unix ms.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Session {
    pub id: String,
    /// Attendance protocol; the session id when absent.
    pub protocol: String,
    pub bot: String,
    pub channel: Option<String>,
    /// Contact identity for unique counts: `contact`, else the phone, else the name.
    pub contact: String,
    pub contact_name: Option<String>,
    pub contact_phone: Option<String>,
    pub contact_email: Option<String>,
    pub department: Option<String>,
    pub started_at: i64,
    pub ended_at: Option<i64>,
    pub status: Option<Status>,
    /// Handed to the agent panel at.
    pub panel_at: Option<i64>,
    /// First agent contact at.
    pub first_contact_at: Option<i64>,
    pub agents: Vec<String>,
    pub abandoned: bool,
    pub tags: Vec<String>,
    /// Contact form filled before overflow (`Nome`, `E-mail`, …), in file order of keys.
    pub form: Vec<(String, String)>,
    /// Agent-added information.
    pub additional_info: Vec<(String, String)>,
    /// Menu → option chosen (`MenuPrincipal` → `Bancos`).
    pub menus: Vec<(String, String)>,
    /// Closing typifications (`Motivo de consulta` → `Motivo 4`).
    pub typifications: Vec<(String, String)>,
    pub kpis: Vec<Kpi>,
    pub history: Vec<HistoryEvent>,
}

impl Session {
    /// Reached the agent panel.
    pub fn panel(&self) -> bool {
        self.panel_at.is_some()
    }

    /// Panel wait `first_contact − panel_start` in ms (REPORTS.md §5.10 Q = P − O).
    pub fn wait_ms(&self) -> Option<i64> {
        match (self.panel_at, self.first_contact_at) {
            (Some(p), Some(f)) if !self.abandoned => Some((f - p).max(0)),
            _ => None,
        }
    }
}

/// Who wrote a message.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Author {
    Bot,
    Agent,
    Contact,
}

impl Author {
    pub fn label(self) -> &'static str {
        match self {
            Author::Bot => "bot",
            Author::Agent => "agent",
            Author::Contact => "contact",
        }
    }
}

/// One message of a session.
#[derive(Debug, Clone, PartialEq)]
pub struct Message {
    pub session: String,
    pub at: i64,
    /// True for incoming (from the contact).
    pub incoming: bool,
    pub author: Author,
    /// Agent name for agent messages.
    pub agent: Option<String>,
    /// Flow step / node the message belongs to.
    pub step: Option<String>,
    pub text: String,
}

/// A survey answer (NPS and/or CSAT).
#[derive(Debug, Clone, PartialEq)]
pub struct Survey {
    pub session: String,
    pub at: i64,
    pub nps: Option<i64>,
    pub csat: Option<i64>,
    /// Rating word (seed 001 scale); derived from `csat` when absent.
    pub rating: Option<String>,
    pub comment: Option<String>,
}

/// Parses a time: Unix seconds or ms (numbers above 10^11 are ms), RFC 3339, or the seed
/// export format `2022-11-22T11:06:26.715-180` (offset in minutes). Returns Unix ms.
pub fn parse_time(v: &Json) -> Option<i64> {
    match v {
        Json::Number(n) => {
            let x = n.as_f64()?;
            if x.abs() >= 1e11 {
                Some(x as i64)
            } else {
                Some((x * 1000.0).round() as i64)
            }
        }
        Json::String(s) => parse_time_str(s.trim()),
        _ => None,
    }
}

fn parse_time_str(s: &str) -> Option<i64> {
    if let Ok(d) = DateTime::parse_from_rfc3339(s) {
        return Some(d.timestamp_millis());
    }
    // Seed format: the offset follows the seconds as a signed number of minutes.
    let cut = s.get(19..)?.find(['+', '-'])? + 19;
    let (naive, off) = s.split_at(cut);
    let minutes: i32 = off.parse().ok()?;
    if off.len() > 5 || minutes.abs() > 18 * 60 {
        return None;
    }
    let n = NaiveDateTime::parse_from_str(naive, "%Y-%m-%dT%H:%M:%S%.f").ok()?;
    let tz = FixedOffset::east_opt(minutes * 60)?;
    tz.from_local_datetime(&n)
        .single()
        .map(|d| d.timestamp_millis())
}

fn id_text(v: &Json) -> Option<String> {
    match v {
        Json::String(s) if !s.trim().is_empty() => Some(s.trim().to_owned()),
        Json::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

fn scalar_text(v: &Json) -> String {
    match v {
        Json::String(s) => s.clone(),
        Json::Null => String::new(),
        other => other.to_string(),
    }
}

fn pairs(m: Option<serde_json::Map<String, Json>>) -> Vec<(String, String)> {
    m.unwrap_or_default()
        .into_iter()
        .map(|(k, v)| (k, scalar_text(&v)))
        .collect()
}

fn opt_time(v: &Option<Json>, field: &str) -> Result<Option<i64>, String> {
    match v {
        None | Some(Json::Null) => Ok(None),
        Some(x) => parse_time(x)
            .map(Some)
            .ok_or_else(|| format!("bad time in {field}: {x}")),
    }
}

fn nonempty(s: Option<String>) -> Option<String> {
    s.map(|s| s.trim().to_owned()).filter(|s| !s.is_empty())
}

#[derive(Deserialize)]
struct RawKpi {
    at: Option<Json>,
    flow: Option<String>,
    name: String,
    value: Json,
}

#[derive(Deserialize)]
struct RawEvent {
    at: Json,
    event: String,
    from: Option<String>,
    to: Option<String>,
    department: Option<String>,
}

#[derive(Deserialize)]
struct RawSession {
    id: Json,
    protocol: Option<Json>,
    bot: String,
    channel: Option<String>,
    contact: Option<Json>,
    contact_name: Option<String>,
    contact_phone: Option<Json>,
    contact_email: Option<String>,
    department: Option<String>,
    started_at: Json,
    ended_at: Option<Json>,
    status: Option<String>,
    panel_at: Option<Json>,
    first_contact_at: Option<Json>,
    #[serde(default)]
    agents: Vec<String>,
    abandoned: Option<bool>,
    #[serde(default)]
    tags: Vec<String>,
    form: Option<serde_json::Map<String, Json>>,
    additional_info: Option<serde_json::Map<String, Json>>,
    menus: Option<serde_json::Map<String, Json>>,
    typifications: Option<serde_json::Map<String, Json>>,
    #[serde(default)]
    kpis: Vec<RawKpi>,
    #[serde(default)]
    history: Vec<RawEvent>,
}

/// Parses one `sessions` line.
pub fn parse_session(line: &[u8]) -> Result<Session, String> {
    session_from_raw(serde_json::from_slice(line).map_err(|e| e.to_string())?)
}

/// Builds a session from a JSON object with the `sessions` line fields (the SQL readers
/// assemble one per row, so files and tables go through the same rules).
pub fn session_from_value(v: Json) -> Result<Session, String> {
    session_from_raw(serde_json::from_value(v).map_err(|e| e.to_string())?)
}

fn session_from_raw(r: RawSession) -> Result<Session, String> {
    let id = id_text(&r.id).ok_or("missing id")?;
    let started_at = parse_time(&r.started_at).ok_or("bad or missing started_at")?;
    let ended_at = opt_time(&r.ended_at, "ended_at")?;
    let panel_at = opt_time(&r.panel_at, "panel_at")?;
    let first_contact_at = opt_time(&r.first_contact_at, "first_contact_at")?;
    let status = match nonempty(r.status) {
        None => None,
        Some(s) => Some(Status::parse(&s).ok_or_else(|| format!("unknown status {s:?}"))?),
    };
    if r.bot.trim().is_empty() {
        return Err("empty bot".to_owned());
    }
    let contact_phone = r.contact_phone.as_ref().and_then(id_text);
    let contact_name = nonempty(r.contact_name);
    let contact = r
        .contact
        .as_ref()
        .and_then(id_text)
        .or_else(|| contact_phone.clone())
        .or_else(|| contact_name.clone())
        .unwrap_or_default();
    // Abandoned when not stated: reached the panel, no agent ever answered, and it is over.
    let abandoned = r
        .abandoned
        .unwrap_or(panel_at.is_some() && first_contact_at.is_none() && ended_at.is_some());
    let mut kpis = Vec::new();
    for k in r.kpis {
        let at = match &k.at {
            Some(v) => parse_time(v).ok_or("bad time in kpis[].at")?,
            None => started_at,
        };
        kpis.push(Kpi {
            at,
            flow: nonempty(k.flow),
            name: k.name,
            value: scalar_text(&k.value),
        });
    }
    let mut history = Vec::new();
    for e in r.history {
        history.push(HistoryEvent {
            at: parse_time(&e.at).ok_or("bad time in history[].at")?,
            event: e.event,
            from: nonempty(e.from),
            to: nonempty(e.to),
            department: nonempty(e.department),
        });
    }
    history.sort_by_key(|e| e.at);
    Ok(Session {
        protocol: r.protocol.as_ref().and_then(id_text).unwrap_or(id.clone()),
        id,
        bot: r.bot.trim().to_owned(),
        channel: nonempty(r.channel),
        contact,
        contact_name,
        contact_phone,
        contact_email: nonempty(r.contact_email),
        department: nonempty(r.department),
        started_at,
        ended_at,
        status,
        panel_at,
        first_contact_at,
        agents: r
            .agents
            .into_iter()
            .filter(|a| !a.trim().is_empty())
            .collect(),
        abandoned,
        tags: r.tags,
        form: pairs(r.form),
        additional_info: pairs(r.additional_info),
        menus: pairs(r.menus),
        typifications: pairs(r.typifications),
        kpis,
        history,
    })
}

#[derive(Deserialize)]
struct RawMessage {
    session: Json,
    at: Json,
    direction: Option<String>,
    author: Option<String>,
    agent: Option<String>,
    step: Option<String>,
    #[serde(default)]
    text: String,
}

/// Parses one `messages` line.
pub fn parse_message(line: &[u8]) -> Result<Message, String> {
    message_from_raw(serde_json::from_slice(line).map_err(|e| e.to_string())?)
}

/// Builds a message from a JSON object with the `messages` line fields.
pub fn message_from_value(v: Json) -> Result<Message, String> {
    message_from_raw(serde_json::from_value(v).map_err(|e| e.to_string())?)
}

fn message_from_raw(r: RawMessage) -> Result<Message, String> {
    let session = id_text(&r.session).ok_or("missing session")?;
    let at = parse_time(&r.at).ok_or("bad or missing at")?;
    let author = match r.author.as_deref() {
        Some("bot") => Some(Author::Bot),
        Some("agent") => Some(Author::Agent),
        Some("contact") => Some(Author::Contact),
        None => None,
        Some(other) => return Err(format!("unknown author {other:?}")),
    };
    let incoming = match r.direction.as_deref() {
        Some("in") => Some(true),
        Some("out") => Some(false),
        None => None,
        Some(other) => return Err(format!("unknown direction {other:?}")),
    };
    let (incoming, author) = match (incoming, author) {
        (Some(i), Some(a)) => (i, a),
        (Some(true), None) => (true, Author::Contact),
        (Some(false), None) => (
            false,
            if r.agent.is_some() {
                Author::Agent
            } else {
                Author::Bot
            },
        ),
        (None, Some(a)) => (a == Author::Contact, a),
        (None, None) => return Err("needs direction or author".to_owned()),
    };
    Ok(Message {
        session,
        at,
        incoming,
        author,
        agent: nonempty(r.agent),
        step: nonempty(r.step),
        text: r.text,
    })
}

#[derive(Deserialize)]
struct RawSurvey {
    session: Json,
    at: Json,
    nps: Option<i64>,
    csat: Option<i64>,
    rating: Option<String>,
    comment: Option<String>,
}

/// Parses one `surveys` line.
pub fn parse_survey(line: &[u8]) -> Result<Survey, String> {
    survey_from_raw(serde_json::from_slice(line).map_err(|e| e.to_string())?)
}

/// Builds a survey from a JSON object with the `surveys` line fields.
pub fn survey_from_value(v: Json) -> Result<Survey, String> {
    survey_from_raw(serde_json::from_value(v).map_err(|e| e.to_string())?)
}

fn survey_from_raw(r: RawSurvey) -> Result<Survey, String> {
    let session = id_text(&r.session).ok_or("missing session")?;
    let at = parse_time(&r.at).ok_or("bad or missing at")?;
    if let Some(n) = r.nps
        && !(0..=10).contains(&n)
    {
        return Err(format!("nps {n} outside 0..10"));
    }
    if let Some(c) = r.csat
        && !(1..=5).contains(&c)
    {
        return Err(format!("csat {c} outside 1..5"));
    }
    let rating = nonempty(r.rating)
        .map(|s| s.to_lowercase())
        .or_else(|| r.csat.and_then(rating_of).map(str::to_owned));
    if r.nps.is_none() && r.csat.is_none() && rating.is_none() {
        return Err("needs nps, csat or rating".to_owned());
    }
    let csat = r.csat.or_else(|| {
        rating
            .as_deref()
            .and_then(|w| RATINGS.iter().position(|x| *x == w))
            .map(|i| 5 - i as i64)
    });
    Ok(Survey {
        session,
        at,
        nps: r.nps,
        csat,
        rating,
        comment: nonempty(r.comment),
    })
}

/// Malformed-line bookkeeping across the input files.
#[derive(Debug, Default, Clone, PartialEq)]
pub struct Malformed {
    pub count: u64,
    /// Up to [`Malformed::EXAMPLES`] `file:line: error` strings.
    pub examples: Vec<String>,
}

impl Malformed {
    pub const EXAMPLES: usize = 5;

    fn add(&mut self, file: &Path, line: u64, err: &str) {
        let name = file.file_name().map_or_else(
            || file.display().to_string(),
            |n| n.to_string_lossy().into_owned(),
        );
        self.add_record(&format!("{name}:{line}"), err);
    }

    /// Counts a bad record found at `place` (`file:line`, or `table id=…` for a table row).
    pub fn add_record(&mut self, place: &str, err: &str) {
        self.count += 1;
        if self.examples.len() < Self::EXAMPLES {
            self.examples.push(format!("{place}: {err}"));
        }
    }
}

/// Streams the records of `path` (file with rotated siblings, or directory; plain or gzip)
/// through `parse`, calling `f` for each good one and counting bad ones in `bad`. Blank
/// lines are skipped silently.
pub fn read<T>(
    path: &Path,
    parse: impl Fn(&[u8]) -> Result<T, String>,
    bad: &mut Malformed,
    mut f: impl FnMut(T),
) -> Result<(), PluginError> {
    let (list, _) = Input::DEFAULT.discover(path, 0)?;
    let count = Rc::new(Cell::new(0));
    Input::DEFAULT.for_each_line(&list, &count, |file, n, line| {
        if line.iter().all(u8::is_ascii_whitespace) {
            return true;
        }
        match parse(line) {
            Ok(x) => f(x),
            Err(e) => bad.add(&file.path, n, &e),
        }
        true
    })
}

/// Reads every session, keyed by id (a later line with the same id replaces the earlier:
/// exporters may append an updated session when it ends). Keeps first-appearance order.
pub fn read_sessions(path: &Path, bad: &mut Malformed) -> Result<Vec<Session>, PluginError> {
    let mut out = Sessions::default();
    read(path, parse_session, bad, |s| out.push(s))?;
    Ok(out.list)
}

/// Sessions in first-appearance order, a later one with the same id replacing the earlier.
#[derive(Debug, Default)]
pub struct Sessions {
    index: BTreeMap<String, usize>,
    /// The sessions.
    pub list: Vec<Session>,
}

impl Sessions {
    /// Adds `s`, replacing a session with the same id in place.
    pub fn push(&mut self, s: Session) {
        match self.index.get(&s.id) {
            Some(&i) => self.list[i] = s,
            None => {
                self.index.insert(s.id.clone(), self.list.len());
                self.list.push(s);
            }
        }
    }

    /// The position of session `id`.
    pub fn position(&self, id: &str) -> Option<usize> {
        self.index.get(id).copied()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn seed_time_format_offset_in_minutes() {
        // 2022-11-22T11:06:26.715-03:00 = 14:06:26.715Z; `date -u -d 2022-11-22T14:06:26Z +%s`
        // = 1669125986.
        assert_eq!(
            parse_time(&json!("2022-11-22T11:06:26.715-180")),
            Some(1_669_125_986_715)
        );
        assert_eq!(
            parse_time(&json!("2022-11-22T11:06:26.715-03:00")),
            Some(1_669_125_986_715)
        );
        assert_eq!(parse_time(&json!(1_669_125_986)), Some(1_669_125_986_000));
        assert_eq!(
            parse_time(&json!(1_669_125_986_715i64)),
            Some(1_669_125_986_715)
        );
        assert_eq!(parse_time(&json!("2022-11-22 11:06")), None);
        assert_eq!(parse_time(&json!("2022-11-22T11:06:26.715-99999")), None);
    }

    #[test]
    fn status_parses_seed_and_code() {
        assert_eq!(Status::parse("Concluído"), Some(Status::Concluded));
        assert_eq!(Status::parse("concluído"), Some(Status::Concluded));
        assert_eq!(
            Status::parse("cancelled_inactivity"),
            Some(Status::CancelledInactivity)
        );
        assert_eq!(Status::parse("Done"), None);
        assert_eq!(Status::all().count(), 10);
    }

    #[test]
    fn session_defaults() {
        let s = parse_session(
            br#"{"id":7,"bot":"B","contact_phone":"5511","started_at":0,"ended_at":60,"panel_at":10}"#,
        )
        .unwrap();
        assert_eq!(s.id, "7");
        assert_eq!(s.protocol, "7");
        assert_eq!(s.contact, "5511");
        // Panel, no first contact, ended → abandoned.
        assert!(s.abandoned);
        assert_eq!(s.wait_ms(), None);
        assert!(parse_session(br#"{"id":1,"bot":"B","started_at":"x"}"#).is_err());
        assert!(parse_session(br#"{"id":1,"bot":"B","started_at":0,"status":"zz"}"#).is_err());
    }

    #[test]
    fn message_direction_from_author() {
        let m = parse_message(br#"{"session":"s","at":1,"author":"contact","text":"hi"}"#).unwrap();
        assert!(m.incoming);
        let m =
            parse_message(br#"{"session":"s","at":1,"direction":"out","agent":"Ana"}"#).unwrap();
        assert_eq!(m.author, Author::Agent);
        assert!(parse_message(br#"{"session":"s","at":1}"#).is_err());
    }

    #[test]
    fn survey_rating_and_csat() {
        let s = parse_survey(br#"{"session":"s","at":1,"csat":4}"#).unwrap();
        assert_eq!(s.rating.as_deref(), Some("bom"));
        let s = parse_survey(br#"{"session":"s","at":1,"rating":"Ruim"}"#).unwrap();
        assert_eq!(s.csat, Some(2));
        assert!(parse_survey(br#"{"session":"s","at":1,"nps":11}"#).is_err());
    }
}
