//! The daemon loop: claims fire times, starts queued runs within the limits, keeps the
//! heartbeat, fails the runs of dead processes, and cleans the outbox and history.
//!
//! Timing: the loop wakes at least every [`TICK`] and re-reads the wall clock, so a
//! suspend/resume or an NTP step can never make it sleep past a fire time (tokio timers are
//! monotonic and stop during suspend). Fire times are computed by the pure
//! [`crate::schedule::misfire::decide`] from each schedule's cursor (its last claimed fire).
//! Claims go through the store's unique key, so with several processes each fire time runs
//! once.

use std::collections::HashMap;
use std::future::Future;
use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};
use tokio::sync::watch;
use tokio::task::JoinSet;
use tracing::{debug, error, info, warn};

use crate::code::{Code, ErrorInfo};
use crate::config::{Overlap, SchedulePlan};
use crate::schedule::misfire::{Action, decide};
use crate::store::{RunState, Store, StoreError, Trigger};

use super::owner::HEARTBEAT_EVERY;
use super::{Runtime, execute, fail_or_requeue, new_run};

/// Longest sleep of the loop.
pub const TICK: Duration = Duration::from_secs(1);
/// How often runs of dead processes are looked for after start.
const REAP_EVERY: Duration = Duration::from_secs(30);
/// How often expired files and old status entries are removed.
const HOUSEKEEPING_EVERY: Duration = Duration::from_secs(3600);

/// Runs the daemon until `shutdown` resolves, then stops starting runs and waits up to
/// `drain` for the runs in flight (those still running afterwards are left to be failed
/// with `DAEMON_STOPPED` and retried by the next start).
pub async fn run(
    rt: Runtime,
    shutdown: impl Future<Output = ()>,
    drain: Duration,
) -> Result<(), StoreError> {
    let (stop_tx, stop_rx) = watch::channel(false);
    rt.store.heartbeat(&rt.owner.id).await?;
    reap_dead(&rt).await?;
    let mut cursors = init_cursors(&rt).await?;
    for s in rt.plan.schedules.iter().filter(|s| s.enabled) {
        let next = s.cron.next_after(Utc::now(), s.timezone);
        info!(schedule = %s.name, cron = s.cron.as_str(), timezone = %s.timezone, next = ?next, "schedule loaded");
    }
    info!(owner = %rt.owner.id, schedules = rt.plan.schedules.len(), "reportd running");

    let mut inflight: JoinSet<RunState> = JoinSet::new();
    let mut last_heartbeat = Instant::now();
    let mut last_reap = Instant::now();
    let mut last_housekeeping: Option<Instant> = None;
    tokio::pin!(shutdown);
    loop {
        tokio::select! {
            () = &mut shutdown => break,
            Some(joined) = inflight.join_next(), if !inflight.is_empty() => {
                if let Err(e) = joined {
                    error!(error = %e, "a run task panicked");
                }
            }
            () = tokio::time::sleep(TICK) => {}
        }
        let now = Utc::now();
        if let Err(e) = claim_due(&rt, &mut cursors, now).await {
            error!(error = %e, "cannot claim due runs");
        }
        if let Err(e) = dispatch(&rt, &mut inflight, &stop_rx).await {
            error!(error = %e, "cannot start queued runs");
        }
        if last_heartbeat.elapsed() >= HEARTBEAT_EVERY {
            last_heartbeat = Instant::now();
            if let Err(e) = rt.store.heartbeat(&rt.owner.id).await {
                warn!(error = %e, "heartbeat failed");
            }
        }
        if last_reap.elapsed() >= REAP_EVERY {
            last_reap = Instant::now();
            if let Err(e) = reap_dead(&rt).await {
                warn!(error = %e, "cannot check for runs of stopped processes");
            }
        }
        if last_housekeeping.is_none_or(|t| t.elapsed() >= HOUSEKEEPING_EVERY) {
            last_housekeeping = Some(Instant::now());
            housekeeping(&rt).await;
        }
    }

    info!(
        in_flight = inflight.len(),
        "shutting down: starting no new runs"
    );
    let _ = stop_tx.send(true);
    let deadline = tokio::time::sleep(drain);
    tokio::pin!(deadline);
    while !inflight.is_empty() {
        tokio::select! {
            _ = inflight.join_next() => {}
            () = &mut deadline => {
                warn!(in_flight = inflight.len(), "drain deadline reached; abandoning runs in flight");
                inflight.abort_all();
                break;
            }
        }
    }
    Ok(())
}

/// Each schedule's cursor: its last claimed fire time, or now for a schedule never run
/// (a new schedule does not catch up on fire times from before it existed).
async fn init_cursors(rt: &Runtime) -> Result<HashMap<String, DateTime<Utc>>, StoreError> {
    let now = Utc::now();
    let mut cursors = HashMap::new();
    for s in &rt.plan.schedules {
        let last = rt.store.last_fire(&s.name).await?;
        cursors.insert(s.name.clone(), last.unwrap_or(now));
    }
    Ok(cursors)
}

/// Claims every fire time that has come, per the catch-up and overlap policies.
pub async fn claim_due(
    rt: &Runtime,
    cursors: &mut HashMap<String, DateTime<Utc>>,
    now: DateTime<Utc>,
) -> Result<(), StoreError> {
    for s in rt.plan.schedules.iter().filter(|s| s.enabled) {
        loop {
            let cursor = *cursors.entry(s.name.clone()).or_insert(now);
            let decision = decide(
                &s.cron,
                s.timezone,
                cursor,
                now,
                rt.plan.daemon.misfire_grace,
                s.catch_up,
                s.catch_up_window,
            );
            if decision.ignored_older_than_window > 0 {
                warn!(schedule = %s.name, count = decision.ignored_older_than_window, "fire times older than catch_up_window were not run");
            }
            for due in &decision.due {
                claim_one(rt, s, due.fire, &due.action).await?;
                cursors.insert(s.name.clone(), due.fire);
            }
            // A very long outage yields fire times in bounded batches.
            if !decision.truncated || decision.due.is_empty() {
                break;
            }
        }
    }
    Ok(())
}

async fn claim_one(
    rt: &Runtime,
    s: &SchedulePlan,
    fire: DateTime<Utc>,
    action: &Action,
) -> Result<(), StoreError> {
    let period = s.period.resolve(fire, s.timezone);
    let (trigger, skip) = match action {
        Action::Run { catch_up: false } => (Trigger::Cron, None),
        Action::Run { catch_up: true } => (Trigger::CatchUp, None),
        Action::Skip { .. } => (
            Trigger::CatchUp,
            Some(
                "MISSED: the daemon was not running at this fire time (catch_up policy)".to_owned(),
            ),
        ),
    };
    let skip = match skip {
        Some(r) => Some(r),
        None if s.overlap == Overlap::Skip && rt.store.has_active(&s.name).await? => Some(
            "OVERLAP: the previous run of this schedule was still in progress (overlap = \"skip\")"
                .to_owned(),
        ),
        None => None,
    };
    let mut new = new_run(s, trigger, Some(fire), &period);
    if let Some(reason) = skip {
        new.state = RunState::Skipped;
        new.skip_reason = Some(reason);
    }
    if rt.store.claim(&new).await? {
        info!(schedule = %s.name, run_id = %new.id, fire = %fire, state = new.state.as_str(), trigger = trigger.as_str(), "fire time claimed");
    } else {
        debug!(schedule = %s.name, fire = %fire, "fire time already claimed by another process");
    }
    Ok(())
}

/// Starts queued runs while there is room.
async fn dispatch(
    rt: &Runtime,
    inflight: &mut JoinSet<RunState>,
    stop: &watch::Receiver<bool>,
) -> Result<(), StoreError> {
    let max = rt.plan.daemon.max_parallel_runs;
    if inflight.len() >= max {
        return Ok(());
    }
    for run in rt.store.startable(&rt.owner.id).await? {
        if inflight.len() >= max {
            break;
        }
        if !rt.store.try_start(&run.id, &rt.owner.id).await? {
            continue;
        }
        let run = rt.store.get(&run.id).await?;
        let rt2 = rt.clone();
        let stop = stop.clone();
        inflight.spawn(async move { execute(&rt2, run, stop).await });
    }
    Ok(())
}

/// Fails (and requeues per policy) the running runs whose owner process is gone — after a
/// crash, `kill -9` or power loss.
pub async fn reap_dead(rt: &Runtime) -> Result<(), StoreError> {
    let now = Utc::now();
    for run in rt.store.running().await? {
        let Some(owner) = run.owner.clone() else {
            continue;
        };
        let hb = rt.store.last_heartbeat(&owner).await?;
        if !rt.owner.is_dead(&owner, hb, now) {
            continue;
        }
        warn!(run_id = %run.id, schedule = %run.schedule, owner = %owner, "run was left running by a stopped process");
        let e = ErrorInfo::new(
            Code::DaemonStopped,
            format!("the process running this run ({owner}) stopped before it finished"),
        );
        fail_or_requeue(rt, &run, e).await;
    }
    for run in rt.store.reserved_queued().await? {
        let Some(owner) = run.reserved_for.clone() else {
            continue;
        };
        let hb = rt.store.last_heartbeat(&owner).await?;
        if !rt.owner.is_dead(&owner, hb, now) {
            continue;
        }
        warn!(run_id = %run.id, schedule = %run.schedule, owner = %owner, "manual run abandoned by its process before it started");
        let e = ErrorInfo::new(
            Code::DaemonStopped,
            format!(
                "the `reportd trigger` process that queued this run ({owner}) stopped before it started"
            ),
        );
        rt.store.finish(&run.id, RunState::Failed, Some(&e)).await?;
    }
    Ok(())
}

/// Removes kept files older than `keep_files` and status entries older than `keep_history`.
async fn housekeeping(rt: &Runtime) {
    let now = Utc::now();
    let keep_files = chrono::Duration::from_std(rt.plan.daemon.keep_files).unwrap_or_default();
    match rt.store.expired_files(now - keep_files).await {
        Ok(runs) => {
            for run in runs {
                let dir = rt.outbox_dir(&run.id);
                if let Err(e) = tokio::fs::remove_dir_all(&dir).await
                    && e.kind() != std::io::ErrorKind::NotFound
                {
                    warn!(run_id = %run.id, error = %e, "cannot remove the kept file");
                    continue;
                }
                if let Err(e) = rt.store.mark_file_removed(&run.id).await {
                    warn!(run_id = %run.id, error = %e, "cannot record the file removal");
                }
            }
        }
        Err(e) => warn!(error = %e, "cannot list expired files"),
    }
    let keep_history = chrono::Duration::from_std(rt.plan.daemon.keep_history).unwrap_or_default();
    match rt.store.prune(now - keep_history).await {
        Ok(0) => {}
        Ok(n) => info!(pruned = n, "old status entries removed"),
        Err(e) => warn!(error = %e, "cannot prune old status entries"),
    }
}
