//! The database input: the golden fixtures loaded into SQLite (tempfile) and PostgreSQL (the
//! test harness's server) with the README's DDL give the same rows as the CSV/JSONL files;
//! malformed cells are counted; a wrong password is `SOURCE_DB_UNREACHABLE`; database
//! settings are validated.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::path::Path;

use chrono_tz::Tz;
use common::*;
use reportd_plugin_api::sql::{Dialect, testing};
use reportd_score::{db, tables, time};
use serde_json::{Value as Json, json};

/// The README's DDL block for `which` (`postgres` or `sqlite`): the tests create exactly
/// what the documentation shows.
fn ddl(which: &str) -> String {
    let readme = include_str!("../README.md");
    let head = format!("```sql\n-- {which}\n");
    let start = readme.find(&head).expect("DDL block in README") + head.len();
    let body = &readme[start..];
    body[..body.find("```").unwrap()].to_owned()
}

/// `INSERT`s of every table of the file source `src` (a fixture's settings), read with the
/// plugin's own file reader. `fields.<name>` columns become the JSON `fields` column. Rows
/// without a required column cannot be stored (NOT NULL) and are left out; PostgreSQL time
/// columns get the instant (`…Z`), so unparsable times are left out there too, while SQLite
/// keeps the file's text as it is.
fn inserts(src: &Json, dialect: Dialect, prefix: &str) -> String {
    let dir = Path::new(src["config_dir"].as_str().unwrap());
    let tz: Tz = TZ.parse().unwrap();
    let mut sql = String::new();
    let mut n = 0;
    for (table, file) in src.as_object().unwrap() {
        if table == "config_dir" {
            continue;
        }
        let model = db::model(table).unwrap();
        let mut bad = tables::Malformed::default();
        let rows = tables::read_table(&dir.join(file.as_str().unwrap()), table, &mut bad).unwrap();
        'row: for r in rows {
            let fields: serde_json::Map<String, Json> = r
                .rec
                .iter()
                .filter_map(|(k, v)| {
                    k.strip_prefix("fields.")
                        .map(|f| (f.to_owned(), Json::String(v.clone())))
                })
                .collect();
            let (mut cols, mut vals) = (Vec::new(), Vec::new());
            for c in model.columns {
                let v = if model.json == Some(*c) {
                    (!fields.is_empty()).then(|| Json::Object(fields.clone()).to_string())
                } else {
                    r.get(c).map(str::to_owned)
                };
                let Some(mut v) = v else {
                    if model.required.contains(c) {
                        continue 'row;
                    }
                    continue;
                };
                if model.times.contains(c) && dialect == Dialect::Postgres {
                    let t = time::parse_ts(&v, tz).or_else(|| {
                        time::parse_date(&v)
                            .map(|d| time::utc_of(tz, d.and_hms_opt(0, 0, 0).unwrap()))
                    });
                    let Some(t) = t else { continue 'row };
                    v = chrono::DateTime::from_timestamp(t, 0)
                        .unwrap()
                        .format("%Y-%m-%dT%H:%M:%SZ")
                        .to_string();
                }
                cols.push(dialect.quote(c));
                vals.push(format!("'{}'", v.replace('\'', "''")));
            }
            sql.push_str(&format!(
                "INSERT INTO {} ({}) VALUES ({});\n",
                dialect.quote(&format!("{prefix}{table}")),
                cols.join(", "),
                vals.join(", ")
            ));
            n += 1;
        }
    }
    assert!(n > 0, "the fixture has rows");
    sql
}

/// Runs `sql` on a new SQLite file (the plugin opens databases read-only).
fn sqlite_exec(path: &Path, sql: &str) {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(async {
        use sqlx::ConnectOptions;
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

/// The fixture `src` in a SQLite database `score.db` next to it (tables `prefix…`); returns
/// the database source settings. `extra` runs after the inserts (bad rows).
fn sqlite_source(src: &Json, prefix: &str, extra: &str) -> Json {
    let dir = Path::new(src["config_dir"].as_str().unwrap());
    let mut schema = ddl("sqlite");
    if !prefix.is_empty() {
        for m in db::MODELS.iter() {
            schema.push_str(&format!("ALTER TABLE {0} RENAME TO {prefix}{0};\n", m.name));
        }
    }
    let sql = format!("{schema}{}{extra}", inserts(src, Dialect::Sqlite, prefix));
    sqlite_exec(&dir.join("score.db"), &sql);
    let mut s = json!({"config_dir": dir.to_str().unwrap(), "database": "sqlite://score.db"});
    if !prefix.is_empty() {
        s["database_table_prefix"] = json!(prefix);
    }
    s
}

/// The fixture `src` in a fresh PostgreSQL database; `extra` runs after the inserts.
fn postgres_source(src: &Json, hint: &str, extra: &str) -> Json {
    let mut db = testing::database(Dialect::Postgres, hint);
    db.exec(&ddl("postgres"));
    db.exec(&inserts(src, Dialect::Postgres, ""));
    if !extra.is_empty() {
        db.exec(extra);
    }
    Json::Object(db.source("database"))
}

/// Same columns and same rows (at least one).
fn same_rows(files: &Collect, other: &Collect, what: &str) {
    assert_eq!(files.column_ids(), other.column_ids(), "{what}");
    assert!(!files.rows.is_empty(), "{what}");
    assert_eq!(files.rows, other.rows, "{what}");
}

fn malformed(out: &Collect) -> u64 {
    out.warning("MALFORMED_RECORDS").map_or(0, |w| w.count)
}

#[test]
fn typifications_by_hour_same_rows_from_sqlite_and_postgres() {
    let dir = tempfile::tempdir().unwrap();
    let src = score_data::fixture(dir.path());
    let params =
        json!({"company": "Acme", "campaign": "Mora", "time_from": "09:00", "time_to": "10:00"});
    let req = |s: Json| {
        request(
            "score.typifications_by_hour",
            s,
            params.clone(),
            T0,
            T0 + DAY,
        )
    };
    let files = run(&req(src.clone())).unwrap();
    // The golden result (tests/typifications.rs): 3 rows; 3 malformed (y7 without
    // typified_at, the non-JSON line, y8's unknown contact type).
    assert_eq!(files.rows.len(), 3);
    assert_eq!(malformed(&files), 3);
    let lite = run(&req(sqlite_source(&src, "", ""))).unwrap();
    same_rows(&files, &lite, "sqlite");
    let pg = run(&req(postgres_source(&src, "score_by_hour", ""))).unwrap();
    same_rows(&files, &pg, "postgres");
    // The database never held y7 (typified_at NOT NULL) nor the non-JSON line: only y8.
    assert_eq!(malformed(&lite), 1);
    assert_eq!(malformed(&pg), 1);
    assert_eq!(pg.meta["campaign_type_cobranza"], "true");
}

#[test]
fn typifications_by_contact_same_rows_with_custom_fields() {
    let dir = tempfile::tempdir().unwrap();
    let src = score_data::fixture(dir.path());
    let params = json!({"company": "Acme", "campaign": "Mora"});
    let req = |s: Json| {
        request(
            "score.typifications_by_contact",
            s,
            params.clone(),
            T0,
            T0 + DAY,
        )
    };
    let files = run(&req(src.clone())).unwrap();
    assert_eq!(files.rows.len(), 6);
    let lite = run(&req(sqlite_source(&src, "", ""))).unwrap();
    same_rows(&files, &lite, "sqlite");
    let pg = run(&req(postgres_source(&src, "score_by_contact", ""))).unwrap();
    same_rows(&files, &pg, "postgres");
    // Custom fields from the jsonb column, in template order.
    assert_eq!(pg.row(0)["contact.Deuda"], t("1500"));
    assert_eq!(pg.row(0)["pdp_amount"], Cell::Dec(15050, 2));
}

#[test]
fn platform_time_detail_same_rows_and_database_timezone() {
    let dir = tempfile::tempdir().unwrap();
    let src = score_data::events_fixture(dir.path());
    let req = |s: Json| request("score.platform_time_detail", s, json!({}), T0, at(2, 0, 0));
    let files = run(&req(src.clone())).unwrap();
    // Golden (tests/platform_time.rs): 9 intervals, incl. u2's Ocupado across the period end
    // (clipped) and u1's Online without logout (open until the period end).
    assert_eq!(files.rows.len(), 9);
    assert_eq!(malformed(&files), 2);
    let lite = run(&req(sqlite_source(&src, "", ""))).unwrap();
    same_rows(&files, &lite, "sqlite");
    // PostgreSQL with naive `timestamp` columns holding UTC wall-clock times: right only if
    // database_timezone = UTC is used instead of the period's zone (Lima, 5 h apart).
    let mut pg = postgres_source(
        &src,
        "score_detail",
        "ALTER TABLE agent_events ALTER COLUMN started_at TYPE timestamp USING started_at AT TIME ZONE 'UTC', \
         ALTER COLUMN ended_at TYPE timestamp USING ended_at AT TIME ZONE 'UTC'",
    );
    pg["database_timezone"] = json!("UTC");
    let out = run(&req(pg.clone())).unwrap();
    same_rows(&files, &out, "postgres");
    // The unknown event `Pausa` is in the database and counted; the record without
    // started_at could not be stored.
    assert_eq!(malformed(&lite), 1);
    assert_eq!(malformed(&out), 1);
    // Without database_timezone the naive times are read as Lima: 5 h later, other rows.
    pg.as_object_mut().unwrap().remove("database_timezone");
    let shifted = run(&req(pg)).unwrap();
    assert_ne!(shifted.rows, files.rows);
}

#[test]
fn platform_time_state_from_long_before_the_period() {
    let dir = tempfile::tempdir().unwrap();
    let src = score_data::events_fixture(dir.path());
    // Period 03-13 (day 3). u1's last event is Online 03-11 08:00 without logout — more than
    // the one-day margin before the period, so the database needs the per-user "last event
    // before" query. u1 is online the whole day: 86400 s. u2's last event (Ocupado, ended
    // 03-12 00:20) ended before the period: no row.
    let req = |s: Json| {
        request(
            "score.platform_time_detail",
            s,
            json!({}),
            at(3, 0, 0),
            at(4, 0, 0),
        )
    };
    let files = run(&req(src.clone())).unwrap();
    assert_eq!(files.rows.len(), 1);
    assert_eq!(files.row(0)["duration_s"], Cell::Secs(86_400));
    assert_eq!(files.row(0)["event"], t("Online"));
    let lite = run(&req(sqlite_source(&src, "", ""))).unwrap();
    same_rows(&files, &lite, "sqlite");
    let pg = run(&req(postgres_source(&src, "score_before", ""))).unwrap();
    same_rows(&files, &pg, "postgres");
}

#[test]
fn forms_dynamic_columns_same_rows_with_a_table_prefix() {
    let dir = tempfile::tempdir().unwrap();
    let src = score_data::fixture_all(dir.path());
    let params = json!({"company": "Acme", "campaign": "Mora", "form": "Encuesta"});
    let req = |s: Json| request("score.forms", s, params.clone(), T0, T0 + DAY);
    let files = run(&req(src.clone())).unwrap();
    // Golden (tests/others.rs): a1, a2; the form's fields in form order.
    assert_eq!(files.rows.len(), 2);
    assert_eq!(
        &files.column_ids()[9..],
        &["form.Motivo llamada", "form.Satisfecho", "form.Email"]
    );
    let lite = run(&req(sqlite_source(&src, "score_", ""))).unwrap();
    same_rows(&files, &lite, "sqlite");
    let pg = run(&req(postgres_source(&src, "score_forms", ""))).unwrap();
    same_rows(&files, &pg, "postgres");
    assert_eq!(pg.meta["form"], "Encuesta");
    // a5's `at` ("yesterday"): PostgreSQL could not store it; SQLite holds the text, which is
    // outside every period's text range — neither counts it.
    assert_eq!(malformed(&files), 1);
    assert_eq!(malformed(&lite), 0);
    assert_eq!(malformed(&pg), 0);
}

#[test]
fn acw_logs_and_ai_usage_same_rows() {
    let dir = tempfile::tempdir().unwrap();
    let src = score_data::fixture_all(dir.path());
    let lite = sqlite_source(&src, "", "");
    let pg = postgres_source(&src, "score_acw_ai", "");
    let params = json!({"company": "Acme", "campaign": "Mora"});
    for (report, end, rows) in [
        ("score.acw_logs", T0 + DAY, 2),
        ("score.ai_usage", T0 + 2 * DAY, 3),
        ("score.acw_default_typifications", T0 + DAY, 2),
    ] {
        let req = |s: &Json| request(report, s.clone(), params.clone(), T0, end);
        let files = run(&req(&src)).unwrap();
        assert_eq!(files.rows.len(), rows, "{report}");
        same_rows(&files, &run(&req(&lite)).unwrap(), report);
        same_rows(&files, &run(&req(&pg)).unwrap(), report);
    }
}

#[test]
fn malformed_cells_are_counted_not_fatal() {
    let dir = tempfile::tempdir().unwrap();
    let src = score_data::fixture(dir.path());
    // In the period and the campaign, but unreadable: a typified_at that is no time, a
    // contact whose fields are not a JSON object, an unknown contact type (by-contact does
    // not read it: not malformed there).
    let extra = "INSERT INTO typifications (id, ticket_id, typified_at) VALUES ('b1', 't1', '2026-03-10 25:00:00');\n\
                 UPDATE contacts SET fields = 'not json' WHERE code = 'C2' AND campaign_id = 'k1';";
    let s = sqlite_source(&src, "", extra);
    let out = run(&request(
        "score.typifications_by_contact",
        s,
        json!({"company": "Acme", "campaign": "Mora"}),
        T0,
        T0 + DAY,
    ))
    .unwrap();
    // The 6 golden rows are all there; C2 lost its contact (Bruno) → empty contact name on
    // y9 and y2 (t2 is C2's ticket).
    assert_eq!(out.rows.len(), 6);
    assert_eq!(out.row(1)["contact_name"], Cell::Null);
    let w = out.warning("MALFORMED_RECORDS").unwrap();
    // b1 + C2 = 2.
    assert_eq!(w.count, 2);
    assert!(
        w.examples.iter().any(|e| e.contains("typified_at")),
        "{:?}",
        w.examples
    );
    assert!(
        w.examples.iter().any(|e| e.contains("not a JSON object")),
        "{:?}",
        w.examples
    );
}

/// The filters run in SQL: rows outside the campaign or the period are never sent, so even
/// unreadable ones are not counted (files count them: they are read whole).
#[test]
fn sql_filters_skip_rows_outside_the_campaign_and_period() {
    let dir = tempfile::tempdir().unwrap();
    let src = score_data::fixture_all(dir.path());
    // ai_conclusions: k1 two months before (outside by date), k9 in the period, k1 in the
    // period — all with an hour that does not exist. Only the last is sent: 1 malformed.
    // typifications: b1 on k2's ticket t3 (other campaign), b2 on t1 (ours); both 25:00.
    let extra = "INSERT INTO ai_conclusions VALUES ('2026-01-10 25:00:00', 'k1', 'u1', NULL);\n\
                 INSERT INTO ai_conclusions VALUES ('2026-03-10 25:00:00', 'k9', 'u1', NULL);\n\
                 INSERT INTO ai_conclusions VALUES ('2026-03-10 25:00:01', 'k1', 'u1', NULL);\n\
                 INSERT INTO typifications (id, ticket_id, typified_at) VALUES ('b1', 't3', '2026-03-10 25:00:00');\n\
                 INSERT INTO typifications (id, ticket_id, typified_at) VALUES ('b2', 't1', '2026-03-10 25:00:00');";
    let s = sqlite_source(&src, "", extra);
    let params = json!({"company": "Acme", "campaign": "Mora"});
    let out = run(&request(
        "score.ai_usage",
        s.clone(),
        params.clone(),
        T0,
        T0 + 2 * DAY,
    ))
    .unwrap();
    assert_eq!(out.rows.len(), 3);
    assert_eq!(malformed(&out), 1);
    let out = run(&request(
        "score.typifications_by_product",
        s,
        params,
        T0,
        T0 + DAY,
    ))
    .unwrap();
    assert_eq!(out.rows.len(), 6);
    let w = out.warning("MALFORMED_RECORDS").unwrap();
    assert_eq!(w.count, 1, "{:?}", w.examples);
}

#[test]
fn wrong_password_is_unreachable_and_not_printed() {
    let db = testing::database(Dialect::Postgres, "score_pw");
    let url = db.url.clone();
    // postgres://rtest:PASSWORD@host:port/name → the same with a wrong password.
    let (head, rest) = url.split_once("://").unwrap();
    let (userinfo, tail) = rest.split_once('@').unwrap();
    let user = userinfo.split(':').next().unwrap();
    let bad = format!("{head}://{user}:not-the-Secret-42@{tail}");
    let req = request(
        "score.ai_usage",
        json!({"database": bad}),
        json!({"company": "Acme", "campaign": "Mora"}),
        T0,
        T0 + DAY,
    );
    let e = run(&req).unwrap_err();
    assert_eq!(e.code, "SOURCE_DB_UNREACHABLE");
    assert!(!e.message.contains("not-the-Secret-42"), "{}", e.message);
    assert!(!e.hint.contains("not-the-Secret-42"), "{}", e.hint);
}

#[test]
fn missing_table_is_a_query_error() {
    let dir = tempfile::tempdir().unwrap();
    sqlite_exec(
        &dir.path().join("empty.db"),
        "CREATE TABLE companies (id TEXT); INSERT INTO companies VALUES ('co1');",
    );
    let e = run(&request(
        "score.ai_usage",
        json!({"config_dir": dir.path().to_str().unwrap(), "database": "sqlite://empty.db"}),
        json!({"company": "co1", "campaign": "Mora"}),
        T0,
        T0 + DAY,
    ))
    .unwrap_err();
    assert_eq!(e.code, "SOURCE_DB_QUERY");
    assert!(e.message.contains("campaigns"), "{}", e.message);
}

#[test]
fn validate_database_settings() {
    let p = json!({"company": "Acme", "campaign": "Mora"});
    let v = |src: Json| validate(&request("score.ai_usage", src, p.clone(), T0, T0 + DAY));
    // A database alone is enough (tables are checked when the report runs).
    assert!(v(json!({"database": "postgres://reportd@db/score"})).is_ok());
    // Both files and a database.
    let e =
        v(json!({"database": "postgres://reportd@db/score", "companies": "c.csv"})).unwrap_err();
    assert_eq!(e.len(), 1);
    assert_eq!(e[0].field, "source.database");
    assert!(e[0].message.contains("both"), "{}", e[0].message);
    // Neither: every table the report reads, each hint naming the database alternative.
    let e = v(json!({})).unwrap_err();
    let fields: Vec<&str> = e.iter().map(|p| p.field.as_str()).collect();
    assert_eq!(
        fields,
        [
            "source.companies",
            "source.campaigns",
            "source.ai_conclusions"
        ]
    );
    assert!(e[0].hint.contains("database ="), "{}", e[0].hint);
    // Bad database settings, all at once.
    let e = v(
        json!({"database": "mysql://u@h/score", "database_timezone": "Mars/Base",
        "database_tables": {"tikets": "t"}, "database_table_prefix": 3}),
    )
    .unwrap_err();
    let fields: Vec<&str> = e.iter().map(|p| p.field.as_str()).collect();
    for f in [
        "source.database",
        "source.database_timezone",
        "source.database_tables.tikets",
        "source.database_table_prefix",
    ] {
        assert!(fields.contains(&f), "missing {f} in {fields:?}");
    }
    // Database-only settings without a database.
    let e = v(
        json!({"companies": "c.csv", "campaigns": "k.csv", "ai_conclusions": "a.csv",
        "database_timezone": "UTC"}),
    )
    .unwrap_err();
    assert_eq!(e.len(), 1);
    assert_eq!(e[0].field, "source.database_timezone");
}

#[test]
fn platform_time_summary_with_typifying_and_resolving_same_rows() {
    let dir = tempfile::tempdir().unwrap();
    let mut src = score_data::fixture(dir.path());
    let ev = format!("u1,Online,{},{}", ts(0, 8, 0), ts(0, 18, 0));
    write(
        dir.path(),
        "ev.csv",
        &["user_id,event,started_at,ended_at", &ev],
    );
    src["agent_events"] = json!("ev.csv");
    let req = |s: Json| request("score.platform_time_summary", s, json!({}), T0, T0 + DAY);
    let files = run(&req(src.clone())).unwrap();
    // Golden (tests/platform_time.rs): u1 online 36000 s, typifying 120 s, resolving 900 s.
    assert_eq!(files.rows.len(), 1);
    assert_eq!(files.row(0)["typifying_s"], Cell::Secs(120));
    assert_eq!(files.row(0)["resolving_s"], Cell::Secs(900));
    same_rows(
        &files,
        &run(&req(sqlite_source(&src, "", ""))).unwrap(),
        "sqlite",
    );
    let pg = postgres_source(&src, "score_summary", "");
    same_rows(&files, &run(&req(pg)).unwrap(), "postgres");
}
