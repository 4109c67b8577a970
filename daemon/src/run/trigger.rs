//! Foreground runs for people and scripts: `reportd trigger` (run a schedule now, as a normal
//! status entry with trigger = manual) and `reportd retry` (re-deliver a kept file to the
//! destinations that failed). Both are safe while the daemon runs on the same store: the
//! trigger's run is reserved for this process, and retry only touches a finished run.

use std::time::Duration;

use chrono::Utc;
use tracing::info;

use crate::code::{Code, ErrorInfo};
use crate::schedule::period::{Period, PeriodSpec};
use crate::store::{DeliveryState, RunRecord, RunState, Store, StoreError, Trigger};

use super::owner::HEARTBEAT_EVERY;
use super::{Runtime, deliver_pending, execute, new_run};

/// Errors of the foreground commands (not run failures, which are recorded).
#[derive(Debug, thiserror::Error)]
pub enum TriggerError {
    #[error("no schedule named {0:?} in the configuration")]
    NoSchedule(String),
    #[error("bad --period: {0}")]
    Period(String),
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("{0}")]
    Refused(String),
}

fn who() -> String {
    let user = std::env::var("SUDO_USER")
        .or_else(|_| std::env::var("USER"))
        .unwrap_or_else(|_| "unknown".to_owned());
    format!("{user}@{}", super::owner::Owner::current().host)
}

/// Runs a schedule now in the foreground and returns its final record.
pub async fn trigger(
    rt: &Runtime,
    schedule: &str,
    period: Option<&str>,
) -> Result<RunRecord, TriggerError> {
    let s = rt
        .plan
        .schedule(schedule)
        .ok_or_else(|| TriggerError::NoSchedule(schedule.to_owned()))?;
    let spec = match period {
        Some(p) => PeriodSpec::parse(p).map_err(TriggerError::Period)?,
        None => s.period.clone(),
    };
    let resolved: Period = spec.resolve(Utc::now(), s.timezone);
    let mut new = new_run(s, Trigger::Manual, None, &resolved);
    new.requested_by = Some(who());
    new.reserved_for = Some(rt.owner.id.clone());
    new.max_attempts = 1;
    rt.store.heartbeat(&rt.owner.id).await?;
    rt.store.claim(&new).await?;
    info!(run_id = %new.id, schedule, "manual run queued");
    // Wait for our turn (portfolio / schedule serialization), heartbeating meanwhile.
    let mut last_hb = std::time::Instant::now();
    while !rt.store.try_start(&new.id, &rt.owner.id).await? {
        if last_hb.elapsed() >= HEARTBEAT_EVERY {
            rt.store.heartbeat(&rt.owner.id).await?;
            last_hb = std::time::Instant::now();
        }
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
    let run = rt.store.get(&new.id).await?;
    let (_tx, rx) = tokio::sync::watch::channel(false);
    let hb_store = rt.store.clone();
    let hb_owner = rt.owner.id.clone();
    let heartbeat = tokio::spawn(async move {
        loop {
            tokio::time::sleep(HEARTBEAT_EVERY).await;
            let _ = hb_store.heartbeat(&hb_owner).await;
        }
    });
    execute(rt, run, rx).await;
    heartbeat.abort();
    Ok(rt.store.get(&new.id).await?)
}

/// Re-delivers a finished run's kept file to its failed (or still pending) destinations,
/// or to `only`. Succeeded destinations are never sent again.
pub async fn redeliver(
    rt: &Runtime,
    run_id: &str,
    only: Option<&str>,
) -> Result<RunRecord, TriggerError> {
    let run = rt.store.get(run_id).await?;
    if !matches!(run.state, RunState::Failed | RunState::Succeeded) {
        return Err(TriggerError::Refused(format!(
            "run {} is {}; only finished runs can be re-delivered",
            run.id,
            run.state.as_str()
        )));
    }
    if let Some(d) = only
        && !run.deliveries.iter().any(|x| x.destination == d)
    {
        return Err(TriggerError::Refused(format!(
            "run {} has no destination {d:?} (it has: {})",
            run.id,
            run.deliveries
                .iter()
                .map(|x| x.destination.as_str())
                .collect::<Vec<_>>()
                .join(", ")
        )));
    }
    let pending = run
        .deliveries
        .iter()
        .filter(|d| d.state != DeliveryState::Succeeded && only.is_none_or(|o| o == d.destination))
        .count();
    if pending == 0 {
        return Err(TriggerError::Refused(format!(
            "nothing to re-deliver: every selected destination of run {} already succeeded",
            run.id
        )));
    }
    let Some(file) = super::kept_file(&run) else {
        let e = ErrorInfo::new(
            Code::FileExpired,
            "the run has no kept file (generation failed, or the file expired after keep_files)",
        );
        return Err(TriggerError::Refused(format!("{e}\n  hint: {}", e.hint)));
    };
    info!(run_id = %run.id, destinations = pending, "re-delivering");
    let result = deliver_pending(rt, &run, &file, only).await;
    let after = rt.store.get(&run.id).await?;
    let all_ok = after
        .deliveries
        .iter()
        .all(|d| d.state == DeliveryState::Succeeded);
    let state = if all_ok {
        RunState::Succeeded
    } else {
        RunState::Failed
    };
    let err = match (&result, all_ok) {
        (_, true) => None,
        (Err(e), false) => Some(e.clone()),
        (Ok(()), false) => after.error.clone(),
    };
    rt.store.finish(&run.id, state, err.as_ref()).await?;
    Ok(rt.store.get(&run.id).await?)
}
