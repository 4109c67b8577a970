//! Loads a fixture directory's JSONL files into the neutral database tables (SQLite file or
//! a harness PostgreSQL database), with the column types the README recommends for each.

use std::io::Read;
use std::path::{Path, PathBuf};

use chrono::{DateTime, FixedOffset};
use reportd_plugin_api::sql::{Dialect, testing};
use reportd_webchat::model::parse_time;
use serde_json::{Value as Json, json};

const TIMES: [&str; 5] = [
    "started_at",
    "ended_at",
    "panel_at",
    "first_contact_at",
    "at",
];
const JSONS: [&str; 8] = [
    "agents",
    "tags",
    "form",
    "additional_info",
    "menus",
    "typifications",
    "kpis",
    "history",
];
const SESSION_COLS: [&str; 23] = [
    "id",
    "protocol",
    "bot",
    "channel",
    "contact",
    "contact_name",
    "contact_phone",
    "contact_email",
    "department",
    "started_at",
    "ended_at",
    "status",
    "panel_at",
    "first_contact_at",
    "agents",
    "abandoned",
    "tags",
    "form",
    "additional_info",
    "menus",
    "typifications",
    "kpis",
    "history",
];
const MESSAGE_COLS: [&str; 7] = [
    "session",
    "at",
    "direction",
    "author",
    "agent",
    "step",
    "text",
];
const SURVEY_COLS: [&str; 6] = ["session", "at", "nps", "csat", "rating", "comment"];

/// The DDL of the neutral tables. PostgreSQL: `timestamptz`, `jsonb`, `boolean`, bigserial
/// ids (they order ties), tags in `session_tags`. SQLite: ISO text times, JSON text.
pub fn ddl(d: Dialect) -> &'static str {
    match d {
        Dialect::Postgres => {
            "CREATE TABLE sessions (id text PRIMARY KEY, protocol text, bot text NOT NULL, channel text,
               contact text, contact_name text, contact_phone text, contact_email text, department text,
               started_at timestamptz NOT NULL, ended_at timestamptz, status text, panel_at timestamptz,
               first_contact_at timestamptz, agents jsonb, abandoned boolean, tags jsonb, form jsonb,
               additional_info jsonb, menus jsonb, typifications jsonb, kpis jsonb, history jsonb);
             CREATE INDEX ON sessions (started_at);
             CREATE TABLE messages (id bigserial PRIMARY KEY, session_id text NOT NULL, at timestamptz,
               direction text, author text, agent text, step text, text text);
             CREATE INDEX ON messages (session_id);
             CREATE TABLE surveys (id bigserial PRIMARY KEY, session_id text NOT NULL, at timestamptz,
               nps integer, csat integer, rating text, comment text);
             CREATE TABLE session_tags (id bigserial PRIMARY KEY, session_id text NOT NULL, tag text NOT NULL);"
        }
        _ => {
            "CREATE TABLE sessions (id TEXT PRIMARY KEY, protocol TEXT, bot TEXT NOT NULL, channel TEXT,
               contact TEXT, contact_name TEXT, contact_phone TEXT, contact_email TEXT, department TEXT,
               started_at TEXT NOT NULL, ended_at TEXT, status TEXT, panel_at TEXT, first_contact_at TEXT,
               agents TEXT, abandoned INTEGER, tags TEXT, form TEXT, additional_info TEXT, menus TEXT,
               typifications TEXT, kpis TEXT, history TEXT);
             CREATE INDEX sessions_start ON sessions (julianday(started_at));
             CREATE TABLE messages (session_id TEXT NOT NULL, at TEXT, direction TEXT, author TEXT,
               agent TEXT, step TEXT, text TEXT);
             CREATE INDEX messages_session ON messages (session_id);
             CREATE TABLE surveys (session_id TEXT NOT NULL, at TEXT, nps INTEGER, csat INTEGER,
               rating TEXT, comment TEXT);"
        }
    }
}

fn lit(s: &str) -> String {
    format!("'{}'", s.replace('\'', "''"))
}

/// One JSON field as an SQL literal for column `c`.
fn value(d: Dialect, c: &str, v: Option<&Json>) -> String {
    let Some(v) = v.filter(|v| !v.is_null()) else {
        return "NULL".to_owned();
    };
    if TIMES.contains(&c) {
        return match parse_time(v) {
            Some(ms) => {
                let t = DateTime::from_timestamp_millis(ms).unwrap();
                match d {
                    Dialect::Postgres => lit(&t.to_rfc3339()),
                    // SQLite: local wall-clock text with its offset, as an app would write it.
                    _ => lit(&t
                        .with_timezone(&FixedOffset::west_opt(3 * 3600).unwrap())
                        .format("%Y-%m-%dT%H:%M:%S%.3f%:z")
                        .to_string()),
                }
            }
            // A time the model cannot read: kept as text where the column allows it.
            None if d == Dialect::Sqlite => lit(&v.to_string()),
            None => "NULL".to_owned(),
        };
    }
    if JSONS.contains(&c) {
        return match d {
            Dialect::Postgres => format!("{}::jsonb", lit(&v.to_string())),
            _ => lit(&v.to_string()),
        };
    }
    match v {
        Json::Bool(b) if d == Dialect::Sqlite => i32::from(*b).to_string(),
        Json::Bool(b) => b.to_string(),
        Json::Number(n) if c == "nps" || c == "csat" => n.to_string(),
        Json::String(s) => lit(s),
        other => lit(&other.to_string()),
    }
}

/// The JSON objects of `dir/name` (gzip or plain); lines that are not JSON are left out.
fn objects(dir: &Path, name: &str) -> Vec<Json> {
    let Ok(raw) = std::fs::read(dir.join(name)) else {
        return Vec::new();
    };
    let text = if raw.starts_with(&[0x1f, 0x8b]) {
        let mut s = String::new();
        flate2::read::GzDecoder::new(&raw[..])
            .read_to_string(&mut s)
            .unwrap();
        s
    } else {
        String::from_utf8(raw).unwrap()
    };
    text.lines()
        .filter_map(|l| serde_json::from_str::<Json>(l).ok())
        .filter(Json::is_object)
        .collect()
}

/// INSERT statements for the fixture files in `dir`.
pub fn inserts(d: Dialect, dir: &Path) -> String {
    let mut sql = String::new();
    for s in objects(dir, "sessions.jsonl") {
        let cols: Vec<&str> = SESSION_COLS
            .iter()
            .copied()
            .filter(|c| !(d == Dialect::Postgres && *c == "tags"))
            .collect();
        let vals: Vec<String> = cols.iter().map(|c| value(d, c, s.get(*c))).collect();
        sql += &format!(
            "INSERT INTO sessions ({}) VALUES ({});\n",
            cols.join(", "),
            vals.join(", ")
        );
        if d == Dialect::Postgres {
            // PostgreSQL keeps tags in the session_tags table instead of a column.
            for tag in s["tags"].as_array().into_iter().flatten() {
                sql += &format!(
                    "INSERT INTO session_tags (session_id, tag) VALUES ({}, {});\n",
                    value(d, "id", s.get("id")),
                    value(d, "tag", Some(tag))
                );
            }
        }
    }
    for (file, table, cols) in [
        ("messages.jsonl", "messages", &MESSAGE_COLS[..]),
        ("surveys.jsonl", "surveys", &SURVEY_COLS[..]),
    ] {
        for m in objects(dir, file) {
            let vals: Vec<String> = cols.iter().map(|c| value(d, c, m.get(*c))).collect();
            let names: Vec<&str> = cols
                .iter()
                .map(|c| if *c == "session" { "session_id" } else { c })
                .collect();
            sql += &format!(
                "INSERT INTO {table} ({}) VALUES ({});\n",
                names.join(", "),
                vals.join(", ")
            );
        }
    }
    sql
}

/// Runs statements on a writable SQLite file (the plugin opens it read-only).
pub fn sqlite_exec(path: &Path, sql: &str) {
    use sqlx::ConnectOptions;
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(async {
        let mut c = sqlx::sqlite::SqliteConnectOptions::new()
            .filename(path)
            .create_if_missing(true)
            .connect()
            .await
            .unwrap();
        sqlx::raw_sql(sqlx::AssertSqlSafe(sql.to_owned()))
            .execute(&mut c)
            .await
            .unwrap();
    });
}

/// `dir/data.db` with the fixture files of `dir` loaded; returns the source settings.
pub fn sqlite_source(dir: &Path) -> Json {
    let path: PathBuf = dir.join("data.db");
    sqlite_exec(
        &path,
        &format!(
            "{}\n{}",
            ddl(Dialect::Sqlite),
            inserts(Dialect::Sqlite, dir)
        ),
    );
    json!({"config_dir": dir.to_str().unwrap(), "database": "sqlite://data.db"})
}

/// A fresh harness PostgreSQL database with the fixture files of `dir` loaded.
pub fn postgres_db(dir: &Path, hint: &str) -> testing::TestDb {
    let mut db = testing::database(Dialect::Postgres, hint);
    db.exec(ddl(Dialect::Postgres));
    db.exec(&inserts(Dialect::Postgres, dir));
    db
}
