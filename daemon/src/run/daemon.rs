//! The daemon loop: claims fire times, starts queued runs within the limits, keeps the
//! heartbeat, fails the runs of dead processes, cleans the outbox and history, reloads the
//! configuration, and shuts down gracefully.
//!
//! Timing: the loop wakes at least every [`TICK`] and re-reads the wall clock, so a
//! suspend/resume or an NTP step can never make it sleep past a fire time (tokio timers are
//! monotonic and stop during suspend). Fire times are computed by the pure
//! [`crate::schedule::misfire::decide`] from each schedule's cursor (its last claimed fire).
//! Claims go through the store's unique key, so with several processes each fire time runs
//! once.
//!
//! Control ([`Control`]): `Reload` (SIGHUP, or an edit in the configuration directory seen by
//! the debounced watcher) validates the new configuration whole and swaps it in, or keeps
//! the old one and records the errors for `reportd status`; runs in flight keep the
//! configuration they started with. The first `Shutdown` (SIGTERM/SIGINT) starts nothing new
//! and lets runs in flight finish until the drain deadline, then cancels them and records
//! them as `INTERRUPTED` (requeued for the next start); a second `Shutdown` does that at once.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};
use tokio::sync::{mpsc, watch};
use tokio::task::JoinSet;
use tracing::{debug, error, info, warn};

use crate::code::{Code, ErrorInfo};
use crate::config::{self, Overlap, SchedulePlan};
use crate::plugin::PluginHost;
use crate::schedule::misfire::{Action, decide};
use crate::store::{RunRecord, RunState, Store, StoreError, Trigger};

use super::owner::HEARTBEAT_EVERY;
use super::{Runtime, describe_all, execute, fail_or_requeue, new_run};

/// Longest sleep of the loop.
pub const TICK: Duration = Duration::from_secs(1);
/// How often runs of dead processes are looked for after start.
const REAP_EVERY: Duration = Duration::from_secs(30);
/// How often expired files and old status entries are removed.
const HOUSEKEEPING_EVERY: Duration = Duration::from_secs(3600);
/// Quiet time after the last change in the configuration directory before reloading.
const WATCH_DEBOUNCE: Duration = Duration::from_millis(500);

/// What the outside world asks of the daemon.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Control {
    /// Re-read and validate the configuration; swap it in only if it is valid.
    Reload,
    /// Stop: first time gracefully (drain), second time at once.
    Shutdown,
}

/// Daemon options that are not part of the configuration file.
#[derive(Debug, Clone)]
pub struct Options {
    /// How long runs in flight may continue after the first shutdown request.
    pub drain: Duration,
    /// Watch the configuration directory and reload on changes.
    pub watch_config: bool,
}

/// Runs the daemon until a `Shutdown` arrives on `control` (or the channel closes).
pub async fn run(
    mut rt: Runtime,
    mut control: mpsc::Receiver<Control>,
    control_tx: mpsc::Sender<Control>,
    options: Options,
) -> Result<(), StoreError> {
    let (stop_tx, stop_rx) = watch::channel(false);
    rt.store.heartbeat(&rt.owner.id).await?;
    rt.store
        .set_config_status(&rt.owner.id, Some(Utc::now()), None)
        .await?;
    reap_dead(&rt).await?;
    let mut cursors = init_cursors(&rt, HashMap::new()).await?;
    log_schedules(&rt);
    let _watcher = if options.watch_config {
        watch_config_dir(&rt.plan.main_file, control_tx.clone())
    } else {
        None
    };
    info!(owner = %rt.owner.id, schedules = rt.plan.schedules.len(), "reportd running");
    crate::systemd::notify_ready(&status_line(&rt, 0));

    let mut inflight: JoinSet<RunState> = JoinSet::new();
    let mut running: HashMap<tokio::task::Id, RunRecord> = HashMap::new();
    let mut last_heartbeat = Instant::now();
    let mut last_reap = Instant::now();
    let mut last_housekeeping: Option<Instant> = None;
    let mut last_status = String::new();
    let watchdog = crate::systemd::watchdog_interval();
    let mut last_watchdog = Instant::now();
    loop {
        tokio::select! {
            msg = control.recv() => match msg {
                Some(Control::Reload) => {
                    reload(&mut rt, &mut cursors).await;
                    continue;
                }
                Some(Control::Shutdown) | None => break,
            },
            Some(joined) = inflight.join_next_with_id(), if !inflight.is_empty() => {
                match joined {
                    Ok((id, _)) => { running.remove(&id); }
                    Err(e) => {
                        running.remove(&e.id());
                        error!(error = %e, "a run task panicked");
                    }
                }
            }
            () = tokio::time::sleep(TICK) => {}
        }
        let now = Utc::now();
        if let Err(e) = claim_due(&rt, &mut cursors, now).await {
            error!(error = %e, "cannot claim due runs");
        }
        if let Err(e) = dispatch(&rt, &mut inflight, &mut running, &stop_rx).await {
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
        let status = status_line(&rt, inflight.len());
        if status != last_status {
            crate::systemd::notify_status(&status);
            last_status = status;
        }
        if let Some(every) = watchdog
            && last_watchdog.elapsed() >= every
        {
            last_watchdog = Instant::now();
            crate::systemd::notify_watchdog();
        }
    }

    crate::systemd::notify_stopping();
    drain(
        &rt,
        &mut inflight,
        &mut running,
        &mut control,
        &stop_tx,
        options.drain,
    )
    .await;
    Ok(())
}

/// After the first shutdown request: wait for the runs in flight until `deadline` (or a
/// second request), then cancel the rest and record them as interrupted.
async fn drain(
    rt: &Runtime,
    inflight: &mut JoinSet<RunState>,
    running: &mut HashMap<tokio::task::Id, RunRecord>,
    control: &mut mpsc::Receiver<Control>,
    stop_tx: &watch::Sender<bool>,
    deadline: Duration,
) {
    if inflight.is_empty() {
        info!("shutting down: no run in flight");
        return;
    }
    info!(in_flight = inflight.len(), deadline = ?deadline, "shutting down: starting no new runs, waiting for runs in flight");
    let timer = tokio::time::sleep(deadline);
    tokio::pin!(timer);
    let mut forced = false;
    while !inflight.is_empty() {
        tokio::select! {
            joined = inflight.join_next_with_id() => {
                match joined {
                    Some(Ok((id, _))) => { running.remove(&id); }
                    Some(Err(e)) => { running.remove(&e.id()); }
                    None => break,
                }
            }
            () = &mut timer => {
                warn!(in_flight = inflight.len(), "drain deadline reached");
                forced = true;
                break;
            }
            msg = control.recv() => {
                if matches!(msg, Some(Control::Shutdown) | None) {
                    warn!(in_flight = inflight.len(), "second stop request: stopping at once");
                    forced = true;
                    break;
                }
            }
        }
    }
    if !forced {
        return;
    }
    // Ask generation to stop (kills the workers), then stop the tasks and record each run.
    let _ = stop_tx.send(true);
    tokio::time::sleep(Duration::from_millis(200)).await;
    inflight.abort_all();
    while inflight.join_next().await.is_some() {}
    for run in running.values() {
        let Ok(current) = rt.store.get(&run.id).await else {
            continue;
        };
        if current.state != RunState::Running {
            continue;
        }
        let e = ErrorInfo::new(
            Code::Interrupted,
            "the daemon was stopped before this run finished",
        );
        fail_or_requeue(rt, &current, e).await;
    }
}

fn log_schedules(rt: &Runtime) {
    for s in rt.plan.schedules.iter().filter(|s| s.enabled) {
        let next = s.cron.next_after(Utc::now(), s.timezone);
        info!(schedule = %s.name, cron = s.cron.as_str(), timezone = %s.timezone, next = ?next, "schedule loaded");
    }
}

/// One line for systemd's STATUS=: the next fire time and the runs in flight.
fn status_line(rt: &Runtime, in_flight: usize) -> String {
    let now = Utc::now();
    let next = rt
        .plan
        .schedules
        .iter()
        .filter(|s| s.enabled)
        .filter_map(|s| {
            s.cron
                .next_after(now, s.timezone)
                .map(|t| (t, s.name.as_str(), s.timezone))
        })
        .min_by_key(|(t, _, _)| *t);
    match next {
        Some((t, name, tz)) => {
            crate::systemd::status_line(Some((name, &t.with_timezone(&tz))), in_flight)
        }
        None => crate::systemd::status_line::<chrono_tz::Tz>(None, in_flight),
    }
}

/// Validates the configuration on disk and swaps it in, or keeps the current one.
async fn reload(rt: &mut Runtime, cursors: &mut HashMap<String, DateTime<Utc>>) {
    crate::systemd::notify_reloading();
    info!(file = %rt.plan.main_file.display(), "reloading the configuration");
    let result = match config::load(&rt.plan.main_file) {
        Err(errors) => Err(errors.to_string()),
        Ok(plan) => {
            let host = PluginHost::new(plan.daemon.plugin_dirs.clone(), rt.worker_exe.clone());
            match describe_all(&plan, &host).await {
                Ok(catalogs) => Ok((plan, host, catalogs)),
                Err(msg) => Err(msg),
            }
        }
    };
    match result {
        Err(text) => {
            error!(
                "configuration reload rejected; the previous configuration keeps running:\n{text}"
            );
            if let Err(e) = rt
                .store
                .set_config_status(&rt.owner.id, None, Some(&text))
                .await
            {
                warn!(error = %e, "cannot record the rejected reload");
            }
        }
        Ok((plan, host, catalogs)) => {
            if plan.store != rt.plan.store || plan.daemon.state_dir != rt.plan.daemon.state_dir {
                warn!("[store] and state_dir changes take effect at the next restart");
            }
            let mut plan = plan;
            plan.store = rt.plan.store.clone();
            plan.daemon.state_dir = rt.plan.daemon.state_dir.clone();
            let old: HashMap<&str, &SchedulePlan> = rt
                .plan
                .schedules
                .iter()
                .map(|s| (s.name.as_str(), s))
                .collect();
            let added = plan
                .schedules
                .iter()
                .filter(|s| !old.contains_key(s.name.as_str()))
                .count();
            let changed = plan
                .schedules
                .iter()
                .filter(|s| {
                    old.get(s.name.as_str())
                        .is_some_and(|o| format!("{o:?}") != format!("{s:?}"))
                })
                .count();
            let removed = rt
                .plan
                .schedules
                .iter()
                .filter(|o| plan.schedule(&o.name).is_none())
                .count();
            rt.plan = Arc::new(plan);
            rt.host = host;
            rt.catalogs = Arc::new(catalogs);
            let previous = std::mem::take(cursors);
            match init_cursors(rt, previous).await {
                Ok(c) => *cursors = c,
                Err(e) => error!(error = %e, "cannot read the schedules' last fire times"),
            }
            info!(
                schedules = rt.plan.schedules.len(),
                added, changed, removed, "configuration reloaded"
            );
            log_schedules(rt);
            if let Err(e) = rt
                .store
                .set_config_status(&rt.owner.id, Some(Utc::now()), None)
                .await
            {
                warn!(error = %e, "cannot record the reload");
            }
        }
    }
    crate::systemd::notify_ready(&status_line(rt, 0));
}

/// Watches the directory of the main file and its `schedules.d/` (directories, not files:
/// editors save by rename) and sends `Reload` after changes to `.toml` files settle.
fn watch_config_dir(
    main_file: &Path,
    tx: mpsc::Sender<Control>,
) -> Option<
    notify_debouncer_full::Debouncer<
        notify_debouncer_full::notify::RecommendedWatcher,
        notify_debouncer_full::RecommendedCache,
    >,
> {
    use notify_debouncer_full::notify::RecursiveMode;
    let dir = main_file
        .parent()
        .map(Path::to_path_buf)
        .unwrap_or_else(|| PathBuf::from("."));
    let handler = move |res: notify_debouncer_full::DebounceEventResult| {
        let Ok(events) = res else {
            return;
        };
        // Only changes count: reading the files (as a reload does) must not trigger one.
        let relevant = events.iter().any(|ev| {
            (ev.kind.is_create() || ev.kind.is_modify() || ev.kind.is_remove())
                && ev.paths.iter().any(|p| {
                    p.extension().is_some_and(|x| x == "toml")
                        || p.file_name().is_some_and(|n| n == "schedules.d")
                })
        });
        if relevant {
            debug!(events = ?events.iter().map(|e| (e.kind, e.paths.clone())).collect::<Vec<_>>(), "configuration directory changed");
            let _ = tx.try_send(Control::Reload);
        }
    };
    let mut debouncer = match notify_debouncer_full::new_debouncer(WATCH_DEBOUNCE, None, handler) {
        Ok(d) => d,
        Err(e) => {
            warn!(error = %e, "cannot watch the configuration directory; reload with SIGHUP");
            return None;
        }
    };
    if let Err(e) = debouncer.watch(&dir, RecursiveMode::NonRecursive) {
        warn!(dir = %dir.display(), error = %e, "cannot watch the configuration directory; reload with SIGHUP");
        return None;
    }
    let schedules = dir.join("schedules.d");
    if schedules.is_dir()
        && let Err(e) = debouncer.watch(&schedules, RecursiveMode::NonRecursive)
    {
        warn!(dir = %schedules.display(), error = %e, "cannot watch schedules.d; reload with SIGHUP");
    }
    debug!(dir = %dir.display(), "watching the configuration directory");
    Some(debouncer)
}

/// Each schedule's cursor: kept from `previous` (reload), else its last claimed fire time,
/// else now (a new schedule does not catch up on fire times from before it existed).
async fn init_cursors(
    rt: &Runtime,
    mut previous: HashMap<String, DateTime<Utc>>,
) -> Result<HashMap<String, DateTime<Utc>>, StoreError> {
    let now = Utc::now();
    let mut cursors = HashMap::new();
    for s in &rt.plan.schedules {
        let cursor = match previous.remove(&s.name) {
            Some(c) => c,
            None => rt.store.last_fire(&s.name).await?.unwrap_or(now),
        };
        cursors.insert(s.name.clone(), cursor);
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
    running: &mut HashMap<tokio::task::Id, RunRecord>,
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
        let record = run.clone();
        let handle = inflight.spawn(async move { execute(&rt2, run, stop).await });
        running.insert(handle.id(), record);
    }
    Ok(())
}

/// Fails (and requeues per policy) the running runs whose owner process is gone — after a
/// crash, `kill -9` or power loss — and releases manual runs whose `reportd trigger`
/// process died before they started.
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
