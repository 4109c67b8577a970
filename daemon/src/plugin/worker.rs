//! The plugin worker process: `reportd __worker`. It is the only place a plugin library is
//! ever loaded. The daemon ([`super::PluginHost`]) spawns one worker per describe /
//! validate / generate call, so a plugin that panics, aborts, segfaults, leaks or hangs
//! takes down only this process and fails only its own run.
//!
//! # Protocol
//! * stdin: one JSON [`WorkerJob`], then EOF.
//! * stdout: JSON lines ([`WorkerLine`]): any number of `progress` / `warning` / `meta`,
//!   then exactly one `result`. The worker exits 0 once the result is written, whatever
//!   it says; no result (a crash, a kill) is the daemon's cue for `PLUGIN_CRASH`.
//! * stderr: free text (plugin panics, diagnostics); the daemon keeps the last 8 KiB.
//!
//! Fd 1 is pointed at stderr before the plugin is loaded, and the protocol goes to a
//! private copy of the original stdout, so a plugin that prints cannot corrupt it.
//!
//! # Generation
//! Rows stream from the plugin's sink into a [`ReportWriter`] (CSV or XLSX) writing
//! `<out_dir>/.<name>.<pid>.part`; on success the part file is fsynced and renamed to
//! `<out_dir>/<name>` (and the directory fsynced); on any failure it is removed. With
//! `compress`, the writer fills `.<name>.<pid>.raw.part` instead, which is then compressed
//! into the part file ([`compress_file`]) and removed; the size and SHA-256 reported are
//! always those of the final artifact. For XLSX without a configured sheet name the worker
//! asks the plugin for its catalog first: the sheet is named after the report's title. A plugin panic caught by `export_plugin!`
//! (`PLUGIN_PANIC`) is reported as `PLUGIN_CRASH` with `PLUGIN_PANIC` in the message: the
//! run fails exactly as for an abort, only with a better message.

use std::collections::BTreeMap;
use std::fs::File;
use std::io::{self, Read, Write};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use reportd_plugin_api::model::Reply;
use reportd_plugin_api::{Catalog, Column, PluginError, Problem, Request, Value, Warning};
use serde::{Deserialize, Serialize};

use super::ffi::{self, HostSink, LoadedPlugin};
use crate::code::{Code, ErrorInfo};
use crate::config::{Compression, CsvDialect, Format, XlsxOptions};
use crate::render::compress::{compress_file, gzip_inner_name, zip_entry_name};
use crate::render::filename::check_plain_name;
use crate::render::output::ReportWriter;
use crate::render::xlsx::MAX_CELL_CHARS;
use crate::render::{RenderError, io_error_info};
use crate::store::FileInfo;

/// The hidden first argument that turns `reportd` into a worker.
pub const WORKER_ARG: &str = "__worker";

/// Output format of a generate job, as sent to the worker.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum JobFormat {
    Csv { dialect: CsvDialect },
    Xlsx { options: XlsxOptions },
}

impl From<&Format> for JobFormat {
    fn from(format: &Format) -> Self {
        match format {
            Format::Csv(dialect) => JobFormat::Csv {
                dialect: dialect.clone(),
            },
            Format::Xlsx(options) => JobFormat::Xlsx {
                options: options.clone(),
            },
        }
    }
}

impl From<JobFormat> for Format {
    fn from(format: JobFormat) -> Self {
        match format {
            JobFormat::Csv { dialect } => Format::Csv(dialect),
            JobFormat::Xlsx { options } => Format::Xlsx(options),
        }
    }
}

/// One job, read from the worker's stdin.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(tag = "op", rename_all = "snake_case")]
pub enum WorkerJob {
    Describe {
        library: PathBuf,
    },
    Validate {
        library: PathBuf,
        request: Request,
    },
    Generate {
        library: PathBuf,
        request: Request,
        out_dir: PathBuf,
        file_name: String,
        format: JobFormat,
        /// Applied to the finished file (absent in jobs from older daemons: none).
        #[serde(default)]
        compress: Compression,
    },
}

/// One line of the worker's protocol output.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum WorkerLine {
    Progress { done: u64, total: u64 },
    Warning { warning: Warning },
    Meta { key: String, value: String },
    Result { result: WorkerResult },
}

/// The final answer of a job.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(tag = "status", rename_all = "snake_case")]
pub enum WorkerResult {
    Catalog { catalog: Catalog },
    Valid,
    Generated { file: FileInfo, rows: u64 },
    Failed { error: ErrorInfo },
}

/// The protocol channel (the original stdout).
struct Channel {
    out: File,
}

impl Channel {
    fn send(&mut self, line: &WorkerLine) {
        // If the daemon went away there is nobody to tell; the write error is moot.
        if let Ok(mut bytes) = serde_json::to_vec(line) {
            bytes.push(b'\n');
            let _ = self.out.write_all(&bytes);
        }
    }
}

/// Entry point of `reportd __worker`; returns the process exit code.
pub fn worker_main() -> i32 {
    // A worker never outlives the process that started it (a daemon killed with -9 must not
    // leave a plugin writing into the outbox behind the retry).
    ffi::die_with_parent();
    let out = match ffi::redirect_stdout_to_stderr() {
        Ok(f) => f,
        Err(e) => {
            eprintln!("reportd worker: cannot set up the protocol channel: {e}");
            return 3;
        }
    };
    let mut chan = Channel { out };
    let mut input = Vec::new();
    let job = io::stdin()
        .read_to_end(&mut input)
        .map_err(|e| e.to_string())
        .and_then(|_| serde_json::from_slice::<WorkerJob>(&input).map_err(|e| e.to_string()));
    let result = match job {
        Ok(job) => run_job(job, &mut chan),
        Err(e) => failed(
            Code::Internal,
            format!("the worker got an unreadable job: {e}"),
        ),
    };
    chan.send(&WorkerLine::Result { result });
    0
}

fn failed(code: Code, message: impl Into<String>) -> WorkerResult {
    WorkerResult::Failed {
        error: ErrorInfo::new(code, message),
    }
}

fn run_job(job: WorkerJob, chan: &mut Channel) -> WorkerResult {
    let library = match &job {
        WorkerJob::Describe { library }
        | WorkerJob::Validate { library, .. }
        | WorkerJob::Generate { library, .. } => library.clone(),
    };
    let plugin = match ffi::load(&library) {
        Ok(p) => p,
        Err(e) => {
            return WorkerResult::Failed {
                error: e.to_error_info(),
            };
        }
    };
    match job {
        WorkerJob::Describe { .. } => describe(&plugin),
        WorkerJob::Validate { request, .. } => validate(&plugin, &request),
        WorkerJob::Generate {
            request,
            out_dir,
            file_name,
            format,
            compress,
            ..
        } => {
            let output = Output {
                out_dir: &out_dir,
                file_name: &file_name,
                format: &format.into(),
                compress,
            };
            generate(&plugin, &request, &output, chan)
        }
    }
}

/// Maps a plugin's error to a status-entry error (see the module docs for `PLUGIN_PANIC`).
pub fn plugin_error(plugin: &Path, e: PluginError) -> ErrorInfo {
    let name = plugin.display();
    match e.code.as_str() {
        "PLUGIN_PANIC" => ErrorInfo::new(
            Code::PluginCrash,
            format!("{name}: {} (PLUGIN_PANIC)", e.message),
        ),
        "UNKNOWN_REPORT" => ErrorInfo::new(Code::UnknownReport, format!("{name}: {}", e.message)),
        // Codes of the plugin API with a meaning for the host: waiting and retrying.
        reportd_plugin_api::DATA_NOT_READY => ErrorInfo::new(Code::DataNotReady, e.message),
        "SOURCE_DB_UNREACHABLE" => ErrorInfo::custom(
            Code::SourceUnreachable.as_str(),
            e.message,
            if e.hint.is_empty() {
                Code::SourceUnreachable.hint().to_owned()
            } else {
                e.hint
            },
        ),
        other => ErrorInfo::custom(
            Code::PluginError.as_str(),
            format!("{name}: [{other}] {}", e.message),
            if e.hint.is_empty() {
                Code::PluginError.hint().to_owned()
            } else {
                e.hint
            },
        ),
    }
}

/// `PLUGIN_INVALID` with every problem as `field: message (hint)`, `; `-separated.
pub fn invalid_error(plugin: &Path, problems: &[Problem]) -> ErrorInfo {
    let list: Vec<String> = problems
        .iter()
        .map(|p| {
            if p.hint.is_empty() {
                format!("{}: {}", p.field, p.message)
            } else {
                format!("{}: {} ({})", p.field, p.message, p.hint)
            }
        })
        .collect();
    let message = if list.is_empty() {
        format!(
            "{} rejected the request without saying why",
            plugin.display()
        )
    } else {
        list.join("; ")
    };
    ErrorInfo::new(Code::PluginInvalid, message)
}

fn parse_reply(plugin: &Path, bytes: &[u8], call: &str) -> Result<Reply, ErrorInfo> {
    serde_json::from_slice(bytes).map_err(|e| {
        ErrorInfo::new(
            Code::PluginError,
            format!(
                "{}: the reply to {call} is not valid JSON for ABI v1: {e}",
                plugin.display()
            ),
        )
    })
}

fn describe(plugin: &LoadedPlugin) -> WorkerResult {
    let bytes = plugin.describe();
    if let Ok(catalog) = serde_json::from_slice::<Catalog>(&bytes) {
        return WorkerResult::Catalog { catalog };
    }
    // A panicking `catalog()` answers with a `Reply::Error` instead.
    match parse_reply(plugin.path(), &bytes, "describe") {
        Ok(Reply::Error(e)) => WorkerResult::Failed {
            error: plugin_error(plugin.path(), e),
        },
        Ok(_) | Err(_) => failed(
            Code::PluginError,
            format!(
                "{}: describe returned something that is not a catalog: {}",
                plugin.path().display(),
                String::from_utf8_lossy(&bytes[..bytes.len().min(300)])
            ),
        ),
    }
}

fn request_json(request: &Request) -> Result<Vec<u8>, WorkerResult> {
    serde_json::to_vec(request)
        .map_err(|e| failed(Code::Internal, format!("cannot serialize the request: {e}")))
}

fn validate(plugin: &LoadedPlugin, request: &Request) -> WorkerResult {
    let json = match request_json(request) {
        Ok(j) => j,
        Err(r) => return r,
    };
    match parse_reply(plugin.path(), &plugin.validate(&json), "validate") {
        Ok(Reply::Ok) => WorkerResult::Valid,
        Ok(Reply::Invalid(problems)) => WorkerResult::Failed {
            error: invalid_error(plugin.path(), &problems),
        },
        Ok(Reply::Error(e)) => WorkerResult::Failed {
            error: plugin_error(plugin.path(), e),
        },
        Err(error) => WorkerResult::Failed { error },
    }
}

/// The part-file name of `file_name` in `out_dir`.
///
/// The worker's pid is part of the name: a worker orphaned by a daemon killed with `-9`
/// can never write into (or rename) the part file of the attempt that retries the run.
pub fn part_path(out_dir: &Path, file_name: &str, pid: u32) -> PathBuf {
    out_dir.join(format!(".{file_name}.{pid}.part"))
}

/// The file the writer fills before compression: `.<name>.<pid>.raw.part` (a part file too,
/// so every cleanup of part files removes it).
pub fn raw_part_path(out_dir: &Path, file_name: &str, pid: u32) -> PathBuf {
    out_dir.join(format!(".{file_name}.{pid}.raw.part"))
}

/// Whether a directory entry name is a part file ([`part_path`], [`raw_part_path`]).
pub fn is_part_name(name: &str) -> bool {
    name.starts_with('.') && name.ends_with(".part")
}

/// Streams the plugin's rows into the report writer and relays warnings, meta and progress.
struct WorkerSink<'c> {
    library: PathBuf,
    writer: ReportWriter,
    chan: &'c mut Channel,
    /// The first render or contract error; once set, every callback asks the plugin to stop.
    error: Option<ErrorInfo>,
    last_progress: Option<Instant>,
    meta: BTreeMap<String, String>,
}

impl WorkerSink<'_> {
    fn render_failed(&mut self, e: &RenderError) -> bool {
        if self.error.is_none() {
            let mut info = e.to_error_info();
            if info.code == Code::PluginError.as_str() {
                // Bad data is the plugin's bug: say which plugin.
                info.message = format!("{}: {}", self.library.display(), info.message);
            }
            self.error = Some(info);
        }
        false
    }
}

impl HostSink for WorkerSink<'_> {
    fn begin(&mut self, columns: Vec<Column>) -> bool {
        if self.error.is_some() {
            return false;
        }
        match self.writer.begin(&columns) {
            Ok(()) => true,
            Err(e) => self.render_failed(&e),
        }
    }

    fn rows(&mut self, cells: &[Value<'_>]) -> bool {
        if self.error.is_some() {
            return false;
        }
        if !self.writer.is_begun() {
            return self.render_failed(&RenderError::NotBegun);
        }
        let ncols = self.writer.column_count();
        // checked_rem: None for 0 columns, which cannot carry rows either.
        if cells.len().checked_rem(ncols) != Some(0) {
            return self.render_failed(&RenderError::CellCount {
                row: self.writer.rows() + 1,
                expected: ncols,
                got: cells.len(),
            });
        }
        for row in cells.chunks(ncols) {
            if let Err(e) = self.writer.row(row) {
                return self.render_failed(&e);
            }
        }
        true
    }

    fn warning(&mut self, warning: Warning) {
        self.chan.send(&WorkerLine::Warning { warning });
    }

    fn meta(&mut self, key: &str, value: &str) {
        self.writer.meta(key, value);
        self.meta.insert(key.to_owned(), value.to_owned());
        self.chan.send(&WorkerLine::Meta {
            key: key.to_owned(),
            value: value.to_owned(),
        });
    }

    fn progress(&mut self, done: u64, total: u64) {
        // Plugins may report per record; the daemon only needs a pulse.
        let due = self
            .last_progress
            .is_none_or(|t| t.elapsed() >= Duration::from_millis(500));
        if due || done == total {
            self.last_progress = Some(Instant::now());
            self.chan.send(&WorkerLine::Progress { done, total });
        }
    }

    fn cancelled(&self) -> bool {
        self.error.is_some()
    }

    fn fail(&mut self, message: String) {
        if self.error.is_none() {
            self.error = Some(ErrorInfo::new(
                Code::PluginError,
                format!(
                    "{}: the plugin broke the ABI contract: {message}",
                    self.library.display()
                ),
            ));
        }
    }
}

/// Where and how a generate job writes its file.
struct Output<'a> {
    out_dir: &'a Path,
    file_name: &'a str,
    format: &'a Format,
    compress: Compression,
}

fn generate(
    plugin: &LoadedPlugin,
    request: &Request,
    output: &Output<'_>,
    chan: &mut Channel,
) -> WorkerResult {
    if let Err(e) = check_plain_name(output.file_name) {
        return failed(Code::Internal, format!("bad output file name: {e}"));
    }
    let pid = std::process::id();
    let part = part_path(output.out_dir, output.file_name, pid);
    let raw = raw_part_path(output.out_dir, output.file_name, pid);
    match generate_into(plugin, request, output, &part, &raw, chan) {
        Ok(r) => r,
        Err(error) => {
            for path in [&part, &raw] {
                match std::fs::remove_file(path) {
                    Err(e) if e.kind() != io::ErrorKind::NotFound => {
                        eprintln!("reportd worker: cannot remove {}: {e}", path.display());
                    }
                    _ => {}
                }
            }
            WorkerResult::Failed { error }
        }
    }
}

/// The report's title in `lang` from the plugin's catalog (the default XLSX sheet name);
/// the report id when the catalog does not say.
fn report_title(plugin: &LoadedPlugin, report: &str, lang: &str) -> String {
    serde_json::from_slice::<Catalog>(&plugin.describe())
        .ok()
        .and_then(|c| c.reports.into_iter().find(|r| r.id == report))
        .map_or_else(|| report.to_owned(), |r| r.title.get(lang).to_owned())
}

fn generate_into(
    plugin: &LoadedPlugin,
    request: &Request,
    output: &Output<'_>,
    part: &Path,
    raw: &Path,
    chan: &mut Channel,
) -> Result<WorkerResult, ErrorInfo> {
    let Output {
        out_dir,
        file_name,
        format,
        compress,
    } = *output;
    let json = serde_json::to_vec(request).map_err(|e| {
        ErrorInfo::new(Code::Internal, format!("cannot serialize the request: {e}"))
    })?;
    std::fs::create_dir_all(out_dir)
        .map_err(|e| io_error_info("cannot create the output directory", out_dir, &e))?;
    let title = match format {
        Format::Xlsx(options) if options.sheet_name.is_none() => {
            report_title(plugin, &request.report, options.lang.tag())
        }
        _ => String::new(),
    };
    let render_path = if compress == Compression::None {
        part
    } else {
        raw
    };
    let mut writer = ReportWriter::create(render_path, format, &title).map_err(|e| {
        if e.kind() == io::ErrorKind::InvalidInput {
            ErrorInfo::new(Code::Internal, format!("bad output format options: {e}"))
        } else {
            io_error_info("cannot create", render_path, &e)
        }
    })?;
    writer.set_period(&request.period);
    let mut sink = WorkerSink {
        library: plugin.path().to_owned(),
        writer,
        chan,
        error: None,
        last_progress: None,
        meta: BTreeMap::new(),
    };
    let reply = plugin.generate(&json, &mut sink);
    let WorkerSink {
        writer,
        error,
        chan,
        ..
    } = sink;
    // Our own failure comes first: the plugin's reply is then just "cancelled".
    if let Some(e) = error {
        return Err(e);
    }
    if reply.host_panicked {
        return Err(ErrorInfo::new(
            Code::Internal,
            "the worker's row sink panicked (a reportd bug); see the worker log",
        ));
    }
    match parse_reply(plugin.path(), &reply.reply, "generate")? {
        Reply::Ok => {}
        Reply::Invalid(problems) => return Err(invalid_error(plugin.path(), &problems)),
        Reply::Error(e) => return Err(plugin_error(plugin.path(), e)),
    }
    if !writer.is_begun() {
        return Err(ErrorInfo::new(
            Code::PluginError,
            format!(
                "{}: generate succeeded without declaring its columns",
                plugin.path().display()
            ),
        ));
    }
    let rows = writer.rows();
    let truncated = writer.truncated_cells();
    if truncated > 0 {
        chan.send(&WorkerLine::Warning {
            warning: Warning {
                code: "XLSX_TEXT_TRUNCATED".to_owned(),
                message: format!(
                    "{truncated} text cell(s) longer than Excel's {MAX_CELL_CHARS} characters were cut"
                ),
                count: truncated,
                examples: Vec::new(),
            },
        });
    }
    let (mut bytes, mut sha256) = writer
        .finish()
        .map_err(|e| io_error_info("cannot write", render_path, &e))?;
    if compress != Compression::None {
        let inner = match compress {
            Compression::Zip => zip_entry_name(file_name, format.extension()),
            _ => gzip_inner_name(file_name).to_owned(),
        };
        (bytes, sha256) = compress_file(raw, part, compress, &inner)
            .map_err(|e| io_error_info("cannot compress into", part, &e))?;
        std::fs::remove_file(raw).map_err(|e| io_error_info("cannot remove", raw, &e))?;
    }
    let final_path = out_dir.join(file_name);
    std::fs::rename(part, &final_path)
        .map_err(|e| io_error_info("cannot rename the finished file to", &final_path, &e))?;
    // The rename is durable only once the directory entry is.
    File::open(out_dir)
        .and_then(|d| d.sync_all())
        .map_err(|e| io_error_info("cannot sync the output directory", out_dir, &e))?;
    let abs = std::path::absolute(&final_path).unwrap_or(final_path);
    Ok(WorkerResult::Generated {
        file: FileInfo {
            name: file_name.to_owned(),
            path: abs.to_string_lossy().into_owned(),
            bytes,
            sha256,
        },
        rows,
    })
}

/// `SIGSEGV` for 11, etc.; the number for signals without a common name.
pub fn signal_name(sig: i32) -> String {
    let name = match sig {
        libc::SIGHUP => "SIGHUP",
        libc::SIGINT => "SIGINT",
        libc::SIGQUIT => "SIGQUIT",
        libc::SIGILL => "SIGILL",
        libc::SIGTRAP => "SIGTRAP",
        libc::SIGABRT => "SIGABRT",
        libc::SIGBUS => "SIGBUS",
        libc::SIGFPE => "SIGFPE",
        libc::SIGKILL => "SIGKILL",
        libc::SIGUSR1 => "SIGUSR1",
        libc::SIGSEGV => "SIGSEGV",
        libc::SIGUSR2 => "SIGUSR2",
        libc::SIGPIPE => "SIGPIPE",
        libc::SIGALRM => "SIGALRM",
        libc::SIGTERM => "SIGTERM",
        libc::SIGXCPU => "SIGXCPU",
        libc::SIGXFSZ => "SIGXFSZ",
        libc::SIGSYS => "SIGSYS",
        _ => return format!("signal {sig}"),
    };
    name.to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn signal_names() {
        assert_eq!(signal_name(libc::SIGSEGV), "SIGSEGV");
        assert_eq!(signal_name(libc::SIGABRT), "SIGABRT");
        assert_eq!(signal_name(libc::SIGKILL), "SIGKILL");
        assert_eq!(signal_name(200), "signal 200");
    }

    #[test]
    fn plugin_errors_map_to_stable_codes() {
        let lib = Path::new("/p/libreportd_x.so");
        let e = plugin_error(
            lib,
            PluginError::new("PLUGIN_PANIC", "the plugin panicked: boom", ""),
        );
        assert_eq!(e.code, "PLUGIN_CRASH");
        assert_eq!(
            e.message,
            "/p/libreportd_x.so: the plugin panicked: boom (PLUGIN_PANIC)"
        );
        let e = plugin_error(lib, PluginError::new("UNKNOWN_REPORT", "no x.y", ""));
        assert_eq!(e.code, "UNKNOWN_REPORT");
        let e = plugin_error(lib, PluginError::new("SOURCE_UNREADABLE", "gone", ""));
        assert_eq!(e.code, "PLUGIN_ERROR");
        assert_eq!(e.message, "/p/libreportd_x.so: [SOURCE_UNREADABLE] gone");
        // No plugin hint: the code's own hint.
        assert_eq!(e.hint, Code::PluginError.hint());
    }

    #[test]
    fn invalid_lists_every_problem() {
        let lib = Path::new("/p/libreportd_x.so");
        let e = invalid_error(
            lib,
            &[
                Problem::new("params.queue", "unknown queue", "use sales"),
                Problem::new("report", "unknown", ""),
            ],
        );
        assert_eq!(e.code, "PLUGIN_INVALID");
        assert_eq!(
            e.message,
            "params.queue: unknown queue (use sales); report: unknown"
        );
        assert!(
            invalid_error(lib, &[])
                .message
                .contains("without saying why")
        );
    }

    #[test]
    fn protocol_round_trips() {
        let job = WorkerJob::Generate {
            library: "/p/libreportd_x.so".into(),
            request: Request {
                report: "x.y".into(),
                source: serde_json::Map::new(),
                params: serde_json::Map::new(),
                period: reportd_plugin_api::Period {
                    start_utc: 0,
                    end_utc: 1,
                    start_local: "1970-01-01T00:00:00".into(),
                    end_local: "1970-01-01T00:00:01".into(),
                    timezone: "UTC".into(),
                },
                run_id: "r".into(),
                wait_for_data: false,
            },
            out_dir: "/out".into(),
            file_name: "a.csv".into(),
            format: JobFormat::Csv {
                dialect: CsvDialect::default(),
            },
            compress: Compression::Gzip,
        };
        let json = serde_json::to_string(&job).unwrap();
        assert!(json.starts_with(r#"{"op":"generate""#), "{json}");
        let back: WorkerJob = serde_json::from_str(&json).unwrap();
        assert!(matches!(
            back,
            WorkerJob::Generate { file_name, compress: Compression::Gzip, .. } if file_name == "a.csv"
        ));
        // A job without `compress` (an older daemon) means none.
        let old = json.replace(r#","compress":"gzip""#, "");
        assert_ne!(old, json);
        let back: WorkerJob = serde_json::from_str(&old).unwrap();
        assert!(matches!(
            back,
            WorkerJob::Generate {
                compress: Compression::None,
                ..
            }
        ));
        let xlsx = JobFormat::from(&Format::Xlsx(XlsxOptions::default()));
        assert_eq!(Format::from(xlsx), Format::Xlsx(XlsxOptions::default()));
        let line = WorkerLine::Result {
            result: WorkerResult::Failed {
                error: ErrorInfo::new(Code::PluginError, "m"),
            },
        };
        let json = serde_json::to_string(&line).unwrap();
        assert_eq!(
            json,
            format!(
                r#"{{"type":"result","result":{{"status":"failed","error":{{"code":"PLUGIN_ERROR","message":"m","hint":"{}"}}}}}}"#,
                Code::PluginError.hint()
            )
        );
    }

    #[test]
    fn part_file_is_hidden_next_to_the_final_name() {
        assert_eq!(
            part_path(Path::new("/out"), "r.csv", 42),
            PathBuf::from("/out/.r.csv.42.part")
        );
        assert!(is_part_name(".r.csv.42.part"));
        assert_eq!(
            raw_part_path(Path::new("/out"), "r.csv.gz", 42),
            PathBuf::from("/out/.r.csv.gz.42.raw.part")
        );
        assert!(is_part_name(".r.csv.gz.42.raw.part"));
        assert!(!is_part_name("r.csv"));
    }
}
