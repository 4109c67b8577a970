//! Tests of the status store through the public `Store` trait, run against both backends:
//! SQLite (in memory, or a file shared by two pools) and PostgreSQL (a fresh database on the
//! test harness's server per test, two pools as two daemons). Claims (also raced between two
//! processes), the start rules (portfolio/schedule serialization, FIFO, reservations,
//! backoff, also raced), requeue, lookup, listing, expiry, pruning and the round trip of
//! every field; then what is specific to each backend (file reopen and WAL, schema version,
//! passwords).
//!
//! PostgreSQL tests need `scripts/test-servers start` (`scripts/test` runs it); without it
//! they fail with that command, they never skip.

// Test helpers (outside #[test] fns) unwrap too: a failure there is a test failure.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::HashSet;
use std::path::Path;
use std::sync::atomic::{AtomicU32, Ordering};

use chrono::{DateTime, Duration, Utc};
use reportd::code::{Code, ErrorInfo};
use reportd::config::StorePlan;
use reportd::secret::{Secret, SecretSource};
use reportd::store::{
    DeliveryRecord, DeliveryState, FileInfo, Generated, ListFilter, NewRun, PostgresStore,
    RunRecord, RunState, SqliteStore, StatusStore, Store, StoreError, Trigger,
};
use sqlx::Connection;

/// What the generic tests need beyond the [`Store`] trait.
trait Backend: Store + Clone + Sized {
    /// A fresh, empty store.
    async fn fresh() -> Self;
    /// Two handles on one fresh database, as two processes (daemons) would hold them, and
    /// whatever must live as long as they do.
    async fn pair() -> (Self, Self, Option<tempfile::TempDir>);
    /// Sets a store-owned timestamp column by hand so ordering/filters can be checked with
    /// fixed instants.
    async fn set_time(&self, column: &str, id: &str, at: &str);
    /// Rows in `deliveries`, all runs together.
    async fn count_deliveries(&self) -> i64;
}

impl Backend for SqliteStore {
    async fn fresh() -> Self {
        SqliteStore::open_in_memory().await.unwrap()
    }

    async fn pair() -> (Self, Self, Option<tempfile::TempDir>) {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("state/reportd.db");
        let a = SqliteStore::open(&path).await.unwrap();
        let b = SqliteStore::open(&path).await.unwrap();
        (a, b, Some(dir))
    }

    async fn set_time(&self, column: &str, id: &str, at: &str) {
        let sql = format!("UPDATE runs SET {column} = ?1 WHERE id = ?2");
        let r = sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(t(at).timestamp_millis())
            .bind(id)
            .execute(self.pool())
            .await
            .unwrap();
        assert_eq!(r.rows_affected(), 1);
    }

    async fn count_deliveries(&self) -> i64 {
        sqlx::query_scalar("SELECT COUNT(*) FROM deliveries")
            .fetch_one(self.pool())
            .await
            .unwrap()
    }
}

impl Backend for PostgresStore {
    async fn fresh() -> Self {
        let db = pg_database().await;
        db.connect().await
    }

    async fn pair() -> (Self, Self, Option<tempfile::TempDir>) {
        let db = pg_database().await;
        (db.connect().await, db.connect().await, None)
    }

    async fn set_time(&self, column: &str, id: &str, at: &str) {
        let sql = format!("UPDATE runs SET {column} = $1 WHERE id = $2");
        let r = sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(t(at).timestamp_millis())
            .bind(id)
            .execute(self.pool())
            .await
            .unwrap();
        assert_eq!(r.rows_affected(), 1);
    }

    async fn count_deliveries(&self) -> i64 {
        sqlx::query_scalar("SELECT COUNT(*) FROM deliveries")
            .fetch_one(self.pool())
            .await
            .unwrap()
    }
}

/// A database created on the harness's PostgreSQL for one test.
struct PgDb {
    /// `postgres://rtest@127.0.0.1:PORT/NAME`, without the password.
    url: String,
    password: Secret,
}

impl PgDb {
    /// A store on it; the password goes the way `password_file`/`_env` would.
    async fn connect(&self) -> PostgresStore {
        PostgresStore::connect(&self.url, Some(&self.password))
            .await
            .unwrap()
    }
}

/// The harness's coordinates (`$REPORTD_TEST_SERVERS/env`, default
/// `/tmp/reportd-test-servers/env`), as `plugins/api`'s `sql::testing` reads them.
fn harness(key: &str) -> String {
    let dir = std::env::var("REPORTD_TEST_SERVERS")
        .unwrap_or_else(|_| "/tmp/reportd-test-servers".into());
    let path = Path::new(&dir).join("env");
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| {
        panic!(
            "{}: {e}; start the test servers first: sudo scripts/test-servers start (scripts/test does it)",
            path.display()
        )
    });
    text.lines()
        .filter_map(|l| l.split_once('='))
        .find(|(k, _)| *k == key)
        .map(|(_, v)| v.to_owned())
        .unwrap_or_else(|| {
            panic!(
                "{key} missing from {}: restart them with scripts/test-servers start",
                path.display()
            )
        })
}

/// Creates an empty database on the harness's PostgreSQL (tests run in parallel: each
/// gets its own).
async fn pg_database() -> PgDb {
    static SEQ: AtomicU32 = AtomicU32::new(0);
    let (user, password, port) = (harness("USER"), harness("PASSWORD"), harness("PG_PORT"));
    let name = format!(
        "t_store_{}_{}",
        std::process::id(),
        SEQ.fetch_add(1, Ordering::Relaxed)
    );
    let admin = format!("postgres://{user}:{password}@127.0.0.1:{port}/postgres");
    let mut conn = sqlx::PgConnection::connect(&admin)
        .await
        .unwrap_or_else(|e| panic!("{e}; is the harness running? scripts/test-servers start"));
    sqlx::raw_sql(sqlx::AssertSqlSafe(format!("CREATE DATABASE {name}")))
        .execute(&mut conn)
        .await
        .unwrap();
    conn.close().await.unwrap();
    PgDb {
        url: format!("postgres://{user}@127.0.0.1:{port}/{name}"),
        password: Secret::new(password),
    }
}

fn t(s: &str) -> DateTime<Utc> {
    s.parse().unwrap()
}

/// A queued cron run with no portfolio and one destination.
fn run(id: &str, schedule: &str, fire: Option<&str>) -> NewRun {
    NewRun {
        id: id.to_owned(),
        schedule: schedule.to_owned(),
        source: "callcenter".to_owned(),
        report: "telephony.service_level".to_owned(),
        portfolio: None,
        trigger: if fire.is_some() {
            Trigger::Cron
        } else {
            Trigger::Manual
        },
        requested_by: None,
        fire_time: fire.map(t),
        period_start: t("2026-03-01T03:00:00Z"),
        period_end: t("2026-03-02T03:00:00Z"),
        timezone: "America/Sao_Paulo".to_owned(),
        filters: "{}".to_owned(),
        destinations: vec!["acme-sftp".to_owned()],
        state: RunState::Queued,
        skip_reason: None,
        max_attempts: 3,
        reserved_for: None,
    }
}

fn in_portfolio(mut r: NewRun, portfolio: &str) -> NewRun {
    r.portfolio = Some(portfolio.to_owned());
    r
}

fn ids(runs: &[RunRecord]) -> Vec<&str> {
    runs.iter().map(|r| r.id.as_str()).collect()
}

async fn claim_twice_second_is_refused<S: Backend>() {
    let s = S::fresh().await;
    assert!(
        s.claim(&run("r1", "daily", Some("2026-03-02T09:00:00Z")))
            .await
            .unwrap()
    );
    // Same (schedule, fire_time), another id: another process's claim.
    assert!(
        !s.claim(&run("r2", "daily", Some("2026-03-02T09:00:00Z")))
            .await
            .unwrap()
    );
    assert!(matches!(s.get("r2").await, Err(StoreError::NoSuchRun(_))));
    // Same fire time, other schedule: independent.
    assert!(
        s.claim(&run("r3", "hourly", Some("2026-03-02T09:00:00Z")))
            .await
            .unwrap()
    );
    // Manual runs have no fire time and never conflict.
    assert!(s.claim(&run("m1", "daily", None)).await.unwrap());
    assert!(s.claim(&run("m2", "daily", None)).await.unwrap());
    // r1 + r3 + m1 + m2 = 4 rows; r1 got exactly one delivery row.
    assert_eq!(s.list(&ListFilter::default()).await.unwrap().len(), 4);
    assert_eq!(s.get("r1").await.unwrap().deliveries.len(), 1);
}

async fn claim_race_between_two_processes_has_one_winner<S: Backend>() {
    let (a, b, _dir) = S::pair().await;
    let base = t("2026-03-02T00:00:00Z");
    let mut winners = 0;
    for i in 0..50 {
        let fire = (base + Duration::minutes(i)).to_rfc3339();
        let mut ra = run(&format!("a-{i:02}"), "race", Some(&fire));
        ra.destinations = vec!["x".into(), "y".into()];
        let mut rb = run(&format!("b-{i:02}"), "race", Some(&fire));
        rb.destinations = vec!["x".into(), "y".into()];
        let (sa, sb) = (a.clone(), b.clone());
        let ta = tokio::spawn(async move { sa.claim(&ra).await.unwrap() });
        let tb = tokio::spawn(async move { sb.claim(&rb).await.unwrap() });
        let (wa, wb) = (ta.await.unwrap(), tb.await.unwrap());
        assert!(wa ^ wb, "fire {i}: a={wa} b={wb}");
        winners += usize::from(wa) + usize::from(wb);
    }
    assert_eq!(winners, 50);
    let all = b.list(&ListFilter::default()).await.unwrap();
    assert_eq!(all.len(), 50);
    // The loser's transaction left no delivery rows: 50 runs x 2 destinations.
    let deliveries: usize = all.iter().map(|r| r.deliveries.len()).sum();
    assert_eq!(deliveries, 100);
    let fires: HashSet<_> = all.iter().map(|r| r.fire_time).collect();
    assert_eq!(fires.len(), 50);
}

async fn portfolio_runs_one_at_a_time_fifo<S: Backend>() {
    let s = S::fresh().await;
    // acme: a1 (06:00) before a2 (07:00), different schedules.
    let a1 = in_portfolio(run("a1", "acme-sl", Some("2026-03-02T06:00:00Z")), "acme");
    let a2 = in_portfolio(
        run("a2", "acme-agents", Some("2026-03-02T07:00:00Z")),
        "acme",
    );
    let z1 = in_portfolio(run("z1", "zeta-sl", Some("2026-03-02T08:00:00Z")), "zeta");
    let n1 = run("n1", "free-1", Some("2026-03-02T06:00:00Z"));
    let n2 = run("n2", "free-2", Some("2026-03-02T06:00:00Z"));
    for r in [&a2, &a1, &z1, &n1, &n2] {
        assert!(s.claim(r).await.unwrap());
    }
    // FIFO by fire time, then id; a2 was claimed first but fired later.
    assert_eq!(
        ids(&s.startable("d1").await.unwrap()),
        ["a1", "n1", "n2", "a2", "z1"]
    );
    // a2 waits while the earlier a1 is queued...
    assert!(!s.try_start("a2", "d1").await.unwrap());
    assert!(s.try_start("a1", "d1").await.unwrap());
    // ...and while it runs.
    assert!(!s.try_start("a2", "d1").await.unwrap());
    // Another portfolio and runs without portfolio are independent.
    assert!(s.try_start("z1", "d1").await.unwrap());
    assert!(s.try_start("n1", "d1").await.unwrap());
    assert!(s.try_start("n2", "d2").await.unwrap());
    // Starting twice never succeeds.
    assert!(!s.try_start("a1", "d2").await.unwrap());
    let running = s.running().await.unwrap();
    assert_eq!(running.len(), 4);
    let n2r = running.iter().find(|r| r.id == "n2").unwrap();
    assert_eq!(n2r.owner.as_deref(), Some("d2"));
    assert!(n2r.started_at.is_some());
    s.finish("a1", RunState::Succeeded, None).await.unwrap();
    assert!(s.try_start("a2", "d1").await.unwrap());
    // Unknown run: nothing to start.
    assert!(!s.try_start("nope", "d1").await.unwrap());
}

async fn same_schedule_never_runs_twice<S: Backend>() {
    let s = S::fresh().await;
    assert!(
        s.claim(&run("s1", "daily", Some("2026-03-02T06:00:00Z")))
            .await
            .unwrap()
    );
    assert!(
        s.claim(&run("s2", "daily", Some("2026-03-03T06:00:00Z")))
            .await
            .unwrap()
    );
    assert!(s.claim(&run("s3", "daily", None)).await.unwrap());
    assert!(s.has_active("daily").await.unwrap());
    assert!(!s.has_active("other").await.unwrap());
    assert_eq!(
        s.last_fire("daily").await.unwrap(),
        Some(t("2026-03-03T06:00:00Z"))
    );
    assert_eq!(s.last_fire("other").await.unwrap(), None);
    assert!(s.try_start("s1", "d1").await.unwrap());
    assert!(!s.try_start("s2", "d1").await.unwrap());
    assert!(!s.try_start("s3", "d2").await.unwrap());
    s.finish(
        "s1",
        RunState::Failed,
        Some(&ErrorInfo::new(Code::PluginError, "x")),
    )
    .await
    .unwrap();
    assert!(s.try_start("s2", "d2").await.unwrap());
    assert!(!s.try_start("s3", "d1").await.unwrap());
    s.finish("s2", RunState::Succeeded, None).await.unwrap();
    assert!(s.try_start("s3", "d1").await.unwrap());
    s.finish("s3", RunState::Succeeded, None).await.unwrap();
    assert!(!s.has_active("daily").await.unwrap());
}

async fn reserved_run_starts_only_for_its_owner<S: Backend>() {
    let s = S::fresh().await;
    let mut r = run("m1", "daily", None);
    r.reserved_for = Some("trigger-42".into());
    r.requested_by = Some("ana@host".into());
    assert!(s.claim(&r).await.unwrap());
    assert!(s.startable("daemon-1").await.unwrap().is_empty());
    assert!(!s.try_start("m1", "daemon-1").await.unwrap());
    assert_eq!(ids(&s.startable("trigger-42").await.unwrap()), ["m1"]);
    assert!(s.try_start("m1", "trigger-42").await.unwrap());
    let got = s.get("m1").await.unwrap();
    assert_eq!(got.state, RunState::Running);
    assert_eq!(got.owner.as_deref(), Some("trigger-42"));
}

async fn not_before_delays_a_retry<S: Backend>() {
    let s = S::fresh().await;
    assert!(
        s.claim(&run("r1", "daily", Some("2026-03-02T06:00:00Z")))
            .await
            .unwrap()
    );
    assert!(s.try_start("r1", "d1").await.unwrap());
    let err = ErrorInfo::new(Code::DaemonStopped, "killed");
    s.requeue("r1", Utc::now() + Duration::hours(1), &err)
        .await
        .unwrap();
    assert!(s.startable("d1").await.unwrap().is_empty());
    assert!(!s.try_start("r1", "d1").await.unwrap());
    s.requeue("r1", Utc::now() - Duration::seconds(1), &err)
        .await
        .unwrap();
    assert_eq!(ids(&s.startable("d1").await.unwrap()), ["r1"]);
    assert!(s.try_start("r1", "d1").await.unwrap());
    // Two requeues: attempt 1 + 2 = 3.
    assert_eq!(s.get("r1").await.unwrap().attempt, 3);
}

async fn backing_off_run_does_not_hold_its_portfolio<S: Backend>() {
    let s = S::fresh().await;
    let early = in_portfolio(run("e", "acme-a", Some("2026-03-02T06:00:00Z")), "acme");
    let late = in_portfolio(run("l", "acme-b", Some("2026-03-02T07:00:00Z")), "acme");
    assert!(s.claim(&early).await.unwrap());
    assert!(s.claim(&late).await.unwrap());
    assert!(s.try_start("e", "d1").await.unwrap());
    let err = ErrorInfo::new(Code::DiskFull, "no space");
    s.requeue("e", Utc::now() + Duration::hours(1), &err)
        .await
        .unwrap();
    // e waits out its backoff; l may go meanwhile.
    assert!(s.try_start("l", "d1").await.unwrap());
    // Once due again, e waits for l (running in the same portfolio).
    s.requeue("e", Utc::now() - Duration::seconds(1), &err)
        .await
        .unwrap();
    assert!(!s.try_start("e", "d1").await.unwrap());
    s.finish("l", RunState::Succeeded, None).await.unwrap();
    assert!(s.try_start("e", "d1").await.unwrap());
}

async fn requeue_keeps_file_and_deliveries<S: Backend>() {
    let s = S::fresh().await;
    let mut r = run("r1", "daily", Some("2026-03-02T06:00:00Z"));
    r.destinations = vec!["sftp".into(), "mail".into()];
    r.reserved_for = Some("trigger-1".into());
    assert!(s.claim(&r).await.unwrap());
    assert!(s.try_start("r1", "trigger-1").await.unwrap());
    let generated = Generated {
        file: FileInfo {
            name: "a.csv".into(),
            path: "/var/lib/reportd/outbox/r1/a.csv".into(),
            bytes: 10,
            sha256: "ab".repeat(32),
        },
        rows: 2,
        warnings: "[]".into(),
        meta: "{}".into(),
    };
    s.set_generated("r1", &generated).await.unwrap();
    let sent = DeliveryRecord {
        destination: "sftp".into(),
        state: DeliveryState::Succeeded,
        attempts: 1,
        remote_path: Some("/inbound/a.csv".into()),
        last_error: None,
        updated_at: t("2026-03-02T06:01:00.250Z"),
    };
    s.set_delivery("r1", &sent).await.unwrap();
    let mail_err = ErrorInfo::new(Code::Internal, "smtp down");
    let failed = DeliveryRecord {
        destination: "mail".into(),
        state: DeliveryState::Failed,
        attempts: 3,
        remote_path: None,
        last_error: Some(mail_err.clone()),
        updated_at: t("2026-03-02T06:02:00Z"),
    };
    s.set_delivery("r1", &failed).await.unwrap();
    let err = ErrorInfo::new(Code::DaemonStopped, "daemon killed");
    let nb = t("2026-03-02T06:30:00Z");
    s.requeue("r1", nb, &err).await.unwrap();

    let got = s.get("r1").await.unwrap();
    assert_eq!(got.state, RunState::Queued);
    assert_eq!(got.attempt, 2);
    assert_eq!(got.not_before, Some(nb));
    assert_eq!(got.owner, None);
    assert_eq!(got.reserved_for, None);
    assert_eq!(got.started_at, None);
    assert_eq!(got.finished_at, None);
    assert_eq!(got.error, Some(err));
    assert_eq!(got.file, Some(generated.file));
    assert_eq!(got.rows, Some(2));
    // Deliveries in destination order, the sent one still sent.
    assert_eq!(got.deliveries, vec![sent, failed]);
}

async fn get_by_exact_id_or_unique_prefix<S: Backend>() {
    let s = S::fresh().await;
    for id in ["0190aaaa-1111", "0190aaaa-2222", "0190bbbb-3333", "abc"] {
        assert!(s.claim(&run(id, id, None)).await.unwrap());
    }
    assert_eq!(s.get("0190aaaa-1111").await.unwrap().id, "0190aaaa-1111");
    assert_eq!(s.get("0190aaaa-2").await.unwrap().id, "0190aaaa-2222");
    assert_eq!(s.get("0190b").await.unwrap().id, "0190bbbb-3333");
    // A 3-character exact id is found; a 3-character prefix is not used.
    assert_eq!(s.get("abc").await.unwrap().id, "abc");
    assert!(matches!(s.get("019").await, Err(StoreError::NoSuchRun(p)) if p == "019"));
    assert!(matches!(s.get("0190a").await, Err(StoreError::Ambiguous(p)) if p == "0190a"));
    assert!(matches!(s.get("0190").await, Err(StoreError::Ambiguous(_))));
    assert!(matches!(s.get("zzzz").await, Err(StoreError::NoSuchRun(_))));
    // Wildcards are not wildcards.
    assert!(matches!(
        s.get("0190%").await,
        Err(StoreError::NoSuchRun(_))
    ));
    assert!(matches!(
        s.get("0190_aaa").await,
        Err(StoreError::NoSuchRun(_))
    ));
    // Case matters (ids are lower-case UUIDs).
    assert!(matches!(
        s.get("0190BBBB").await,
        Err(StoreError::NoSuchRun(_))
    ));
}

async fn list_filters_and_order<S: Backend>() {
    let s = S::fresh().await;
    let plan = [
        ("r1", "daily", "2026-03-01T06:00:00Z"),
        ("r2", "daily", "2026-03-02T06:00:00Z"),
        ("r3", "hourly", "2026-03-02T07:00:00Z"),
        ("r4", "daily", "2026-03-03T06:00:00Z"),
    ];
    for (id, schedule, at) in plan {
        assert!(s.claim(&run(id, schedule, Some(at))).await.unwrap());
        s.set_time("queued_at", id, at).await;
    }
    for id in ["r2", "r3"] {
        assert!(s.try_start(id, "d1").await.unwrap());
        let e = ErrorInfo::new(Code::PluginCrash, "boom");
        s.finish(id, RunState::Failed, Some(&e)).await.unwrap();
    }
    let all = s.list(&ListFilter::default()).await.unwrap();
    assert_eq!(ids(&all), ["r4", "r3", "r2", "r1"]);
    assert!(all.iter().all(|r| r.deliveries.len() == 1));
    let f = |failed_only, schedule: Option<&str>, since: Option<&str>, limit| ListFilter {
        failed_only,
        schedule: schedule.map(str::to_owned),
        since: since.map(t),
        limit,
    };
    let list = |filter| {
        let s = s.clone();
        async move { s.list(&filter).await.unwrap() }
    };
    assert_eq!(ids(&list(f(true, None, None, None)).await), ["r3", "r2"]);
    assert_eq!(
        ids(&list(f(false, Some("daily"), None, None)).await),
        ["r4", "r2", "r1"]
    );
    // since is inclusive: r2 queued exactly at 2026-03-02T06:00.
    assert_eq!(
        ids(&list(f(false, None, Some("2026-03-02T06:00:00Z"), None)).await),
        ["r4", "r3", "r2"]
    );
    assert_eq!(
        ids(&list(f(false, None, None, Some(2))).await),
        ["r4", "r3"]
    );
    assert_eq!(
        ids(&list(f(
            true,
            Some("daily"),
            Some("2026-03-01T00:00:00Z"),
            Some(5)
        ))
        .await),
        ["r2"]
    );
    assert!(list(f(true, Some("nope"), None, None)).await.is_empty());
}

async fn expired_files_and_prune<S: Backend>() {
    let s = S::fresh().await;
    let file = |name: &str| Generated {
        file: FileInfo {
            name: name.into(),
            path: format!("/outbox/{name}"),
            bytes: 1,
            sha256: "00".repeat(32),
        },
        rows: 1,
        warnings: "[]".into(),
        meta: "{}".into(),
    };
    // old: finished 2026-03-01 with file; new: finished 2026-03-03 with file;
    // nofile: finished 2026-03-01 without file; live: running with a file.
    for (id, sched) in [("old", "a"), ("new", "b"), ("nofile", "c"), ("live", "d")] {
        assert!(s.claim(&run(id, sched, None)).await.unwrap());
        assert!(s.try_start(id, "d1").await.unwrap());
        if id != "nofile" {
            s.set_generated(id, &file(&format!("{id}.csv")))
                .await
                .unwrap();
        }
    }
    for (id, at) in [
        ("old", "2026-03-01T00:00:00Z"),
        ("new", "2026-03-03T00:00:00Z"),
        ("nofile", "2026-03-01T00:00:00Z"),
    ] {
        s.finish(id, RunState::Succeeded, None).await.unwrap();
        s.set_time("finished_at", id, at).await;
    }
    let cut = t("2026-03-02T00:00:00Z");
    assert_eq!(ids(&s.expired_files(cut).await.unwrap()), ["old"]);
    // finished_at < before is strict: "old" finished exactly at the cut-off is not expired.
    assert!(
        s.expired_files(t("2026-03-01T00:00:00Z"))
            .await
            .unwrap()
            .is_empty()
    );
    s.mark_file_removed("old").await.unwrap();
    assert!(s.expired_files(cut).await.unwrap().is_empty());
    let old = s.get("old").await.unwrap();
    assert!(old.file_removed);
    assert!(old.file.is_some());
    // Everything terminal: old + new + nofile; "live" is running.
    assert_eq!(
        ids(&s.expired_files(t("2026-04-01T00:00:00Z")).await.unwrap()),
        ["new"]
    );

    // A skipped claim is terminal at once and has no deliveries.
    let mut skipped = run("skip", "e", Some("2026-03-01T06:00:00Z"));
    skipped.state = RunState::Skipped;
    skipped.skip_reason = Some("overlap".into());
    assert!(s.claim(&skipped).await.unwrap());
    let sk = s.get("skip").await.unwrap();
    assert!(sk.deliveries.is_empty());
    assert!(sk.finished_at.is_some());
    s.set_time("finished_at", "skip", "2026-03-01T12:00:00Z")
        .await;

    // Before the cut: old, nofile, skip = 3 (new is after it, live not terminal).
    assert_eq!(s.prune(cut).await.unwrap(), 3);
    assert_eq!(ids(&s.list(&ListFilter::default()).await.unwrap()).len(), 2);
    assert!(matches!(s.get("old").await, Err(StoreError::NoSuchRun(_))));
    // The deliveries went with their runs (FK cascade).
    assert_eq!(s.count_deliveries().await, 2);
    assert_eq!(s.prune(cut).await.unwrap(), 0);
}

async fn every_field_round_trips<S: Backend>() {
    let s = S::fresh().await;
    let new = NewRun {
        id: "0190f00d-0000-7000-8000-000000000001".into(),
        schedule: "acme-service-level-daily".into(),
        source: "callcenter".into(),
        report: "telephony.service_level".into(),
        portfolio: Some("acme".into()),
        trigger: Trigger::CatchUp,
        requested_by: Some("ana@host".into()),
        fire_time: Some(t("2026-03-02T09:00:00Z")),
        // Millisecond precision survives.
        period_start: t("2026-03-01T03:00:00.123Z"),
        period_end: t("2026-03-02T02:59:59.999Z"),
        timezone: "America/Sao_Paulo".into(),
        filters: r#"{"queue":["sales","support"]}"#.into(),
        destinations: vec!["acme-sftp".into(), "acme-mail".into()],
        state: RunState::Queued,
        skip_reason: None,
        max_attempts: 5,
        reserved_for: Some("trigger-7".into()),
    };
    let before = Utc::now() - Duration::milliseconds(1);
    assert!(s.claim(&new).await.unwrap());
    assert!(s.try_start(&new.id, "trigger-7").await.unwrap());
    let generated = Generated {
        file: FileInfo {
            name: "acme_sl_20260301.csv".into(),
            path: "/var/lib/reportd/outbox/x/acme_sl_20260301.csv".into(),
            bytes: 12_345_678_901,
            sha256: "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855".into(),
        },
        rows: 4_000_000_000,
        warnings: r#"[{"kind":"malformed","count":2,"examples":["a|b"]}]"#.into(),
        meta: r#"{"sl_threshold_s":20}"#.into(),
    };
    s.set_generated(&new.id, &generated).await.unwrap();
    let d_err = ErrorInfo::custom("SMTP_SIZE", "552 too big", "zip it");
    let d1 = DeliveryRecord {
        destination: "acme-sftp".into(),
        state: DeliveryState::Succeeded,
        attempts: 2,
        remote_path: Some("/inbound/acme_sl_20260301.csv".into()),
        last_error: None,
        updated_at: t("2026-03-02T09:00:05.500Z"),
    };
    let d2 = DeliveryRecord {
        destination: "acme-mail".into(),
        state: DeliveryState::Failed,
        attempts: 4,
        remote_path: None,
        last_error: Some(d_err),
        updated_at: t("2026-03-02T09:00:07Z"),
    };
    s.set_delivery(&new.id, &d1).await.unwrap();
    s.set_delivery(&new.id, &d2).await.unwrap();
    let run_err = ErrorInfo::custom("SMTP_SIZE", "1 of 2 destinations failed", "see deliveries");
    s.finish(&new.id, RunState::Failed, Some(&run_err))
        .await
        .unwrap();
    let after = Utc::now() + Duration::milliseconds(1);

    let got = s.get(&new.id).await.unwrap();
    // Store-set instants lie within the test's window.
    for at in [Some(got.queued_at), got.started_at, got.finished_at] {
        let at = at.unwrap();
        assert!(before <= at && at <= after, "{at}");
    }
    let expected = RunRecord {
        id: new.id.clone(),
        schedule: new.schedule.clone(),
        source: new.source.clone(),
        report: new.report.clone(),
        portfolio: new.portfolio.clone(),
        trigger: Trigger::CatchUp,
        requested_by: new.requested_by.clone(),
        fire_time: new.fire_time,
        period_start: new.period_start,
        period_end: new.period_end,
        timezone: new.timezone.clone(),
        filters: new.filters.clone(),
        state: RunState::Failed,
        skip_reason: None,
        attempt: 1,
        max_attempts: 5,
        not_before: None,
        owner: Some("trigger-7".into()),
        reserved_for: Some("trigger-7".into()),
        queued_at: got.queued_at,
        started_at: got.started_at,
        finished_at: got.finished_at,
        rows: Some(4_000_000_000),
        file: Some(generated.file.clone()),
        file_removed: false,
        warnings: generated.warnings.clone(),
        meta: generated.meta.clone(),
        error: Some(run_err),
        deliveries: vec![d1.clone(), d2],
    };
    assert_eq!(got, expected);

    // A later delivery update replaces the row in place (same order, error cleared).
    let d2_ok = DeliveryRecord {
        destination: "acme-mail".into(),
        state: DeliveryState::Succeeded,
        attempts: 5,
        remote_path: None,
        last_error: None,
        updated_at: t("2026-03-02T10:00:00Z"),
    };
    s.set_delivery(&new.id, &d2_ok).await.unwrap();
    s.finish(&new.id, RunState::Succeeded, None).await.unwrap();
    let got = s.get(&new.id).await.unwrap();
    assert_eq!(got.deliveries, vec![d1, d2_ok]);
    assert_eq!(got.error, None);
    assert_eq!(got.state, RunState::Succeeded);

    // The minimal run: every Option empty, default JSON texts.
    let mut bare = run("bare-0001", "bare", None);
    bare.destinations.clear();
    bare.state = RunState::Skipped;
    bare.skip_reason = Some("catch_up = none".into());
    assert!(s.claim(&bare).await.unwrap());
    let got = s.get("bare-0001").await.unwrap();
    assert_eq!(got.trigger, Trigger::Manual);
    assert_eq!(got.state, RunState::Skipped);
    assert_eq!(got.skip_reason.as_deref(), Some("catch_up = none"));
    assert_eq!(
        (
            got.portfolio,
            got.requested_by,
            got.fire_time,
            got.not_before
        ),
        (None, None, None, None)
    );
    assert_eq!(
        (got.owner, got.reserved_for, got.started_at),
        (None, None, None)
    );
    assert_eq!((got.rows, got.file, got.error), (None, None, None));
    assert_eq!((got.warnings.as_str(), got.meta.as_str()), ("[]", "{}"));
    assert!(got.deliveries.is_empty());
}

async fn unknown_runs_are_reported<S: Backend>() {
    let s = S::fresh().await;
    let e = ErrorInfo::new(Code::Internal, "x");
    assert!(matches!(
        s.finish("ghost", RunState::Failed, Some(&e)).await,
        Err(StoreError::NoSuchRun(id)) if id == "ghost"
    ));
    assert!(matches!(
        s.requeue("ghost", Utc::now(), &e).await,
        Err(StoreError::NoSuchRun(_))
    ));
    assert!(matches!(
        s.mark_file_removed("ghost").await,
        Err(StoreError::NoSuchRun(_))
    ));
    let d = DeliveryRecord {
        destination: "x".into(),
        state: DeliveryState::Pending,
        attempts: 0,
        remote_path: None,
        last_error: None,
        updated_at: Utc::now(),
    };
    assert!(matches!(
        s.set_delivery("ghost", &d).await,
        Err(StoreError::NoSuchRun(_))
    ));
}

async fn heartbeat_is_recorded<S: Backend>() {
    let s = S::fresh().await;
    assert_eq!(s.last_heartbeat("d1").await.unwrap(), None);
    let before = Utc::now() - Duration::milliseconds(1);
    s.heartbeat("d1").await.unwrap();
    s.heartbeat("d1").await.unwrap();
    let after = Utc::now() + Duration::milliseconds(1);
    let hb = s.last_heartbeat("d1").await.unwrap().unwrap();
    assert!(before <= hb && hb <= after);
    assert_eq!(s.last_heartbeat("d2").await.unwrap(), None);
}

async fn try_start_race_between_two_processes_starts_one<S: Backend>() {
    let (a, b, _dir) = S::pair().await;
    for i in 0..20 {
        // Two queued runs of one schedule (no portfolio, so no FIFO between them): process
        // a starts x while process b starts y; only one may run.
        let schedule = format!("sched-{i:02}");
        let (x, y) = (format!("x-{i:02}"), format!("y-{i:02}"));
        assert!(a.claim(&run(&x, &schedule, None)).await.unwrap());
        assert!(a.claim(&run(&y, &schedule, None)).await.unwrap());
        let (sa, sb) = (a.clone(), b.clone());
        let ta = tokio::spawn(async move { sa.try_start(&x, "pa").await.unwrap() });
        let tb = tokio::spawn(async move { sb.try_start(&y, "pb").await.unwrap() });
        let (wa, wb) = (ta.await.unwrap(), tb.await.unwrap());
        assert!(wa ^ wb, "round {i}: a={wa} b={wb}");
    }
    // One running run per schedule: 20.
    assert_eq!(b.running().await.unwrap().len(), 20);
}

async fn instances_record_the_configuration_status<S: Backend>() {
    let s = S::fresh().await;
    let t0 = t("2026-03-01T06:00:00Z");
    s.heartbeat("d1").await.unwrap();
    s.set_config_status("d1", Some(t0), None).await.unwrap();
    s.set_config_status("d1", None, Some("a.toml:3:1: bad"))
        .await
        .unwrap();
    let all = s.instances(t("2000-01-01T00:00:00Z")).await.unwrap();
    assert_eq!(all.len(), 1);
    // A rejected reload keeps the load time of the configuration still running.
    assert_eq!(all[0].config_loaded_at, Some(t0));
    assert_eq!(all[0].config_error.as_deref(), Some("a.toml:3:1: bad"));
    assert!(all[0].config_error_at.is_some());
    // A good reload clears the error.
    s.set_config_status("d1", Some(t0), None).await.unwrap();
    let all = s.instances(t("2000-01-01T00:00:00Z")).await.unwrap();
    assert_eq!(all[0].config_error, None);
    assert_eq!(all[0].config_error_at, None);
    // Stale processes are not listed.
    assert!(
        s.instances(Utc::now() + Duration::hours(1))
            .await
            .unwrap()
            .is_empty()
    );
}

/// Two daemons race over one portfolio's queue: each round both try to start both runs at
/// once (4 calls); exactly one call wins, and it is the head of the queue.
async fn portfolio_race_between_two_processes_starts_the_head_once<S: Backend>() {
    let (a, b, _dir) = S::pair().await;
    for i in 0..20 {
        // h and n fire together on two schedules of portfolio p-i; FIFO breaks the tie by
        // id, so h ("h-..") is the head and n ("n-..") must wait for it.
        let portfolio = format!("p-{i:02}");
        let fire = "2026-03-02T06:00:00Z";
        let (h, n) = (format!("h-{i:02}"), format!("n-{i:02}"));
        let head = in_portfolio(run(&h, &format!("sa-{i:02}"), Some(fire)), &portfolio);
        let next = in_portfolio(run(&n, &format!("sb-{i:02}"), Some(fire)), &portfolio);
        assert!(a.claim(&head).await.unwrap());
        assert!(b.claim(&next).await.unwrap());
        let mut tasks = Vec::new();
        for (store, owner) in [(&a, "da"), (&b, "db")] {
            for id in [&h, &n] {
                let (store, id) = (store.clone(), id.clone());
                tasks.push(tokio::spawn(async move {
                    (
                        id.clone(),
                        owner,
                        store.try_start(&id, owner).await.unwrap(),
                    )
                }));
            }
        }
        let mut won = Vec::new();
        for task in tasks {
            let (id, owner, started) = task.await.unwrap();
            if started {
                won.push((id, owner));
            }
        }
        assert_eq!(won.len(), 1, "round {i}: {won:?}");
        assert_eq!(won[0].0, h, "round {i}: {won:?}");
        // The winner finishes; now n is the head and again exactly one daemon starts it.
        a.finish(&h, RunState::Succeeded, None).await.unwrap();
        let (sa, sb, n2) = (a.clone(), b.clone(), n.clone());
        let ta = tokio::spawn(async move { sa.try_start(&n2, "da").await.unwrap() });
        let tb = tokio::spawn(async move { sb.try_start(&n, "db").await.unwrap() });
        let (wa, wb) = (ta.await.unwrap(), tb.await.unwrap());
        assert!(wa ^ wb, "round {i}: a={wa} b={wb}");
    }
    // One n-run per round still running: 20.
    let running = a.running().await.unwrap();
    assert_eq!(running.len(), 20);
    assert!(running.iter().all(|r| r.id.starts_with("n-")));
}

/// Runs each generic test against both backends: `sqlite::NAME` and `postgres::NAME`.
macro_rules! both_backends {
    ($($name:ident),* $(,)?) => {
        mod sqlite {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
                async fn $name() {
                    super::$name::<reportd::store::SqliteStore>().await;
                }
            )*
        }
        mod postgres {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
                async fn $name() {
                    super::$name::<reportd::store::PostgresStore>().await;
                }
            )*
        }
    };
}

both_backends!(
    claim_twice_second_is_refused,
    claim_race_between_two_processes_has_one_winner,
    portfolio_runs_one_at_a_time_fifo,
    same_schedule_never_runs_twice,
    reserved_run_starts_only_for_its_owner,
    not_before_delays_a_retry,
    backing_off_run_does_not_hold_its_portfolio,
    requeue_keeps_file_and_deliveries,
    get_by_exact_id_or_unique_prefix,
    list_filters_and_order,
    expired_files_and_prune,
    every_field_round_trips,
    unknown_runs_are_reported,
    heartbeat_is_recorded,
    try_start_race_between_two_processes_starts_one,
    instances_record_the_configuration_status,
    portfolio_race_between_two_processes_starts_the_head_once,
);

#[tokio::test]
async fn sqlite_file_store_survives_reopen() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("new/sub/reportd.db");
    let first = {
        let s = SqliteStore::open(&path).await.unwrap();
        assert!(
            s.claim(&run("keep-1", "daily", Some("2026-03-02T06:00:00Z")))
                .await
                .unwrap()
        );
        s.heartbeat("d1").await.unwrap();
        let got = s.get("keep-1").await.unwrap();
        s.pool().close().await;
        got
    };
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(path.parent().unwrap())
            .unwrap()
            .permissions()
            .mode();
        // 0750 minus whatever the umask removes: never group-writable nor other-accessible.
        assert_eq!(mode & 0o027, 0, "{mode:o}");
    }
    let s = SqliteStore::open(&path).await.unwrap();
    assert_eq!(
        s.schema_version().await.unwrap(),
        reportd::store::sqlite::SCHEMA_VERSION
    );
    assert_eq!(s.get("keep-1").await.unwrap(), first);
    assert!(s.last_heartbeat("d1").await.unwrap().is_some());
    // The claim key survived too.
    assert!(
        !s.claim(&run("keep-2", "daily", Some("2026-03-02T06:00:00Z")))
            .await
            .unwrap()
    );
    let journal: String = sqlx::query_scalar("PRAGMA journal_mode")
        .fetch_one(s.pool())
        .await
        .unwrap();
    assert_eq!(journal, "wal");
}

#[tokio::test]
async fn sqlite_newer_schema_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("reportd.db");
    let s = SqliteStore::open(&path).await.unwrap();
    sqlx::query("INSERT INTO schema_version (version, applied_at) VALUES (99, 0)")
        .execute(s.pool())
        .await
        .unwrap();
    s.pool().close().await;
    assert!(matches!(
        SqliteStore::open(Path::new(&path)).await,
        Err(StoreError::SchemaTooNew {
            found: 99,
            supported: reportd::store::sqlite::SCHEMA_VERSION
        })
    ));
}

#[tokio::test]
async fn postgres_reconnect_keeps_data_and_schema() {
    let db = pg_database().await;
    let first = {
        let s = db.connect().await;
        assert!(
            s.claim(&run("keep-1", "daily", Some("2026-03-02T06:00:00Z")))
                .await
                .unwrap()
        );
        s.heartbeat("d1").await.unwrap();
        let got = s.get("keep-1").await.unwrap();
        s.pool().close().await;
        got
    };
    let s = db.connect().await;
    assert_eq!(
        s.schema_version().await.unwrap(),
        reportd::store::postgres::SCHEMA_VERSION
    );
    // Both stores number their schema versions alike.
    assert_eq!(
        reportd::store::postgres::SCHEMA_VERSION,
        reportd::store::sqlite::SCHEMA_VERSION
    );
    assert_eq!(s.get("keep-1").await.unwrap(), first);
    assert!(s.last_heartbeat("d1").await.unwrap().is_some());
    // The claim key survived too.
    assert!(
        !s.claim(&run("keep-2", "daily", Some("2026-03-02T06:00:00Z")))
            .await
            .unwrap()
    );
    // Migrations ran once: versions 1 and 2.
    let versions: Vec<i64> = sqlx::query_scalar("SELECT version FROM schema_version ORDER BY 1")
        .fetch_all(s.pool())
        .await
        .unwrap();
    assert_eq!(versions, [1, 2]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn postgres_daemons_starting_together_migrate_once() {
    let db = std::sync::Arc::new(pg_database().await);
    // Four daemons open the empty database at the same moment.
    let tasks: Vec<_> = (0..4)
        .map(|_| {
            let db = db.clone();
            tokio::spawn(async move { db.connect().await })
        })
        .collect();
    let mut stores = Vec::new();
    for task in tasks {
        stores.push(task.await.unwrap());
    }
    let versions: Vec<i64> = sqlx::query_scalar("SELECT version FROM schema_version ORDER BY 1")
        .fetch_all(stores[0].pool())
        .await
        .unwrap();
    assert_eq!(versions, [1, 2]);
}

#[tokio::test]
async fn postgres_newer_schema_is_refused() {
    let db = pg_database().await;
    let s = db.connect().await;
    sqlx::query("INSERT INTO schema_version (version, applied_at) VALUES (99, 0)")
        .execute(s.pool())
        .await
        .unwrap();
    s.pool().close().await;
    assert!(matches!(
        PostgresStore::connect(&db.url, Some(&db.password)).await,
        Err(StoreError::SchemaTooNew {
            found: 99,
            supported: reportd::store::postgres::SCHEMA_VERSION
        })
    ));
}

#[tokio::test]
async fn postgres_store_opens_from_the_plan_with_a_password_file() {
    let db = pg_database().await;
    let dir = tempfile::tempdir().unwrap();
    let pw = dir.path().join("pg.pw");
    std::fs::write(&pw, format!("{}\n", db.password.expose())).unwrap();
    let plan = StorePlan::Postgres {
        url: Secret::new(db.url.clone()),
        password: Some(SecretSource::File(pw)),
    };
    let store = reportd::store::open(&plan).await.unwrap();
    assert!(matches!(store, StatusStore::Postgres(_)));
    assert!(
        store
            .claim(&run("p1", "daily", Some("2026-03-02T06:00:00Z")))
            .await
            .unwrap()
    );
    assert_eq!(store.get("p1").await.unwrap().schedule, "daily");

    // The password in the URL works as well.
    let (user_host, name) = db.url.split_once("@").unwrap();
    let with_pw = format!("{user_host}:{}@{name}", db.password.expose());
    let plan = StorePlan::Postgres {
        url: Secret::new(with_pw),
        password: None,
    };
    let store = reportd::store::open(&plan).await.unwrap();
    assert!(store.has_active("daily").await.unwrap());
}

#[tokio::test]
async fn postgres_wrong_password_fails_without_showing_it() {
    let db = pg_database().await;
    let wrong = Secret::new("not-the-password-7f3a");
    let err = PostgresStore::connect(&db.url, Some(&wrong))
        .await
        .map(|_| ())
        .unwrap_err();
    let text = format!("{err} {err:?}");
    assert!(!text.contains("not-the-password-7f3a"), "{text}");
    assert!(!text.contains(db.password.expose()), "{text}");
    // Missing password source: the error names the variable, not a value.
    let plan = StorePlan::Postgres {
        url: Secret::new(db.url.clone()),
        password: Some(SecretSource::Env("REPORTD_TEST_UNSET_PG_PASSWORD".into())),
    };
    let err = reportd::store::open(&plan).await.map(|_| ()).unwrap_err();
    assert_eq!(
        err.to_string(),
        "store password: environment variable REPORTD_TEST_UNSET_PG_PASSWORD is not set"
    );
}
