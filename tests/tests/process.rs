//! Process-level tests: real `reportd` processes on one SQLite store — exactly-once claims
//! across two daemons, `kill -9` mid-run then restart, `trigger` exit codes, and `check`.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::HashMap;
use std::time::Duration;

use reportd_tests::{Tree, base_config, signal, wait_exit, wait_until};

const RETRY: &str = r#"{ attempts = 3, initial = "1s", max_delay = "1s", max_elapsed = "1m" }"#;

fn schedule(name: &str, cron: &str, report: &str, extra: &str) -> String {
    reportd_tests::schedule(name, cron, report, RETRY, extra)
}

#[test]
fn two_daemons_on_one_store_run_each_fire_time_once() {
    // Every 2 seconds, for ~9 s, two daemons racing on the same store.
    let tree = Tree::new(&base_config(""));
    tree.write(
        "schedules.d/every2s.toml",
        &schedule("every2s", "*/2 * * * * *", "faulty.ok", ""),
    );
    let mut a = tree.spawn_daemon("a.log");
    let mut b = tree.spawn_daemon("b.log");
    std::thread::sleep(Duration::from_secs(9));
    signal(&a, libc::SIGTERM);
    signal(&b, libc::SIGTERM);
    assert!(
        wait_exit(&mut a, Duration::from_secs(20)).is_some_and(|s| s.success()),
        "{}",
        tree.log("a.log")
    );
    assert!(
        wait_exit(&mut b, Duration::from_secs(20)).is_some_and(|s| s.success()),
        "{}",
        tree.log("b.log")
    );

    let runs = tree.status();
    // 9 s at one fire per 2 s gives 4 or 5 fire times; allow a little start-up slack.
    assert!(
        runs.len() >= 3,
        "too few runs: {runs:?}\n{}",
        tree.log("a.log")
    );
    let mut per_fire: HashMap<String, usize> = HashMap::new();
    let mut owners = std::collections::HashSet::new();
    for r in &runs {
        *per_fire
            .entry(r["fire_time"].as_str().unwrap().to_owned())
            .or_default() += 1;
        assert_eq!(r["state"], "succeeded", "{r}");
        assert_eq!(r["deliveries"][0]["attempts"], 1, "{r}");
        owners.insert(r["owner"].as_str().unwrap_or_default().to_owned());
    }
    assert!(
        per_fire.values().all(|&n| n == 1),
        "a fire time ran twice: {per_fire:?}"
    );
    // Every run delivered exactly one file, each under its own name.
    assert_eq!(tree.out_files().len(), runs.len(), "{:?}", tree.out_files());
}

#[test]
fn kill_9_mid_run_then_restart_delivers_exactly_once() {
    let tree = Tree::new(&base_config(""));
    // Fire once, 3 s from now (UTC second/minute/hour), a report that takes 4 s.
    let cron = reportd_tests::once_in(3);
    tree.write(
        "schedules.d/once.toml",
        &schedule(
            "once",
            &cron,
            "faulty.slow",
            "filters = { sleep_ms = 4000 }",
        ),
    );
    let mut first = tree.spawn_daemon("first.log");
    let running = wait_until(Duration::from_secs(15), || {
        tree.status().iter().any(|r| r["state"] == "running")
    });
    assert!(running, "run never started: {}", tree.log("first.log"));
    signal(&first, libc::SIGKILL);
    let _ = first.wait();
    // The worker dies with its parent (or finishes alone); nothing may be delivered yet.
    std::thread::sleep(Duration::from_millis(300));
    let before = tree.status();
    assert_eq!(before.len(), 1);
    assert_eq!(before[0]["state"], "running", "{:?}", before[0]);
    assert!(tree.out_files().is_empty(), "{:?}", tree.out_files());

    let mut second = tree.spawn_daemon("second.log");
    // The restart fails the orphaned attempt with DAEMON_STOPPED and retries it.
    let done = wait_until(Duration::from_secs(30), || {
        tree.status()
            .first()
            .is_some_and(|r| r["state"] == "succeeded")
    });
    signal(&second, libc::SIGTERM);
    let _ = wait_exit(&mut second, Duration::from_secs(20));
    assert!(done, "not retried to success:\n{}", tree.log("second.log"));
    let after = tree.status();
    assert_eq!(after.len(), 1, "the retry must reuse the same status entry");
    let run = &after[0];
    assert_eq!(run["attempt"], 2, "{run}\n{}", tree.log("second.log"));
    assert_eq!(run["deliveries"][0]["state"], "succeeded");
    assert_eq!(
        run["deliveries"][0]["attempts"], 1,
        "delivered exactly once: {run}"
    );
    assert_eq!(tree.out_files().len(), 1, "{:?}", tree.out_files());
    assert!(
        tree.log("second.log").contains("DAEMON_STOPPED"),
        "the restart must record DAEMON_STOPPED:\n{}",
        tree.log("second.log")
    );
}

#[test]
fn trigger_exit_codes_and_status_entries() {
    let tree = Tree::new(&base_config(""));
    let mut s = schedule("good", "0 6 * * *", "faulty.ok", "");
    s.push_str(&schedule("bad", "0 6 * * *", "faulty.panic", ""));
    tree.write("schedules.d/t.toml", &s);

    let ok = tree.run(&["trigger", "good"]);
    assert_eq!(
        ok.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&ok.stderr)
    );
    let shown = String::from_utf8_lossy(&ok.stdout);
    assert!(shown.contains("succeeded (Finalizado)"), "{shown}");
    assert_eq!(tree.out_files().len(), 1);

    let bad = tree.run(&["trigger", "bad"]);
    assert_eq!(bad.status.code(), Some(1));
    let shown = String::from_utf8_lossy(&bad.stdout);
    assert!(shown.contains("failed (Falha)"), "{shown}");
    assert!(shown.contains("PLUGIN"), "{shown}");

    let runs = tree.status();
    assert_eq!(runs.len(), 2);
    for r in &runs {
        assert_eq!(r["trigger"], "manual");
        assert!(r["requested_by"].as_str().is_some_and(|w| w.contains('@')));
    }
    let failed = tree.run(&["status", "--failed", "--json"]);
    let failed: Vec<serde_json::Value> = serde_json::from_slice(&failed.stdout).unwrap();
    assert_eq!(failed.len(), 1);
    assert_eq!(failed[0]["schedule"], "bad");

    let unknown = tree.run(&["trigger", "nope"]);
    assert_eq!(unknown.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&unknown.stderr).contains("no schedule named \"nope\""));
}

#[test]
fn check_reports_config_errors_with_exit_2_and_next_fires_when_valid() {
    let tree = Tree::new(&base_config(""));
    tree.write(
        "schedules.d/a.toml",
        &schedule("daily", "30 6 * * *", "faulty.ok", ""),
    );
    let out = tree.run(&["check"]);
    let text = String::from_utf8_lossy(&out.stdout);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{text}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    // Five next fire times, each in the zone and in UTC.
    assert_eq!(text.matches("06:30:00 UTC").count(), 10, "{text}");
    assert!(text.contains("configuration is valid"));

    tree.write(
        "schedules.d/b.toml",
        "[[schedule]]\nname = \"x\"\ncorn = \"* * * * *\"\n",
    );
    let out = tree.run(&["check"]);
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("schedules.d/b.toml:3:1"), "{err}");
    assert!(err.contains("corn"), "{err}");
}

#[test]
fn retry_redelivers_only_failed_destinations() {
    // Destination `gone` points at a missing directory (permanent failure); `out` works.
    let tree = Tree::new(&base_config(
        "\n[destinations.gone]\ntype = \"local\"\ndir = \"missing\"\n",
    ));
    let mut s = schedule("two", "0 6 * * *", "faulty.ok", "");
    s = s.replace("deliver = [\"out\"]", "deliver = [\"out\", \"gone\"]");
    tree.write("schedules.d/t.toml", &s);
    let first = tree.run(&["trigger", "two"]);
    assert_eq!(first.status.code(), Some(1));
    let runs = tree.status();
    let id = runs[0]["id"].as_str().unwrap().to_owned();
    let by_dest = |r: &serde_json::Value, d: &str| {
        r["deliveries"]
            .as_array()
            .unwrap()
            .iter()
            .find(|x| x["destination"] == d)
            .cloned()
            .unwrap()
    };
    assert_eq!(by_dest(&runs[0], "out")["state"], "succeeded");
    assert_eq!(by_dest(&runs[0], "gone")["state"], "failed");
    assert_eq!(by_dest(&runs[0], "gone")["last_error"]["code"], "LOCAL_IO");

    std::fs::create_dir(tree.path().join("missing")).unwrap();
    let retry = tree.run(&["retry", &id[..8]]);
    assert_eq!(
        retry.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&retry.stderr)
    );
    let after = tree.status();
    assert_eq!(after[0]["state"], "succeeded");
    assert_eq!(
        by_dest(&after[0], "out")["attempts"],
        1,
        "out must not be sent again"
    );
    assert_eq!(
        std::fs::read_dir(tree.path().join("missing"))
            .unwrap()
            .count(),
        1
    );
}

#[test]
fn a_run_waits_for_its_data_without_spending_attempts_then_reports_what_there_is() {
    let tree = Tree::new(&base_config(""));
    // Fires once, 2 s from now; may wait 5 s for data, looking again every second.
    let cron = reportd_tests::once_in(2);
    tree.write(
        "schedules.d/wait.toml",
        &schedule(
            "wait",
            &cron,
            "faulty.notready",
            "wait_for_data = \"5s\"\nwait_check_every = \"1s\"",
        ),
    );
    let mut daemon = tree.spawn_daemon("wait.log");
    // While waiting: queued (Aguardando), the reason recorded, no attempt spent.
    let waiting = wait_until(Duration::from_secs(15), || {
        tree.status()
            .first()
            .is_some_and(|r| r["state"] == "queued" && r["error"]["code"] == "DATA_NOT_READY")
    });
    let seen = tree.status();
    assert!(
        waiting,
        "never seen waiting: {seen:?}\n{}",
        tree.log("wait.log")
    );
    assert_eq!(seen[0]["attempt"], 1, "{}", seen[0]);
    let done = wait_until(Duration::from_secs(20), || {
        tree.status()
            .first()
            .is_some_and(|r| r["state"] == "succeeded")
    });
    signal(&daemon, libc::SIGTERM);
    let _ = wait_exit(&mut daemon, Duration::from_secs(20));
    let runs = tree.status();
    assert!(
        done,
        "never made after the wait: {runs:?}\n{}",
        tree.log("wait.log")
    );
    assert_eq!(runs.len(), 1, "{runs:?}");
    let run = &runs[0];
    // Several checks (one a second for 5 s), none counted as an attempt.
    assert_eq!(run["attempt"], 1, "{run}");
    assert!(
        run["warnings"].to_string().contains("PERIOD_NOT_CLOSED"),
        "past the deadline the report is made with a warning: {run}"
    );
    let log = tree.log("wait.log");
    assert!(
        log.matches("source data not complete yet; waiting").count() >= 2,
        "{log}"
    );
    assert_eq!(tree.out_files().len(), 1);
}

#[test]
fn check_connect_logs_in_to_source_databases_without_printing_passwords() {
    let env = reportd_tests::servers();
    let source = |name: &str| {
        format!(
            "[sources.{name}]\nplugin = \"telephony\"\nqueue_log = \"queue_log\"\n\
             database = \"postgres://{}@127.0.0.1:{}/postgres\"\n\
             database_password_env = \"REPORTD_TEST_DB_PASSWORD\"\n",
            env["USER"], env["PG_PORT"]
        )
    };
    let tree = Tree::new(&base_config(&source("pbx")));
    let good = tree
        .cmd(&["check", "--connect"])
        .env("REPORTD_TEST_DB_PASSWORD", &env["PASSWORD"])
        .output()
        .unwrap();
    let out = String::from_utf8_lossy(&good.stdout);
    assert_eq!(
        good.status.code(),
        Some(0),
        "{out}\n{}",
        String::from_utf8_lossy(&good.stderr)
    );
    assert!(out.contains("source pbx (telephony): OK"), "{out}");

    let bad = tree
        .cmd(&["check", "--connect"])
        .env("REPORTD_TEST_DB_PASSWORD", "not-the-password-42")
        .output()
        .unwrap();
    let out =
        String::from_utf8_lossy(&bad.stdout).into_owned() + &String::from_utf8_lossy(&bad.stderr);
    assert_ne!(bad.status.code(), Some(0), "{out}");
    assert!(
        out.contains("source pbx (telephony): FAILED [SOURCE_UNREACHABLE]"),
        "{out}"
    );
    assert!(out.contains("password authentication failed"), "{out}");
    assert!(
        !out.contains("not-the-password-42"),
        "the password leaked: {out}"
    );
}

/// Even at `REPORTD_LOG=trace` — where the protocol libraries log every command they send
/// (suppaftp logs `PASS <password>` at trace) — no password reaches the log: `check
/// --connect` logs in to an FTPES, an SFTP and an SMTP server and a PostgreSQL source, all
/// with the harness password.
#[test]
fn check_connect_at_trace_level_logs_no_password() {
    let env = reportd_tests::servers();
    let password = &env["PASSWORD"];
    let remote = "trace-secrets";
    let dir = std::path::Path::new(&env["UPLOAD_DIR"]).join(remote);
    std::fs::create_dir_all(&dir).unwrap();
    let status = std::process::Command::new("chown")
        .arg(&env["USER"])
        .arg(&dir)
        .status()
        .unwrap();
    assert!(status.success());
    let extra = format!(
        r#"
[sources.pbx]
plugin = "telephony"
queue_log = "queue_log"
database = "postgres://{user}@127.0.0.1:{pg}/postgres"
database_password_env = "REPORTD_TEST_PASSWORD"

[destinations.ftpes]
type = "ftp"
host = "127.0.0.1"
port = {ftpes}
user = "{user}"
password_env = "REPORTD_TEST_PASSWORD"
ca_file = "{ca}"
dir = "{remote}"

[destinations.sftp]
type = "sftp"
host = "127.0.0.1"
port = {ssh}
user = "{user}"
password_env = "REPORTD_TEST_PASSWORD"
known_hosts = "{known_hosts}"
dir = "{remote}"

[destinations.mail]
type = "email"
host = "127.0.0.1"
port = {smtp}
user = "{user}"
password_env = "REPORTD_TEST_PASSWORD"
ca_file = "{ca}"
from = "reports@reportd.example"
to = "trace-secrets@reportd.example"
"#,
        user = env["USER"],
        pg = env["PG_PORT"],
        ftpes = env["FTPES_PORT"],
        ca = env["TLS_CA"],
        ssh = env["SSH_PORT"],
        known_hosts = env["SSH_KNOWN_HOSTS"],
        smtp = env["SMTP_STARTTLS_PORT"],
    );
    let tree = Tree::new(&base_config(&extra));
    let out = tree
        .cmd(&["check", "--connect"])
        .env("REPORTD_LOG", "trace")
        .env("REPORTD_TEST_PASSWORD", password)
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "{stdout}\n{stderr}");
    for line in [
        "destination ftpes (ftp): OK",
        "destination sftp (sftp): OK",
        "destination mail (email): OK",
        "source pbx (telephony): OK",
    ] {
        assert!(stdout.contains(line), "{line:?} missing:\n{stdout}");
    }
    // The trace level really was on (so the libraries' command logs were enabled).
    assert!(stderr.contains("TRACE"), "{stderr}");
    // The password as sent: in clear (FTP PASS, SFTP, PostgreSQL) and base64-encoded (SMTP
    // AUTH PLAIN and LOGIN).
    let forms = [
        password.clone(),
        base64(password.as_bytes()),
        base64(format!("\0{}\0{password}", env["USER"]).as_bytes()),
    ];
    for (name, text) in [("stdout", &stdout), ("stderr", &stderr)] {
        let leaks: Vec<String> = text
            .lines()
            .filter(|l| forms.iter().any(|f| l.contains(f.as_str())))
            .map(|l| {
                forms
                    .iter()
                    .fold(l.to_owned(), |l, f| l.replace(f.as_str(), "<PASSWORD>"))
            })
            .collect();
        assert!(
            leaks.is_empty(),
            "the password leaked into {name}:\n{}",
            leaks.join("\n")
        );
    }
}

/// Standard base64 with padding (the test's only use: how SMTP AUTH sends a password).
fn base64(bytes: &[u8]) -> String {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::new();
    for chunk in bytes.chunks(3) {
        let b = [
            chunk[0],
            *chunk.get(1).unwrap_or(&0),
            *chunk.get(2).unwrap_or(&0),
        ];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(char::from(ALPHABET[((n >> (18 - 6 * i)) & 63) as usize]));
            } else {
                out.push('=');
            }
        }
    }
    out
}

#[test]
fn base64_matches_rfc_4648() {
    assert_eq!(base64(b""), "");
    assert_eq!(base64(b"f"), "Zg==");
    assert_eq!(base64(b"fo"), "Zm8=");
    assert_eq!(base64(b"foo"), "Zm9v");
    assert_eq!(base64(b"foobar"), "Zm9vYmFy");
}
