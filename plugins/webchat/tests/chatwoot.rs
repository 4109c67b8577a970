//! The Chatwoot adapter against a real PostgreSQL holding Chatwoot's tables (DDL after
//! Chatwoot's db/schema.rb, trimmed to the columns that matter plus a few it does not read)
//! and a hand-built set of conversations; expectations computed by hand below. Also: the
//! neutral tables' malformed rows and dynamic columns, a wrong password, and validation.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::tables::sqlite_exec;
use common::*;
use reportd_plugin_api::Plugin;
use reportd_plugin_api::sql::{Dialect, testing};
use reportd_webchat::WebchatPlugin;
use serde_json::{Value as Json, json};

/// Chatwoot's tables (`timestamp(6)` without time zone holding UTC, as Rails writes them).
const DDL: &str = "
CREATE TABLE accounts (id serial PRIMARY KEY, name varchar NOT NULL, created_at timestamp(6) NOT NULL DEFAULT now(), updated_at timestamp(6) NOT NULL DEFAULT now());
CREATE TABLE users (id serial PRIMARY KEY, provider varchar DEFAULT 'email' NOT NULL, uid varchar DEFAULT '' NOT NULL,
  name varchar NOT NULL, display_name varchar, email varchar, created_at timestamp(6) NOT NULL DEFAULT now(),
  updated_at timestamp(6) NOT NULL DEFAULT now(), type varchar);
CREATE TABLE agent_bots (id bigserial PRIMARY KEY, name varchar, description varchar, outgoing_url varchar,
  account_id bigint, created_at timestamp(6) NOT NULL DEFAULT now(), updated_at timestamp(6) NOT NULL DEFAULT now());
CREATE TABLE inboxes (id serial PRIMARY KEY, channel_id integer NOT NULL, account_id integer NOT NULL, name varchar NOT NULL,
  created_at timestamp(6) NOT NULL DEFAULT now(), updated_at timestamp(6) NOT NULL DEFAULT now(), channel_type varchar,
  enable_auto_assignment boolean DEFAULT true, greeting_enabled boolean DEFAULT false, csat_survey_enabled boolean DEFAULT false);
CREATE TABLE contacts (id serial PRIMARY KEY, name varchar DEFAULT '', email varchar, phone_number varchar,
  account_id integer NOT NULL, created_at timestamp(6) NOT NULL DEFAULT now(), updated_at timestamp(6) NOT NULL DEFAULT now(),
  additional_attributes jsonb DEFAULT '{}', identifier varchar, custom_attributes jsonb DEFAULT '{}', last_activity_at timestamp);
CREATE TABLE teams (id bigserial PRIMARY KEY, name varchar NOT NULL, description text, allow_auto_assign boolean DEFAULT true,
  account_id bigint NOT NULL, created_at timestamp(6) NOT NULL DEFAULT now(), updated_at timestamp(6) NOT NULL DEFAULT now());
CREATE TABLE conversations (id serial PRIMARY KEY, account_id integer NOT NULL, inbox_id integer NOT NULL,
  status integer DEFAULT 0 NOT NULL, assignee_id integer, created_at timestamp(6) NOT NULL, updated_at timestamp(6) NOT NULL,
  contact_id bigint, display_id integer NOT NULL, contact_last_seen_at timestamp, agent_last_seen_at timestamp,
  additional_attributes jsonb DEFAULT '{}', contact_inbox_id bigint, uuid uuid DEFAULT gen_random_uuid() NOT NULL,
  identifier varchar, last_activity_at timestamp DEFAULT CURRENT_TIMESTAMP NOT NULL, team_id bigint, campaign_id bigint,
  snoozed_until timestamp, custom_attributes jsonb DEFAULT '{}', assignee_last_seen_at timestamp,
  first_reply_created_at timestamp, priority integer, sla_policy_id bigint, waiting_since timestamp, cached_label_list text);
CREATE INDEX index_conversations_on_account_id ON conversations (account_id);
CREATE UNIQUE INDEX index_conversations_on_account_id_and_display_id ON conversations (account_id, display_id);
CREATE TABLE messages (id serial PRIMARY KEY, content text, account_id integer NOT NULL, inbox_id integer NOT NULL,
  conversation_id integer NOT NULL, message_type integer NOT NULL, created_at timestamp(6) NOT NULL,
  updated_at timestamp(6) NOT NULL DEFAULT now(), private boolean DEFAULT false NOT NULL, status integer DEFAULT 0,
  source_id varchar, content_type integer DEFAULT 0 NOT NULL, content_attributes json DEFAULT '{}',
  sender_type varchar, sender_id bigint, external_source_ids jsonb DEFAULT '{}', additional_attributes jsonb DEFAULT '{}',
  processed_message_content text, sentiment jsonb DEFAULT '{}');
CREATE INDEX index_messages_on_conversation_id ON messages (conversation_id);
CREATE TABLE csat_survey_responses (id bigserial PRIMARY KEY, account_id bigint NOT NULL, conversation_id bigint NOT NULL,
  message_id bigint NOT NULL, rating integer NOT NULL, feedback_message text, contact_id bigint NOT NULL,
  assigned_agent_id bigint, created_at timestamp(6) NOT NULL, updated_at timestamp(6) NOT NULL DEFAULT now());
";

/// The conversation set. Times are UTC (Sao Paulo = UTC−3 in November 2022).
///
/// * 1 (#101, Site — a web widget with an agent bot, resolved, assigned to Ana): contact
///   12:00:00, bot 12:00:05, contact 12:01:00, bot hand-off 12:01:10, assignment activity
///   12:02:00, Ana 12:03:30, Ana's private note 12:04:00, contact 12:05:00, resolved
///   (activity) 12:10:00. CSAT 5 "ótimo".
/// * 2 (#102, WhatsApp — no bot, resolved, assigned to Bruno): contact 13:00, Bruno 13:04,
///   Ana 13:06, resolved 13:20. CSAT rating 7 (malformed: Chatwoot's scale is 1–5).
/// * 3 (#103, Site, pending = still with the bot): contact 15:00:00, bot 15:00:03.
/// * 4 (#104, Site, resolved, auto-assigned to Ana who never answered): contact 16:00:00,
///   bot 16:00:02, assignment 16:00:30, resolved 16:30:00.
/// * 5 (#105, WhatsApp, open, unassigned) on Nov 4: contact 11:00.
/// * 6 (#106) created 2022-11-01 02:00 UTC = Oct 31 23:00 local: outside November.
/// * 7 (account 2) on Nov 2: filtered out by account_id = 1.
/// * 8 (#107) with status 9: malformed.
/// * 9 (#108, WhatsApp, snoozed, Bruno) created 2022-12-01 02:30 UTC = Nov 30 23:30
///   local (inside the period although its UTC date is December): contact 02:30, Bruno
///   02:31.
const DATA: &str = "
INSERT INTO accounts (id, name) VALUES (1, 'Acme'), (2, 'Other');
INSERT INTO users (id, name, email) VALUES (1, 'Ana', 'ana@acme.com'), (2, 'Bruno', 'bruno@acme.com');
INSERT INTO agent_bots (id, name) VALUES (1, 'Triagem');
INSERT INTO inboxes (id, channel_id, account_id, name, channel_type) VALUES
  (1, 1, 1, 'Site', 'Channel::WebWidget'), (2, 1, 1, 'WhatsApp', 'Channel::Whatsapp'), (3, 2, 2, 'Outro', 'Channel::Api');
INSERT INTO contacts (id, name, email, phone_number, account_id) VALUES
  (1, 'Maria', 'maria@x.com', '+5511999990001', 1), (2, 'João', NULL, '+5521988880002', 1),
  (3, '', NULL, '+5531977770003', 1), (4, 'Zé', NULL, '+5541966660004', 2);
INSERT INTO teams (id, name, account_id) VALUES (1, 'Vendas', 1);
INSERT INTO conversations (id, account_id, inbox_id, status, assignee_id, created_at, updated_at, contact_id, display_id,
  team_id, cached_label_list, custom_attributes, first_reply_created_at) VALUES
  (1, 1, 1, 1, 1, '2022-11-02 12:00:00', '2022-11-02 12:10:00', 1, 101, 1, 'vip,billing', '{\"pedido\": \"123\"}', '2022-11-02 12:03:30'),
  (2, 1, 2, 1, 2, '2022-11-02 13:00:00', '2022-11-02 13:20:00', 2, 102, NULL, NULL, '{}', '2022-11-02 13:04:00'),
  (3, 1, 1, 2, NULL, '2022-11-03 15:00:00', '2022-11-03 15:00:03', 3, 103, NULL, NULL, '{}', NULL),
  (4, 1, 1, 1, 1, '2022-11-03 16:00:00', '2022-11-03 16:30:00', 1, 104, NULL, '', '{}', NULL),
  (5, 1, 2, 0, NULL, '2022-11-04 11:00:00', '2022-11-04 11:00:00', 2, 105, NULL, NULL, '{}', NULL),
  (6, 1, 2, 1, 2, '2022-11-01 02:00:00', '2022-11-01 02:30:00', 2, 106, NULL, NULL, '{}', NULL),
  (7, 2, 3, 1, NULL, '2022-11-02 12:00:00', '2022-11-02 12:30:00', 4, 1, NULL, NULL, '{}', NULL),
  (8, 1, 2, 9, NULL, '2022-11-05 12:00:00', '2022-11-05 12:00:00', 2, 107, NULL, NULL, '{}', NULL),
  (9, 1, 2, 3, 2, '2022-12-01 02:30:00', '2022-12-01 02:31:00', 2, 108, NULL, NULL, '{}', '2022-12-01 02:31:00');
INSERT INTO messages (conversation_id, account_id, inbox_id, message_type, created_at, private, sender_type, sender_id, content) VALUES
  (1, 1, 1, 0, '2022-11-02 12:00:00', false, 'Contact', 1, 'oi'),
  (1, 1, 1, 1, '2022-11-02 12:00:05', false, 'AgentBot', 1, 'Olá! Escolha uma opção'),
  (1, 1, 1, 0, '2022-11-02 12:01:00', false, 'Contact', 1, 'falar com humano'),
  (1, 1, 1, 1, '2022-11-02 12:01:10', false, 'AgentBot', 1, 'Transferindo para um agente'),
  (1, 1, 1, 2, '2022-11-02 12:02:00', false, NULL, NULL, 'Assigned to Ana by Triagem'),
  (1, 1, 1, 1, '2022-11-02 12:03:30', false, 'User', 1, 'Oi, sou a Ana'),
  (1, 1, 1, 1, '2022-11-02 12:04:00', true, 'User', 1, 'nota interna'),
  (1, 1, 1, 0, '2022-11-02 12:05:00', false, 'Contact', 1, 'obrigada'),
  (1, 1, 1, 2, '2022-11-02 12:10:00', false, NULL, NULL, 'Conversation was marked resolved by Ana'),
  (2, 1, 2, 0, '2022-11-02 13:00:00', false, 'Contact', 2, 'bom dia'),
  (2, 1, 2, 1, '2022-11-02 13:04:00', false, 'User', 2, 'Bom dia!'),
  (2, 1, 2, 1, '2022-11-02 13:06:00', false, 'User', 1, 'Complementando'),
  (2, 1, 2, 2, '2022-11-02 13:20:00', false, NULL, NULL, 'Conversation was marked resolved by Bruno'),
  (3, 1, 1, 0, '2022-11-03 15:00:00', false, 'Contact', 3, 'preço?'),
  (3, 1, 1, 1, '2022-11-03 15:00:03', false, 'AgentBot', 1, 'R$ 10'),
  (4, 1, 1, 0, '2022-11-03 16:00:00', false, 'Contact', 1, 'oi de novo'),
  (4, 1, 1, 1, '2022-11-03 16:00:02', false, 'AgentBot', 1, 'Transferindo para um agente'),
  (4, 1, 1, 2, '2022-11-03 16:00:30', false, NULL, NULL, 'Assigned to Ana by Triagem'),
  (4, 1, 1, 2, '2022-11-03 16:30:00', false, NULL, NULL, 'Conversation was marked resolved by system'),
  (5, 1, 2, 0, '2022-11-04 11:00:00', false, 'Contact', 2, 'alô?'),
  (6, 1, 2, 0, '2022-11-01 02:00:00', false, 'Contact', 2, 'old'),
  (7, 2, 3, 0, '2022-11-02 12:00:00', false, 'Contact', 4, 'other account'),
  (9, 1, 2, 0, '2022-12-01 02:30:00', false, 'Contact', 2, 'tarde da noite'),
  (9, 1, 2, 1, '2022-12-01 02:31:00', false, 'User', 2, 'Estou aqui');
INSERT INTO csat_survey_responses (account_id, conversation_id, message_id, rating, feedback_message, contact_id, assigned_agent_id, created_at) VALUES
  (1, 1, 9, 5, 'ótimo', 1, 1, '2022-11-02 12:11:00'),
  (1, 2, 13, 7, NULL, 2, 2, '2022-11-02 13:21:00');
";

fn chatwoot() -> (testing::TestDb, Json) {
    let mut db = testing::database(Dialect::Postgres, "chatwoot");
    db.exec(DDL);
    db.exec(DATA);
    let mut src = db.source("database");
    src.insert("schema".into(), json!("chatwoot"));
    src.insert("account_id".into(), json!(1));
    (db, Json::Object(src))
}

/// Unix ms of a UTC wall-clock time in November 2022 (NOV1 is 03:00 UTC).
fn utc(day: i64, h: i64, m: i64, s: i64) -> i64 {
    nov(day, h, m, s) - 3 * 3_600_000
}

fn cw_run(src: &Json, report: &str, params: Json) -> Collect {
    run(&request(report, src.clone(), params, NOV1, DEC1)).unwrap()
}

#[test]
fn chatwoot_sessions_by_day() {
    let (_db, src) = chatwoot();
    let out = cw_run(&src, "webchat.sessions_by_day", json!({}));
    // Local days (UTC−3): conversations 1, 2 on Nov 2; 3, 4 on Nov 3; 5 on Nov 4; 9 on Nov
    // 30 (02:30 UTC Dec 1). 6 is Oct 31 local, 7 another account, 8 malformed.
    // Day numbers: Nov 1 = 19297 → Nov 2 = 19298, Nov 3 = 19299, Nov 4 = 19300, Nov 30 = 19326.
    assert_eq!(
        out.rows,
        vec![
            vec![Cell::Date(19298), t("Site"), Cell::Int(1)],
            vec![Cell::Date(19298), t("WhatsApp"), Cell::Int(1)],
            vec![Cell::Date(19299), t("Site"), Cell::Int(2)],
            vec![Cell::Date(19300), t("WhatsApp"), Cell::Int(1)],
            vec![Cell::Date(19326), t("WhatsApp"), Cell::Int(1)],
        ]
    );
    let w = out.warning("MALFORMED_LINES").unwrap();
    assert_eq!(w.count, 1);
    assert!(
        w.examples[0].contains("conversations id=8") && w.examples[0].contains("status 9"),
        "{:?}",
        w.examples
    );
}

#[test]
fn chatwoot_session_detail_wait_times() {
    let (_db, src) = chatwoot();
    let out = cw_run(&src, "webchat.session_detail", json!({}));
    assert_eq!(out.rows.len(), 6);
    let ids: Vec<Cell> = out.column("contact_name");
    assert_eq!(
        ids,
        vec![
            t("Maria"),
            t("João"),
            Cell::Null, // contact 3 has an empty name
            t("Maria"),
            t("João"),
            t("João")
        ]
    );
    let dt = |ms: i64| Cell::DateTime(local(ms));
    // 1: panel = the assignment activity after the bot (12:02:00), first contact = Ana's
    // first public reply 12:03:30 → wait 90 s = 90000 ms; end = the resolution activity
    // 12:10:00; in = 3 contact messages, out = 2 bot + 1 Ana (the private note and the
    // activities are not messages).
    let r = out.row(0);
    assert_eq!(r["bot"], t("Site"));
    assert_eq!(r["channel"], t("webchat"));
    assert_eq!(r["session_start"], dt(utc(2, 12, 0, 0)));
    assert_eq!(r["session_end"], dt(utc(2, 12, 10, 0)));
    assert_eq!(r["contact_phone"], t("+5511999990001"));
    assert_eq!(r["panel_start"], dt(utc(2, 12, 2, 0)));
    assert_eq!(r["first_contact"], dt(utc(2, 12, 3, 30)));
    assert_eq!(r["wait_ms"], Cell::Duration(90_000));
    assert_eq!(r["messages_in"], Cell::Int(3));
    assert_eq!(r["messages_out"], Cell::Int(3));
    assert_eq!(r["agents"], t("Ana"));
    assert_eq!(r["panel"], Cell::Bool(true));
    assert_eq!(r["abandoned"], Cell::Bool(false));
    assert_eq!(r["last_step"], Cell::Null); // Chatwoot has no flow steps
    // 2: no bot → in the panel from creation 13:00; Bruno 13:04 → 240000 ms; agents in the
    // order they wrote.
    let r = out.row(1);
    assert_eq!(r["channel"], t("whatsapp"));
    assert_eq!(r["panel_start"], dt(utc(2, 13, 0, 0)));
    assert_eq!(r["wait_ms"], Cell::Duration(240_000));
    assert_eq!(r["agents"], t("Bruno, Ana"));
    assert_eq!(
        (r["messages_in"].clone(), r["messages_out"].clone()),
        (Cell::Int(1), Cell::Int(2))
    );
    // 3: pending, bot only: no panel, no end.
    let r = out.row(2);
    assert_eq!(r["panel"], Cell::Bool(false));
    assert_eq!(r["session_end"], Cell::Null);
    assert_eq!(r["wait_ms"], Cell::Null);
    // 4: assigned to Ana at 16:00:30, nobody answered, resolved 16:30 → abandoned.
    let r = out.row(3);
    assert_eq!(r["panel_start"], dt(utc(3, 16, 0, 30)));
    assert_eq!(r["first_contact"], Cell::Null);
    assert_eq!(r["abandoned"], Cell::Bool(true));
    assert_eq!(r["wait_ms"], Cell::Null);
    assert_eq!(r["agents"], t("Ana"));
    // 5: open, waiting: in the panel, not abandoned (not over).
    let r = out.row(4);
    assert_eq!(r["panel"], Cell::Bool(true));
    assert_eq!(r["abandoned"], Cell::Bool(false));
    // 9: 02:30 → Bruno 02:31 = 60000 ms.
    assert_eq!(out.row(5)["wait_ms"], Cell::Duration(60_000));
    assert_eq!(out.warning("MALFORMED_LINES").unwrap().count, 1);
}

#[test]
fn chatwoot_agent_analysis() {
    let (_db, src) = chatwoot();
    let out = cw_run(&src, "webchat.agent_analysis", json!({}));
    // Ana: conv 1 12:03:30→12:10:00 = 390 s, conv 2 13:04→13:20 = 960 s, conv 4 (no reply:
    // from the panel entry) 16:00:30→16:30:00 = 1770 s; disjoint → 3120 s over 3 sessions
    // = 1040 s; messages: 1 in conv 1 (the note is private) + 1 in conv 2 = 2.
    // Bruno: conv 2 960 s + conv 9 02:31 → period end 03:00 (not ended) = 1740 s → 2700 s
    // over 2 = 1350 s; messages 1 + 1 = 2. Shares 2/4 = 50.00 %.
    let s = |x: i64| Cell::Duration(x * 1000);
    assert_eq!(
        out.rows,
        vec![
            vec![
                t("Ana"),
                s(3120),
                s(1040),
                Cell::Int(3),
                Cell::Int(2),
                Cell::Decimal(5000, 2)
            ],
            vec![
                t("Bruno"),
                s(2700),
                s(1350),
                Cell::Int(2),
                Cell::Int(2),
                Cell::Decimal(5000, 2)
            ],
        ]
    );
}

#[test]
fn chatwoot_statuses_csat_labels_transcript() {
    let (_db, src) = chatwoot();
    // Ana's attendances: 1 Concluído (resolved, answered), 2 Concluído, 4 Cancelado
    // (resolved after reaching the panel, never answered); seed order Cancelado first.
    let out = cw_run(
        &src,
        "webchat.agent_attendances_by_status",
        json!({"agent": "Ana"}),
    );
    assert_eq!(
        out.rows,
        vec![
            vec![t("Cancelado"), Cell::Int(1)],
            vec![t("Concluído"), Cell::Int(2)]
        ]
    );
    let open = cw_run(
        &src,
        "webchat.agent_attendances_by_status",
        json!({"agent": "Bruno"}),
    );
    // Bruno: 2 Concluído; 9 snoozed and answered = Iniciado (seed order: Iniciado first).
    assert_eq!(
        open.rows,
        vec![
            vec![t("Iniciado"), Cell::Int(1)],
            vec![t("Concluído"), Cell::Int(1)]
        ]
    );
    // CSAT 5 → "excelente"; no NPS from a 1–5 scale; the rating 7 row is malformed.
    let nps = cw_run(&src, "webchat.nps", json!({}));
    assert_eq!(nps.rows.len(), 1);
    let r = nps.row(0);
    assert_eq!(r["protocol"], t("101"));
    assert_eq!(r["rating"], t("excelente"));
    assert_eq!(r["nps_score"], Cell::Null);
    assert_eq!(r["comment"], t("ótimo"));
    assert_eq!(nps.meta["nps"], "");
    assert_eq!(nps.meta["nps_answers"], "0");
    assert_eq!(nps.warning("MALFORMED_LINES").unwrap().count, 1);
    // Labels (cached_label_list) filter, team as department, custom attributes as info.
    let vip = cw_run(
        &src,
        "webchat.agent_attendances",
        json!({"agent": "Ana", "tag": "vip"}),
    );
    assert_eq!(vip.rows.len(), 1);
    assert_eq!(vip.row(0)["protocol"], t("101"));
    assert_eq!(vip.row(0)["tags"], t("vip, billing"));
    assert_eq!(vip.row(0)["department"], t("Vendas"));
    assert_eq!(vip.row(0)["evaluation"], t("excelente"));
    // The transcript of #101: 6 public messages, activities and the note left out.
    let tr = cw_run(
        &src,
        "webchat.attendance_transcript",
        json!({"protocol": "101"}),
    );
    assert_eq!(
        tr.column("author_name"),
        vec![
            t("Maria"),
            t("Site"),
            t("Maria"),
            t("Site"),
            t("Ana"),
            t("Maria")
        ]
    );
}

#[test]
fn chatwoot_without_account_filter_reads_every_account() {
    let (_db, src) = chatwoot();
    let mut src = src;
    src.as_object_mut().unwrap().remove("account_id");
    let out = cw_run(&src, "webchat.session_analysis", json!({}));
    // Account 2's inbox "Outro" now appears beside account 1's two inboxes.
    let bots: Vec<Cell> = out.column("bot");
    assert_eq!(bots, vec![t("Outro"), t("Site"), t("WhatsApp")]);
}

#[test]
fn wrong_password_is_unreachable_and_not_printed() {
    let db = testing::database(Dialect::Postgres, "cw_pw");
    // postgres://rtest:PASSWORD@host:port/db → the same with a wrong password.
    let (head, tail) = db.url.split_once('@').unwrap();
    let user = head.rsplit_once(':').unwrap().0;
    let url = format!("{user}:not-the-secret-42@{tail}");
    let req = request(
        "webchat.sessions_by_day",
        json!({"database": url, "schema": "chatwoot"}),
        json!({}),
        NOV1,
        DEC1,
    );
    let plugin = WebchatPlugin::new();
    assert!(plugin.validate(&req).is_ok());
    let mut sink = Collect::default();
    let e = plugin.generate(&req, &mut sink).unwrap_err();
    assert_eq!(e.code, "SOURCE_DB_UNREACHABLE");
    assert!(!e.message.contains("not-the-secret-42"), "{}", e.message);
}

#[test]
fn neutral_tables_malformed_rows_and_dynamic_columns() {
    let dir = tempfile::tempdir().unwrap();
    // Extra columns: menu_* → menus, typification_* → typifications, others → additional
    // info; all folded to text (the integer 123 reads "123").
    sqlite_exec(
        &dir.path().join("data.db"),
        "CREATE TABLE sessions (id TEXT, bot TEXT, started_at TEXT, ended_at TEXT, status TEXT, agents TEXT,
           menu_MenuPrincipal TEXT, typification_Motivo TEXT, pedido INTEGER);
         INSERT INTO sessions VALUES
           ('a', 'Bot', '2022-11-02T09:00:00-03:00', '2022-11-02T09:10:00-03:00', 'Concluído', 'Ana', 'Bancos', 'Motivo 4', 123),
           ('b', 'Bot', '2022-11-02T10:00:00-03:00', NULL, 'Zzz', NULL, NULL, NULL, NULL),
           ('c', 'Bot', '2022-11-02 13:00:00', NULL, NULL, '[oops', NULL, NULL, NULL),
           ('d', 'Bot', '2022-10-02T10:00:00-03:00', NULL, NULL, NULL, NULL, NULL, NULL);
         CREATE TABLE messages (session_id TEXT, at TEXT, direction TEXT, text TEXT);
         INSERT INTO messages VALUES ('a', '2022-11-02T09:01:00-03:00', 'in', 'oi'),
           ('a', '2022-11-02T09:02:00-03:00', 'sideways', 'x'), ('a', 'yesterday', 'out', 'y');",
    );
    let src = json!({"config_dir": dir.path().to_str().unwrap(), "database": "sqlite://data.db"});
    let out = run(&request(
        "webchat.session_detail",
        src.clone(),
        json!({}),
        NOV1,
        DEC1,
    ))
    .unwrap();
    // Rows: 'a' and 'c'; 'b' has an unknown status (malformed), 'd' started in October.
    let names: Vec<Cell> = out.column("menus");
    assert_eq!(names[0], t("MenuPrincipal: Bancos"));
    assert_eq!(out.row(0)["typifications"], t("Motivo: Motivo 4"));
    assert_eq!(out.row(0)["messages_in"], Cell::Int(1));
    // 'c' is a naive time: wall clock of the report zone (database_timezone unset) →
    // 13:00 local; its agents '[oops' is not a JSON array, read as the list ["[oops"].
    assert_eq!(out.rows.len(), 2);
    assert_eq!(
        out.row(1)["session_start"],
        Cell::DateTime(local(nov(2, 13, 0, 0)))
    );
    assert_eq!(out.row(1)["agents"], t("[oops"));
    // Malformed: session 'b' (status), message direction 'sideways', message time 'yesterday'.
    let w = out.warning("MALFORMED_LINES").unwrap();
    assert_eq!(w.count, 3, "{:?}", w.examples);
    assert!(w.examples[0].contains("sessions id=b"), "{:?}", w.examples);
    let info = run(&request(
        "webchat.agent_attendances",
        src,
        json!({"agent": "Ana"}),
        NOV1,
        DEC1,
    ))
    .unwrap();
    assert_eq!(info.row(0)["additional_info"], t("pedido: 123"));
}

#[test]
fn database_settings_problems_all_at_once() {
    let plugin = WebchatPlugin::new();
    let req = request(
        "webchat.sessions_by_day",
        json!({"database": "sqlite:///tmp/x.db", "sessions": "s.jsonl", "schema": "chatwoot",
               "account_id": "acme", "database_timezone": "Mars/Base", "sessions_table": "x;drop"}),
        json!({}),
        NOV1,
        DEC1,
    );
    let p = plugin.validate(&req).unwrap_err();
    let fields: Vec<&str> = p.iter().map(|p| p.field.as_str()).collect();
    // account_id not an integer; timezone unknown; sessions_table with chatwoot; SQLite for
    // Chatwoot; sessions file together with a database.
    for f in [
        "source.account_id",
        "source.database_timezone",
        "source.sessions_table",
        "source.database",
        "source.sessions",
    ] {
        assert!(fields.contains(&f), "{f} missing from {p:?}");
    }
    let neutral = request(
        "webchat.sessions_by_day",
        json!({"database": "mysql://u@h/db", "account_id": 1, "schema": "rasa",
               "messages_table": "bad name"}),
        json!({}),
        NOV1,
        DEC1,
    );
    let p = plugin.validate(&neutral).unwrap_err();
    let msgs: Vec<String> = p
        .iter()
        .map(|p| format!("{}: {}", p.field, p.message))
        .collect();
    assert_eq!(msgs.len(), 4, "{msgs:?}");
    assert!(
        msgs.iter()
            .any(|m| m.starts_with("source.schema: unknown schema"))
    );
    assert!(
        msgs.iter()
            .any(|m| m.starts_with("source.account_id: account_id is a Chatwoot setting"))
    );
    assert!(msgs.iter().any(|m| m.starts_with("source.messages_table:")));
    assert!(
        msgs.iter()
            .any(|m| m.starts_with("source.database: the neutral webchat tables"))
    );
    // Companion settings without a database.
    let lonely = request(
        "webchat.sessions_by_day",
        json!({"sessions": "s.jsonl", "schema": "chatwoot", "database_password_env": "PW"}),
        json!({}),
        NOV1,
        DEC1,
    );
    let p = plugin.validate(&lonely).unwrap_err();
    let fields: Vec<&str> = p.iter().map(|p| p.field.as_str()).collect();
    assert_eq!(fields, ["source.database_password_env", "source.schema"]);
    // A database source needs no files.
    let ok = request(
        "webchat.nps",
        json!({"database": "postgres://reportd@db/chatwoot", "adapter": "chatwoot", "account_id": 3}),
        json!({}),
        NOV1,
        DEC1,
    );
    assert!(plugin.validate(&ok).is_ok());
}
