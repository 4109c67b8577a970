//! Streaming scan of queue_log files into finished queue entries.
//!
//! One [`QueueEntry`] is one ENTERQUEUE of one call into one queue (an overflow into a
//! second queue is a second entry), with how it ended. Only entries that entered within the
//! period (and, when filtered, into a wanted queue) are tracked, in a map keyed by
//! `callid|queue`; an entry leaves the map at its first terminal event (CONNECT, ABANDON,
//! EXITWITHTIMEOUT, EXITWITHKEY, EXITEMPTY, WITHDRAW). Memory is therefore bounded by the
//! number of calls waiting at once, not by the input size.
//!
//! Lines are read only in `[start − 2 h, end + 4 h]`: calls entering before the end can end
//! after it. Files are chronological, so a file is abandoned once many consecutive lines lie
//! past that window (a lone out-of-order or corrupt time does not stop the read).

use std::cell::Cell;
use std::collections::{BTreeSet, HashMap};
use std::io::BufRead;
use std::path::PathBuf;
use std::rc::Rc;

use reportd_plugin_api::{PluginError, Sink};

use crate::files::{self, SourceFile};
use crate::queue_log::{Line, parse_line};

/// Lines read before the window start, so events shortly before the period are seen.
pub const LOOKBEHIND_S: i64 = 2 * 3600;
/// Lines read after the period end, so calls that entered before the end can finish.
pub const LOOKAHEAD_S: i64 = 4 * 3600;
/// Consecutive lines past the window after which a file is not read further.
const STOP_AFTER_LINES_PAST: u32 = 1000;
/// Lines between cancellation checks and progress reports.
pub const CHECK_EVERY: u64 = 64 * 1024;
/// Malformed-line examples kept for the warning.
const MAX_EXAMPLES: usize = 5;
/// Longest line text quoted in an example.
const EXAMPLE_CHARS: usize = 200;

/// Which entries to track.
#[derive(Debug, Clone)]
pub struct ScanOptions<'a> {
    /// Period start, Unix seconds (inclusive).
    pub start_utc: i64,
    /// Period end, Unix seconds (exclusive).
    pub end_utc: i64,
    /// Only these queues; `None` = all.
    pub queues: Option<&'a BTreeSet<String>>,
    /// Keep answered entries open until COMPLETECALLER/COMPLETEAGENT/TRANSFER (talk time);
    /// otherwise they are finished at CONNECT.
    pub track_talk: bool,
    /// Pass every line inside the read window to [`Consumer::line`].
    pub raw_lines: bool,
}

/// Receives what the scan finds.
pub trait Consumer {
    /// One finished queue entry of the period.
    fn entry(&mut self, entry: QueueEntry);
    /// Every line in the read window, in file order (only with `raw_lines`).
    fn line(&mut self, _line: &crate::queue_log::Line<'_>) {}
}

impl<F: FnMut(QueueEntry)> Consumer for F {
    fn entry(&mut self, entry: QueueEntry) {
        self(entry);
    }
}

/// How an answered entry's conversation ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Completion {
    /// COMPLETECALLER, COMPLETEAGENT, TRANSFER, BLINDTRANSFER or ATTENDEDTRANSFER.
    pub event: &'static str,
    /// Unix seconds of the completion line.
    pub at: i64,
    /// Talk time (calltime field; from the timestamps when an old line lacks it).
    pub talk_s: i64,
}

/// The unanswered exits other than ABANDON.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExitKind {
    Timeout,
    Empty,
    Key,
    Withdraw,
}

impl ExitKind {
    /// The queue_log event name.
    pub fn event(self) -> &'static str {
        match self {
            Self::Timeout => "EXITWITHTIMEOUT",
            Self::Empty => "EXITEMPTY",
            Self::Key => "EXITWITHKEY",
            Self::Withdraw => "WITHDRAW",
        }
    }
}

/// How a queue entry ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// CONNECT: `agent` answered after `holdtime_s` in the queue.
    Answered {
        at: i64,
        holdtime_s: i64,
        agent: Box<str>,
        /// CONNECT data3 (ring time of the answering attempt), when present.
        ring_s: Option<i64>,
        /// The end of the conversation; `None` when not tracked or not in the input.
        completion: Option<Completion>,
    },
    /// ABANDON, or one of the [`ExitKind`] exits (`exit` is then `Some`).
    Left {
        at: i64,
        exit: Option<ExitKind>,
        wait_s: i64,
        /// EXITWITHKEY's key.
        key: Option<Box<str>>,
        position: Option<i64>,
        orig_position: Option<i64>,
    },
    /// No terminal event within the lines read.
    Unfinished,
}

/// One call's stay in one queue.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QueueEntry {
    /// `callid|queue`.
    key: Box<str>,
    /// ENTERQUEUE time, Unix seconds.
    pub entered_at: i64,
    /// ENTERQUEUE data2.
    pub caller_number: Box<str>,
    /// ENTERQUEUE data3.
    pub orig_position: Option<i64>,
    pub outcome: Outcome,
}

impl QueueEntry {
    pub fn call_id(&self) -> &str {
        self.key.split_once('|').map_or(&*self.key, |(c, _)| c)
    }

    pub fn queue(&self) -> &str {
        self.key.split_once('|').map_or("", |(_, q)| q)
    }
}

struct OpenCall {
    entered_at: i64,
    caller_number: Box<str>,
    orig_position: Option<i64>,
}

/// What the scan saw, for the report metadata and warnings.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ScanStats {
    /// Files actually opened, in reading order.
    pub files_read: Vec<PathBuf>,
    pub lines_read: u64,
    pub malformed_lines: u64,
    /// The first few malformed lines, as `file:line: text`.
    pub malformed_examples: Vec<String>,
    /// Entries still waiting when the input ended.
    pub unfinished: u64,
    /// Newest time of any valid line read (Unix seconds), for the readiness check.
    pub newest_time: Option<i64>,
    /// The database table read instead of files (`queue_log in mysql://...`), for the
    /// `source_table` metadata.
    pub source_table: Option<String>,
}

/// The first characters of a malformed record's text, for a warning example.
pub fn excerpt(text: &str) -> String {
    text.chars().take(EXAMPLE_CHARS).collect()
}

/// The error returned when the host stops the generation.
pub fn cancelled() -> PluginError {
    PluginError::new("CANCELLED", "the host stopped the generation", "")
}

/// Where a line's time lies relative to the read window.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Place {
    /// Before the window: ignored.
    Before,
    /// Inside: processed.
    Inside,
    /// After the window: ignored (a file reader stops after many in a row).
    After,
}

/// The event processing of a scan, independent of where the lines come from: the file
/// reader below and the database reader ([`crate::db`]) feed it the same [`Line`]s, so every
/// report sees the same entries whatever the input.
pub struct Scanner<'o> {
    opts: ScanOptions<'o>,
    window_start: i64,
    window_end: i64,
    open: HashMap<Box<str>, OpenCall>,
    /// Answered entries waiting for their COMPLETE*/TRANSFER line (only with track_talk).
    talking: HashMap<Box<str>, QueueEntry>,
    consumer: &'o mut dyn Consumer,
    /// What was seen so far; the reader counts `lines_read` and may set `files_read`.
    pub stats: ScanStats,
}

impl<'o> Scanner<'o> {
    /// A scanner for `opts` that hands finished entries to `consumer`.
    pub fn new(opts: &ScanOptions<'o>, consumer: &'o mut dyn Consumer) -> Self {
        Self {
            window_start: opts.start_utc - LOOKBEHIND_S,
            window_end: opts.end_utc + LOOKAHEAD_S,
            opts: opts.clone(),
            open: HashMap::new(),
            talking: HashMap::new(),
            consumer,
            stats: ScanStats::default(),
        }
    }

    /// The read window `[start − 2 h, end + 4 h]`, Unix seconds, both ends inclusive.
    pub fn window(&self) -> (i64, i64) {
        (self.window_start, self.window_end)
    }

    /// Counts a malformed record; `example` (shorten the record's text with [`excerpt`]) is
    /// asked for only while examples are kept.
    pub fn malformed(&mut self, example: impl FnOnce() -> String) {
        self.stats.malformed_lines += 1;
        if self.stats.malformed_examples.len() < MAX_EXAMPLES {
            self.stats.malformed_examples.push(example());
        }
    }

    /// Processes one valid line.
    pub fn line(&mut self, line: &Line<'_>) -> Place {
        let opts = &self.opts;
        let stats = &mut self.stats;
        let open = &mut self.open;
        let talking = &mut self.talking;
        let on_entry = &mut *self.consumer;
        if stats.newest_time.is_none_or(|n| line.time > n) {
            stats.newest_time = Some(line.time);
        }
        if line.time > self.window_end {
            return Place::After;
        }
        if line.time < self.window_start {
            return Place::Before;
        }
        if opts.raw_lines {
            on_entry.line(line);
        }
        match line.event {
            "ENTERQUEUE" => {
                if line.time < opts.start_utc || line.time >= opts.end_utc {
                    return Place::Inside;
                }
                if opts.queues.is_some_and(|w| !w.contains(line.queue)) {
                    return Place::Inside;
                }
                let call = OpenCall {
                    entered_at: line.time,
                    caller_number: line.data(2).into(),
                    orig_position: line.data_int(3),
                };
                // A second ENTERQUEUE of the same call into the same queue without an
                // exit in between: the first stay's end was lost; count it unfinished.
                if let Some((key, prev)) = open.remove_entry(line.key) {
                    stats.unfinished += 1;
                    on_entry.entry(finish(key, prev, Outcome::Unfinished));
                }
                open.insert(line.key.into(), call);
            }
            "CONNECT" => {
                if let Some((key, call)) = open.remove_entry(line.key) {
                    let holdtime_s = line
                        .data_int(1)
                        .unwrap_or((line.time - call.entered_at).max(0));
                    let outcome = Outcome::Answered {
                        at: line.time,
                        holdtime_s,
                        agent: line.agent.into(),
                        ring_s: line.data_int(3),
                        completion: None,
                    };
                    if opts.track_talk {
                        let entry = finish(key, call, outcome);
                        talking.insert(entry.key.clone(), entry);
                    } else {
                        on_entry.entry(finish(key, call, outcome));
                    }
                }
            }
            "COMPLETECALLER" | "COMPLETEAGENT" | "TRANSFER" | "BLINDTRANSFER"
            | "ATTENDEDTRANSFER" => {
                if let Some(mut entry) = talking.remove(line.key) {
                    if let Outcome::Answered { at, completion, .. } = &mut entry.outcome {
                        *completion = Some(completed(line, *at));
                    }
                    on_entry.entry(entry);
                }
            }
            "ABANDON" | "EXITWITHTIMEOUT" | "EXITEMPTY" | "WITHDRAW" | "EXITWITHKEY" => {
                if let Some((key, call)) = open.remove_entry(line.key) {
                    let outcome = left(line, call.entered_at);
                    on_entry.entry(finish(key, call, outcome));
                }
            }
            _ => {}
        }
        Place::Inside
    }

    /// Ends the scan: entries still waiting are handed over as unfinished (ordered by entry
    /// time), then answered entries whose end was not in the input.
    pub fn finish(self) -> ScanStats {
        let mut stats = self.stats;
        let mut rest: Vec<(Box<str>, OpenCall)> = self.open.into_iter().collect();
        rest.sort_by(|a, b| (a.1.entered_at, &a.0).cmp(&(b.1.entered_at, &b.0)));
        stats.unfinished += rest.len() as u64;
        for (key, call) in rest {
            self.consumer.entry(finish(key, call, Outcome::Unfinished));
        }
        // Answered calls whose end was not in the input: talk time unknown.
        let mut talk_rest: Vec<QueueEntry> = self.talking.into_values().collect();
        talk_rest.sort_by(|a, b| (a.entered_at, &a.key).cmp(&(b.entered_at, &b.key)));
        for entry in talk_rest {
            self.consumer.entry(entry);
        }
        stats
    }
}

/// Reads `files` in order and calls `on_entry` for every finished entry of the period (in
/// the order they finished; unfinished ones last, ordered by entry time).
pub fn scan(
    files: &[SourceFile],
    opts: &ScanOptions<'_>,
    sink: &mut dyn Sink,
    on_entry: &mut dyn Consumer,
) -> Result<ScanStats, PluginError> {
    let total: u64 = files.iter().map(|f| f.size).sum();
    let done = Rc::new(Cell::new(0u64));
    let mut scanner = Scanner::new(opts, on_entry);
    let mut buf = Vec::with_capacity(512);

    for file in files {
        let mut reader = files::open(file, Rc::clone(&done))?;
        scanner.stats.files_read.push(file.path.clone());
        let display_name = file.path.file_name().map_or_else(
            || file.path.display().to_string(),
            |n| n.to_string_lossy().into_owned(),
        );
        let mut line_no: u64 = 0;
        let mut past_window: u32 = 0;
        loop {
            buf.clear();
            let n = reader
                .read_until(b'\n', &mut buf)
                .map_err(|e| files::read_error(&file.path, &e))?;
            if n == 0 {
                break;
            }
            line_no += 1;
            scanner.stats.lines_read += 1;
            if scanner.stats.lines_read.is_multiple_of(CHECK_EVERY) {
                if sink.cancelled() {
                    return Err(cancelled());
                }
                sink.progress(done.get(), total);
            }
            let bytes = buf.strip_suffix(b"\n").unwrap_or(&buf);
            let bytes = bytes.strip_suffix(b"\r").unwrap_or(bytes);
            if bytes.iter().all(u8::is_ascii_whitespace) {
                continue;
            }
            let parsed = std::str::from_utf8(bytes)
                .ok()
                .and_then(|text| parse_line(text).ok());
            let Some(line) = parsed else {
                scanner.malformed(|| {
                    format!(
                        "{display_name}:{line_no}: {}",
                        excerpt(&String::from_utf8_lossy(bytes))
                    )
                });
                continue;
            };
            match scanner.line(&line) {
                Place::After => {
                    past_window += 1;
                    if past_window >= STOP_AFTER_LINES_PAST {
                        break;
                    }
                }
                Place::Before | Place::Inside => past_window = 0,
            }
        }
    }
    sink.progress(done.get(), total);
    Ok(scanner.finish())
}

fn finish(key: Box<str>, call: OpenCall, outcome: Outcome) -> QueueEntry {
    QueueEntry {
        key,
        entered_at: call.entered_at,
        caller_number: call.caller_number,
        orig_position: call.orig_position,
        outcome,
    }
}

/// The outcome of an ABANDON or EXIT* line. Fields are positional per event; 1.4-style
/// short lines lack the wait, which is then taken from the timestamps.
fn left(line: &Line<'_>, entered_at: i64) -> Outcome {
    let (exit, key, pos, orig, wait) = match line.event {
        "ABANDON" => (None, None, 1, 2, 3),
        "EXITWITHTIMEOUT" => (Some(ExitKind::Timeout), None, 1, 2, 3),
        "EXITEMPTY" => (Some(ExitKind::Empty), None, 1, 2, 3),
        "WITHDRAW" => (Some(ExitKind::Withdraw), None, 1, 2, 3),
        _ => (Some(ExitKind::Key), Some(line.data(1)), 2, 3, 4),
    };
    Outcome::Left {
        at: line.time,
        exit,
        wait_s: line
            .data_int(wait)
            .unwrap_or((line.time - entered_at).max(0)),
        key: key.filter(|k| !k.is_empty()).map(Into::into),
        position: line.data_int(pos),
        orig_position: line.data_int(orig),
    }
}

/// The completion of a conversation from a COMPLETE*/TRANSFER line. The calltime field's
/// position depends on the event (ATTENDEDTRANSFER `LINK` has one more field); lines from
/// old versions without it fall back to the time since CONNECT.
fn completed(line: &Line<'_>, connected_at: i64) -> Completion {
    let (event, field) = match line.event {
        "COMPLETECALLER" => ("COMPLETECALLER", 2),
        "COMPLETEAGENT" => ("COMPLETEAGENT", 2),
        "TRANSFER" => ("TRANSFER", 4),
        "BLINDTRANSFER" => ("BLINDTRANSFER", 4),
        _ if line.data(1) == "LINK" => ("ATTENDEDTRANSFER", 5),
        _ => ("ATTENDEDTRANSFER", 4),
    };
    Completion {
        event,
        at: line.time,
        talk_s: line
            .data_int(field)
            .unwrap_or((line.time - connected_at).max(0)),
    }
}
