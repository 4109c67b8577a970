//! Where log records go: the systemd journal with structured fields when the daemon runs
//! under systemd, otherwise text or JSON lines on stderr (`--log-format`).
//!
//! The journal gets every span and event field as a journal field, upper-cased by
//! `tracing-journald` with no prefix: the run span's `run_id`, `schedule`, `attempt` become
//! `RUN_ID`, `SCHEDULE`, `ATTEMPT`, the delivery span's `destination` becomes
//! `DESTINATION`, and an event's `error_code` becomes `ERROR_CODE` — so support staff can
//! `journalctl -u reportd RUN_ID=...` or `journalctl -u reportd ERROR_CODE=SFTP_AUTH`.
//! Levels map to syslog priorities (error 3, warn 4, info 6, debug and trace 7), so
//! `journalctl -p warning` shows what needs attention.
//!
//! `auto` picks the journal exactly when systemd connected stderr to it: `$JOURNAL_STREAM`
//! holds the `device:inode` of that stream, and it must match stderr's (a child whose
//! stderr was redirected inherits the variable but not the stream; see systemd.exec(5)).
//!
//! Neighbours: `main.rs` calls [`init`] once; the spans and fields come from `run`.

use std::io::IsTerminal;
use std::os::fd::AsFd;
use std::os::unix::fs::MetadataExt;

use tracing::Level;
use tracing_subscriber::EnvFilter;
use tracing_subscriber::filter::FilterFn;
use tracing_subscriber::layer::SubscriberExt;
use tracing_subscriber::util::SubscriberInitExt;

/// The variable holding the log filter (`info` when unset), e.g. `REPORTD_LOG=debug` or
/// `REPORTD_LOG=info,reportd::deliver=debug`.
pub const FILTER_ENV: &str = "REPORTD_LOG";
/// `SYSLOG_IDENTIFIER=` of journal entries (`journalctl -t reportd`).
pub const SYSLOG_IDENTIFIER: &str = "reportd";

/// The `--log-format` values.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, clap::ValueEnum)]
pub enum LogFormat {
    /// The journal when stderr is connected to it (running under systemd), else text.
    #[default]
    Auto,
    /// The systemd journal's native protocol, with structured fields.
    Journald,
    /// Human-readable lines on stderr.
    Text,
    /// One JSON object per line on stderr.
    Json,
}

/// What [`init`] set up.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Installed {
    Journald,
    Text,
    Json,
}

/// Installs the global subscriber for `format`. Never fails: when the journal was asked
/// for but its socket cannot be reached, logs go to stderr as text with a warning first.
/// Returns what was installed.
pub fn init(format: LogFormat) -> Installed {
    let want = resolve(
        format,
        std::env::var("JOURNAL_STREAM").ok().as_deref(),
        stderr_id(),
    );
    let mut journal_error = None;
    if want == Installed::Journald {
        match journald_layer() {
            Ok(layer) => {
                // try_init: a second call (tests) keeps the first subscriber.
                let _ = tracing_subscriber::registry()
                    .with(filter())
                    .with(no_secrets())
                    .with(layer)
                    .try_init();
                return Installed::Journald;
            }
            Err(e) => journal_error = Some(e),
        }
    }
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter())
        .with_writer(std::io::stderr);
    let installed = if want == Installed::Json {
        let _ = builder.json().finish().with(no_secrets()).try_init();
        Installed::Json
    } else {
        let _ = builder
            .with_ansi(std::io::stderr().is_terminal())
            .finish()
            .with(no_secrets())
            .try_init();
        Installed::Text
    };
    if let Some(e) = journal_error {
        tracing::warn!(error = %e, "cannot log to the systemd journal; logging to stderr instead");
    }
    installed
}

/// The journal layer: fields without prefix (`RUN_ID`, not `F_RUN_ID`), `reportd` as the
/// identifier whatever the executable is called, and info at priority 6 (tracing-journald's
/// default, 5 "notice", would make every routine line stand out in `journalctl -p notice`).
fn journald_layer() -> std::io::Result<tracing_journald::Layer> {
    use tracing_journald::{Priority, PriorityMappings};
    Ok(tracing_journald::layer()?
        .with_field_prefix(None)
        .with_syslog_identifier(SYSLOG_IDENTIFIER.to_owned())
        .with_priority_mappings(PriorityMappings {
            error: Priority::Error,
            warn: Priority::Warning,
            info: Priority::Informational,
            debug: Priority::Debug,
            trace: Priority::Debug,
        }))
}

/// Libraries whose trace level logs secrets, so it stays off whatever `REPORTD_LOG` says:
/// suppaftp traces every control-connection command it sends, `PASS <password>` included.
const SECRET_TRACING_TARGETS: &[&str] = &["suppaftp"];

/// A global filter dropping the trace-level records of [`SECRET_TRACING_TARGETS`] (their
/// debug level and above, which name commands but not arguments, stay available).
fn no_secrets() -> FilterFn<impl Fn(&tracing::Metadata<'_>) -> bool> {
    FilterFn::new(|meta: &tracing::Metadata<'_>| may_log(meta.target(), *meta.level()))
}

/// Whether a record of `target` at `level` may be logged (see [`no_secrets`]).
fn may_log(target: &str, level: Level) -> bool {
    level != Level::TRACE
        || !SECRET_TRACING_TARGETS.iter().any(|t| {
            target
                .strip_prefix(t)
                .is_some_and(|rest| rest.is_empty() || rest.starts_with("::"))
        })
}

fn filter() -> EnvFilter {
    EnvFilter::try_from_env(FILTER_ENV).unwrap_or_else(|_| EnvFilter::new("info"))
}

/// The format to install for `format`, given `$JOURNAL_STREAM` and stderr's
/// `(device, inode)`.
pub fn resolve(
    format: LogFormat,
    journal_stream: Option<&str>,
    stderr: Option<(u64, u64)>,
) -> Installed {
    match format {
        LogFormat::Journald => Installed::Journald,
        LogFormat::Text => Installed::Text,
        LogFormat::Json => Installed::Json,
        LogFormat::Auto => {
            let connected = journal_stream
                .and_then(parse_journal_stream)
                .zip(stderr)
                .is_some_and(|(journal, stderr)| journal == stderr);
            if connected {
                Installed::Journald
            } else {
                Installed::Text
            }
        }
    }
}

/// `$JOURNAL_STREAM`'s `DEVICE:INODE` (both decimal).
fn parse_journal_stream(value: &str) -> Option<(u64, u64)> {
    let (dev, ino) = value.trim().split_once(':')?;
    Some((dev.parse().ok()?, ino.parse().ok()?))
}

/// stderr's `(device, inode)`, as systemd writes them into `$JOURNAL_STREAM`.
fn stderr_id() -> Option<(u64, u64)> {
    let fd = std::io::stderr().as_fd().try_clone_to_owned().ok()?;
    let meta = std::fs::File::from(fd).metadata().ok()?;
    Some((meta.dev(), meta.ino()))
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]
    use super::*;

    #[test]
    fn secret_tracing_targets_stop_at_debug() {
        let control = "suppaftp::async_ftp::tokio_ftp::control";
        assert!(!may_log(control, Level::TRACE));
        assert!(!may_log("suppaftp", Level::TRACE));
        assert!(may_log(control, Level::DEBUG));
        assert!(may_log(control, Level::WARN));
        // Only that crate, not one whose name merely starts the same way.
        assert!(may_log("suppaftpx", Level::TRACE));
        assert!(may_log("reportd::deliver::ftp", Level::TRACE));
    }

    #[test]
    fn explicit_formats_are_kept() {
        assert_eq!(
            resolve(LogFormat::Text, Some("8:1"), Some((8, 1))),
            Installed::Text
        );
        assert_eq!(resolve(LogFormat::Json, None, None), Installed::Json);
        assert_eq!(
            resolve(LogFormat::Journald, None, None),
            Installed::Journald
        );
    }

    #[test]
    fn auto_picks_the_journal_only_when_stderr_is_the_journal_stream() {
        // systemd writes st_dev:st_ino of the stream socket it connected to stderr.
        assert_eq!(
            resolve(LogFormat::Auto, Some("9:123456"), Some((9, 123456))),
            Installed::Journald
        );
        // Inherited variable, but stderr was redirected to a file (another inode).
        assert_eq!(
            resolve(LogFormat::Auto, Some("9:123456"), Some((2049, 77))),
            Installed::Text
        );
        assert_eq!(
            resolve(LogFormat::Auto, None, Some((9, 123456))),
            Installed::Text
        );
        assert_eq!(
            resolve(LogFormat::Auto, Some("garbage"), Some((9, 123456))),
            Installed::Text
        );
        assert_eq!(resolve(LogFormat::Auto, Some("9:1"), None), Installed::Text);
    }

    #[test]
    fn journal_stream_values() {
        assert_eq!(parse_journal_stream("8:39213\n"), Some((8, 39213)));
        assert_eq!(parse_journal_stream("8"), None);
        assert_eq!(parse_journal_stream("a:1"), None);
        assert_eq!(parse_journal_stream("1:-2"), None);
    }

    #[test]
    fn stderr_has_an_identity() {
        // Whatever stderr is here (pipe, file, tty), fstat gives it a device and inode.
        let (_, ino) = stderr_id().unwrap();
        assert!(ino > 0);
    }
}
