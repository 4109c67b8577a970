//! Finding and opening the input files of a source. A path setting may name a file — read
//! together with its logrotate siblings (`x.jsonl.1`, `x.jsonl.2.gz`, `x.jsonl-20261120.gz`),
//! oldest first — or a directory of daily files, read in name order (daily names such as
//! `2026-11-20.jsonl.gz` sort chronologically). Gzip is detected by magic bytes, not names.

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

fn unreadable(path: &Path, e: &io::Error) -> PluginError {
    PluginError::new(
        "SOURCE_UNREADABLE",
        format!("cannot read {}: {e}", path.display()),
        "check the source's path settings and that the reportd user may read them",
    )
}

/// The files to read for a period starting at `since_utc`, oldest first, and the files
/// skipped because they were last written before `since_utc` (a rotated or daily file is
/// never written again, so its mtime bounds its last line).
pub fn discover(
    path: &Path,
    since_utc: i64,
) -> Result<(Vec<SourceFile>, Vec<PathBuf>), PluginError> {
    let meta = std::fs::metadata(path).map_err(|e| unreadable(path, &e))?;
    let since = UNIX_EPOCH + Duration::from_secs(u64::try_from(since_utc).unwrap_or(0));
    let mut files = Vec::new();
    let mut skipped = Vec::new();
    if meta.is_dir() {
        let mut names = Vec::new();
        let entries = std::fs::read_dir(path).map_err(|e| unreadable(path, &e))?;
        for entry in entries.flatten() {
            let name = entry.file_name();
            let Some(name) = name.to_str() else { continue };
            if name.starts_with('.') {
                continue;
            }
            let Ok(m) = entry.metadata() else { continue };
            if !m.is_file() {
                continue;
            }
            if m.modified().unwrap_or(SystemTime::now()) < since {
                skipped.push(entry.path());
                continue;
            }
            names.push(SourceFile {
                path: entry.path(),
                size: m.len(),
            });
        }
        names.sort_by(|a, b| a.path.cmp(&b.path));
        files = names;
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
        let entries = std::fs::read_dir(&dir).map_err(|e| unreadable(&dir, &e))?;
        for entry in entries.flatten() {
            let name = entry.file_name();
            let Some(name) = name.to_str() else { continue };
            let Some(rotation) = classify(&base, name) else {
                continue;
            };
            let Ok(m) = entry.metadata() else { continue };
            if !m.is_file() {
                continue;
            }
            if m.modified().unwrap_or(SystemTime::now()) < since {
                skipped.push(entry.path());
                continue;
            }
            rotated.push((
                rotation,
                SourceFile {
                    path: entry.path(),
                    size: m.len(),
                },
            ));
        }
        rotated.sort_by(|a, b| a.0.cmp(&b.0));
        files.extend(rotated.into_iter().map(|(_, f)| f));
        files.push(SourceFile {
            path: path.to_path_buf(),
            size: meta.len(),
        });
    }
    skipped.sort();
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

/// File names (not paths) joined with `, `, for report metadata (the metadata travels to the
/// customer, who must not see the server's directory layout).
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

/// Reads every line of `files` in order, calling `f(file_name, line_no, line)` with the line
/// without its terminator (`\r\n` or `\n`). Stops early when `f` returns `false`.
pub fn for_each_line(
    files: &[SourceFile],
    count: &Rc<Cell<u64>>,
    mut f: impl FnMut(&SourceFile, u64, &[u8]) -> bool,
) -> Result<(), PluginError> {
    let mut buf = Vec::with_capacity(64 * 1024);
    for file in files {
        let mut r = open(file, count.clone())?;
        let mut n = 0u64;
        loop {
            buf.clear();
            let got = r
                .read_until(b'\n', &mut buf)
                .map_err(|e| read_error(&file.path, &e))?;
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

#[cfg(test)]
mod tests {
    use super::*;
    use std::cmp::Reverse;

    #[test]
    fn classify_names() {
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
        let (files, skipped) = discover(dir.path(), 0).unwrap();
        assert_eq!(files.len(), 2);
        assert!(skipped.is_empty());
        let mut lines = Vec::new();
        let count = Rc::new(Cell::new(0));
        for_each_line(&files, &count, |_, n, l| {
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
}
