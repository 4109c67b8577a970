//! systemd integration (sd_notify). Placeholder no-ops until the real implementation lands.

use std::time::Duration;

pub fn notify_ready(_status: &str) {}
pub fn notify_status(_status: &str) {}
pub fn notify_reloading() {}
pub fn notify_stopping() {}
pub fn watchdog_interval() -> Option<Duration> {
    None
}
pub fn notify_watchdog() {}
