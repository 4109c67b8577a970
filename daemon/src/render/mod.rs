//! Report files: the streaming writers ([`csv`], [`xlsx`], both behind
//! [`output::ReportWriter`]), compression of the finished file ([`compress`]) and file-name
//! templates ([`filename`]).
//!
//! The writers run inside the plugin worker process (`plugin::worker`): rows go from the
//! plugin's sink straight into the file, so memory stays flat with the number of rows.
//! [`RenderError`] says whether a failure is the disk's fault (`RENDER_IO`, `DISK_FULL`) or
//! the plugin's (`PLUGIN_ERROR`: a row with the wrong number of cells, a cell whose type does
//! not fit its column).

pub mod compress;
pub mod csv;
pub mod filename;
pub mod output;
pub mod xlsx;

use std::io;
use std::path::PathBuf;

use crate::code::{Code, ErrorInfo};

/// Why a report file could not be rendered.
#[derive(Debug, thiserror::Error)]
pub enum RenderError {
    /// Writing the file failed (permissions, disk full, I/O error).
    #[error("cannot write the report file {path}: {source}")]
    Io { path: PathBuf, source: io::Error },
    /// The plugin sent a row whose cell count differs from its column count.
    #[error("row {row} has {got} cells but the report declares {expected} columns")]
    CellCount {
        row: u64,
        expected: usize,
        got: usize,
    },
    /// The plugin sent a cell that does not fit its column's type.
    #[error("row {row}, column `{column}` ({kind}): {problem}")]
    Cell {
        row: u64,
        column: String,
        kind: &'static str,
        problem: String,
    },
    /// Rows (or the end) came before the column schema.
    #[error("the plugin sent rows before declaring its columns")]
    NotBegun,
    /// The column schema was declared twice.
    #[error("the plugin declared its columns twice")]
    BegunTwice,
    /// The XLSX library refused something that is not an I/O error (a reportd bug: the
    /// values it gets are checked first).
    #[error("cannot write the XLSX file {path}: {message}")]
    Xlsx { path: PathBuf, message: String },
}

impl RenderError {
    /// The stable code of this error: disk problems are `DISK_FULL` / `RENDER_IO`, anything
    /// about the data is a plugin bug (`PLUGIN_ERROR`).
    pub fn code(&self) -> Code {
        match self {
            RenderError::Io { source, .. } if is_disk_full(source) => Code::DiskFull,
            RenderError::Io { .. } => Code::RenderIo,
            RenderError::Xlsx { .. } => Code::Internal,
            _ => Code::PluginError,
        }
    }

    /// As recorded in a status entry.
    pub fn to_error_info(&self) -> ErrorInfo {
        ErrorInfo::new(self.code(), self.to_string())
    }
}

/// Whether an I/O error means "no space left" (ENOSPC, or a quota: EDQUOT).
pub fn is_disk_full(e: &io::Error) -> bool {
    e.kind() == io::ErrorKind::StorageFull
        || matches!(e.raw_os_error(), Some(libc::ENOSPC) | Some(libc::EDQUOT))
}

/// An I/O error about `path` as a status-entry error (`DISK_FULL` or `RENDER_IO`).
pub fn io_error_info(what: &str, path: &std::path::Path, e: &io::Error) -> ErrorInfo {
    let code = if is_disk_full(e) {
        Code::DiskFull
    } else {
        Code::RenderIo
    };
    ErrorInfo::new(code, format!("{what} {}: {e}", path.display()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn disk_full_is_recognised() {
        let enospc = io::Error::from_raw_os_error(libc::ENOSPC);
        let edquot = io::Error::from_raw_os_error(libc::EDQUOT);
        let eacces = io::Error::from_raw_os_error(libc::EACCES);
        assert!(is_disk_full(&enospc));
        assert!(is_disk_full(&edquot));
        assert!(!is_disk_full(&eacces));
        let p = std::path::Path::new("/x/.r.csv.part");
        assert_eq!(io_error_info("cannot write", p, &enospc).code, "DISK_FULL");
        assert_eq!(io_error_info("cannot write", p, &eacces).code, "RENDER_IO");
        let e = RenderError::Io {
            path: p.to_owned(),
            source: enospc,
        };
        assert_eq!(e.code(), Code::DiskFull);
        assert_eq!(RenderError::NotBegun.code(), Code::PluginError);
    }
}
