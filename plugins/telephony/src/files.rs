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
