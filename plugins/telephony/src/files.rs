//! Finding and opening the queue_log files of a source: the current file plus its
//! logrotate siblings in the same directory (`queue_log.1`, `queue_log.2.gz`,
//! `queue_log-20261120`, `queue_log-20261120.gz`), oldest first so the scanner sees events
//! in time order across a rotation. Gzip is detected by its magic bytes, not the name.

use std::cell::Cell;
use std::fs::File;
use std::io::{self, BufRead, BufReader, Read};
use std::path::{Path, PathBuf};
use std::rc::Rc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use flate2::read::MultiGzDecoder;
use reportd_plugin_api::PluginError;

/// One file to read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SourceFile {
    pub path: PathBuf,
    /// Size on disk (compressed size for `.gz`), for progress.
    pub size: u64,
}

/// How a sibling's name relates to the current file's name.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
enum Rotation {
    /// `queue_log-<date>[.gz]` (logrotate `dateext`); sorts by the date text.
    Dated(String),
    /// `queue_log.<n>[.gz]`; a larger `n` is older, so it sorts by `Reverse(n)`.
    Numbered(std::cmp::Reverse<u64>),
}

fn classify(base: &str, name: &str) -> Option<Rotation> {
    let rest = name.strip_prefix(base)?;
    let rest = rest.strip_suffix(".gz").unwrap_or(rest);
    if let Some(n) = rest.strip_prefix('.') {
        if !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit()) {
            return n
                .parse()
                .ok()
                .map(|n| Rotation::Numbered(std::cmp::Reverse(n)));
        }
    } else if let Some(d) = rest.strip_prefix('-') {
        let starts_with_digit = d.bytes().next().is_some_and(|b| b.is_ascii_digit());
        if starts_with_digit
            && d.bytes()
                .all(|b| b.is_ascii_digit() || b == b'-' || b == b'_')
        {
            return Some(Rotation::Dated(d.to_owned()));
        }
    }
    None
}

fn unreadable(path: &Path, e: &io::Error) -> PluginError {
    PluginError::new(
        "SOURCE_UNREADABLE",
        format!("cannot read {}: {e}", path.display()),
        "check the source's queue_log path and that the reportd user may read it \
         (e.g. add it to the asterisk group)",
    )
}

/// The files to read for a period starting at `period_start_utc`, oldest first, and the
/// rotated files skipped because they were last written before the period began.
pub fn discover(
    current: &Path,
    period_start_utc: i64,
) -> Result<(Vec<SourceFile>, Vec<PathBuf>), PluginError> {
    let meta = std::fs::metadata(current).map_err(|e| unreadable(current, &e))?;
    let current_file = SourceFile {
        path: current.to_path_buf(),
        size: meta.len(),
    };
    let base = current
        .file_name()
        .and_then(|n| n.to_str())
        .unwrap_or_default()
        .to_owned();
    let dir = match current.parent() {
        Some(d) if !d.as_os_str().is_empty() => d.to_path_buf(),
        _ => PathBuf::from("."),
    };
    let period_start =
        UNIX_EPOCH + Duration::from_secs(u64::try_from(period_start_utc).unwrap_or(0));

    let mut rotated = Vec::new();
    let mut skipped = Vec::new();
    let entries = std::fs::read_dir(&dir).map_err(|e| unreadable(&dir, &e))?;
    for entry in entries.flatten() {
        let name = entry.file_name();
        let Some(name) = name.to_str() else { continue };
        let Some(rotation) = classify(&base, name) else {
            continue;
        };
        let Ok(meta) = entry.metadata() else { continue };
        if !meta.is_file() {
            continue;
        }
        // A rotated file is never written again, so its mtime bounds its last line.
        let mtime = meta.modified().unwrap_or(SystemTime::now());
        if mtime < period_start {
            skipped.push(entry.path());
            continue;
        }
        rotated.push((
            rotation,
            SourceFile {
                path: entry.path(),
                size: meta.len(),
            },
        ));
    }
    rotated.sort_by(|a, b| a.0.cmp(&b.0));
    skipped.sort();
    let mut files: Vec<SourceFile> = rotated.into_iter().map(|(_, f)| f).collect();
    files.push(current_file);
    Ok((files, skipped))
}

/// Counts the bytes read from the file underneath any decompression, for progress.
struct Counting<R> {
    inner: R,
    count: Rc<Cell<u64>>,
}

impl<R: Read> Read for Counting<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.count.set(self.count.get() + n as u64);
        Ok(n)
    }
}

/// Opens `file` for line reading, decompressing gzip; `count` accumulates the bytes read
/// from disk.
pub fn open(file: &SourceFile, count: Rc<Cell<u64>>) -> Result<Box<dyn BufRead>, PluginError> {
    let f = File::open(&file.path).map_err(|e| unreadable(&file.path, &e))?;
    let mut raw = BufReader::with_capacity(256 * 1024, Counting { inner: f, count });
    let head = raw.fill_buf().map_err(|e| unreadable(&file.path, &e))?;
    if head.starts_with(&[0x1f, 0x8b]) {
        Ok(Box::new(BufReader::with_capacity(
            256 * 1024,
            MultiGzDecoder::new(raw),
        )))
    } else {
        Ok(Box::new(raw))
    }
}

/// Maps a read error in the middle of `path` to the plugin error.
pub fn read_error(path: &Path, e: &io::Error) -> PluginError {
    unreadable(path, e)
}

/// File names (not paths) joined with `, `, for report metadata: the metadata travels to the
/// customer inside the report, which must not reveal the server's directory layout.
pub fn names(paths: &[std::path::PathBuf]) -> String {
    paths
        .iter()
        .map(|p| {
            p.file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_else(|| p.display().to_string())
        })
        .collect::<Vec<_>>()
        .join(", ")
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::cmp::Reverse;

    #[test]
    fn classify_names() {
        let b = "queue_log";
        assert_eq!(
            classify(b, "queue_log.1"),
            Some(Rotation::Numbered(Reverse(1)))
        );
        assert_eq!(
            classify(b, "queue_log.12.gz"),
            Some(Rotation::Numbered(Reverse(12)))
        );
        assert_eq!(
            classify(b, "queue_log-20261120"),
            Some(Rotation::Dated("20261120".into()))
        );
        assert_eq!(
            classify(b, "queue_log-20261120.gz"),
            Some(Rotation::Dated("20261120".into()))
        );
        assert_eq!(classify(b, "queue_log"), None);
        assert_eq!(classify(b, "queue_log.bak"), None);
        assert_eq!(classify(b, "queue_log.gz"), None);
        assert_eq!(classify(b, "queue_log-old"), None);
        assert_eq!(classify(b, "other.1"), None);
        // Oldest first: dated by date, then numbered by descending number.
        let mut v = vec![
            Rotation::Numbered(Reverse(1)),
            Rotation::Dated("20261121".into()),
            Rotation::Numbered(Reverse(3)),
            Rotation::Dated("20261120".into()),
        ];
        v.sort();
        assert_eq!(
            v,
            vec![
                Rotation::Dated("20261120".into()),
                Rotation::Dated("20261121".into()),
                Rotation::Numbered(Reverse(3)),
                Rotation::Numbered(Reverse(1)),
            ]
        );
    }
}
