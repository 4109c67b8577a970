//! The systemd service-manager protocol (`sd_notify(3)`): tells systemd when the daemon is
//! ready, what it is doing (`STATUS=`, shown by `systemctl status`), when it reloads or
//! stops, and that it is alive (`WATCHDOG=1`).
//!
//! Messages are datagrams of `KEY=VALUE` lines sent to the socket named by `$NOTIFY_SOCKET`
//! (a path, or an abstract socket written `@name`). When the variable is unset — the daemon
//! started by hand, in a test, or under another supervisor — every function is a no-op, so
//! callers never check. Nothing here panics or fails the caller: a lost notification is
//! logged at debug level and forgotten (systemd's own `sd_notify` is fire-and-forget too).
//!
//! Neighbours: `run::daemon` calls these around start, reload, its loop and shutdown;
//! `systemd/reportd.service` (`Type=notify`, `WatchdogSec=`) is the other end.
//! Implemented directly instead of with a crate: the protocol is one `sendto(2)`, and
//! Debian 12's systemd 252 is the baseline (no `notify-reload` service type, which is 253+).

use std::io;
use std::os::linux::net::SocketAddrExt;
use std::os::unix::net::{SocketAddr, UnixDatagram};
use std::time::Duration;

/// The variable naming systemd's notification socket.
pub const NOTIFY_SOCKET_ENV: &str = "NOTIFY_SOCKET";

/// Tells systemd the daemon is ready (configuration loaded, plugins described, store open)
/// and sets the status line. Also the message that ends a reload started with
/// [`notify_reloading`].
pub fn notify_ready(status: &str) {
    send(&format!("READY=1\nSTATUS={}", one_line(status)));
}

/// Sets the free-form status line `systemctl status reportd` shows.
pub fn notify_status(status: &str) {
    send(&format!("STATUS={}", one_line(status)));
}

/// Tells systemd a reload (SIGHUP) started; send [`notify_ready`] when it is done, whether
/// the new configuration was taken or rejected. `MONOTONIC_USEC=` is required by systemd
/// 253+ to match the reload with its `ExecReload=`, and ignored by 252.
pub fn notify_reloading() {
    let mut msg = String::from("RELOADING=1");
    if let Some(usec) = monotonic_usec() {
        msg.push_str(&format!("\nMONOTONIC_USEC={usec}"));
    }
    send(&msg);
}

/// Tells systemd the daemon is shutting down (so `systemctl status` says "deactivating"
/// and the stop timeout applies from now).
pub fn notify_stopping() {
    send("STOPPING=1\nSTATUS=shutting down: starting no new runs");
}

/// How often to call [`notify_watchdog`]: half of `WatchdogSec=` (the margin systemd's
/// documentation recommends), or `None` when the watchdog is off or meant for another
/// process (`$WATCHDOG_PID` names a different pid).
pub fn watchdog_interval() -> Option<Duration> {
    parse_watchdog(
        std::env::var("WATCHDOG_USEC").ok().as_deref(),
        std::env::var("WATCHDOG_PID").ok().as_deref(),
        std::process::id(),
    )
}

/// Tells systemd the daemon is alive. Call it from the main loop (not from a separate
/// timer task) so a stuck loop stops the pings and systemd restarts the service.
pub fn notify_watchdog() {
    send("WATCHDOG=1");
}

/// The status line for `systemctl status`: the next fire time and the runs in flight, e.g.
/// `next: acme-daily at 2026-11-22 06:00 -03; 2 run(s) in flight`.
pub fn status_line<Tz: chrono::TimeZone>(
    next: Option<(&str, &chrono::DateTime<Tz>)>,
    in_flight: usize,
) -> String
where
    Tz::Offset: std::fmt::Display,
{
    let next = match next {
        Some((schedule, at)) => format!("next: {schedule} at {}", at.format("%Y-%m-%d %H:%M %Z")),
        None => "no schedule enabled".to_owned(),
    };
    format!("{next}; {in_flight} run(s) in flight")
}

/// Sends `state` (newline-separated `KEY=VALUE` lines) to `$NOTIFY_SOCKET`. Returns
/// whether it was sent: `Ok(false)` when the variable is unset or empty.
pub fn notify(state: &str) -> io::Result<bool> {
    match std::env::var_os(NOTIFY_SOCKET_ENV) {
        Some(addr) if !addr.is_empty() => {
            notify_to(&addr.to_string_lossy(), state)?;
            Ok(true)
        }
        _ => Ok(false),
    }
}

/// Sends `state` to the notification socket `addr`: a filesystem path, or `@name` for an
/// abstract socket (the form systemd uses inside containers and for `--user` managers).
pub fn notify_to(addr: &str, state: &str) -> io::Result<()> {
    let socket = UnixDatagram::unbound()?;
    let sent = if let Some(name) = addr.strip_prefix('@') {
        let addr = SocketAddr::from_abstract_name(name.as_bytes())?;
        socket.send_to_addr(state.as_bytes(), &addr)?
    } else if addr.starts_with('/') {
        socket.send_to(state.as_bytes(), addr)?
    } else {
        // systemd 254+ also accepts `vsock:` addresses (for VMs); a daemon on a Debian
        // host never gets one.
        return Err(io::Error::new(
            io::ErrorKind::InvalidInput,
            format!("unsupported NOTIFY_SOCKET address {addr:?}"),
        ));
    };
    if sent == state.len() {
        Ok(())
    } else {
        Err(io::Error::new(
            io::ErrorKind::WriteZero,
            "notification datagram truncated",
        ))
    }
}

fn send(state: &str) {
    if let Err(e) = notify(state) {
        tracing::debug!(error = %e, "cannot notify systemd");
    }
}

/// A status value is one line: the protocol separates assignments with newlines.
fn one_line(s: &str) -> String {
    s.replace(['\n', '\r'], " ")
}

/// Half of `$WATCHDOG_USEC` when it is set, positive, and meant for `own_pid`.
fn parse_watchdog(usec: Option<&str>, pid: Option<&str>, own_pid: u32) -> Option<Duration> {
    let usec: u64 = usec?.trim().parse().ok().filter(|&u| u > 0)?;
    if let Some(pid) = pid {
        // A variable inherited from a parent that had the watchdog is not ours.
        if pid.trim().parse::<u32>().ok() != Some(own_pid) {
            return None;
        }
    }
    Some(Duration::from_micros(usec / 2))
}

/// `CLOCK_MONOTONIC` in microseconds, the clock systemd compares `MONOTONIC_USEC=` with
/// (`std::time::Instant` uses it too but does not expose the raw value).
fn monotonic_usec() -> Option<u64> {
    let mut ts = libc::timespec {
        tv_sec: 0,
        tv_nsec: 0,
    };
    // SAFETY: clock_gettime writes one timespec through a valid, exclusive pointer.
    let rc = unsafe { libc::clock_gettime(libc::CLOCK_MONOTONIC, &mut ts) };
    if rc != 0 {
        return None;
    }
    let secs = u64::try_from(ts.tv_sec).ok()?;
    let nanos = u64::try_from(ts.tv_nsec).ok()?;
    Some(secs * 1_000_000 + nanos / 1_000)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]
    use super::*;

    fn recv(socket: &UnixDatagram) -> String {
        let mut buf = [0u8; 512];
        let n = socket.recv(&mut buf).unwrap();
        String::from_utf8(buf[..n].to_vec()).unwrap()
    }

    #[test]
    fn sends_to_a_path_socket() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("notify");
        let listener = UnixDatagram::bind(&path).unwrap();
        notify_to(path.to_str().unwrap(), "READY=1\nSTATUS=ok").unwrap();
        assert_eq!(recv(&listener), "READY=1\nSTATUS=ok");
    }

    #[test]
    fn sends_to_an_abstract_socket() {
        let name = format!("reportd-notify-test-{}", std::process::id());
        let addr = SocketAddr::from_abstract_name(name.as_bytes()).unwrap();
        let listener = UnixDatagram::bind_addr(&addr).unwrap();
        notify_to(&format!("@{name}"), "WATCHDOG=1").unwrap();
        assert_eq!(recv(&listener), "WATCHDOG=1");
    }

    #[test]
    fn rejects_unknown_address_forms_and_missing_sockets() {
        assert!(notify_to("vsock:2:1234", "READY=1").is_err());
        let dir = tempfile::tempdir().unwrap();
        let missing = dir.path().join("nobody-listens");
        assert!(notify_to(missing.to_str().unwrap(), "READY=1").is_err());
    }

    #[test]
    fn watchdog_interval_is_half_of_watchdog_usec_for_this_pid() {
        // WatchdogSec=2min → WATCHDOG_USEC=120000000 → ping every 60 s.
        assert_eq!(
            parse_watchdog(Some("120000000"), Some("42"), 42),
            Some(Duration::from_secs(60))
        );
        // No WATCHDOG_PID: older systemd versions set only WATCHDOG_USEC.
        assert_eq!(
            parse_watchdog(Some("3000000"), None, 42),
            Some(Duration::from_millis(1500))
        );
        assert_eq!(parse_watchdog(Some("120000000"), Some("41"), 42), None);
        assert_eq!(parse_watchdog(Some("0"), None, 42), None);
        assert_eq!(parse_watchdog(Some("soon"), None, 42), None);
        assert_eq!(parse_watchdog(None, Some("42"), 42), None);
    }

    #[test]
    fn status_values_stay_on_one_line() {
        assert_eq!(one_line("a\nb\r\nc"), "a b  c");
    }

    #[test]
    fn status_line_names_the_next_fire_and_runs_in_flight() {
        use chrono::TimeZone;
        let tz = chrono_tz::America::Sao_Paulo;
        // 09:00 UTC on 2026-11-22 is 06:00 in São Paulo (UTC-3, no DST since 2019).
        let at = chrono::Utc
            .with_ymd_and_hms(2026, 11, 22, 9, 0, 0)
            .unwrap()
            .with_timezone(&tz);
        assert_eq!(
            status_line(Some(("acme-daily", &at)), 2),
            "next: acme-daily at 2026-11-22 06:00 -03; 2 run(s) in flight"
        );
        assert_eq!(
            status_line::<chrono::Utc>(None, 0),
            "no schedule enabled; 0 run(s) in flight"
        );
    }

    #[test]
    fn monotonic_clock_is_read() {
        let a = monotonic_usec().unwrap();
        let b = monotonic_usec().unwrap();
        assert!(b >= a);
    }
}
