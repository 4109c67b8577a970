//! Daemon lifecycle as systemd drives it: reload by SIGHUP and by editing the configuration
//! directory (a bad configuration is rejected whole and the old one keeps running), and
//! SIGTERM (drain runs in flight, cancel them at the deadline as INTERRUPTED, a second
//! signal stops at once).
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::time::{Duration, Instant};

use reportd_tests::{Tree, base_config, signal, wait_exit, wait_until};

const RETRY: &str = r#"{ attempts = 2, initial = "30s", max_delay = "30s", max_elapsed = "1m" }"#;

fn schedule(name: &str, cron: &str, report: &str, extra: &str) -> String {
    reportd_tests::schedule(name, cron, report, RETRY, extra)
}

fn runs_of(tree: &Tree, name: &str) -> usize {
    tree.status()
        .iter()
        .filter(|r| r["schedule"] == name)
        .count()
}

#[test]
fn bad_reload_keeps_the_old_configuration_and_a_good_one_applies() {
    let tree = Tree::new(&base_config(""));
    tree.write(
        "schedules.d/a.toml",
        &schedule("tick", "* * * * * *", "faulty.ok", ""),
    );
    let mut d = tree.spawn_daemon("d.log");
    assert!(
        wait_until(Duration::from_secs(15), || runs_of(&tree, "tick") >= 2),
        "{}",
        tree.log("d.log")
    );

    // A broken edit (unknown key), then SIGHUP: rejected, old schedule keeps running.
    tree.write(
        "schedules.d/b.toml",
        "[[schedule]]\nname = \"new\"\ncorn = \"* * * * * *\"\n",
    );
    signal(&d, libc::SIGHUP);
    assert!(
        wait_until(Duration::from_secs(10), || tree
            .log("d.log")
            .contains("configuration reload rejected")),
        "{}",
        tree.log("d.log")
    );
    assert!(
        tree.log("d.log").contains("schedules.d/b.toml:3:1"),
        "{}",
        tree.log("d.log")
    );
    let before = runs_of(&tree, "tick");
    assert!(
        wait_until(Duration::from_secs(10), || runs_of(&tree, "tick")
            >= before + 2),
        "old config stopped running"
    );
    // `reportd status` shows the rejected reload (and still works with the broken file).
    let out = tree.run(&["status"]);
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(text.contains("last reload REJECTED"), "{text}");
    assert!(text.contains("schedules.d/b.toml:3:1"), "{text}");

    // Fix it without a signal: the directory watcher reloads, the new schedule runs.
    tree.write(
        "schedules.d/b.toml",
        &schedule("new", "* * * * * *", "faulty.ok", ""),
    );
    assert!(
        wait_until(Duration::from_secs(15), || runs_of(&tree, "new") >= 1),
        "new schedule never ran:\n{}",
        tree.log("d.log")
    );
    let out = tree.run(&["status"]);
    assert!(!String::from_utf8_lossy(&out.stdout).contains("REJECTED"));

    // Removing a schedule stops it.
    std::fs::remove_file(tree.path().join("schedules.d/a.toml")).unwrap();
    signal(&d, libc::SIGHUP);
    assert!(
        wait_until(Duration::from_secs(10), || tree
            .log("d.log")
            .contains("removed=1")),
        "{}",
        tree.log("d.log")
    );
    std::thread::sleep(Duration::from_millis(1500));
    let frozen = runs_of(&tree, "tick");
    std::thread::sleep(Duration::from_secs(3));
    assert_eq!(
        runs_of(&tree, "tick"),
        frozen,
        "a removed schedule kept firing"
    );

    signal(&d, libc::SIGTERM);
    assert!(wait_exit(&mut d, Duration::from_secs(20)).is_some_and(|s| s.success()));
}

/// A daemon with `shutdown_timeout` running one `faulty.slow` run of `sleep_ms`; returns
/// once that run is running.
fn daemon_with_slow_run(shutdown_timeout: &str, sleep_ms: u64) -> (Tree, std::process::Child) {
    let tree = Tree::new(&base_config("").replace(
        "[daemon]",
        &format!("[daemon]\nshutdown_timeout = \"{shutdown_timeout}\""),
    ));
    tree.write(
        "schedules.d/a.toml",
        &schedule(
            "slow",
            &reportd_tests::once_in(2),
            "faulty.slow",
            &format!("filters = {{ sleep_ms = {sleep_ms} }}"),
        ),
    );
    let d = tree.spawn_daemon("d.log");
    assert!(
        wait_until(Duration::from_secs(15), || tree
            .status()
            .iter()
            .any(|r| r["state"] == "running")),
        "{}",
        tree.log("d.log")
    );
    (tree, d)
}

#[test]
fn sigterm_lets_a_run_in_flight_finish() {
    let (tree, mut d) = daemon_with_slow_run("20s", 2500);
    signal(&d, libc::SIGTERM);
    let st = wait_exit(&mut d, Duration::from_secs(25));
    assert!(st.is_some_and(|s| s.success()), "{}", tree.log("d.log"));
    let runs = tree.status();
    assert_eq!(runs.len(), 1);
    assert_eq!(runs[0]["state"], "succeeded", "{}", tree.log("d.log"));
    assert_eq!(tree.out_files().len(), 1);
}

#[test]
fn sigterm_deadline_records_the_run_as_interrupted() {
    let (tree, mut d) = daemon_with_slow_run("1s", 20000);
    let t = Instant::now();
    signal(&d, libc::SIGTERM);
    let st = wait_exit(&mut d, Duration::from_secs(15));
    assert!(st.is_some_and(|s| s.success()), "{}", tree.log("d.log"));
    assert!(
        t.elapsed() < Duration::from_secs(8),
        "took {:?}",
        t.elapsed()
    );
    let runs = tree.status();
    // Requeued for the next start, with the interruption recorded.
    assert_eq!(runs[0]["state"], "queued", "{}", runs[0]);
    assert_eq!(runs[0]["error"]["code"], "INTERRUPTED", "{}", runs[0]);
    assert!(tree.out_files().is_empty());
    assert!(tree.log("d.log").contains("drain deadline reached"));
}

#[test]
fn second_signal_stops_at_once() {
    let (tree, mut d) = daemon_with_slow_run("60s", 30000);
    let t = Instant::now();
    signal(&d, libc::SIGTERM);
    std::thread::sleep(Duration::from_millis(500));
    signal(&d, libc::SIGINT);
    let st = wait_exit(&mut d, Duration::from_secs(15));
    assert!(st.is_some_and(|s| s.success()), "{}", tree.log("d.log"));
    assert!(
        t.elapsed() < Duration::from_secs(5),
        "took {:?}",
        t.elapsed()
    );
    let runs = tree.status();
    assert_eq!(runs[0]["error"]["code"], "INTERRUPTED", "{}", runs[0]);
    assert!(tree.log("d.log").contains("second stop request"));
}
