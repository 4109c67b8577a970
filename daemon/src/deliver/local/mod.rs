//! `type = "local"`: delivery into a directory on this machine (a shared folder another tool
//! picks up, or the demo's `./out/`).
//!
//! Atomic: the file is copied to `.<name>.part` in the target directory, fsynced, given its
//! mode, renamed over `<name>` (replacing an older file of that name in one step), and the
//! directory is fsynced so the rename survives a crash. A reader never sees a partial file
//! under the final name.

use std::io::{ErrorKind, Write};
use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
use std::path::{Path, PathBuf};

use crate::code::Code;
use crate::config::LocalPlan;

use super::{DeliveryError, OutgoingFile, Receipt};

/// A local directory destination.
#[derive(Debug, Clone)]
pub struct LocalDest {
    plan: LocalPlan,
}

impl LocalDest {
    pub fn new(plan: LocalPlan) -> Self {
        Self { plan }
    }

    pub async fn deliver(&self, file: &OutgoingFile) -> Result<Receipt, DeliveryError> {
        let plan = self.plan.clone();
        let file = file.clone();
        tokio::task::spawn_blocking(move || deliver_blocking(&plan, &file))
            .await
            .map_err(|e| DeliveryError::new(Code::Internal, format!("delivery task failed: {e}")))?
    }

    pub async fn check(&self) -> Result<String, DeliveryError> {
        let plan = self.plan.clone();
        tokio::task::spawn_blocking(move || check_blocking(&plan))
            .await
            .map_err(|e| DeliveryError::new(Code::Internal, format!("check task failed: {e}")))?
    }
}

fn io_error(what: &str, path: &Path, e: &std::io::Error) -> DeliveryError {
    let msg = format!("{what} {}: {e}", path.display());
    match e.kind() {
        ErrorKind::PermissionDenied => DeliveryError::new(Code::LocalPermission, msg),
        ErrorKind::StorageFull | ErrorKind::QuotaExceeded => {
            DeliveryError::new(Code::DiskFull, msg)
        }
        ErrorKind::NotFound => DeliveryError::with_transience(Code::LocalIo, msg, false),
        _ => DeliveryError::new(Code::LocalIo, msg),
    }
}

fn ensure_dir(plan: &LocalPlan) -> Result<(), DeliveryError> {
    match std::fs::metadata(&plan.dir) {
        Ok(m) if m.is_dir() => Ok(()),
        Ok(_) => Err(DeliveryError::with_transience(
            Code::LocalIo,
            format!("{} exists but is not a directory", plan.dir.display()),
            false,
        )),
        Err(e) if e.kind() == ErrorKind::NotFound && plan.create_dir => {
            std::fs::create_dir_all(&plan.dir)
                .map_err(|e| io_error("cannot create directory", &plan.dir, &e))
        }
        Err(e) => Err(io_error("cannot use directory", &plan.dir, &e)),
    }
}

fn check_blocking(plan: &LocalPlan) -> Result<String, DeliveryError> {
    ensure_dir(plan)?;
    // Probe writability the way a delivery would, without leaving anything behind.
    let probe = plan
        .dir
        .join(format!(".reportd-check-{}.part", std::process::id()));
    std::fs::File::create(&probe).map_err(|e| io_error("cannot write in", &plan.dir, &e))?;
    let _ = std::fs::remove_file(&probe);
    Ok(format!("directory {} is writable", plan.dir.display()))
}

fn deliver_blocking(plan: &LocalPlan, file: &OutgoingFile) -> Result<Receipt, DeliveryError> {
    ensure_dir(plan)?;
    let final_path = plan.dir.join(&file.name);
    let part_path = plan.dir.join(format!(".{}.part", file.name));
    let result = copy_atomically(plan, file, &part_path, &final_path);
    if result.is_err() {
        let _ = std::fs::remove_file(&part_path);
    }
    result
}

fn copy_atomically(
    plan: &LocalPlan,
    file: &OutgoingFile,
    part_path: &PathBuf,
    final_path: &PathBuf,
) -> Result<Receipt, DeliveryError> {
    let mut src = std::fs::File::open(&file.path).map_err(|e| {
        DeliveryError::new(
            Code::RenderIo,
            format!(
                "cannot open the generated file {}: {e}",
                file.path.display()
            ),
        )
    })?;
    let mut dst = std::fs::OpenOptions::new()
        .write(true)
        .create(true)
        .truncate(true)
        .mode(plan.mode)
        .open(part_path)
        .map_err(|e| io_error("cannot create", part_path, &e))?;
    let bytes =
        std::io::copy(&mut src, &mut dst).map_err(|e| io_error("cannot write", part_path, &e))?;
    dst.flush()
        .map_err(|e| io_error("cannot write", part_path, &e))?;
    // The umask may have narrowed the mode at creation; set it exactly.
    dst.set_permissions(std::fs::Permissions::from_mode(plan.mode))
        .map_err(|e| io_error("cannot set the mode of", part_path, &e))?;
    dst.sync_all()
        .map_err(|e| io_error("cannot sync", part_path, &e))?;
    drop(dst);
    if bytes != file.bytes {
        return Err(DeliveryError::new(
            Code::LocalIo,
            format!(
                "wrote {bytes} bytes to {} but the report has {} bytes",
                part_path.display(),
                file.bytes
            ),
        ));
    }
    std::fs::rename(part_path, final_path)
        .map_err(|e| io_error("cannot rename into", final_path, &e))?;
    // Make the rename durable.
    if let Ok(d) = std::fs::File::open(&plan.dir) {
        let _ = d.sync_all();
    }
    Ok(Receipt {
        remote_path: final_path.display().to_string(),
        bytes,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::unix::fs::MetadataExt;

    fn outgoing(dir: &Path, name: &str, body: &[u8]) -> OutgoingFile {
        let p = dir.join("src.csv");
        std::fs::write(&p, body).unwrap();
        OutgoingFile {
            path: p,
            name: name.to_owned(),
            bytes: body.len() as u64,
            sha256: String::new(),
            context: None,
        }
    }

    #[tokio::test]
    async fn delivers_atomically_with_mode_and_replaces() {
        let tmp = tempfile::tempdir().unwrap();
        let out = tmp.path().join("out");
        let dest = LocalDest::new(LocalPlan {
            dir: out.clone(),
            mode: 0o640,
            create_dir: true,
        });
        let f = outgoing(tmp.path(), "r.csv", b"a,b\n1,2\n");
        let r = dest.deliver(&f).await.unwrap();
        assert_eq!(r.bytes, 8);
        assert_eq!(std::fs::read(out.join("r.csv")).unwrap(), b"a,b\n1,2\n");
        assert_eq!(
            std::fs::metadata(out.join("r.csv")).unwrap().mode() & 0o777,
            0o640
        );
        // Same name again: replaced, nothing else left in the directory.
        let f2 = outgoing(tmp.path(), "r.csv", b"new\n");
        dest.deliver(&f2).await.unwrap();
        assert_eq!(std::fs::read(out.join("r.csv")).unwrap(), b"new\n");
        let names: Vec<_> = std::fs::read_dir(&out)
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        assert_eq!(names, vec![std::ffi::OsString::from("r.csv")]);
    }

    #[tokio::test]
    async fn missing_dir_without_create_is_permanent() {
        let tmp = tempfile::tempdir().unwrap();
        let dest = LocalDest::new(LocalPlan {
            dir: tmp.path().join("nope"),
            mode: 0o640,
            create_dir: false,
        });
        let f = outgoing(tmp.path(), "r.csv", b"x");
        let e = dest.deliver(&f).await.unwrap_err();
        assert_eq!(e.code, Code::LocalIo);
        assert!(!e.is_transient());
        assert!(dest.check().await.is_err());
    }

    #[tokio::test]
    async fn size_mismatch_leaves_no_file() {
        let tmp = tempfile::tempdir().unwrap();
        let out = tmp.path().join("out");
        let dest = LocalDest::new(LocalPlan {
            dir: out.clone(),
            mode: 0o640,
            create_dir: true,
        });
        let mut f = outgoing(tmp.path(), "r.csv", b"abc");
        f.bytes = 99;
        assert!(dest.deliver(&f).await.is_err());
        assert_eq!(std::fs::read_dir(&out).unwrap().count(), 0);
    }
}
