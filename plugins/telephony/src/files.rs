//! Finding and opening the queue_log files of a source: the current file plus its
//! logrotate siblings in the same directory (`queue_log.1`, `queue_log.2.gz`,
//! `queue_log-20261120`, `queue_log-20261120.gz`), oldest first so the scanner sees events
//! in time order across a rotation. The discovery and gzip handling are
//! [`reportd_plugin_api::input`]'s; this module adds what is telephony's own: a queue_log
//! path always names a file (never a directory of daily files), and an unreadable one is
//! usually a group-membership problem.

use std::cell::Cell;
use std::io::{self, BufRead};
use std::path::{Path, PathBuf};
use std::rc::Rc;

use reportd_plugin_api::PluginError;
use reportd_plugin_api::input::Input;
pub use reportd_plugin_api::input::{SourceFile, names};

/// Files only, with the Asterisk-specific hint.
const QUEUE_LOG: Input = Input {
    hint: "check the source's queue_log path and that the reportd user may read it \
           (e.g. add it to the asterisk group)",
    directories: false,
};

/// The files to read for a period starting at `period_start_utc`, oldest first, and the
/// rotated files skipped because they were last written before the period began.
pub fn discover(
    current: &Path,
    period_start_utc: i64,
) -> Result<(Vec<SourceFile>, Vec<PathBuf>), PluginError> {
    QUEUE_LOG.discover(current, period_start_utc)
}

/// Opens `file` for line reading, decompressing gzip; `count` accumulates the bytes read
/// from disk.
pub fn open(file: &SourceFile, count: Rc<Cell<u64>>) -> Result<Box<dyn BufRead>, PluginError> {
    QUEUE_LOG.open(file, count)
}

/// Maps a read error in the middle of `path` to the plugin error.
pub fn read_error(path: &Path, e: &io::Error) -> PluginError {
    QUEUE_LOG.read_error(path, e)
}

/// Bytes read from the end of a plain file to find its newest record.
const TAIL_BYTES: u64 = 64 * 1024;

/// The newest record time among `files` (oldest first), for the `wait_for_data` check before
/// any reading: the greatest time `parse` finds in the last 64 KiB of the newest file that
/// has a parseable line there (logs are appended in time order). A gzip file is read whole
/// (only rotated files are compressed, and they matter only when the current file is empty).
pub fn newest_time(
    files: &[SourceFile],
    parse: &dyn Fn(&str) -> Option<i64>,
) -> Result<Option<i64>, PluginError> {
    use std::io::{Read, Seek, SeekFrom};
    for file in files.iter().rev() {
        let fail = |e: io::Error| read_error(&file.path, &e);
        let mut f = std::fs::File::open(&file.path).map_err(fail)?;
        let mut magic = Vec::with_capacity(2);
        (&mut f).take(2).read_to_end(&mut magic).map_err(fail)?;
        let mut newest: Option<i64> = None;
        let mut consider = |line: &str| {
            if let Some(t) = parse(line.trim_end_matches('\r')) {
                newest = Some(newest.map_or(t, |n| n.max(t)));
            }
        };
        if magic == [0x1f, 0x8b] {
            let mut reader = open(file, Rc::new(Cell::new(0)))?;
            let mut buf = Vec::new();
            loop {
                buf.clear();
                if reader.read_until(b'\n', &mut buf).map_err(fail)? == 0 {
                    break;
                }
                consider(String::from_utf8_lossy(&buf).trim_end_matches('\n'));
            }
        } else {
            let len = f.metadata().map_err(fail)?.len();
            let from = len.saturating_sub(TAIL_BYTES);
            f.seek(SeekFrom::Start(from)).map_err(fail)?;
            let mut tail = Vec::new();
            f.read_to_end(&mut tail).map_err(fail)?;
            let text = String::from_utf8_lossy(&tail);
            // After a seek the first line is usually cut: skip it.
            for line in text.lines().skip(usize::from(from > 0)) {
                consider(line);
            }
        }
        if newest.is_some() {
            return Ok(newest);
        }
    }
    Ok(None)
}
