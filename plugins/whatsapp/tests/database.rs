//! The database input against the harness's real PostgreSQL: the golden webhook stream of
//! `tests/counts.rs` stored one POST body per `jsonb` row gives the same reports as the
//! JSONL file; malformed rows are counted; `received_at` bounds the rows read; a wrong
//! password is a redacted SOURCE_DB_UNREACHABLE; the file and database inputs exclude each
//! other. Needs `scripts/test-servers start` (the tests fail, never skip, without it).
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::golden::*;
use common::*;
use reportd_plugin_api::Plugin;
use reportd_plugin_api::sql::Dialect;
use reportd_plugin_api::sql::testing::{TestDb, database};
use reportd_whatsapp::WhatsappPlugin;
use serde_json::{Value as Json, json};

/// A SQL string literal.
fn lit(s: &str) -> String {
    format!("'{}'", s.replace('\'', "''"))
}

/// The README's table.
const DDL: &str = "CREATE TABLE whatsapp_webhooks (id bigserial primary key, \
    received_at timestamptz not null default now(), payload jsonb not null); \
    CREATE INDEX whatsapp_webhooks_received_at ON whatsapp_webhooks (received_at);";

/// Inserts `hooks` in order, each received at `received(i)` (Unix seconds).
fn insert_hooks(db: &mut TestDb, table: &str, hooks: &[String], received: impl Fn(usize) -> i64) {
    let values: Vec<String> = hooks
        .iter()
        .enumerate()
        .map(|(i, h)| format!("(to_timestamp({}), {}::jsonb)", received(i), lit(h)))
        .collect();
    db.exec(&format!(
        "INSERT INTO {table} (received_at, payload) VALUES {}",
        values.join(", ")
    ));
}

/// The send log as a table whose columns are named as the JSONL keys.
fn insert_sends(db: &mut TestDb, sends: &[String]) {
    db.exec(
        "CREATE TABLE sends (id bigserial primary key, wamid text, sent_at timestamptz, \"to\" text, \
         line text, contact_name text, template text, \"user\" text, campaign text, \
         queued boolean, text text)",
    );
    for s in sends {
        let v: Json = serde_json::from_str(s).unwrap();
        let (mut cols, mut vals) = (Vec::new(), Vec::new());
        for (k, x) in v.as_object().unwrap() {
            cols.push(format!("\"{k}\""));
            vals.push(match (k.as_str(), x) {
                ("sent_at", Json::Number(n)) => format!("to_timestamp({n})"),
                (_, Json::String(s)) => lit(s),
                (_, other) => other.to_string(),
            });
        }
        db.exec(&format!(
            "INSERT INTO sends ({}) VALUES ({})",
            cols.join(", "),
            vals.join(", ")
        ));
    }
}

fn day(report: &str, source: &Json, params: Json) -> Collect {
    run(&request(report, source.clone(), params, T0, T0 + DAY)).unwrap()
}

#[test]
fn jsonb_rows_give_the_file_reports() {
    let dir = tempfile::tempdir().unwrap();
    let (hooks, sends) = fixture_lines();
    let hooks_file = write(dir.path(), "hooks.jsonl", &hooks);
    let sends_file = write(dir.path(), "sends.jsonl", &sends);
    let mut db = database(Dialect::Postgres, "wa_golden");
    db.exec(DDL);
    // Received one second after its first event, in arrival order: all inside the window.
    insert_hooks(&mut db, "whatsapp_webhooks", &hooks, |i| {
        T0 - 4 * 3600 + i as i64
    });
    insert_sends(&mut db, &sends);
    let files = json!({"webhooks": hooks_file, "send_log": sends_file});
    let db_hooks = json!({"database": db.url, "send_log": sends_file});
    let db_all = json!({"database": db.url, "send_log_table": "sends"});
    let mut compared = 0;
    for (report, params) in [
        ("whatsapp.messages_by_status", json!({})),
        ("whatsapp.messages_by_origin", json!({})),
        ("whatsapp.sessions", json!({"portfolio": "Varejo"})),
        ("whatsapp.cases_by_period", json!({})),
        ("whatsapp.consumption_detail", json!({})),
        ("whatsapp.hsm_active_sends", json!({})),
        ("whatsapp.hsm_sends_by_user", json!({})),
        ("whatsapp.outbound_campaign_results", json!({})),
    ] {
        let want = day(report, &files, params.clone());
        assert!(!want.rows.is_empty(), "{report}");
        for src in [&db_hooks, &db_all] {
            let got = day(report, src, params.clone());
            assert_eq!(got.rows, want.rows, "{report} from {src}");
            assert_eq!(got.meta["lines_read"], "20", "{report}");
            assert_eq!(
                got.meta["events_after_period"],
                want.meta["events_after_period"]
            );
            assert_eq!(got.meta["malformed_lines"], "0");
            assert!(
                got.warnings
                    .iter()
                    .all(|w| !w.code.starts_with("MALFORMED"))
            );
            compared += 1;
        }
    }
    assert_eq!(compared, 16);

    // And the goldens of counts.rs, from the table: Lido m1 m2 · Recebido m4 m7 · Enviado
    // m5 m8 · Falhou m3 · Novo m6.
    let out = day("whatsapp.messages_by_status", &db_all, json!({}));
    assert_eq!(
        out.column("messages"),
        [2, 2, 2, 1, 1].map(Cell::Int).to_vec()
    );
    // m5's read (00:10 the next day) is after the period end.
    assert_eq!(out.meta["events_after_period"], "1");
    assert!(out.meta["source_table"].ends_with(" whatsapp_webhooks"));
    assert!(!out.meta["source_table"].contains(&password(&db.url)));
    // Sessions opened in the period: C1, C2, C6, C4, C5 (see counts.rs).
    let out = day("whatsapp.sessions", &db_all, json!({}));
    assert_eq!(
        out.column("contact_phone"),
        [C1, C2, C6, C4, C5].map(t).to_vec()
    );
    assert_eq!(out.row(1)["contact_name"], t("Beto"));
}

/// The password in a harness URL `postgres://user:password@host:port/db`.
fn password(url: &str) -> String {
    let auth = url.split("://").nth(1).unwrap().split('@').next().unwrap();
    auth.split_once(':').unwrap().1.to_owned()
}

#[test]
fn null_and_non_json_payloads_are_counted() {
    let mut db = database(Dialect::Postgres, "wa_malformed");
    // A text column (some receivers store the raw body), nullable.
    db.exec(
        "CREATE TABLE hooks (id bigserial primary key, received_at timestamptz not null, payload text)",
    );
    let good = inbound("i1", C1, "Ana", at(10, 0, 0));
    let rows = [
        lit(&good),
        "NULL".to_owned(),
        lit("{\"object\": \"whatsapp_business_account\", \"entry\": ["),
        lit(""),
        lit(&inbound("i2", C2, "Beto", at(11, 0, 0))),
    ];
    for r in &rows {
        db.exec(&format!(
            "INSERT INTO hooks (received_at, payload) VALUES (to_timestamp({}), {r})",
            at(12, 0, 0)
        ));
    }
    let src = json!({"database": db.url, "webhook_table": "hooks"});
    let out = day("whatsapp.messages_by_origin", &src, json!({}));
    // recebida = i1 + i2 = 2; rows 2 (NULL), 3 (truncated) and 4 (empty) are malformed.
    assert_eq!(
        out.rows[1],
        vec![Cell::Date(DAY0), t("recebida"), Cell::Int(2)]
    );
    let w = out.warning("MALFORMED_LINES").expect("warning");
    assert_eq!(w.count, 3);
    assert_eq!(w.examples.len(), 3);
    assert!(
        w.examples[0].starts_with("hooks id 2: "),
        "{:?}",
        w.examples
    );
    assert!(w.examples[0].contains("NULL"), "{:?}", w.examples);
    assert!(
        w.examples[1].starts_with("hooks id 3: "),
        "{:?}",
        w.examples
    );
    assert!(
        w.examples[2].starts_with("hooks id 4: "),
        "{:?}",
        w.examples
    );
    assert_eq!(out.meta["lines_read"], "5");
    assert_eq!(out.meta["malformed_lines"], "3");

    // jsonb that is JSON but not a POST body is malformed too.
    db.exec(
        "CREATE TABLE whatsapp_webhooks (id bigserial primary key, received_at timestamptz not null, payload jsonb)",
    );
    db.exec(&format!(
        "INSERT INTO whatsapp_webhooks (received_at, payload) VALUES \
         (to_timestamp({0}), '[1, 2]'), (to_timestamp({0}), {1}::jsonb)",
        at(12, 0, 0),
        lit(&good)
    ));
    let out = day(
        "whatsapp.messages_by_origin",
        &json!({"database": db.url}),
        json!({}),
    );
    assert_eq!(out.rows[1][2], Cell::Int(1));
    let w = out.warning("MALFORMED_LINES").expect("warning");
    assert_eq!(w.count, 1);
    assert!(
        w.examples[0].starts_with("whatsapp_webhooks id 1: "),
        "{:?}",
        w.examples
    );
}

#[test]
fn received_at_bounds_the_rows_read() {
    let mut db = database(Dialect::Postgres, "wa_received");
    db.exec(DDL);
    // (message, stamped, received): the window is [T0 − 7 d, T0 + 1 d + 7 d).
    let rows = [
        ("a1", at(10, 0, 0), at(10, 0, 0)),
        // Received 8 days before the period: outside the look-back, not read.
        ("a2", at(11, 0, 0), T0 - 8 * DAY),
        // Received 8 days after the period end: not read.
        ("a3", at(12, 0, 0), T0 + 9 * DAY),
        // A late retry 6 days after the end: read.
        ("a4", at(13, 0, 0), T0 + 7 * DAY),
        // Exactly at the upper bound (exclusive): not read.
        ("a5", at(14, 0, 0), T0 + 8 * DAY),
        // Exactly at the lower bound (inclusive): read.
        ("a6", at(15, 0, 0), T0 - 7 * DAY),
    ];
    let hooks: Vec<String> = rows
        .iter()
        .map(|(w, ts, _)| inbound(w, C1, "Ana", *ts))
        .collect();
    insert_hooks(&mut db, "whatsapp_webhooks", &hooks, |i| rows[i].2);
    let src = json!({"database": db.url});
    let out = day("whatsapp.messages_by_origin", &src, json!({}));
    // a1, a4, a6 read: recebida 3.
    assert_eq!(
        out.rows[1],
        vec![Cell::Date(DAY0), t("recebida"), Cell::Int(3)]
    );
    assert_eq!(out.meta["lines_read"], "3");
    // 2026-11-13T03:00:00Z = T0 − 7 d; 2026-11-28T03:00:00Z = T0 + 8 d.
    assert_eq!(
        out.meta["source_rows"],
        "received_at in [2026-11-13T03:00:00Z, 2026-11-28T03:00:00Z)"
    );

    // `webhook_received_column = ""` reads the whole table: all six.
    let all = json!({"database": db.url, "webhook_received_column": ""});
    let out = day("whatsapp.messages_by_origin", &all, json!({}));
    assert_eq!(out.rows[1][2], Cell::Int(6));
    assert_eq!(out.meta["source_rows"], "all");

    // A table without the default received_at column is read whole, in id order.
    db.exec("CREATE TABLE plain (id bigint primary key, payload jsonb not null)");
    let values: Vec<String> = hooks
        .iter()
        .enumerate()
        .map(|(i, h)| format!("({}, {}::jsonb)", 10 - i, lit(h)))
        .collect();
    db.exec(&format!("INSERT INTO plain VALUES {}", values.join(", ")));
    let plain = json!({"database": db.url, "webhook_table": "plain"});
    let out = day("whatsapp.messages_by_origin", &plain, json!({}));
    assert_eq!(out.rows[1][2], Cell::Int(6));
    assert_eq!(out.meta["source_rows"], "all (no received_at column)");

    // A received column named explicitly must exist.
    let req = request(
        "whatsapp.messages_by_origin",
        json!({"database": db.url, "webhook_table": "plain", "webhook_received_column": "arrived"}),
        json!({}),
        T0,
        T0 + DAY,
    );
    let err = run(&req).unwrap_err();
    assert_eq!(err.code, "SOURCE_DB_QUERY");
    assert!(err.message.contains("no column arrived"), "{}", err.message);
}

#[test]
fn missing_table_is_a_query_error() {
    let db = database(Dialect::Postgres, "wa_missing");
    let err = run(&request(
        "whatsapp.messages_by_status",
        json!({"database": db.url}),
        json!({}),
        T0,
        T0 + DAY,
    ))
    .unwrap_err();
    assert_eq!(err.code, "SOURCE_DB_QUERY");
    assert!(
        err.message.contains("table whatsapp_webhooks not found"),
        "{}",
        err.message
    );
    assert!(!err.message.contains(&password(&db.url)));
}

#[test]
fn wrong_password_is_unreachable_and_never_printed() {
    let db = database(Dialect::Postgres, "wa_password");
    let secret = password(&db.url);
    let bad = db
        .url
        .replace(&format!(":{secret}@"), ":wrong-secret-4711@");
    let req = request(
        "whatsapp.messages_by_status",
        json!({"database": bad}),
        json!({}),
        T0,
        T0 + DAY,
    );
    let err = run(&req).unwrap_err();
    assert_eq!(err.code, "SOURCE_DB_UNREACHABLE");
    assert!(
        !err.message.contains("wrong-secret-4711"),
        "{}",
        err.message
    );
    assert!(
        err.message.contains("password authentication failed"),
        "{}",
        err.message
    );

    // The same from database_password_file, URL without a password.
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("pw"), "wrong-secret-0815\n").unwrap();
    let no_pw = db.url.replace(&format!(":{secret}@"), "@");
    let req = request(
        "whatsapp.messages_by_status",
        json!({"database": no_pw, "database_password_file": "pw",
            "config_dir": dir.path()}),
        json!({}),
        T0,
        T0 + DAY,
    );
    let err = run(&req).unwrap_err();
    assert_eq!(err.code, "SOURCE_DB_UNREACHABLE");
    assert!(
        !err.message.contains("wrong-secret-0815"),
        "{}",
        err.message
    );
}

#[test]
fn optouts_table() {
    let mut db = database(Dialect::Postgres, "wa_optouts");
    db.exec(
        "CREATE TABLE optouts (id bigserial primary key, contact text, contact_name text, \
         at timestamptz not null, channel text, campaign text, reason text)",
    );
    db.exec(&format!(
        "INSERT INTO optouts (contact, contact_name, at, campaign, reason) VALUES \
         ('{C2}', NULL, to_timestamp({}), 'bf', 'STOP'), \
         ('{C1}', 'Ana', to_timestamp({}), 'bf', NULL), \
         ('{C3}', NULL, to_timestamp({}), NULL, NULL), \
         (NULL, 'nobody', to_timestamp({}), NULL, NULL)",
        at(15, 0, 0),
        at(10, 0, 0),
        T0 - 1,
        at(16, 0, 0)
    ));
    let src = json!({"database": db.url, "optouts_table": "optouts"});
    let out = day("whatsapp.campaign_unsubscribes", &src, json!({}));
    // In time order; C3 is the previous day (filtered in SQL); the NULL contact is malformed.
    assert_eq!(
        out.rows,
        vec![
            vec![
                t("Ana"),
                t(C1),
                Cell::DateTime(local(at(10, 0, 0))),
                t("WhatsApp"),
                t("bf"),
                Cell::Null
            ],
            vec![
                Cell::Null,
                t(C2),
                Cell::DateTime(local(at(15, 0, 0))),
                t("WhatsApp"),
                t("bf"),
                t("STOP")
            ],
        ]
    );
    let w = out.warning("MALFORMED_OPTOUTS").expect("warning");
    assert_eq!(w.count, 1);
    assert!(
        w.examples[0].starts_with("optouts id 4: "),
        "{:?}",
        w.examples
    );
}

#[test]
fn inputs_are_exclusive_and_one_is_needed() {
    let plugin = WhatsappPlugin::new();
    let fields = |report: &str, source: Json| -> Vec<String> {
        plugin
            .validate(&request(report, source, json!({}), T0, T0 + DAY))
            .err()
            .unwrap_or_default()
            .into_iter()
            .map(|p| p.field)
            .collect()
    };
    let url = "postgres://reportd@db/whatsapp";
    // Both inputs.
    assert_eq!(
        fields(
            "whatsapp.messages_by_status",
            json!({"webhooks": "/x", "database": url})
        ),
        ["source.webhooks"]
    );
    // Neither.
    assert_eq!(
        fields("whatsapp.messages_by_status", json!({})),
        ["source.webhooks"]
    );
    // Table settings without a database; send log twice; a bad zone — all at once.
    assert_eq!(
        fields(
            "whatsapp.hsm_active_sends",
            json!({"webhooks": "/x", "webhook_table": "t", "send_log": "/s",
                "send_log_table": "sends"})
        ),
        [
            "source.webhook_table",
            "source.send_log_table",
            "source.send_log"
        ]
    );
    assert_eq!(
        fields(
            "whatsapp.messages_by_status",
            json!({"database": url, "database_timezone": "Mars/Base", "webhook_column": 3})
        ),
        ["source.webhook_column", "source.database_timezone"]
    );
    // A database alone is enough, and the send log may be a file or a table.
    assert!(fields("whatsapp.messages_by_status", json!({"database": url})).is_empty());
    assert!(
        fields(
            "whatsapp.hsm_active_sends",
            json!({"database": url, "send_log_table": "sends"})
        )
        .is_empty()
    );
    assert!(
        fields(
            "whatsapp.campaign_unsubscribes",
            json!({"database": url, "optouts_table": "optouts"})
        )
        .is_empty()
    );
    // The URL's password never appears in a problem.
    let p = plugin
        .validate(&request(
            "whatsapp.messages_by_status",
            json!({"database": "oracle://u:hunter2@h/x"}),
            json!({}),
            T0,
            T0 + DAY,
        ))
        .unwrap_err();
    assert!(p.iter().all(|p| !p.message.contains("hunter2")), "{p:?}");
}
