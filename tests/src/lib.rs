//! Shared helpers for reportd's end-to-end tests: where the built binary and plugins are,
//! temporary config trees, spawning and signalling `reportd` processes, and reading status
//! entries through the CLI's `--json` output (the same contract scripts use).
//!
//! The binaries come from `cargo build --workspace` (the test script runs it first); the
//! helpers fail with that instruction when they are missing.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::missing_panics_doc)]

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

/// `target/<profile>`: the directory holding `reportd` and the plugin libraries.
pub fn target_dir() -> PathBuf {
    if let Some(dir) = std::env::var_os("REPORTD_TARGET_DIR") {
        return PathBuf::from(dir);
    }
    // Test executables live in target/<profile>/deps/.
    let exe = std::env::current_exe().expect("current_exe");
    exe.parent()
        .and_then(Path::parent)
        .expect("target dir")
        .to_path_buf()
}

/// The `reportd` binary.
pub fn bin() -> PathBuf {
    let p = target_dir().join("reportd");
    assert!(
        p.exists(),
        "{} is missing: run `cargo build --workspace` first",
        p.display()
    );
    p
}

/// A plugin library built by the workspace, e.g. `plugin_lib("faulty")`.
pub fn plugin_lib(name: &str) -> PathBuf {
    let p = target_dir().join(format!("libreportd_{name}.so"));
    assert!(
        p.exists(),
        "{} is missing: run `cargo build --workspace` first",
        p.display()
    );
    p
}

/// A temporary configuration tree: `reportd.toml`, `schedules.d/`, `out/`, `state/`.
pub struct Tree {
    pub dir: tempfile::TempDir,
}

impl Tree {
    /// Writes `reportd.toml` with `main` (the test provides sections) and an empty
    /// `schedules.d/`. The state and out dirs are inside the tree.
    pub fn new(main: &str) -> Self {
        let dir = tempfile::tempdir().expect("tempdir");
        std::fs::create_dir_all(dir.path().join("schedules.d")).unwrap();
        std::fs::create_dir_all(dir.path().join("out")).unwrap();
        std::fs::write(dir.path().join("reportd.toml"), main).unwrap();
        Self { dir }
    }

    pub fn path(&self) -> &Path {
        self.dir.path()
    }

    pub fn config(&self) -> PathBuf {
        self.dir.path().join("reportd.toml")
    }

    pub fn write(&self, rel: &str, text: &str) {
        let p = self.dir.path().join(rel);
        if let Some(parent) = p.parent() {
            std::fs::create_dir_all(parent).unwrap();
        }
        std::fs::write(p, text).unwrap();
    }

    /// Files delivered to `out/` (names, sorted), ignoring nothing: a `.part` left behind
    /// would show up here and fail the test.
    pub fn out_files(&self) -> Vec<String> {
        let mut v: Vec<String> = std::fs::read_dir(self.dir.path().join("out"))
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        v.sort();
        v
    }

    /// A `reportd` command with `--config` pointing at this tree.
    pub fn cmd(&self, args: &[&str]) -> Command {
        let mut c = Command::new(bin());
        c.args(args).arg("--config").arg(self.config());
        c.env("REPORTD_LOG", "debug,sqlx=warn");
        c
    }

    /// Runs a command to completion.
    pub fn run(&self, args: &[&str]) -> Output {
        self.cmd(args).output().expect("spawn reportd")
    }

    /// Starts `reportd run`, logging to `<tree>/<log_name>`.
    pub fn spawn_daemon(&self, log_name: &str) -> Child {
        let log = std::fs::File::create(self.dir.path().join(log_name)).unwrap();
        self.cmd(&["run"])
            .stdout(Stdio::null())
            .stderr(Stdio::from(log))
            .spawn()
            .expect("spawn reportd run")
    }

    pub fn log(&self, log_name: &str) -> String {
        std::fs::read_to_string(self.dir.path().join(log_name)).unwrap_or_default()
    }

    /// `reportd status --json` as JSON values (newest first).
    pub fn status(&self) -> Vec<serde_json::Value> {
        let out = self.run(&["status", "--json", "--limit", "1000"]);
        assert!(
            out.status.success(),
            "status failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        let text = String::from_utf8_lossy(&out.stdout);
        if text.trim() == "no runs recorded yet" {
            return Vec::new();
        }
        serde_json::from_str::<Vec<serde_json::Value>>(&text)
            .unwrap_or_else(|e| panic!("status --json is not JSON ({e}): {text}"))
    }
}

/// Sends a signal to a child.
pub fn signal(child: &Child, sig: i32) {
    let pid = libc::pid_t::try_from(child.id()).unwrap();
    // SAFETY: plain kill(2) on our own child.
    unsafe {
        libc::kill(pid, sig);
    }
}

/// Polls `cond` every 100 ms until it holds or `timeout` passes; returns whether it held.
pub fn wait_until(timeout: Duration, mut cond: impl FnMut() -> bool) -> bool {
    let start = Instant::now();
    while start.elapsed() < timeout {
        if cond() {
            return true;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    cond()
}

/// Waits for a child to exit within `timeout`, killing it otherwise; returns its status.
pub fn wait_exit(child: &mut Child, timeout: Duration) -> Option<std::process::ExitStatus> {
    let start = Instant::now();
    while start.elapsed() < timeout {
        if let Ok(Some(st)) = child.try_wait() {
            return Some(st);
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    let _ = child.kill();
    let _ = child.wait();
    None
}

/// A `[[schedule]]` on the `test` source delivering to `out`, one file per fire second,
/// with a run retry policy of `retry` (a TOML inline table) and `extra` lines.
pub fn schedule(name: &str, cron: &str, report: &str, retry: &str, extra: &str) -> String {
    format!(
        r#"
[[schedule]]
name = "{name}"
cron = "{cron}"
timezone = "UTC"
source = "test"
report = "{report}"
period = "yesterday"
filename = "{{schedule}}_{{fired_at:%H%M%S}}.csv"
deliver = ["out"]
retry = {retry}
{extra}
"#
    )
}

/// A cron expression firing once, `secs` seconds from now (UTC, with seconds).
pub fn once_in(secs: i64) -> String {
    let at = std::time::SystemTime::now() + std::time::Duration::from_secs(secs.unsigned_abs());
    let t = at
        .duration_since(std::time::UNIX_EPOCH)
        .expect("clock after 1970")
        .as_secs();
    let (h, m, s) = ((t / 3600) % 24, (t / 60) % 60, t % 60);
    format!("{s} {m} {h} * * *")
}

/// The main config every process test uses: state and out inside the tree, plugins from the
/// build, a `faulty` source and a local destination.
pub fn base_config(extra: &str) -> String {
    format!(
        r#"[daemon]
timezone = "UTC"
state_dir = "state"
plugin_dir = "{plugins}"
max_parallel_runs = 4

[sources.test]
plugin = "faulty"

[destinations.out]
type = "local"
dir = "out"
retry = {{ attempts = 2, initial = "100ms", max_delay = "200ms", max_elapsed = "10s" }}
{extra}"#,
        plugins = target_dir().display()
    )
}

/// The real test servers' coordinates (`scripts/test-servers start` writes them; the test
/// script runs it first). Panics with that instruction when they are not running — a
/// transport test never skips itself.
pub fn servers() -> std::collections::HashMap<String, String> {
    let dir = std::env::var("REPORTD_TEST_SERVERS")
        .unwrap_or_else(|_| "/tmp/reportd-test-servers".to_owned());
    let path = Path::new(&dir).join("env");
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| {
        panic!(
            "{} not readable ({e}): start the test servers with `scripts/test-servers start` (scripts/test does it)",
            path.display()
        )
    });
    text.lines()
        .filter_map(|l| l.split_once('='))
        .map(|(k, v)| (k.to_owned(), v.to_owned()))
        .collect()
}
