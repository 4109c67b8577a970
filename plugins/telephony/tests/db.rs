//! The realtime database inputs against the harness's real PostgreSQL 15 and MariaDB 10.11:
//! Asterisk's `queue_log` and `cdr` tables created with Asterisk's own DDL, filled with the
//! same events as a file fixture, must give *identical* report rows; plus malformed rows,
//! schema variants, `database_timezone`, a wrong password, the validate problems and
//! `wait_for_data`.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use chrono::TimeZone;
use chrono_tz::Tz;
use common::*;
use reportd_plugin_api::sql::Dialect;
use reportd_plugin_api::sql::testing::{TestDb, database};
use reportd_plugin_api::{DATA_NOT_READY, Plugin, PluginError, Request};
use reportd_telephony::TelephonyPlugin;
use reportd_telephony::generator::{GenOptions, generate, parse_local};
use serde_json::{Map, Value as Json, json};

/// One generated day (2026-11-20, Sao Paulo, seed 42: every event kind the generator writes)
/// plus the hand-built nine-call fixture, in time order: what both the file and the tables
/// hold.
fn events() -> Vec<String> {
    let tz: Tz = TZ.parse().unwrap();
    let opts = GenOptions {
        from_utc: parse_local("2026-11-20T00:00", tz).unwrap(),
        to_utc: parse_local("2026-11-21T00:00", tz).unwrap(),
        tz,
        queues: vec!["sales".into(), "support".into(), "billing".into()],
        calls_per_hour: 30.0,
        seed: 42,
        malformed_every: None,
        max_lines: None,
    };
    let mut out = Vec::new();
    generate(&opts, &mut out).unwrap();
    let mut lines: Vec<String> = String::from_utf8(out)
        .unwrap()
        .lines()
        .map(str::to_owned)
        .collect();
    lines.extend(base_fixture());
    lines.sort_by_key(|l| l.split('|').next().unwrap().parse::<i64>().unwrap());
    assert!(lines.len() > 1000, "{}", lines.len());
    lines
}

fn sql_text(s: &str) -> String {
    format!("'{}'", s.replace('\'', "''"))
}

/// The wall clock of `unix` in `zone`.
fn wall(unix: i64, zone: &str) -> chrono::NaiveDateTime {
    let tz: Tz = zone.parse().unwrap();
    tz.timestamp_opt(unix, 0).unwrap().naive_local()
}

/// Inserts queue_log lines into `table` (columns `time, callid, queuename, agent, event`
/// then `data1..data5`, or one `data` column when `single_data`), in line order (so `id`
/// follows the file). `time` renders the time literal of line `i`. Data fields are split
/// as Asterisk does: data1..data4, and data5 keeps the rest with its `|`.
fn insert_queue_log(
    db: &mut TestDb,
    table: &str,
    lines: &[String],
    single_data: bool,
    time: &dyn Fn(i64, usize) -> String,
) {
    let cols = if single_data {
        "time, callid, queuename, agent, event, data"
    } else {
        "time, callid, queuename, agent, event, data1, data2, data3, data4, data5"
    };
    for (chunk_no, chunk) in lines.chunks(500).enumerate() {
        let mut values = Vec::new();
        for (j, line) in chunk.iter().enumerate() {
            let f: Vec<&str> = line.split('|').collect();
            let mut v = vec![time(f[0].parse().unwrap(), chunk_no * 500 + j)];
            v.extend(f[1..5].iter().map(|s| sql_text(s)));
            let data = &f[5..];
            if single_data {
                v.push(sql_text(&data.join("|")));
            } else {
                for i in 0..4 {
                    v.push(sql_text(data.get(i).copied().unwrap_or("")));
                }
                v.push(sql_text(
                    &data.get(4..).map(|r| r.join("|")).unwrap_or_default(),
                ));
            }
            values.push(format!("({})", v.join(", ")));
        }
        db.exec(&format!(
            "INSERT INTO {table} ({cols}) VALUES {}",
            values.join(", ")
        ));
    }
}

/// Asterisk's contrib/realtime/postgresql/postgresql_queue_log.sql.
const PG_QUEUE_LOG: &str = "CREATE TABLE queue_log (
    id BIGSERIAL NOT NULL, time TIMESTAMP WITHOUT TIME ZONE, callid VARCHAR(80),
    queuename VARCHAR(256), agent VARCHAR(80), event VARCHAR(32), data1 VARCHAR(100),
    data2 VARCHAR(100), data3 VARCHAR(100), data4 VARCHAR(100), data5 VARCHAR(100),
    PRIMARY KEY (id), UNIQUE (id))";

/// The realtime queue_log of the Asterisk wiki and FreePBX/Issabel installs on MariaDB:
/// `time` is `varchar(26)` holding `YYYY-MM-DD HH:MM:SS.ffffff` local time.
const MY_QUEUE_LOG_VARCHAR: &str = "CREATE TABLE queue_log (
    id BIGINT NOT NULL AUTO_INCREMENT, time VARCHAR(26) DEFAULT '' NOT NULL,
    callid VARCHAR(80) DEFAULT '' NOT NULL, queuename VARCHAR(256) DEFAULT '' NOT NULL,
    agent VARCHAR(80) DEFAULT '' NOT NULL, event VARCHAR(32) DEFAULT '' NOT NULL,
    data1 VARCHAR(100) DEFAULT '' NOT NULL, data2 VARCHAR(100) DEFAULT '' NOT NULL,
    data3 VARCHAR(100) DEFAULT '' NOT NULL, data4 VARCHAR(100) DEFAULT '' NOT NULL,
    data5 VARCHAR(100) DEFAULT '' NOT NULL, PRIMARY KEY (id), KEY bydate (time))";

/// Asterisk's contrib/realtime/mysql/mysql_queue_log.sql (after its DATETIME(6) upgrade).
const MY_QUEUE_LOG_DATETIME: &str = "CREATE TABLE queue_log (
    id BIGINT NOT NULL AUTO_INCREMENT, time DATETIME(6) NULL, callid VARCHAR(80),
    queuename VARCHAR(256), agent VARCHAR(80), event VARCHAR(32), data1 VARCHAR(100),
    data2 VARCHAR(100), data3 VARCHAR(100), data4 VARCHAR(100), data5 VARCHAR(100),
    PRIMARY KEY (id), UNIQUE (id))";

fn obj(v: Json) -> Map<String, Json> {
    match v {
        Json::Object(m) => m,
        _ => Map::new(),
    }
}

/// The request for `report` over the day 2026-11-20 on a source made of `source`.
fn day_req(report: &str, source: &Map<String, Json>, params: &Json) -> Request {
    request(
        report,
        Json::Object(source.clone()),
        params.clone(),
        T0,
        T0 + DAY,
    )
}

/// Reports compared between file and table input (every kind of accumulator: KPI rows,
/// the detail, Score per-call and per-day rows, agents from member events).
const REPORTS: [(&str, &str); 6] = [
    ("telephony.service_level", r#"{"bucket": "hour"}"#),
    ("telephony.abandoned_calls_detail", "{}"),
    ("telephony.avg_talk_time", r#"{"bucket": "hour"}"#),
    ("telephony.inbound_calls_detail", "{}"),
    ("telephony.daily_summary", "{}"),
    ("telephony.agent_performance", r#"{"metric": "TMO"}"#),
];

/// Asserts every report of [`REPORTS`] has the same columns, rows, warning codes and
/// counts from the table source `db_source` as from the `lines` written to a file.
fn assert_same_as_file(lines: &[String], db_source: &Map<String, Json>) {
    let dir = tempfile::tempdir().unwrap();
    let path = write(dir.path(), "queue_log", lines);
    let file_source = obj(json!({ "queue_log": path.to_str().unwrap() }));
    for (report, params) in REPORTS {
        let params: Json = serde_json::from_str(params).unwrap();
        let from_file = run(&day_req(report, &file_source, &params)).unwrap();
        let from_db = run(&day_req(report, db_source, &params)).unwrap();
        assert!(!from_file.rows.is_empty(), "{report}: no rows");
        assert_eq!(from_db.column_ids(), from_file.column_ids(), "{report}");
        assert_eq!(from_db.rows.len(), from_file.rows.len(), "{report}");
        for (i, (a, b)) in from_db.rows.iter().zip(&from_file.rows).enumerate() {
            assert_eq!(a, b, "{report} row {i}");
        }
        for key in ["unfinished_calls", "newest_record", "period_closed"] {
            assert_eq!(
                from_db.meta.get(key),
                from_file.meta.get(key),
                "{report} {key}"
            );
        }
        let codes = |c: &Collect| -> Vec<(String, u64)> {
            c.warnings
                .iter()
                .filter(|w| w.code != "MALFORMED_LINES")
                .map(|w| (w.code.clone(), w.count))
                .collect()
        };
        assert_eq!(codes(&from_db), codes(&from_file), "{report}");
        assert!(
            from_db.meta["source_table"].starts_with("queue_log table in "),
            "{:?}",
            from_db.meta
        );
        assert!(!from_db.meta.contains_key("source_files"));
    }
}

#[test]
fn postgres_queue_log_gives_the_file_rows() {
    let lines = events();
    let mut db = database(Dialect::Postgres, "tel_ql_pg");
    db.exec(PG_QUEUE_LOG);
    // Naive wall clock in the report's zone (database_timezone defaults to it).
    insert_queue_log(&mut db, "queue_log", &lines, false, &|t, _| {
        format!("'{}'", wall(t, TZ).format("%Y-%m-%d %H:%M:%S"))
    });
    assert_same_as_file(&lines, &db.source("database"));

    // The time filter is in SQL: a 10:00–11:00 period reads only the rows of its window
    // [08:00, 15:00] (2 h before, 4 h after), not the whole table.
    let in_window = lines
        .iter()
        .filter(|l| {
            let t: i64 = l.split('|').next().unwrap().parse().unwrap();
            (at(8, 0, 0)..=at(15, 0, 0)).contains(&t)
        })
        .count();
    assert!(
        in_window > 0 && in_window + 500 < lines.len(),
        "{in_window}"
    );
    let hour = request(
        "telephony.service_level",
        Json::Object(db.source("database")),
        json!({}),
        at(10, 0, 0),
        at(11, 0, 0),
    );
    let out = run(&hour).unwrap();
    assert_eq!(out.meta["lines_read"], in_window.to_string());
}

#[test]
fn mariadb_varchar_queue_log_gives_the_file_rows() {
    let lines = events();
    let mut db = database(Dialect::MySql, "tel_ql_my");
    db.exec(MY_QUEUE_LOG_VARCHAR);
    // Asterisk's format, with microseconds (growing with the line number, so ties in the
    // second keep the file order): they are dropped like a file's fractional seconds.
    insert_queue_log(&mut db, "queue_log", &lines, false, &|t, i| {
        format!("'{}.{i:06}'", wall(t, TZ).format("%Y-%m-%d %H:%M:%S"))
    });
    assert_same_as_file(&lines, &db.source("database"));
}

#[test]
fn old_single_data_column_with_unix_text_times() {
    let lines = events();
    let mut db = database(Dialect::Postgres, "tel_ql_old");
    db.exec(
        "CREATE TABLE ql_old (id SERIAL PRIMARY KEY, time VARCHAR(26), callid VARCHAR(80),
         queuename VARCHAR(256), agent VARCHAR(80), event VARCHAR(32), data VARCHAR(256))",
    );
    insert_queue_log(&mut db, "ql_old", &lines, true, &|t, _| format!("'{t}'"));
    let mut source = db.source("database");
    source.insert("queue_log_table".into(), json!("ql_old"));
    let dir = tempfile::tempdir().unwrap();
    let path = write(dir.path(), "queue_log", &lines);
    let file_source = obj(json!({ "queue_log": path.to_str().unwrap() }));
    let params = json!({ "bucket": "hour" });
    let a = run(&day_req("telephony.service_level", &source, &params)).unwrap();
    let b = run(&day_req("telephony.service_level", &file_source, &params)).unwrap();
    assert!(!a.rows.is_empty());
    assert_eq!(a.rows, b.rows);
    let a = run(&day_req(
        "telephony.abandoned_calls_detail",
        &source,
        &json!({}),
    ))
    .unwrap();
    let b = run(&day_req(
        "telephony.abandoned_calls_detail",
        &file_source,
        &json!({}),
    ))
    .unwrap();
    assert!(!a.rows.is_empty());
    assert_eq!(a.rows, b.rows);
    assert!(a.meta["source_table"].starts_with("ql_old table in postgres://"));
}

#[test]
fn database_timezone_reads_utc_wall_clock() {
    let lines = base_fixture();
    let mut db = database(Dialect::MySql, "tel_ql_tz");
    db.exec(MY_QUEUE_LOG_DATETIME);
    // The database server writes UTC wall clock: c1 enters at 10:00 Sao Paulo = 13:00 UTC.
    insert_queue_log(&mut db, "queue_log", &lines, false, &|t, _| {
        format!("'{}'", wall(t, "UTC").format("%Y-%m-%d %H:%M:%S"))
    });
    let params = json!({ "bucket": "hour" });
    let mut utc = db.source("database");
    utc.insert("database_timezone".into(), json!("UTC"));
    let out = run(&day_req("telephony.service_level", &utc, &params)).unwrap();
    // The nine calls enter 10:00–10:08 local: one 10:00 row with O = 9 (common::base_fixture).
    assert_eq!(out.rows.len(), 1);
    let r = out.kpi("sales", local(10, 0, 0));
    assert_eq!(r["offered"], Cell::Int(9));
    assert_eq!(r["sl_calls"], Cell::Int(3));
    // Without the setting the same values are read as Sao Paulo wall clock: 3 h later.
    let out = run(&day_req(
        "telephony.service_level",
        &db.source("database"),
        &params,
    ))
    .unwrap();
    assert_eq!(out.rows.len(), 1);
    assert_eq!(out.kpi("sales", local(13, 0, 0))["offered"], Cell::Int(9));
}

#[test]
fn malformed_rows_are_counted_with_table_and_id() {
    let lines = base_fixture();
    let mut db = database(Dialect::MySql, "tel_ql_bad");
    db.exec(MY_QUEUE_LOG_VARCHAR);
    insert_queue_log(&mut db, "queue_log", &lines, false, &|t, _| {
        format!("'{}.000000'", wall(t, TZ).format("%Y-%m-%d %H:%M:%S"))
    });
    // 24 good rows (ids 1–24), then a bad time (id 25; 'garbage' sorts after every date, so
    // it is also the table's max(time)) and a row without an event inside the window (26).
    db.exec(
        "INSERT INTO queue_log (time, callid, queuename, agent, event) VALUES
         ('garbage', 'x1', 'sales', 'NONE', 'ENTERQUEUE'),
         ('2026-11-20 10:30:00.000000', 'x2', 'sales', 'NONE', '')",
    );
    let out = run(&day_req(
        "telephony.service_level",
        &db.source("database"),
        &json!({}),
    ))
    .unwrap();
    // 'garbage' sorts after '2026-…', outside the SQL range of the read window, so the rows
    // read are the 24 good ones and id 26, which is malformed.
    assert_eq!(out.meta["lines_read"], "25");
    assert_eq!(out.meta["malformed_lines"], "1");
    let w = out.warning("MALFORMED_LINES").expect("warning");
    assert_eq!(w.count, 1);
    assert_eq!(w.examples.len(), 1);
    assert!(
        w.examples[0].starts_with("queue_log id 26: column event: empty event"),
        "{:?}",
        w.examples
    );
    assert!(
        w.message.contains("queue_log table in mysql://"),
        "{}",
        w.message
    );
    // The counts are the fixture's (O = 9, A = 4, A≤T = 3, Ab = 3).
    let r = out.kpi("*", T0_LOCAL);
    assert_eq!(
        (
            r["offered"].clone(),
            r["answered"].clone(),
            r["abandoned"].clone()
        ),
        (Cell::Int(9), Cell::Int(4), Cell::Int(3))
    );
    // The newest record is the newest *readable* time (10:30), not 'garbage'.
    assert_eq!(out.meta["newest_record"], "2026-11-20 10:30:00");

    // A time that is in range as text but is not a time: 2026-11-20 99:00 (id 27).
    db.exec(
        "INSERT INTO queue_log (time, callid, queuename, agent, event)
         VALUES ('2026-11-20 99:00:00', 'x3', 'sales', 'NONE', 'ENTERQUEUE')",
    );
    let out = run(&day_req(
        "telephony.service_level",
        &db.source("database"),
        &json!({}),
    ))
    .unwrap();
    assert_eq!(out.meta["malformed_lines"], "2");
    let w = out.warning("MALFORMED_LINES").unwrap();
    assert!(
        w.examples[1].starts_with("queue_log id 27: column time:"),
        "{:?}",
        w.examples
    );
}

/// FreePBX `asteriskcdrdb.cdr` (MariaDB): `calldate` + `duration`, no start/answer/end.
const MY_CDR_FREEPBX: &str = "CREATE TABLE cdr (
    calldate datetime NOT NULL DEFAULT '0000-00-00 00:00:00', clid varchar(80) NOT NULL DEFAULT '',
    src varchar(80) NOT NULL DEFAULT '', dst varchar(80) NOT NULL DEFAULT '',
    dcontext varchar(80) NOT NULL DEFAULT '', channel varchar(80) NOT NULL DEFAULT '',
    dstchannel varchar(80) NOT NULL DEFAULT '', lastapp varchar(80) NOT NULL DEFAULT '',
    lastdata varchar(80) NOT NULL DEFAULT '', duration int(11) NOT NULL DEFAULT 0,
    billsec int(11) NOT NULL DEFAULT 0, disposition varchar(45) NOT NULL DEFAULT '',
    amaflags int(11) NOT NULL DEFAULT 0, accountcode varchar(20) NOT NULL DEFAULT '',
    uniqueid varchar(32) NOT NULL DEFAULT '', userfield varchar(255) NOT NULL DEFAULT '',
    did varchar(50) NOT NULL DEFAULT '', recordingfile varchar(255) NOT NULL DEFAULT '',
    cnum varchar(80) NOT NULL DEFAULT '', cnam varchar(80) NOT NULL DEFAULT '',
    outbound_cnum varchar(80) NOT NULL DEFAULT '', outbound_cnam varchar(80) NOT NULL DEFAULT '',
    dst_cnam varchar(80) NOT NULL DEFAULT '', linkedid varchar(32) NOT NULL DEFAULT '',
    peeraccount varchar(80) NOT NULL DEFAULT '', sequence int(11) NOT NULL DEFAULT 0,
    KEY calldate (calldate), KEY dst (dst), KEY accountcode (accountcode))";

/// Asterisk's contrib/realtime/postgresql/postgresql_cdr.sql: start/answer/"end".
const PG_CDR: &str = "CREATE TABLE cdr (
    accountcode VARCHAR(80), src VARCHAR(80), dst VARCHAR(80), dcontext VARCHAR(80),
    clid VARCHAR(80), channel VARCHAR(80), dstchannel VARCHAR(80), lastapp VARCHAR(80),
    lastdata VARCHAR(80), start TIMESTAMP WITHOUT TIME ZONE, answer TIMESTAMP WITHOUT TIME ZONE,
    \"end\" TIMESTAMP WITHOUT TIME ZONE, duration INTEGER, billsec INTEGER,
    disposition VARCHAR(45), amaflags VARCHAR(45), userfield VARCHAR(256),
    uniqueid VARCHAR(150), linkedid VARCHAR(150), peeraccount VARCHAR(80), sequence INTEGER)";

/// 2017-06-20 00:00 local Sao Paulo = 2017-06-20T03:00:00Z (as in tests/cdr.rs).
const START_2017: i64 = 1_497_927_600;

fn cdr_sample() -> Vec<Vec<String>> {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/asterisk-cdr-fafeitsch/Master.cdr.csv");
    std::fs::read_to_string(path)
        .unwrap()
        .lines()
        .map(|l| reportd_telephony::cdr::split_csv(l).unwrap())
        .collect()
}

fn calls_list(source: &Map<String, Json>) -> Result<Collect, PluginError> {
    let end = START_2017 + 8 * DAY;
    let req = request(
        "telephony.calls_list",
        Json::Object(source.clone()),
        json!({ "company": "Acme" }),
        START_2017,
        end,
    );
    let plugin = TelephonyPlugin::with_now(end);
    plugin.validate(&req).unwrap();
    let mut sink = Collect::default();
    plugin.generate(&req, &mut sink)?;
    Ok(sink)
}

fn calls_list_from_file() -> Collect {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/asterisk-cdr-fafeitsch/Master.cdr.csv");
    calls_list(&obj(json!({ "cdr": path.to_str().unwrap() }))).unwrap()
}

#[test]
fn cdr_tables_give_the_master_csv_calls_list() {
    let rows = cdr_sample();
    assert_eq!(rows.len(), 218);
    let from_file = calls_list_from_file();
    assert_eq!(from_file.rows.len(), 174);
    let q = |s: &str| sql_text(s);
    let dt = |s: &str| {
        if s.is_empty() {
            "NULL".to_owned()
        } else {
            q(s)
        }
    };
    let secs = |s: &str| {
        chrono::NaiveDateTime::parse_from_str(s, "%Y-%m-%d %H:%M:%S")
            .unwrap()
            .and_utc()
            .timestamp()
    };

    // PostgreSQL, Asterisk's start/answer/end schema. Master.csv order: accountcode, src,
    // dst, dcontext, clid, channel, dstchannel, lastapp, lastdata, start, answer, end,
    // duration, billsec, disposition, amaflags, uniqueid, userfield; sequence = line number.
    let mut pg = database(Dialect::Postgres, "tel_cdr_pg");
    pg.exec(PG_CDR);
    let values: Vec<String> = rows
        .iter()
        .enumerate()
        .map(|(i, f)| {
            format!(
                "({}, {}, {}, {}, {}, {}, {}, {}, {}, {}, {}, {}, {}, {}, {}, {}, {}, {}, {i})",
                q(&f[0]),
                q(&f[1]),
                q(&f[2]),
                q(&f[3]),
                q(&f[4]),
                q(&f[5]),
                q(&f[6]),
                q(&f[7]),
                q(&f[8]),
                dt(&f[9]),
                dt(&f[10]),
                dt(&f[11]),
                f[12],
                f[13],
                q(&f[14]),
                q(&f[15]),
                q(&f[16]),
                q(&f[17])
            )
        })
        .collect();
    pg.exec(&format!(
        "INSERT INTO cdr (accountcode, src, dst, dcontext, clid, channel, dstchannel, lastapp,
         lastdata, start, answer, \"end\", duration, billsec, disposition, amaflags, uniqueid,
         userfield, sequence) VALUES {}",
        values.join(", ")
    ));
    let from_pg = calls_list(&pg.source("database")).unwrap();
    assert_eq!(from_pg.column_ids(), from_file.column_ids());
    assert_eq!(from_pg.rows, from_file.rows);
    assert_eq!(from_pg.meta["lines_read"], "218");
    assert_eq!(from_pg.meta["malformed_lines"], "0");
    assert!(from_pg.meta["source_table"].starts_with("cdr table in postgres://"));

    // MariaDB, FreePBX's calldate schema. It has no end: end = calldate + duration, which is
    // how Asterisk computes duration; the sample's duration field was edited on 93 rows, so
    // the table gets end − start (what Asterisk would have written).
    let mut my = database(Dialect::MySql, "tel_cdr_my");
    my.exec(MY_CDR_FREEPBX);
    let values: Vec<String> = rows
        .iter()
        .enumerate()
        .map(|(i, f)| {
            format!(
                "({}, {}, {}, {}, {}, {}, {}, {}, {}, {}, {}, {}, {}, {}, {}, {i})",
                q(&f[9]),
                q(&f[4]),
                q(&f[1]),
                q(&f[2]),
                q(&f[3]),
                q(&f[5]),
                q(&f[6]),
                q(&f[7]),
                q(&f[8]),
                secs(&f[11]) - secs(&f[9]),
                f[13],
                q(&f[14]),
                q(&f[0]),
                q(&f[16]),
                q(&f[17])
            )
        })
        .collect();
    my.exec(&format!(
        "INSERT INTO cdr (calldate, clid, src, dst, dcontext, channel, dstchannel, lastapp,
         lastdata, duration, billsec, disposition, accountcode, uniqueid, userfield, sequence)
         VALUES {}",
        values.join(", ")
    ));
    let from_my = calls_list(&my.source("database")).unwrap();
    assert_eq!(from_my.rows, from_file.rows);
    assert_eq!(from_my.meta["newest_record"], from_pg.meta["newest_record"]);
}

/// `url` with its password replaced.
fn with_password(url: &str, password: &str) -> String {
    let (scheme, rest) = url.split_once("://").unwrap();
    let (userinfo, host) = rest.split_once('@').unwrap();
    let user = userinfo.split(':').next().unwrap();
    format!("{scheme}://{user}:{password}@{host}")
}

#[test]
fn wrong_password_is_source_db_unreachable_without_the_password() {
    for dialect in [Dialect::MySql, Dialect::Postgres] {
        let db = database(dialect, "tel_pw");
        let source = obj(json!({ "database": with_password(&db.url, "wrong-secret-7") }));
        let req = day_req("telephony.service_level", &source, &json!({}));
        let plugin = TelephonyPlugin::new();
        plugin.validate(&req).unwrap();
        let mut sink = Collect::default();
        let e = plugin.generate(&req, &mut sink).unwrap_err();
        assert_eq!(e.code, "SOURCE_DB_UNREACHABLE", "{e}");
        assert!(!e.message.contains("wrong-secret-7"), "{}", e.message);
        assert!(!e.hint.contains("wrong-secret-7"));
        assert_eq!(sink.begun, 0);
    }
}

#[test]
fn missing_table_is_a_query_error() {
    let db = database(Dialect::Postgres, "tel_notable");
    let mut source = db.source("database");
    source.insert("queue_log_table".into(), json!("no_such_table"));
    let req = day_req("telephony.service_level", &source, &json!({}));
    let mut sink = Collect::default();
    let e = TelephonyPlugin::new()
        .generate(&req, &mut sink)
        .unwrap_err();
    assert_eq!(e.code, "SOURCE_DB_QUERY");
    assert!(
        e.message.contains("no_such_table not found"),
        "{}",
        e.message
    );
    assert!(e.hint.contains("queue_log_table"), "{}", e.hint);
}

fn problems(source: Json, report: &str) -> Vec<reportd_plugin_api::Problem> {
    let req = request(report, source, json!({}), T0, T0 + DAY);
    // "Today" is the day after the period, so calls_list's R-15D holds.
    match TelephonyPlugin::with_now(T0 + DAY).validate(&req) {
        Ok(()) => Vec::new(),
        Err(p) => p,
    }
}

fn fields(p: &[reportd_plugin_api::Problem]) -> Vec<&str> {
    p.iter().map(|p| p.field.as_str()).collect()
}

#[test]
fn validate_input_combinations() {
    let dir = tempfile::tempdir().unwrap();
    let ql = dir.path().join("queue_log");
    let cdr = dir.path().join("Master.csv");
    let (ql, cdr) = (ql.to_str().unwrap(), cdr.to_str().unwrap());
    let db = "mysql://asterisk@db.invalid/asteriskcdrdb";
    let sl = "telephony.service_level";

    // Neither a queue_log file nor a database.
    let p = problems(json!({}), sl);
    assert_eq!(fields(&p), ["source.queue_log"]);
    assert!(p[0].message.contains("neither"), "{}", p[0].message);
    assert!(p[0].hint.contains("database"), "{}", p[0].hint);
    let p = problems(json!({ "queue_log": ql }), "telephony.calls_list");
    assert_eq!(fields(&p), ["source.cdr"]);

    // Both a queue_log file and a queue_log table.
    let p = problems(
        json!({ "queue_log": ql, "database": db, "queue_log_table": "queue_log" }),
        sl,
    );
    assert_eq!(fields(&p), ["source.queue_log_table"]);
    assert!(p[0].message.contains("exactly one"), "{}", p[0].message);

    // Both inputs are files: the database would never be read.
    let p = problems(json!({ "queue_log": ql, "cdr": cdr, "database": db }), sl);
    assert_eq!(fields(&p), ["source.database"]);

    // Table settings without a database, a bad zone, cdr_format on a table: all at once.
    let p = problems(
        json!({ "queue_log": ql, "cdr_table": "cdr", "database_timezone": "Mars/Base" }),
        sl,
    );
    assert_eq!(
        fields(&p),
        [
            "source.database_timezone",
            "source.cdr_table",
            "source.database_timezone"
        ]
    );
    let p = problems(json!({ "database": db, "cdr_format": "cdr_csv" }), sl);
    assert_eq!(fields(&p), ["source.cdr_format"]);

    // Valid mixes: validate never connects (db.invalid does not resolve).
    assert!(problems(json!({ "database": db }), sl).is_empty());
    assert!(
        problems(
            json!({ "queue_log": ql, "database": db }),
            "telephony.calls_list"
        )
        .is_empty()
    );
    assert!(problems(
        json!({ "cdr": cdr, "database": db, "queue_log_table": "ql", "database_timezone": "UTC" }),
        sl
    )
    .is_empty());
}

fn with_wait(mut req: Request, wait: bool) -> Request {
    req.wait_for_data = wait;
    req
}

#[test]
fn wait_for_data_on_a_table() {
    let mut db = database(Dialect::Postgres, "tel_wait");
    db.exec(PG_QUEUE_LOG);
    insert_queue_log(&mut db, "queue_log", &base_fixture(), false, &|t, _| {
        format!("'{}'", wall(t, TZ).format("%Y-%m-%d %H:%M:%S"))
    });
    let source = db.source("database");
    let plugin = TelephonyPlugin::new();

    // The newest event is c6's EXITWITHTIMEOUT at 10:10; the day ends at midnight.
    let req = with_wait(
        day_req("telephony.service_level", &source, &json!({})),
        true,
    );
    let mut sink = Collect::default();
    let e = plugin.generate(&req, &mut sink).unwrap_err();
    assert_eq!(e.code, DATA_NOT_READY);
    assert!(
        e.message.contains("2026-11-20 10:10:00") && e.message.contains("2026-11-21 00:00:00"),
        "{}",
        e.message
    );
    assert!(e.hint.contains("wait_for_data"), "{}", e.hint);
    assert_eq!((sink.begun, sink.rows.len()), (0, 0));

    // Once the host stops waiting: the report, with the readiness warning.
    let out = run(&with_wait(req, false)).unwrap();
    assert_eq!(out.meta["period_closed"], "false");
    assert_eq!(out.meta["newest_record"], "2026-11-20 10:10:00");
    assert!(out.warning("PERIOD_NOT_CLOSED").is_some());
    assert_eq!(out.kpi("*", T0_LOCAL)["offered"], Cell::Int(9));

    // A period ending at 10:10:01 is covered by the 10:10:00 record (end exclusive).
    let closed = request(
        "telephony.service_level",
        Json::Object(source),
        json!({}),
        T0,
        at(10, 10, 1),
    );
    let out = run(&with_wait(closed, true)).unwrap();
    assert_eq!(out.meta["period_closed"], "true");
    assert!(out.warning("PERIOD_NOT_CLOSED").is_none());
}

#[test]
fn wait_for_data_on_files() {
    let dir = tempfile::tempdir().unwrap();
    let path = write(dir.path(), "queue_log", &base_fixture());
    let source = obj(json!({ "queue_log": path.to_str().unwrap() }));
    let req = with_wait(
        day_req("telephony.service_level", &source, &json!({})),
        true,
    );
    let mut sink = Collect::default();
    let e = TelephonyPlugin::new()
        .generate(&req, &mut sink)
        .unwrap_err();
    assert_eq!(e.code, DATA_NOT_READY);
    assert!(
        e.message.contains("queue_log is from 2026-11-20 10:10:00"),
        "{}",
        e.message
    );
    assert_eq!(sink.begun, 0);
    let closed = request(
        "telephony.service_level",
        Json::Object(source),
        json!({}),
        T0,
        at(10, 10, 1),
    );
    assert!(run(&with_wait(closed, true)).is_ok());

    // The CDR file: the sample's newest call ends on 2017-06-27, before the period's end.
    let cdr = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/asterisk-cdr-fafeitsch/Master.cdr.csv");
    let end = START_2017 + 8 * DAY;
    let req = with_wait(
        request(
            "telephony.calls_list",
            json!({ "cdr": cdr.to_str().unwrap() }),
            json!({}),
            START_2017,
            end,
        ),
        true,
    );
    let e = TelephonyPlugin::with_now(end)
        .generate(&req, &mut Collect::default())
        .unwrap_err();
    assert_eq!(e.code, DATA_NOT_READY, "{e}");
    assert!(
        e.message.contains("the CDR is from 2017-06-2"),
        "{}",
        e.message
    );
}
