//! Who is running a run. Each `reportd` process (daemon or `reportd trigger`) has an owner id
//! `host:pid:start_ms`; running runs carry it, and a process that finds running runs of a
//! dead owner fails them with `DAEMON_STOPPED` (and retries them per policy).
//!
//! Liveness: an owner on this host is alive while its pid exists (and is not us under an
//! older id); an owner on another host (several daemons on PostgreSQL) is alive while its
//! heartbeat is fresher than [`HEARTBEAT_STALE`].

use std::time::Duration;

use chrono::{DateTime, Utc};

/// How often a process refreshes its heartbeat.
pub const HEARTBEAT_EVERY: Duration = Duration::from_secs(10);
/// A heartbeat older than this means the owner is gone.
pub const HEARTBEAT_STALE: Duration = Duration::from_secs(60);

/// This process's identity in the store.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Owner {
    pub id: String,
    pub host: String,
    pub pid: u32,
}

impl Owner {
    /// The identity of the current process.
    pub fn current() -> Self {
        let host = hostname();
        let pid = std::process::id();
        let id = format!("{host}:{pid}:{}", Utc::now().timestamp_millis());
        Self { id, host, pid }
    }

    /// Whether another owner id is certainly dead. `last_heartbeat` is that owner's last
    /// heartbeat, if any.
    pub fn is_dead(
        &self,
        other: &str,
        last_heartbeat: Option<DateTime<Utc>>,
        now: DateTime<Utc>,
    ) -> bool {
        if other == self.id {
            return false;
        }
        let mut parts = other.rsplitn(3, ':');
        let (_start, pid, host) = (parts.next(), parts.next(), parts.next());
        let pid: Option<u32> = pid.and_then(|p| p.parse().ok());
        // Same machine: the pid tells. Our own pid under another id is an earlier life of
        // this process id (pid reuse), so dead.
        if let (Some(host), Some(pid)) = (host, pid)
            && host == self.host
        {
            return pid == self.pid || !pid_alive(pid);
        }
        match last_heartbeat {
            Some(hb) => (now - hb).to_std().is_ok_and(|age| age > HEARTBEAT_STALE),
            None => true,
        }
    }
}

fn pid_alive(pid: u32) -> bool {
    let Ok(pid) = libc::pid_t::try_from(pid) else {
        return false;
    };
    // SAFETY: kill with signal 0 only checks for existence and permission.
    let rc = unsafe { libc::kill(pid, 0) };
    rc == 0 || std::io::Error::last_os_error().raw_os_error() == Some(libc::EPERM)
}

/// The host name from gethostname(2) (not /proc, which `ProcSubset=pid` hides under the
/// shipped unit — every daemon would otherwise call itself "localhost").
fn hostname() -> String {
    let mut buf = [0u8; 256];
    // SAFETY: the buffer is valid for its length; gethostname NUL-terminates on success
    // (and we stop at the buffer end regardless).
    let rc = unsafe { libc::gethostname(buf.as_mut_ptr().cast(), buf.len()) };
    let name = if rc == 0 {
        let end = buf.iter().position(|&b| b == 0).unwrap_or(buf.len());
        String::from_utf8_lossy(&buf[..end]).trim().to_owned()
    } else {
        String::new()
    };
    if name.is_empty() || name.contains(':') {
        "localhost".to_owned()
    } else {
        name
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn liveness() {
        let me = Owner::current();
        let now = Utc::now();
        assert!(!me.is_dead(&me.id, None, now));
        // Our pid under an older id: dead.
        assert!(me.is_dead(&format!("{}:{}:1", me.host, me.pid), None, now));
        // pid 1 exists on this host.
        assert!(!me.is_dead(&format!("{}:1:1", me.host), None, now));
        // Another host: by heartbeat.
        assert!(!me.is_dead("elsewhere:5:1", Some(now), now));
        assert!(me.is_dead(
            "elsewhere:5:1",
            Some(now - chrono::Duration::seconds(61)),
            now
        ));
        assert!(me.is_dead("elsewhere:5:1", None, now));
    }
}
