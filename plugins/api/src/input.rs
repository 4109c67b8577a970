//! Finding and opening a source plugin's input files (feature `input`).
//!
//! A path setting may name a file — read together with its logrotate siblings in the same
//! directory (`x.1`, `x.2.gz`, `x-20261120`, `x-20261120.gz`), oldest first so a reader sees
//! records in time order across a rotation — or, when [`Input::directories`] allows it, a
//! directory of daily files, read in name order (daily names such as `2026-11-20.jsonl.gz`
//! sort chronologically). Files last written before the period began are skipped: a rotated
//! or daily file is never written again, so its mtime bounds its last line. Gzip is detected
//! by magic bytes, not names.
//!
//! The plugins differ only in how an unreadable file is explained to the operator (the
//! [`Input::hint`]) and in whether a directory is accepted, so both are parameters rather
//! than per-plugin copies of this code.

use std::cell::Cell;
use std::fmt::Display;
use std::fs::File;
use std::io::{self, BufRead, BufReader, Read};
use std::path::{Path, PathBuf};
use std::rc::Rc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use flate2::read::MultiGzDecoder;

use crate::PluginError;

/// The hint of [`Input::DEFAULT`].
pub const DEFAULT_HINT: &str =
    "check the source's path settings and that the reportd user may read them";

/// Buffer size for reading input files (and their decompressed stream).
const BUF_CAPACITY: usize = 256 * 1024;

/// One file to read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SourceFile {
    /// Where the file is.
    pub path: PathBuf,
    /// Size on disk (compressed size for `.gz`), for progress.
    pub size: u64,
}

/// How one plugin finds its input files and words the error for an unreadable one.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Input {
    /// The `hint` of the `SOURCE_UNREADABLE` error (what the operator should check).
    pub hint: &'static str,
    /// Whether a path naming a directory means "every file in it". When `false`, a directory
    /// is treated like any other current file (and reading it fails).
    pub directories: bool,
}

impl Default for Input {
    fn default() -> Self {
        Self::DEFAULT
    }
}

/// How a sibling's name relates to the current file's name.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
enum Rotation {
    /// `name-<date>[.gz]` (logrotate `dateext`); sorts by the date text.
    Dated(String),
    /// `name.<n>[.gz]`; a larger `n` is older, so it sorts by `Reverse(n)`.
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

impl Input {
    /// Directories allowed, [`DEFAULT_HINT`].
    pub const DEFAULT: Input = Input {
        hint: DEFAULT_HINT,
        directories: true,
    };

    /// The `SOURCE_UNREADABLE` error for `path`.
    pub fn unreadable(&self, path: &Path, e: &dyn Display) -> PluginError {
        PluginError::new(
            "SOURCE_UNREADABLE",
            format!("cannot read {}: {e}", path.display()),
            self.hint,
        )
    }

    /// Maps a read error in the middle of `path` to the plugin error.
    pub fn read_error(&self, path: &Path, e: &io::Error) -> PluginError {
        self.unreadable(path, e)
    }

    /// The files to read for a period starting at `since_utc`, oldest first, and the files
    /// skipped because they were last written before `since_utc`.
    pub fn discover(
        &self,
        path: &Path,
        since_utc: i64,
    ) -> Result<(Vec<SourceFile>, Vec<PathBuf>), PluginError> {
        let meta = std::fs::metadata(path).map_err(|e| self.unreadable(path, &e))?;
        let since = UNIX_EPOCH + Duration::from_secs(u64::try_from(since_utc).unwrap_or(0));
        let mut skipped = Vec::new();
        let files = if self.directories && meta.is_dir() {
            let mut files = Vec::new();
            let entries = std::fs::read_dir(path).map_err(|e| self.unreadable(path, &e))?;
            for entry in entries.flatten() {
                let name = entry.file_name();
                let Some(name) = name.to_str() else { continue };
                if name.starts_with('.') {
                    continue;
                }
                if let Some(f) = keep(&entry, since, &mut skipped) {
                    files.push(f);
                }
            }
            files.sort_by(|a, b| a.path.cmp(&b.path));
            files
        } else {
            let base = path
                .file_name()
                .and_then(|n| n.to_str())
                .unwrap_or_default()
                .to_owned();
            let dir = match path.parent() {
                Some(d) if !d.as_os_str().is_empty() => d.to_path_buf(),
                _ => PathBuf::from("."),
            };
            let mut rotated = Vec::new();
            let entries = std::fs::read_dir(&dir).map_err(|e| self.unreadable(&dir, &e))?;
            for entry in entries.flatten() {
                let name = entry.file_name();
                let Some(name) = name.to_str() else { continue };
                let Some(rotation) = classify(&base, name) else {
                    continue;
                };
                if let Some(f) = keep(&entry, since, &mut skipped) {
                    rotated.push((rotation, f));
                }
            }
            rotated.sort_by(|a, b| a.0.cmp(&b.0));
            let mut files: Vec<SourceFile> = rotated.into_iter().map(|(_, f)| f).collect();
            files.push(SourceFile {
                path: path.to_path_buf(),
                size: meta.len(),
            });
            files
        };
        skipped.sort();
        Ok((files, skipped))
    }

    /// Opens `file` for line reading, decompressing gzip; `count` accumulates the bytes read
    /// from disk.
    pub fn open(
        &self,
        file: &SourceFile,
        count: Rc<Cell<u64>>,
    ) -> Result<Box<dyn BufRead>, PluginError> {
        let f = File::open(&file.path).map_err(|e| self.unreadable(&file.path, &e))?;
        self.sniff(&file.path, Counting { inner: f, count })
    }

    /// Opens `path` for reading, decompressing gzip, without counting bytes.
    pub fn open_path(&self, path: &Path) -> Result<Box<dyn BufRead>, PluginError> {
        let f = File::open(path).map_err(|e| self.unreadable(path, &e))?;
        self.sniff(path, f)
    }

    /// Wraps `inner` in a decompressor when it starts with the gzip magic bytes.
    fn sniff<R: Read + 'static>(
        &self,
        path: &Path,
        inner: R,
    ) -> Result<Box<dyn BufRead>, PluginError> {
        let mut raw = BufReader::with_capacity(BUF_CAPACITY, inner);
        let head = raw.fill_buf().map_err(|e| self.unreadable(path, &e))?;
        if head.starts_with(&[0x1f, 0x8b]) {
            Ok(Box::new(BufReader::with_capacity(
                BUF_CAPACITY,
                MultiGzDecoder::new(raw),
            )))
        } else {
            Ok(Box::new(raw))
        }
    }

    /// Reads every line of `files` in order, calling `f(file, line_no, line)` with the line
    /// without its terminator (`\r\n` or `\n`). Stops early when `f` returns `false`.
    pub fn for_each_line(
        &self,
        files: &[SourceFile],
        count: &Rc<Cell<u64>>,
        mut f: impl FnMut(&SourceFile, u64, &[u8]) -> bool,
    ) -> Result<(), PluginError> {
        let mut buf = Vec::with_capacity(64 * 1024);
        for file in files {
            let mut r = self.open(file, count.clone())?;
            let mut n = 0u64;
            loop {
                buf.clear();
                let got = r
                    .read_until(b'\n', &mut buf)
                    .map_err(|e| self.read_error(&file.path, &e))?;
                if got == 0 {
                    break;
                }
                n += 1;
                let mut line = buf.as_slice();
                if let Some(l) = line.strip_suffix(b"\n") {
                    line = l;
                }
                if let Some(l) = line.strip_suffix(b"\r") {
                    line = l;
                }
                if !f(file, n, line) {
                    return Ok(());
                }
            }
        }
        Ok(())
    }
}

/// The entry as a file to read, or `None` when it is not a regular file or was last written
/// before `since` (then its path goes to `skipped`).
fn keep(
    entry: &std::fs::DirEntry,
    since: SystemTime,
    skipped: &mut Vec<PathBuf>,
) -> Option<SourceFile> {
    let m = entry.metadata().ok()?;
    if !m.is_file() {
        return None;
    }
    if m.modified().unwrap_or(SystemTime::now()) < since {
        skipped.push(entry.path());
        return None;
    }
    Some(SourceFile {
        path: entry.path(),
        size: m.len(),
    })
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

/// File names (not paths) joined with `, `, for report metadata: the metadata travels to the
/// customer inside the report, which must not reveal the server's directory layout.
pub fn names(paths: &[PathBuf]) -> String {
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
    #![allow(clippy::unwrap_used)]

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

    #[test]
    fn classify_jsonl_names() {
        let b = "hooks.jsonl";
        assert_eq!(
            classify(b, "hooks.jsonl.2.gz"),
            Some(Rotation::Numbered(Reverse(2)))
        );
        assert_eq!(
            classify(b, "hooks.jsonl-20261120.gz"),
            Some(Rotation::Dated("20261120".into()))
        );
        assert_eq!(classify(b, "hooks.jsonl"), None);
        assert_eq!(classify(b, "hooks.jsonl.bak"), None);
    }

    #[test]
    fn directory_in_name_order_with_gzip() {
        use std::io::Write;
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("2026-11-21.jsonl"), "b\n").unwrap();
        let gz = File::create(dir.path().join("2026-11-20.jsonl.gz")).unwrap();
        let mut enc = flate2::write::GzEncoder::new(gz, flate2::Compression::fast());
        enc.write_all(b"a1\r\na2").unwrap();
        enc.finish().unwrap();
        std::fs::write(dir.path().join(".hidden"), "x\n").unwrap();
        let (files, skipped) = Input::DEFAULT.discover(dir.path(), 0).unwrap();
        assert_eq!(files.len(), 2);
        assert!(skipped.is_empty());
        let mut lines = Vec::new();
        let count = Rc::new(Cell::new(0));
        Input::DEFAULT
            .for_each_line(&files, &count, |_, n, l| {
                lines.push((n, String::from_utf8_lossy(l).into_owned()));
                true
            })
            .unwrap();
        assert_eq!(
            lines,
            vec![(1, "a1".into()), (2, "a2".into()), (1, "b".into())]
        );
        assert!(count.get() > 0);
    }

    #[test]
    fn rotated_siblings_oldest_first_and_files_only_keeps_a_directory() {
        let dir = tempfile::tempdir().unwrap();
        for name in [
            "queue_log",
            "queue_log.1",
            "queue_log.2.gz",
            "queue_log-20261120",
            "other.1",
        ] {
            std::fs::write(dir.path().join(name), "x\n").unwrap();
        }
        let current = dir.path().join("queue_log");
        let (files, skipped) = Input::DEFAULT.discover(&current, 0).unwrap();
        let got: Vec<String> = files
            .iter()
            .map(|f| names(std::slice::from_ref(&f.path)))
            .collect();
        // Dated first, then .2.gz (older) before .1, then the current file; 4 of the 5.
        assert_eq!(
            got,
            [
                "queue_log-20261120",
                "queue_log.2.gz",
                "queue_log.1",
                "queue_log"
            ]
        );
        assert!(skipped.is_empty());
        // Each file holds "x\n" = 2 bytes.
        assert!(files.iter().all(|f| f.size == 2));

        // Files only: the directory is the "current file"; its siblings are named differently.
        let files_only = Input {
            hint: "h",
            directories: false,
        };
        let (files, _) = files_only.discover(dir.path(), 0).unwrap();
        assert_eq!(files.len(), 1);
        assert_eq!(files[0].path, dir.path());
        // Reading a directory fails with EISDIR.
        let Err(err) = files_only.open(&files[0], Rc::default()) else {
            panic!("a directory opened as a file");
        };
        assert_eq!(err.code, "SOURCE_UNREADABLE");
        assert_eq!(err.hint, "h");
    }

    #[test]
    fn names_hide_directories() {
        let p = [PathBuf::from("/var/log/a.1"), PathBuf::from("b")];
        assert_eq!(names(&p), "a.1, b");
    }
}
