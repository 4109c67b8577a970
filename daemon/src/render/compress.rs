//! Compression of a finished report file (`compress = "gzip" | "zip"`): the worker renders
//! the file in full, then [`compress_file`] streams it into the compressed part file, which
//! the worker renames to the final name as for any report. Both formats are written as a
//! stream through [`HashingWriter`], so the size and SHA-256 recorded for the run are those
//! of the final artifact without reading it back. Memory is a few buffers whatever the size.
//!
//! * gzip: one member, deflate level 6, the inner file name and the time in its header
//!   (`gunzip -N` restores the name).
//! * zip: one deflated entry named [`zip_entry_name`] (the file without `.zip`), with data
//!   descriptors (streamed); ZIP64 only when the entry needs it (≥ 4 GiB).

use std::fs::File;
use std::io::{self, BufReader, BufWriter, Write};
use std::path::Path;

use chrono::{Datelike, Timelike};
use flate2::GzBuilder;
use zip::write::SimpleFileOptions;

use super::csv::HashingWriter;
use crate::config::Compression;

/// Read and write buffer size: large enough that syscalls do not dominate.
const BUF: usize = 256 * 1024;

/// The name of the single entry of a `.zip` report: the file name without `.zip`; when the
/// template did not end in `.zip`, the file name with the format's extension added if it
/// lacks it (`acme.zip` → `acme.csv`, `acme.csv.zip` → `acme.csv`).
pub fn zip_entry_name(file_name: &str, format_ext: &str) -> String {
    let stem = file_name.strip_suffix(".zip").unwrap_or(file_name);
    if stem.ends_with(&format!(".{format_ext}")) {
        stem.to_owned()
    } else {
        format!("{stem}.{format_ext}")
    }
}

/// The name inside a `.gz` (its header's file name): the file name without `.gz`.
pub fn gzip_inner_name(file_name: &str) -> &str {
    file_name.strip_suffix(".gz").unwrap_or(file_name)
}

/// Compresses `src` into `dst` (created or truncated), fsyncs `dst` and returns its size and
/// lowercase hex SHA-256. `inner_name` is the gzip header's name or the zip entry's name.
/// [`Compression::None`] copies the file (callers normally skip the step instead).
pub fn compress_file(
    src: &Path,
    dst: &Path,
    compression: Compression,
    inner_name: &str,
) -> io::Result<(u64, String)> {
    let source = File::open(src)?;
    let source_len = source.metadata()?.len();
    let mut reader = BufReader::with_capacity(BUF, source);
    let out = HashingWriter::new(BufWriter::with_capacity(BUF, File::create(dst)?));
    let now = chrono::Local::now();
    let out = match compression {
        Compression::None => {
            let mut out = out;
            io::copy(&mut reader, &mut out)?;
            out
        }
        Compression::Gzip => {
            let mtime = u32::try_from(now.timestamp()).unwrap_or(0);
            let mut gz = GzBuilder::new()
                .filename(inner_name.as_bytes())
                .mtime(mtime)
                .write(out, flate2::Compression::default());
            io::copy(&mut reader, &mut gz)?;
            gz.finish()?
        }
        Compression::Zip => {
            // DOS time has 2-second resolution and starts in 1980; a clock outside that
            // gets the zip crate's default (1980-01-01).
            let time = zip::DateTime::from_date_and_time(
                u16::try_from(now.year()).unwrap_or(1980),
                now.month() as u8,
                now.day() as u8,
                now.hour() as u8,
                now.minute() as u8,
                now.second() as u8,
            )
            .unwrap_or_default();
            let options = SimpleFileOptions::default()
                .compression_method(zip::CompressionMethod::Deflated)
                .last_modified_time(time)
                .unix_permissions(0o644)
                // The plain format stops at 4 GiB per entry; the size is known up front.
                .large_file(source_len >= u64::from(u32::MAX));
            let mut zip = zip::ZipWriter::new_stream(out);
            zip.start_file(inner_name, options).map_err(zip_to_io)?;
            io::copy(&mut reader, &mut zip)?;
            zip.finish().map_err(zip_to_io)?.into_inner()
        }
    };
    let (buffered, bytes, sha) = out.into_parts();
    let mut file = buffered.into_inner().map_err(|e| e.into_error())?;
    file.flush()?;
    file.sync_all()?;
    Ok((bytes, sha))
}

fn zip_to_io(e: zip::result::ZipError) -> io::Error {
    match e {
        zip::result::ZipError::Io(e) => e,
        other => io::Error::other(other.to_string()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Read;

    use sha2::{Digest, Sha256};

    #[test]
    fn entry_names() {
        assert_eq!(zip_entry_name("acme.csv.zip", "csv"), "acme.csv");
        assert_eq!(zip_entry_name("acme.zip", "xlsx"), "acme.xlsx");
        assert_eq!(zip_entry_name("acme_20261120", "csv"), "acme_20261120.csv");
        assert_eq!(gzip_inner_name("acme.csv.gz"), "acme.csv");
        assert_eq!(gzip_inner_name("acme"), "acme");
    }

    /// 20 000 lines of CSV-like text: compressible, larger than one buffer.
    fn sample() -> Vec<u8> {
        (0..20_000)
            .map(|i| format!("{i},agent {},{}.{:02}\n", i % 37, i / 100, i % 100))
            .collect::<String>()
            .into_bytes()
    }

    #[test]
    fn gzip_round_trip_and_hash_of_the_artifact() {
        let dir = tempfile::tempdir().unwrap();
        let src = dir.path().join("r.csv");
        let dst = dir.path().join("r.csv.gz");
        let data = sample();
        std::fs::write(&src, &data).unwrap();
        let (bytes, sha) = compress_file(&src, &dst, Compression::Gzip, "r.csv").unwrap();
        let written = std::fs::read(&dst).unwrap();
        assert_eq!(bytes, written.len() as u64);
        assert_eq!(sha, hex::encode(Sha256::digest(&written)));
        assert!(bytes < data.len() as u64 / 2, "{bytes} of {}", data.len());
        let mut gz = flate2::read::GzDecoder::new(&written[..]);
        let mut back = Vec::new();
        gz.read_to_end(&mut back).unwrap();
        assert_eq!(back, data);
        assert_eq!(gz.header().unwrap().filename(), Some(&b"r.csv"[..]));
    }

    #[test]
    fn zip_round_trip_one_named_entry() {
        let dir = tempfile::tempdir().unwrap();
        let src = dir.path().join(".raw");
        let dst = dir.path().join("r.csv.zip");
        let data = sample();
        std::fs::write(&src, &data).unwrap();
        let (bytes, sha) = compress_file(&src, &dst, Compression::Zip, "r.csv").unwrap();
        let written = std::fs::read(&dst).unwrap();
        assert_eq!(bytes, written.len() as u64);
        assert_eq!(sha, hex::encode(Sha256::digest(&written)));
        let mut archive = zip::ZipArchive::new(std::io::Cursor::new(written)).unwrap();
        assert_eq!(archive.len(), 1);
        let mut entry = archive.by_index(0).unwrap();
        assert_eq!(entry.name().unwrap(), "r.csv");
        assert_eq!(entry.compression(), zip::CompressionMethod::Deflated);
        let mut back = Vec::new();
        entry.read_to_end(&mut back).unwrap();
        assert_eq!(back, data);
    }

    #[test]
    fn empty_file_compresses() {
        let dir = tempfile::tempdir().unwrap();
        let src = dir.path().join("e");
        std::fs::write(&src, b"").unwrap();
        for (c, name) in [(Compression::Gzip, "e.gz"), (Compression::Zip, "e.zip")] {
            let dst = dir.path().join(name);
            let (bytes, _) = compress_file(&src, &dst, c, "e").unwrap();
            assert!(bytes > 0);
        }
    }
}
