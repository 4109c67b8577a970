//! The attachment of a report mail: its MIME type from the file name, the size limit
//! (`max_attachment_size`), and `oversize = "zip"`.
//!
//! A report over the limit is never read into memory when it will not be sent; a zipped one
//! is compressed streaming from the outbox file. Whatever happens, a mail is sent with the
//! whole report or not at all — never an empty or truncated attachment.

use std::io::{Read, Write};
use std::path::Path;

use crate::code::Code;
use crate::config::{EmailPlan, Oversize};
use crate::deliver::{DeliveryError, OutgoingFile};

/// What gets attached.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Prepared {
    /// File name in the mail (`x.csv`, or `x.csv.zip` when zipped).
    pub name: String,
    /// MIME type, e.g. `text/csv; charset=utf-8`.
    pub content_type: &'static str,
    pub bytes: Vec<u8>,
    /// Whether the report was zipped to fit.
    pub zipped: bool,
}

/// MIME type of an attachment named `name`, from its extension.
pub fn content_type(name: &str) -> &'static str {
    let ext = name
        .rsplit_once('.')
        .map(|(_, e)| e.to_ascii_lowercase())
        .unwrap_or_default();
    match ext.as_str() {
        // Reports are written as UTF-8; saying so keeps accents intact in mail clients.
        "csv" => "text/csv; charset=utf-8",
        "xlsx" => "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        "zip" => "application/zip",
        "gz" => "application/gzip",
        "txt" => "text/plain; charset=utf-8",
        "json" => "application/json",
        _ => "application/octet-stream",
    }
}

/// `n` bytes for people: `20.0 MiB`, `512 KiB`, `17 B`.
pub fn human_size(n: u64) -> String {
    const KIB: u64 = 1024;
    const MIB: u64 = 1024 * 1024;
    const GIB: u64 = 1024 * 1024 * 1024;
    // Lossy above 2^53 bytes, which no report reaches.
    let f = n as f64;
    if n >= GIB {
        format!("{:.1} GiB", f / GIB as f64)
    } else if n >= MIB {
        format!("{:.1} MiB", f / MIB as f64)
    } else if n >= KIB {
        format!("{:.1} KiB", f / KIB as f64)
    } else {
        format!("{n} B")
    }
}

fn read_error(path: &Path, e: &std::io::Error) -> DeliveryError {
    DeliveryError::new(
        Code::RenderIo,
        format!("cannot read the generated file {}: {e}", path.display()),
    )
}

fn too_big(what: String, size: u64, limit: u64, zip_hint: bool) -> DeliveryError {
    let mut msg = format!(
        "{what} is {size} bytes ({}), over max_attachment_size {limit} bytes ({}); no mail was sent",
        human_size(size),
        human_size(limit)
    );
    if zip_hint {
        msg.push_str(" (set oversize = \"zip\" to send it compressed)");
    }
    DeliveryError::new(Code::SmtpSize, msg)
}

/// Reads (and if needed zips) the report for attaching, or fails with `SMTP_SIZE`.
/// Blocking: run it off the async threads.
pub fn prepare(plan: &EmailPlan, file: &OutgoingFile) -> Result<Prepared, DeliveryError> {
    let limit = plan.max_attachment_size;
    let mut src = std::fs::File::open(&file.path).map_err(|e| read_error(&file.path, &e))?;
    let size = src
        .metadata()
        .map_err(|e| read_error(&file.path, &e))?
        .len();
    if size <= limit {
        let mut bytes = Vec::with_capacity(usize::try_from(size).unwrap_or(0));
        src.read_to_end(&mut bytes)
            .map_err(|e| read_error(&file.path, &e))?;
        return Ok(Prepared {
            name: file.name.clone(),
            content_type: content_type(&file.name),
            bytes,
            zipped: false,
        });
    }
    match plan.oversize {
        Oversize::Fail => Err(too_big(
            format!("the report {}", file.name),
            size,
            limit,
            true,
        )),
        Oversize::Zip => {
            let bytes = zip_file(&mut src, &file.name).map_err(|e| match e {
                ZipFailure::Read(e) => read_error(&file.path, &e),
                ZipFailure::Zip(e) => DeliveryError::new(
                    Code::Internal,
                    format!("cannot zip {} for the mail: {e}", file.name),
                ),
            })?;
            let zipped = bytes.len() as u64;
            if zipped > limit {
                return Err(too_big(
                    format!("the report {} ({size} bytes) even zipped", file.name),
                    zipped,
                    limit,
                    false,
                ));
            }
            let name = format!("{}.zip", file.name);
            Ok(Prepared {
                content_type: content_type(&name),
                name,
                bytes,
                zipped: true,
            })
        }
    }
}

enum ZipFailure {
    Read(std::io::Error),
    Zip(zip::result::ZipError),
}

/// A zip archive (deflate) holding `src` as `name`, compressed streaming.
fn zip_file(src: &mut impl Read, name: &str) -> Result<Vec<u8>, ZipFailure> {
    use chrono::{Datelike, Timelike};
    let now = chrono::Local::now();
    // Zip stores local time without a zone; the file was just generated, so "now" is its
    // time. Out-of-range years (before 1980) fall back to the format's default.
    let stamp = zip::DateTime::from_date_and_time(
        u16::try_from(now.year()).unwrap_or(1980),
        u8::try_from(now.month()).unwrap_or(1),
        u8::try_from(now.day()).unwrap_or(1),
        u8::try_from(now.hour()).unwrap_or(0),
        u8::try_from(now.minute()).unwrap_or(0),
        u8::try_from(now.second()).unwrap_or(0),
    )
    .unwrap_or_default();
    let options = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated)
        .last_modified_time(stamp)
        .unix_permissions(0o644)
        // Reports over 4 GiB need zip64 records; deciding up front costs 20 bytes.
        .large_file(true);
    let mut w = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    w.start_file(name, options).map_err(ZipFailure::Zip)?;
    let mut buf = vec![0u8; 256 * 1024];
    loop {
        let n = src.read(&mut buf).map_err(ZipFailure::Read)?;
        if n == 0 {
            break;
        }
        w.write_all(buf.get(..n).unwrap_or_default())
            .map_err(|e| ZipFailure::Zip(e.into()))?;
    }
    let cursor = w.finish().map_err(ZipFailure::Zip)?;
    Ok(cursor.into_inner())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn content_types() {
        assert_eq!(content_type("a.csv"), "text/csv; charset=utf-8");
        assert_eq!(content_type("A.CSV"), "text/csv; charset=utf-8");
        assert_eq!(
            content_type("a.xlsx"),
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
        );
        assert_eq!(content_type("a.csv.zip"), "application/zip");
        assert_eq!(content_type("a.csv.gz"), "application/gzip");
        assert_eq!(content_type("a.bin"), "application/octet-stream");
        assert_eq!(content_type("noext"), "application/octet-stream");
    }

    #[test]
    fn human_sizes() {
        assert_eq!(human_size(17), "17 B");
        // 1536 / 1024 = 1.5
        assert_eq!(human_size(1536), "1.5 KiB");
        // 20 × 2^20
        assert_eq!(human_size(20 * 1024 * 1024), "20.0 MiB");
        assert_eq!(human_size(3 * 1024 * 1024 * 1024), "3.0 GiB");
    }

    #[test]
    fn zip_round_trips() {
        let data: Vec<u8> = (0..100_000u32)
            .flat_map(|i| (i % 251).to_le_bytes())
            .collect();
        let z = zip_file(&mut data.as_slice(), "r.csv").ok().unwrap();
        assert!(z.len() < data.len());
        let mut archive = zip::ZipArchive::new(std::io::Cursor::new(z)).unwrap();
        assert_eq!(archive.len(), 1);
        let mut f = archive.by_name("r.csv").unwrap();
        assert_eq!(f.compression(), zip::CompressionMethod::Deflated);
        let mut back = Vec::new();
        f.read_to_end(&mut back).unwrap();
        assert_eq!(back, data);
    }
}
