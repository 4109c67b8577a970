//! Chatwoot adapter: reads Chatwoot's own PostgreSQL schema (`conversations`, `messages`,
//! `csat_survey_responses`, `inboxes`, `users`, `contacts`, labels) and maps it onto the
//! neutral session model, so the 14 reports run unchanged. The mapping (README "Chatwoot")
//! in short: a conversation is a session, its inbox the bot, its `display_id` the
//! protocol; the panel entry, first agent contact, agents and end are derived from the
//! conversation's messages; Chatwoot's four statuses map onto the seed's attendance
//! statuses; CSAT responses are surveys (CSAT 1–5 only: no NPS is invented).
//!
//! Chatwoot (Rails) stores UTC in `timestamp without time zone` columns, so naive times
//! are read in UTC unless `database_timezone` says otherwise.

use chrono::{DateTime, Utc};
use chrono_tz::Tz;
use reportd_plugin_api::PluginError;
use reportd_plugin_api::sql::{CODE_QUERY, Connection, Dialect, Param, Row};
use serde_json::{Map, Value as Json, json};

use crate::db::{Query, Scope, SurveyScope, instant};
use crate::model::{self, Malformed, Message, Session, Sessions, Status, Survey};

/// Chatwoot `conversations.status`.
const OPEN: i64 = 0;
const RESOLVED: i64 = 1;
const PENDING: i64 = 2;
const SNOOZED: i64 = 3;

/// Chatwoot `messages.message_type`.
const INCOMING: i64 = 0;
const OUTGOING: i64 = 1;
const ACTIVITY: i64 = 2;
const TEMPLATE: i64 = 3;

/// Chatwoot's tables in one PostgreSQL database.
pub struct Chatwoot {
    conn: Connection,
    zone: Tz,
    account_id: Option<i64>,
    /// SQL expression of a conversation's labels (comma-separated text) or `NULL`.
    labels: String,
    /// `LEFT JOIN teams` and its name column, when Chatwoot has teams.
    team_join: String,
    team_name: String,
}

/// A conversation row, before its messages are seen.
struct Conv {
    id: String,
    display_id: Option<String>,
    status: i64,
    created_at: i64,
    updated_at: Option<i64>,
    first_reply_at: Option<i64>,
    assignee: Option<String>,
    inbox: String,
    channel: Option<String>,
    contact_id: Option<String>,
    contact_name: Option<String>,
    phone: Option<String>,
    email: Option<String>,
    labels: Option<String>,
    additional: Option<Json>,
    custom: Option<Json>,
    team: Option<String>,
    /// What the messages tell.
    seen: Seen,
}

/// Per-conversation facts from its messages (in time order).
#[derive(Default)]
struct Seen {
    /// First and latest outgoing AgentBot message.
    first_bot: Option<i64>,
    last_bot_before_human: Option<i64>,
    /// First activity message (assignment, status change) after the first bot message.
    first_activity_after_bot: Option<i64>,
    /// First outgoing, public message by a User (agent).
    first_human: Option<i64>,
    /// Users who wrote publicly, in order of their first message.
    agents: Vec<String>,
    /// Latest message of any type (resolution writes an activity message).
    last_any: Option<i64>,
}

/// One message row.
struct Msg {
    conversation: String,
    at: i64,
    kind: i64,
    private: bool,
    sender_type: Option<String>,
    user_name: Option<String>,
    content: String,
}

fn cell_err(e: impl ToString) -> String {
    e.to_string()
}

fn ms(r: &Row<'_>, i: usize, zone: Tz) -> Result<Option<i64>, String> {
    Ok(r.instant(i, zone)
        .map_err(cell_err)?
        .map(|t| t.timestamp_millis()))
}

fn text(r: &Row<'_>, i: usize) -> Result<Option<String>, String> {
    Ok(r.text(i)
        .map_err(cell_err)?
        .map(|t| t.trim().to_owned())
        .filter(|t| !t.is_empty()))
}

/// `Channel::WebWidget` → `webchat`, `Channel::Whatsapp` → `whatsapp`, …
fn channel_name(t: &str) -> String {
    let bare = t.strip_prefix("Channel::").unwrap_or(t);
    match bare {
        "WebWidget" => "webchat".to_owned(),
        "FacebookPage" => "facebook".to_owned(),
        "TwitterProfile" => "twitter".to_owned(),
        other => {
            // CamelCase → snake_case (TwilioSms → twilio_sms).
            let mut out = String::new();
            for (i, c) in other.chars().enumerate() {
                if c.is_uppercase() && i > 0 {
                    out.push('_');
                }
                out.extend(c.to_lowercase());
            }
            out
        }
    }
}

/// The attendance status of a conversation (README mapping table).
fn status_of(cw: i64, panel: bool, first_contact: bool) -> Result<Option<Status>, String> {
    Ok(match cw {
        PENDING => None,
        OPEN | SNOOZED if first_contact => Some(Status::Started),
        OPEN | SNOOZED => Some(Status::Waiting),
        RESOLVED if first_contact => Some(Status::Concluded),
        RESOLVED if panel => Some(Status::Cancelled),
        RESOLVED => None,
        other => return Err(format!("unknown conversation status {other}")),
    })
}

impl Chatwoot {
    /// Checks that Chatwoot's tables are there and which optional columns they have.
    pub fn open(
        mut conn: Connection,
        zone: Tz,
        account_id: Option<i64>,
    ) -> Result<Self, PluginError> {
        for (t, need) in [
            (
                "conversations",
                &["id", "status", "created_at", "inbox_id"][..],
            ),
            (
                "messages",
                &["conversation_id", "message_type", "created_at"][..],
            ),
            ("inboxes", &["id", "name"][..]),
            ("csat_survey_responses", &["conversation_id", "rating"][..]),
            ("users", &["id", "name"][..]),
            ("contacts", &["id", "name"][..]),
        ] {
            let cols = conn.columns(t)?;
            if let Some(c) = need.iter().find(|c| !cols.iter().any(|x| x == *c)) {
                return Err(PluginError::new(
                    CODE_QUERY,
                    if cols.is_empty() {
                        format!("Chatwoot table {t} not found")
                    } else {
                        format!("Chatwoot table {t} has no column {c}")
                    },
                    "point database at Chatwoot's own PostgreSQL database (chatwoot_production) with a user that may read it",
                ));
            }
        }
        let conv = conn.columns("conversations")?;
        let labels = if conv.iter().any(|c| c == "cached_label_list") {
            "c.cached_label_list".to_owned()
        } else if !conn.columns("taggings")?.is_empty() && !conn.columns("tags")?.is_empty() {
            "(SELECT string_agg(tg.name, ',' ORDER BY tg.name) FROM taggings tt JOIN tags tg ON tg.id = tt.tag_id \
             WHERE tt.taggable_type = 'Conversation' AND tt.context = 'labels' AND tt.taggable_id = c.id)"
                .to_owned()
        } else {
            "NULL::text".to_owned()
        };
        let (team_join, team_name) =
            if conv.iter().any(|c| c == "team_id") && !conn.columns("teams")?.is_empty() {
                (
                    "LEFT JOIN teams t ON t.id = c.team_id".to_owned(),
                    "t.name::text".to_owned(),
                )
            } else {
                (String::new(), "NULL::text".to_owned())
            };
        Ok(Self {
            conn,
            zone,
            account_id,
            labels,
            team_join,
            team_name,
        })
    }

    /// A Unix ms bound as a naive timestamp of the database's zone.
    fn naive(&self, q: &mut Query, ms: i64) -> String {
        let t: DateTime<Utc> = instant(ms);
        q.bind(Param::Naive(t.with_timezone(&self.zone).naive_local()))
    }

    fn account(&self, q: &mut Query, col: &str) -> String {
        match self.account_id {
            Some(a) => format!(" AND {col} = {}", q.bind(Param::Int(a))),
            None => String::new(),
        }
    }

    /// Condition on `conversations c` joined with `inboxes i`.
    fn cond(&self, q: &mut Query, scope: &Scope) -> String {
        let mut c = match scope {
            Scope::Started { from, to } => format!(
                "c.created_at >= {} AND c.created_at < {}",
                self.naive(q, *from),
                self.naive(q, *to)
            ),
            Scope::Surveyed { from, to } => {
                let (a, b) = (self.naive(q, *from), self.naive(q, *to));
                format!(
                    "c.id IN (SELECT conversation_id FROM csat_survey_responses WHERE created_at >= {a} AND created_at < {b})"
                )
            }
            Scope::Keys(keys) => {
                let ids = q.in_list("c.id::text", keys);
                let display = q.in_list("c.display_id::text", keys);
                format!("({ids} OR {display})")
            }
            Scope::BotWindow { bot, from, to } => {
                let b = q.bind(Param::Text(bot.clone()));
                format!(
                    "i.name = {b} AND c.created_at >= {} AND c.created_at <= {}",
                    self.naive(q, *from),
                    self.naive(q, *to)
                )
            }
        };
        c.push_str(&self.account(q, "c.account_id"));
        c
    }

    fn conv_ids(&self, q: &mut Query, scope: &Scope) -> String {
        format!(
            "SELECT c.id FROM conversations c LEFT JOIN inboxes i ON i.id = c.inbox_id WHERE {}",
            self.cond(q, scope)
        )
    }

    /// Streams the message rows of the conversations of `scope`, in time order.
    fn raw_messages(
        &mut self,
        scope: &Scope,
        bad: &mut Malformed,
        f: &mut dyn FnMut(Msg),
    ) -> Result<(), PluginError> {
        let mut q = Query::new(Dialect::Postgres);
        let ids = self.conv_ids(&mut q, scope);
        let sql = format!(
            "SELECT m.conversation_id::text, m.id::text, m.created_at, m.message_type, m.private, m.sender_type::text, u.name::text, m.content::text \
             FROM messages m LEFT JOIN users u ON m.sender_type = 'User' AND u.id = m.sender_id \
             WHERE m.conversation_id IN ({ids}) ORDER BY m.created_at, m.id"
        );
        let zone = self.zone;
        self.conn.for_each(&sql, &q.params, |r| {
            let id = r.text(1).ok().flatten().unwrap_or_default().into_owned();
            let res = (|| -> Result<Msg, String> {
                Ok(Msg {
                    conversation: text(r, 0)?.ok_or("no conversation_id")?,
                    at: ms(r, 2, zone)?.ok_or("no created_at")?,
                    kind: r.int(3).map_err(cell_err)?.ok_or("no message_type")?,
                    private: r.bool(4).map_err(cell_err)?.unwrap_or(false),
                    sender_type: text(r, 5)?,
                    user_name: text(r, 6)?,
                    content: r
                        .text(7)
                        .map_err(cell_err)?
                        .unwrap_or_default()
                        .into_owned(),
                })
            })();
            match res {
                Ok(m) => f(m),
                Err(e) => bad.add_record(&format!("messages id={id}"), &e),
            }
            Ok::<(), PluginError>(())
        })?;
        Ok(())
    }

    /// The conversations of `scope` as sessions (two queries: conversations, then their
    /// messages for the derived times).
    pub fn sessions(
        &mut self,
        scope: &Scope,
        bad: &mut Malformed,
        out: &mut Sessions,
    ) -> Result<(), PluginError> {
        let mut q = Query::new(Dialect::Postgres);
        let cond = self.cond(&mut q, scope);
        let sql = format!(
            "SELECT c.id::text, c.display_id::text, c.status, c.created_at, c.updated_at, c.first_reply_created_at, \
                    u.name::text, i.name::text, i.channel_type::text, c.contact_id::text, ct.name::text, \
                    ct.phone_number::text, ct.email::text, {labels}::text, c.additional_attributes::text, \
                    c.custom_attributes::text, {team} \
             FROM conversations c \
             LEFT JOIN inboxes i ON i.id = c.inbox_id \
             LEFT JOIN users u ON u.id = c.assignee_id \
             LEFT JOIN contacts ct ON ct.id = c.contact_id {team_join} \
             WHERE {cond} ORDER BY c.created_at, c.id",
            labels = self.labels,
            team = self.team_name,
            team_join = self.team_join,
        );
        let zone = self.zone;
        let mut convs: Vec<Conv> = Vec::new();
        let mut index: std::collections::HashMap<String, usize> = Default::default();
        self.conn.for_each(&sql, &q.params, |r| {
            let id = r.text(0).ok().flatten().unwrap_or_default().into_owned();
            let json_obj = |i: usize| -> Result<Option<Json>, String> {
                match text(r, i)? {
                    None => Ok(None),
                    Some(t) => serde_json::from_str(&t)
                        .map(Some)
                        .map_err(|e| format!("column {}: not JSON: {e}", r.name(i))),
                }
            };
            let res = (|| -> Result<Conv, String> {
                let inbox_id_name = text(r, 7)?;
                Ok(Conv {
                    id: text(r, 0)?.ok_or("no id")?,
                    display_id: text(r, 1)?,
                    status: r.int(2).map_err(cell_err)?.ok_or("no status")?,
                    created_at: ms(r, 3, zone)?.ok_or("no created_at")?,
                    updated_at: ms(r, 4, zone)?,
                    first_reply_at: ms(r, 5, zone)?,
                    assignee: text(r, 6)?,
                    inbox: inbox_id_name.ok_or("inbox not found")?,
                    channel: text(r, 8)?.map(|c| channel_name(&c)),
                    contact_id: text(r, 9)?,
                    contact_name: text(r, 10)?,
                    phone: text(r, 11)?,
                    email: text(r, 12)?,
                    labels: text(r, 13)?,
                    additional: json_obj(14)?,
                    custom: json_obj(15)?,
                    team: text(r, 16)?,
                    seen: Seen::default(),
                })
            })();
            match res {
                Ok(c) => {
                    index.insert(c.id.clone(), convs.len());
                    convs.push(c);
                }
                Err(e) => bad.add_record(&format!("conversations id={id}"), &e),
            }
            Ok::<(), PluginError>(())
        })?;
        if convs.is_empty() {
            return Ok(());
        }
        // Message-derived facts. Bad message rows are counted by the report's own message
        // pass only, so a row is never counted twice.
        let mut scratch = Malformed::default();
        self.raw_messages(scope, &mut scratch, &mut |m| {
            let Some(&i) = index.get(&m.conversation) else {
                return;
            };
            let s = &mut convs[i].seen;
            s.last_any = Some(s.last_any.map_or(m.at, |x| x.max(m.at)));
            if m.private {
                return;
            }
            match (m.kind, m.sender_type.as_deref()) {
                (OUTGOING, Some("AgentBot")) => {
                    s.first_bot.get_or_insert(m.at);
                    if s.first_human.is_none() {
                        s.last_bot_before_human = Some(m.at);
                    }
                }
                (OUTGOING, Some("User")) => {
                    s.first_human.get_or_insert(m.at);
                    if let Some(n) = m.user_name
                        && !s.agents.contains(&n)
                    {
                        s.agents.push(n);
                    }
                }
                (ACTIVITY, _) if s.first_bot.is_some() => {
                    s.first_activity_after_bot.get_or_insert(m.at);
                }
                _ => {}
            }
        })?;
        for c in convs {
            let id = c.id.clone();
            match session_of(c) {
                Ok(s) => out.push(s),
                Err(e) => bad.add_record(&format!("conversations id={id}"), &e),
            }
        }
        Ok(())
    }

    /// The public messages of the conversations of `scope` in the neutral form.
    pub fn messages(
        &mut self,
        scope: &Scope,
        bad: &mut Malformed,
        f: &mut dyn FnMut(Message),
    ) -> Result<(), PluginError> {
        let mut unknown: Vec<(String, String)> = Vec::new();
        self.raw_messages(scope, bad, &mut |m| {
            // Internal notes are not part of the conversation with the contact; activity
            // messages (assignments, status changes) are not messages.
            if m.private || m.kind == ACTIVITY {
                return;
            }
            let (incoming, author, agent) = match (m.kind, m.sender_type.as_deref()) {
                (INCOMING, _) => (true, model::Author::Contact, None),
                (OUTGOING, Some("User")) => (false, model::Author::Agent, m.user_name),
                (OUTGOING | TEMPLATE, _) => (false, model::Author::Bot, None),
                (other, _) => {
                    unknown.push((
                        m.conversation.clone(),
                        format!("unknown message_type {other}"),
                    ));
                    return;
                }
            };
            f(Message {
                session: m.conversation,
                at: m.at,
                incoming,
                author,
                agent,
                step: None,
                text: m.content,
            });
        })?;
        for (conv, e) in unknown {
            bad.add_record(&format!("messages conversation_id={conv}"), &e);
        }
        Ok(())
    }

    /// CSAT responses as surveys (`csat` 1–5 and its rating word; no NPS).
    pub fn surveys(
        &mut self,
        scope: &SurveyScope,
        bad: &mut Malformed,
        f: &mut dyn FnMut(Survey),
    ) -> Result<(), PluginError> {
        let mut q = Query::new(Dialect::Postgres);
        let cond = match scope {
            SurveyScope::At { from, to } => {
                let (a, b) = (self.naive(&mut q, *from), self.naive(&mut q, *to));
                let acc = self.account(&mut q, "account_id");
                format!("created_at >= {a} AND created_at < {b}{acc}")
            }
            SurveyScope::Of(s) => format!("conversation_id IN ({})", self.conv_ids(&mut q, s)),
        };
        let sql = format!(
            "SELECT conversation_id::text, id::text, created_at, rating, feedback_message::text \
             FROM csat_survey_responses WHERE {cond} ORDER BY created_at, id"
        );
        let zone = self.zone;
        self.conn.for_each(&sql, &q.params, |r| {
            let id = r.text(1).ok().flatten().unwrap_or_default().into_owned();
            let res = (|| -> Result<Survey, String> {
                let mut o = Map::new();
                o.insert("session".into(), json!(text(r, 0)?));
                o.insert("at".into(), json!(ms(r, 2, zone)?.ok_or("no created_at")?));
                o.insert(
                    "csat".into(),
                    json!(r.int(3).map_err(cell_err)?.ok_or("no rating")?),
                );
                o.insert("comment".into(), json!(text(r, 4)?));
                model::survey_from_value(Json::Object(o))
            })();
            match res {
                Ok(s) => f(s),
                Err(e) => bad.add_record(&format!("csat_survey_responses id={id}"), &e),
            }
            Ok::<(), PluginError>(())
        })?;
        Ok(())
    }
}

fn pairs(v: Option<Json>) -> Json {
    match v {
        Some(Json::Object(m)) => Json::Object(m),
        _ => Json::Object(Map::new()),
    }
}

fn ms_json(ms: Option<i64>) -> Json {
    ms.map_or(Json::Null, |m| json!(m))
}

/// The neutral session of a conversation (README "Chatwoot" mapping table).
fn session_of(c: Conv) -> Result<Session, String> {
    let s = &c.seen;
    let has_bot = s.first_bot.is_some();
    let first_contact = s.first_human.or(c.first_reply_at);
    // A bot conversation reached the panel when an agent wrote, it was assigned, or it is
    // waiting in the inbox (open/snoozed); a conversation without a bot is in the inbox
    // from its creation unless it is still pending (bot-handled).
    let handed =
        first_contact.is_some() || c.assignee.is_some() || c.status == OPEN || c.status == SNOOZED;
    let panel_at = if !has_bot {
        (c.status != PENDING).then_some(c.created_at)
    } else if handed {
        // The first assignment/status activity after the bot, else the first agent message,
        // else the bot's last message (the hand-off reply).
        match (s.first_activity_after_bot, s.first_human) {
            (Some(a), Some(h)) => Some(a.min(h)),
            (a, h) => a.or(h).or(s.last_bot_before_human),
        }
    } else {
        None
    };
    let ended_at =
        (c.status == RESOLVED).then(|| s.last_any.or(c.updated_at).unwrap_or(c.created_at));
    let status = status_of(c.status, panel_at.is_some(), first_contact.is_some())?;
    let mut agents = s.agents.clone();
    if let Some(a) = &c.assignee
        && !agents.contains(a)
    {
        agents.push(a.clone());
    }
    let tags: Vec<String> = c
        .labels
        .as_deref()
        .unwrap_or("")
        .split(',')
        .map(str::trim)
        .filter(|t| !t.is_empty())
        .map(str::to_owned)
        .collect();
    let mut o = Map::new();
    o.insert("id".into(), json!(c.id));
    if let Some(d) = &c.display_id {
        o.insert("protocol".into(), json!(d));
    }
    o.insert("bot".into(), json!(c.inbox));
    o.insert("channel".into(), json!(c.channel));
    o.insert("contact".into(), json!(c.contact_id));
    o.insert("contact_name".into(), json!(c.contact_name));
    o.insert("contact_phone".into(), json!(c.phone));
    o.insert("contact_email".into(), json!(c.email));
    o.insert("department".into(), json!(c.team));
    o.insert("started_at".into(), json!(c.created_at));
    o.insert("ended_at".into(), ms_json(ended_at));
    o.insert("status".into(), json!(status.map(|s| s.label())));
    o.insert("panel_at".into(), ms_json(panel_at));
    o.insert("first_contact_at".into(), ms_json(first_contact));
    o.insert("agents".into(), json!(agents));
    o.insert("tags".into(), json!(tags));
    o.insert("form".into(), pairs(c.additional));
    o.insert("additional_info".into(), pairs(c.custom));
    model::session_from_value(Json::Object(o))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn channel_names() {
        assert_eq!(channel_name("Channel::WebWidget"), "webchat");
        assert_eq!(channel_name("Channel::Whatsapp"), "whatsapp");
        assert_eq!(channel_name("Channel::TwilioSms"), "twilio_sms");
    }

    #[test]
    fn status_mapping() {
        assert_eq!(status_of(PENDING, false, false), Ok(None));
        assert_eq!(status_of(OPEN, true, false), Ok(Some(Status::Waiting)));
        assert_eq!(status_of(SNOOZED, true, true), Ok(Some(Status::Started)));
        assert_eq!(status_of(RESOLVED, true, true), Ok(Some(Status::Concluded)));
        assert_eq!(
            status_of(RESOLVED, true, false),
            Ok(Some(Status::Cancelled))
        );
        assert_eq!(status_of(RESOLVED, false, false), Ok(None));
        assert!(status_of(9, false, false).is_err());
    }
}
