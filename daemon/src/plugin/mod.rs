//! Plugin host: how the daemon talks to source plugins without ever loading one.
//!
//! [`PluginHost`] finds `libreportd_<plugin>.so` in the plugin directories and runs every
//! describe / validate / generate call in a fresh worker process (`reportd __worker`,
//! [`worker`]), which loads the library through [`ffi`] (the only file with `unsafe`). The
//! host enforces a timeout and a cancellation future by killing the worker's process group,
//! and turns a worker that dies without answering into `PLUGIN_CRASH` naming the signal and
//! quoting the tail of its stderr. So a plugin that panics, aborts, segfaults or hangs fails
//! its own run and nothing else (DESIGN §6).
//!
//! Neighbours: `run` calls [`PluginHost::generate`] with a file name from
//! `render::filename`; the worker writes the file with `render::output` (CSV or XLSX) and
//! `render::compress`.

pub mod ffi;
pub mod worker;

use std::collections::BTreeMap;
use std::future::Future;
use std::path::{Path, PathBuf};
use std::process::{ExitStatus, Stdio};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use reportd_plugin_api::{Catalog, Request, Warning};
use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};

use crate::code::{Code, ErrorInfo};
use crate::config::{Compression, Format};
use crate::render::filename::check_plain_name;
use crate::store::FileInfo;
use worker::{JobFormat, WORKER_ARG, WorkerJob, WorkerLine, WorkerResult};

/// How much of a worker's stderr is kept for error messages.
const STDERR_TAIL_BYTES: usize = 8 * 1024;

/// How long to wait for a finished worker's stderr to close (a grandchild could hold it).
const STDERR_GRACE: Duration = Duration::from_secs(2);

/// Runs plugin calls in isolated worker processes. Cheap to clone.
#[derive(Debug, Clone)]
pub struct PluginHost {
    plugin_dirs: Vec<PathBuf>,
    worker_exe: PathBuf,
}

/// One report to generate.
#[derive(Debug, Clone)]
pub struct GenerateJob {
    /// Plugin name (`telephony` → `libreportd_telephony.so`).
    pub plugin: String,
    pub request: Request,
    /// Directory the file is written to (created if missing).
    pub out_dir: PathBuf,
    /// Plain file name (from the schedule's template).
    pub file_name: String,
    pub format: Format,
    /// Compression of the finished file (the schedule's `compress`).
    pub compress: Compression,
}

/// A generated report file.
#[derive(Debug, Clone, PartialEq)]
pub struct GenerateOutcome {
    pub file: FileInfo,
    /// Data rows written.
    pub rows: u64,
    pub warnings: Vec<Warning>,
    pub meta: BTreeMap<String, String>,
}

/// What the plugin streamed besides rows, collected by the host.
#[derive(Debug, Default)]
struct Events {
    warnings: Vec<Warning>,
    meta: BTreeMap<String, String>,
}

/// Kills the worker's process group if the call is abandoned before the worker is reaped
/// (timeout, cancellation, or the caller dropping the future).
struct GroupGuard(Option<u32>);

impl GroupGuard {
    fn kill(&mut self) {
        let Some(pgid) = self.0.take() else { return };
        match ffi::kill_process_group(pgid) {
            Err(e) if e.raw_os_error() != Some(libc::ESRCH) => {
                tracing::warn!(pgid, error = %e, "cannot kill the plugin worker's process group");
            }
            _ => {}
        }
    }

    /// The leader was reaped: its id may be reused, never signal it again.
    fn disarm(&mut self) {
        self.0 = None;
    }
}

impl Drop for GroupGuard {
    fn drop(&mut self) {
        self.kill();
    }
}

enum Outcome {
    Done(Option<WorkerResult>, std::io::Result<ExitStatus>),
    TimedOut,
    Cancelled,
}

impl PluginHost {
    /// A host searching `plugin_dirs` in order and running `<worker_exe> __worker`.
    pub fn new(plugin_dirs: Vec<PathBuf>, worker_exe: PathBuf) -> Self {
        Self {
            plugin_dirs,
            worker_exe,
        }
    }

    /// The plugin directories, in search order.
    pub fn plugin_dirs(&self) -> &[PathBuf] {
        &self.plugin_dirs
    }

    /// The first `<dir>/libreportd_<plugin>.so` that exists.
    pub fn locate(&self, plugin: &str) -> Result<PathBuf, ErrorInfo> {
        let dirs = if self.plugin_dirs.is_empty() {
            "(no plugin directory configured)".to_owned()
        } else {
            self.plugin_dirs
                .iter()
                .map(|d| d.display().to_string())
                .collect::<Vec<_>>()
                .join(", ")
        };
        let valid = !plugin.is_empty()
            && plugin
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-');
        if !valid {
            return Err(ErrorInfo::new(
                Code::PluginNotFound,
                format!(
                    "`{}` is not a plugin name (letters, digits, `_` and `-` only); searched: {dirs}",
                    plugin.escape_debug()
                ),
            ));
        }
        let file = format!("libreportd_{plugin}.so");
        for dir in &self.plugin_dirs {
            let path = dir.join(&file);
            if path.is_file() {
                return Ok(path);
            }
        }
        Err(ErrorInfo::new(
            Code::PluginNotFound,
            format!("plugin `{plugin}`: no {file} in the plugin directories: {dirs}"),
        ))
    }

    /// The plugin's catalog.
    pub async fn describe(&self, plugin: &str, timeout: Duration) -> Result<Catalog, ErrorInfo> {
        let library = self.locate(plugin)?;
        let job = WorkerJob::Describe { library };
        let mut events = Events::default();
        match self
            .run_worker(plugin, &job, timeout, std::future::pending(), &mut events)
            .await?
        {
            WorkerResult::Catalog { catalog } => Ok(catalog),
            other => Err(unexpected(plugin, "describe", other)),
        }
    }

    /// Asks the plugin to check a request. `Invalid` becomes `PLUGIN_INVALID` listing every
    /// problem as `field: message (hint)`.
    pub async fn validate(
        &self,
        plugin: &str,
        request: &Request,
        timeout: Duration,
    ) -> Result<(), ErrorInfo> {
        let library = self.locate(plugin)?;
        let job = WorkerJob::Validate {
            library,
            request: request.clone(),
        };
        let mut events = Events::default();
        match self
            .run_worker(plugin, &job, timeout, std::future::pending(), &mut events)
            .await?
        {
            WorkerResult::Valid => Ok(()),
            other => Err(unexpected(plugin, "validate", other)),
        }
    }

    /// Generates the report file `<out_dir>/<file_name>`. On failure no file is left behind
    /// (neither the final name nor the `.part`). `cancel` resolving kills the worker and
    /// fails with `INTERRUPTED`.
    pub async fn generate(
        &self,
        job: &GenerateJob,
        timeout: Duration,
        cancel: impl Future<Output = ()> + Send,
    ) -> Result<GenerateOutcome, ErrorInfo> {
        let library = self.locate(&job.plugin)?;
        check_plain_name(&job.file_name)
            .map_err(|e| ErrorInfo::new(Code::Internal, format!("bad output file name: {e}")))?;
        let format = JobFormat::from(&job.format);
        let wire = WorkerJob::Generate {
            library,
            request: job.request.clone(),
            out_dir: job.out_dir.clone(),
            file_name: job.file_name.clone(),
            format,
            compress: job.compress,
        };
        let mut events = Events::default();
        let result = self
            .run_worker(&job.plugin, &wire, timeout, cancel, &mut events)
            .await;
        let outcome = match result {
            Ok(WorkerResult::Generated { file, rows }) => Ok(GenerateOutcome {
                file,
                rows,
                warnings: events.warnings,
                meta: events.meta,
            }),
            Ok(other) => Err(unexpected(&job.plugin, "generate", other)),
            Err(e) => Err(e),
        };
        if outcome.is_err() {
            // A killed or crashed worker could not clean up after itself.
            remove_parts(&job.out_dir);
        }
        outcome
    }

    /// Spawns a worker, feeds it `job`, relays its lines and returns its result.
    async fn run_worker(
        &self,
        plugin: &str,
        job: &WorkerJob,
        timeout: Duration,
        cancel: impl Future<Output = ()> + Send,
        events: &mut Events,
    ) -> Result<WorkerResult, ErrorInfo> {
        let mut input = serde_json::to_vec(job)
            .map_err(|e| ErrorInfo::new(Code::Internal, format!("cannot encode the job: {e}")))?;
        input.push(b'\n');
        let mut child = tokio::process::Command::new(&self.worker_exe)
            .arg(WORKER_ARG)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            // Its own group, so a timeout kills whatever the plugin forked too, and a
            // Ctrl-C meant for the daemon does not hit the worker first.
            .process_group(0)
            .kill_on_drop(true)
            .spawn()
            .map_err(|e| {
                ErrorInfo::new(
                    Code::Internal,
                    format!(
                        "cannot start the plugin worker {}: {e}",
                        self.worker_exe.display()
                    ),
                )
            })?;
        let mut guard = GroupGuard(child.id());

        if let Some(mut stdin) = child.stdin.take() {
            tokio::spawn(async move {
                // A worker that died early closes the pipe; its exit status says why.
                let _ = stdin.write_all(&input).await;
                let _ = stdin.shutdown().await;
            });
        }
        let tail = Arc::new(Mutex::new(Vec::<u8>::new()));
        let stderr_task = child.stderr.take().map(|mut stderr| {
            let tail = Arc::clone(&tail);
            tokio::spawn(async move {
                let mut buf = vec![0u8; 4096];
                while let Ok(n) = stderr.read(&mut buf).await {
                    if n == 0 {
                        break;
                    }
                    if let Ok(mut t) = tail.lock() {
                        t.extend_from_slice(&buf[..n]);
                        if t.len() > 2 * STDERR_TAIL_BYTES {
                            let cut = t.len() - STDERR_TAIL_BYTES;
                            t.drain(..cut);
                        }
                    }
                }
            })
        });
        let stdout = child.stdout.take();

        let outcome = {
            let work = async {
                let mut result = None;
                if let Some(stdout) = stdout {
                    let mut lines = BufReader::new(stdout).lines();
                    loop {
                        match lines.next_line().await {
                            Ok(Some(line)) => handle_line(plugin, &line, &mut result, events),
                            Ok(None) => break,
                            Err(e) => {
                                tracing::debug!(plugin, error = %e, "worker stdout unreadable");
                                break;
                            }
                        }
                    }
                }
                let status = child.wait().await;
                (result, status)
            };
            tokio::select! {
                r = tokio::time::timeout(timeout, work) => match r {
                    Ok((result, status)) => Outcome::Done(result, status),
                    Err(_) => Outcome::TimedOut,
                },
                () = cancel => Outcome::Cancelled,
            }
        };

        let (result, status) = match outcome {
            Outcome::Done(result, status) => {
                guard.disarm();
                (result, status)
            }
            Outcome::TimedOut | Outcome::Cancelled => {
                guard.kill();
                // SIGKILL again (harmless) and reap, so no zombie is left.
                let _ = child.kill().await;
                let stderr = stderr_tail(&tail, stderr_task).await;
                let error = if matches!(outcome, Outcome::TimedOut) {
                    ErrorInfo::new(
                        Code::PluginTimeout,
                        format!(
                            "plugin `{plugin}` did not finish within {}; its worker was killed{}",
                            humantime::format_duration(timeout),
                            stderr_suffix(&stderr)
                        ),
                    )
                } else {
                    ErrorInfo::new(
                        Code::Interrupted,
                        format!("plugin `{plugin}`: the daemon is stopping; its worker was killed"),
                    )
                };
                tracing::warn!(plugin, code = %error.code, "{}", error.message);
                return Err(error);
            }
        };
        let stderr = stderr_tail(&tail, stderr_task).await;
        let status = status.map_err(|e| {
            ErrorInfo::new(
                Code::Internal,
                format!("cannot wait for the plugin worker: {e}"),
            )
        })?;
        if let Some(result) = result {
            if !status.success() {
                tracing::warn!(plugin, %status, "plugin worker answered, then exited abnormally");
            }
            return Ok(result);
        }
        let error = crash_error(plugin, status, &stderr);
        tracing::warn!(plugin, code = %error.code, "{}", error.message);
        Err(error)
    }
}

fn handle_line(plugin: &str, line: &str, result: &mut Option<WorkerResult>, events: &mut Events) {
    match serde_json::from_str::<WorkerLine>(line) {
        Ok(WorkerLine::Progress { done, total }) => {
            tracing::debug!(plugin, done, total, "plugin progress");
        }
        Ok(WorkerLine::Warning { warning }) => {
            tracing::debug!(plugin, code = %warning.code, count = warning.count, "plugin warning");
            events.warnings.push(warning);
        }
        Ok(WorkerLine::Meta { key, value }) => {
            events.meta.insert(key, value);
        }
        Ok(WorkerLine::Result { result: r }) => *result = Some(r),
        Err(e) => {
            tracing::debug!(plugin, error = %e, line, "ignoring a non-protocol worker line");
        }
    }
}

/// Waits (briefly) for stderr to close and returns its tail as text.
async fn stderr_tail(tail: &Mutex<Vec<u8>>, task: Option<tokio::task::JoinHandle<()>>) -> String {
    if let Some(task) = task {
        let abort = task.abort_handle();
        if tokio::time::timeout(STDERR_GRACE, task).await.is_err() {
            abort.abort();
        }
    }
    let bytes = tail.lock().map(|t| t.clone()).unwrap_or_default();
    let start = bytes.len().saturating_sub(STDERR_TAIL_BYTES);
    String::from_utf8_lossy(&bytes[start..]).trim().to_owned()
}

fn stderr_suffix(stderr: &str) -> String {
    if stderr.is_empty() {
        String::new()
    } else {
        format!("; worker stderr (last {} bytes): {stderr}", stderr.len())
    }
}

/// The error for a worker that ended without a result.
fn crash_error(plugin: &str, status: ExitStatus, stderr: &str) -> ErrorInfo {
    use std::os::unix::process::ExitStatusExt;
    let how = if let Some(sig) = status.signal() {
        let core = if status.core_dumped() {
            ", core dumped"
        } else {
            ""
        };
        format!("was killed by {} ({sig}{core})", worker::signal_name(sig))
    } else if let Some(code) = status.code() {
        format!("exited with status {code} without a result")
    } else {
        format!("ended ({status}) without a result")
    };
    let stderr = if stderr.is_empty() {
        "; worker stderr was empty".to_owned()
    } else {
        stderr_suffix(stderr)
    };
    ErrorInfo::new(
        Code::PluginCrash,
        format!("plugin `{plugin}` crashed: its worker process {how}{stderr}"),
    )
}

fn unexpected(plugin: &str, call: &str, result: WorkerResult) -> ErrorInfo {
    match result {
        WorkerResult::Failed { error } => error,
        other => ErrorInfo::new(
            Code::Internal,
            format!("plugin `{plugin}`: the worker answered {call} with {other:?}"),
        ),
    }
}

/// Removes every part file of a run's outbox directory (each run has its own directory, so
/// any part file there is a leftover of this run's killed or crashed workers).
fn remove_parts(dir: &Path) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let name = entry.file_name();
        if !name.to_str().is_some_and(worker::is_part_name) {
            continue;
        }
        let path = entry.path();
        match std::fs::remove_file(&path) {
            Err(e) if e.kind() != std::io::ErrorKind::NotFound => {
                tracing::warn!(path = %path.display(), error = %e, "cannot remove a partial report file");
            }
            _ => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::unix::process::ExitStatusExt;

    /// The run module spawns these futures on a multi-threaded runtime.
    #[test]
    fn host_futures_are_send() {
        fn assert_send<T: Send>(_: &T) {}
        let host = PluginHost::new(Vec::new(), "/bin/false".into());
        let job = GenerateJob {
            plugin: "x".into(),
            request: Request {
                report: "x.y".into(),
                source: serde_json::Map::new(),
                params: serde_json::Map::new(),
                period: reportd_plugin_api::Period {
                    start_utc: 0,
                    end_utc: 1,
                    start_local: String::new(),
                    end_local: String::new(),
                    timezone: "UTC".into(),
                },
                run_id: String::new(),
                wait_for_data: false,
            },
            out_dir: "/tmp".into(),
            file_name: "a.csv".into(),
            format: Format::Csv(crate::config::CsvDialect::default()),
            compress: Compression::None,
        };
        let d = Duration::from_secs(1);
        assert_send(&host.generate(&job, d, std::future::pending()));
        assert_send(&host.describe("x", d));
        assert_send(&host.validate("x", &job.request, d));
    }

    #[test]
    fn crash_messages_name_the_signal_or_status() {
        // Wait statuses: a signal number alone means "killed by it"; 0x80 marks a core dump;
        // an exit code sits in the second byte.
        let e = crash_error("t", ExitStatus::from_raw(libc::SIGSEGV), "");
        assert_eq!(e.code, "PLUGIN_CRASH");
        assert_eq!(
            e.message,
            "plugin `t` crashed: its worker process was killed by SIGSEGV (11); worker stderr was empty"
        );
        let e = crash_error("t", ExitStatus::from_raw(libc::SIGABRT | 0x80), "boom");
        assert_eq!(
            e.message,
            "plugin `t` crashed: its worker process was killed by SIGABRT (6, core dumped); worker stderr (last 4 bytes): boom"
        );
        let e = crash_error("t", ExitStatus::from_raw(3 << 8), "");
        assert!(e.message.contains("exited with status 3 without a result"));
    }

    #[test]
    fn locate_searches_in_order_and_rejects_bad_names() {
        let a = tempfile::tempdir().unwrap();
        let b = tempfile::tempdir().unwrap();
        std::fs::write(b.path().join("libreportd_x.so"), b"").unwrap();
        let host = PluginHost::new(
            vec![a.path().to_owned(), b.path().to_owned()],
            "/bin/false".into(),
        );
        assert_eq!(host.locate("x").unwrap(), b.path().join("libreportd_x.so"));
        std::fs::write(a.path().join("libreportd_x.so"), b"").unwrap();
        assert_eq!(host.locate("x").unwrap(), a.path().join("libreportd_x.so"));
        for bad in ["", "../x", "a/b", "a b"] {
            assert_eq!(host.locate(bad).unwrap_err().code, "PLUGIN_NOT_FOUND");
        }
        let none = PluginHost::new(Vec::new(), "/bin/false".into());
        assert!(
            none.locate("x")
                .unwrap_err()
                .message
                .contains("no plugin directory configured")
        );
    }
}
