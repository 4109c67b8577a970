//! One run, end to end: a started run (owned by this process) is generated in a worker
//! process, recorded, delivered to each destination that has not received it yet, and
//! finished — or requeued for another attempt when the failure is transient.
//!
//! Neighbours: [`daemon`] decides *when* runs are claimed and started; [`trigger`] runs one
//! in the foreground (`reportd trigger`, `reportd retry`); the store records every step.

pub mod daemon;
pub mod owner;
pub mod trigger;

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::Arc;

use chrono::{DateTime, TimeZone, Utc};
use chrono_tz::Tz;
use reportd_plugin_api::{Catalog, Request};
use tracing::{Instrument, error, info, info_span, warn};

use crate::code::{Code, ErrorInfo};
use crate::config::{Plan, SchedulePlan};
use crate::deliver::retry::{deliver_with_retry, jittered};
use crate::deliver::{Destination, OutgoingFile, RunContext};
use crate::plugin::{GenerateJob, PluginHost};
use crate::render::filename::NameContext;
use crate::schedule::period::Period;
use crate::store::{
    DeliveryRecord, DeliveryState, Generated, NewRun, RunRecord, RunState, StatusStore, Store,
    StoreError, Trigger,
};

pub use owner::Owner;

/// How long describing or validating through a worker may take.
pub const DESCRIBE_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(30);

/// Errors while building the runtime (before any run).
#[derive(Debug, thiserror::Error)]
pub enum BuildError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("{0}")]
    Plugins(String),
}

/// Everything a run needs: the plan it runs under, the store, the plugin host, and who we are.
#[derive(Clone)]
pub struct Runtime {
    pub plan: Arc<Plan>,
    pub store: StatusStore,
    pub host: PluginHost,
    pub owner: Owner,
    /// The `reportd` executable workers are started from.
    pub worker_exe: PathBuf,
    /// Catalog of each plugin used by a source, by plugin name.
    pub catalogs: Arc<BTreeMap<String, Catalog>>,
}

impl Runtime {
    /// Opens the store and describes every plugin the sources use (in workers), checking that
    /// each schedule's report exists and its request validates. All problems are collected.
    pub async fn build(plan: Plan, worker_exe: PathBuf) -> Result<Self, BuildError> {
        let store = open_store(&plan).await?;
        let host = PluginHost::new(plan.daemon.plugin_dirs.clone(), worker_exe.clone());
        let catalogs = describe_all(&plan, &host)
            .await
            .map_err(BuildError::Plugins)?;
        Ok(Self {
            plan: Arc::new(plan),
            store,
            host,
            owner: Owner::current(),
            worker_exe,
            catalogs: Arc::new(catalogs),
        })
    }

    /// The directory a run's file is generated in.
    pub fn outbox_dir(&self, run_id: &str) -> PathBuf {
        self.plan.daemon.state_dir.join("outbox").join(run_id)
    }
}

/// Opens the configured store.
pub async fn open_store(plan: &Plan) -> Result<StatusStore, BuildError> {
    Ok(crate::store::open(&plan.store).await?)
}

/// Describes each plugin once and validates every schedule against its catalog. Returns all
/// problems as one text block (one line each), or the catalogs.
pub async fn describe_all(
    plan: &Plan,
    host: &PluginHost,
) -> Result<BTreeMap<String, Catalog>, String> {
    let mut catalogs = BTreeMap::new();
    let mut problems = Vec::new();
    for source in plan.sources.values() {
        if catalogs.contains_key(&source.plugin) {
            continue;
        }
        match host.describe(&source.plugin, DESCRIBE_TIMEOUT).await {
            Ok(c) => {
                catalogs.insert(source.plugin.clone(), c);
            }
            Err(e) => problems.push(format!(
                "source {:?}: plugin {:?}: {e}\n  hint: {}",
                source.name, source.plugin, e.hint
            )),
        }
    }
    for s in &plan.schedules {
        let Some(source) = plan.sources.get(&s.source) else {
            continue;
        };
        let Some(catalog) = catalogs.get(&source.plugin) else {
            continue;
        };
        if catalog.report(&s.report).is_none() {
            let known: Vec<_> = catalog.reports.iter().map(|r| r.id.as_str()).collect();
            problems.push(format!(
                "{}: schedule {:?}: report {:?} is not in the {} plugin's catalog\n  hint: use one of: {}",
                s.file.display(),
                s.name,
                s.report,
                source.plugin,
                known.join(", ")
            ));
            continue;
        }
        let period = s.period.resolve(Utc::now(), s.timezone);
        let request = build_request(
            plan,
            s,
            &period,
            &serde_json::Value::Object(s.filters.clone()),
            "check",
        );
        if let Err(e) = host
            .validate(&source.plugin, &request, DESCRIBE_TIMEOUT)
            .await
        {
            problems.push(format!(
                "{}: schedule {:?}: {}\n  hint: {}",
                s.file.display(),
                s.name,
                e.message,
                e.hint
            ));
        }
    }
    if problems.is_empty() {
        Ok(catalogs)
    } else {
        Err(problems.join("\n"))
    }
}

/// The plugin request of a run.
pub fn build_request(
    plan: &Plan,
    schedule: &SchedulePlan,
    period: &Period,
    filters: &serde_json::Value,
    run_id: &str,
) -> Request {
    let mut source = plan
        .sources
        .get(&schedule.source)
        .map(|s| {
            let mut m = s.settings.clone();
            m.insert(
                reportd_plugin_api::CONFIG_DIR_KEY.to_owned(),
                serde_json::Value::String(s.config_dir.display().to_string()),
            );
            m
        })
        .unwrap_or_default();
    source.remove("plugin");
    Request {
        report: schedule.report.clone(),
        source,
        params: filters.as_object().cloned().unwrap_or_default(),
        period: period.to_api(),
        run_id: run_id.to_owned(),
        wait_for_data: false,
    }
}

/// The request of `reportd check --connect` for a source: the reserved report id
/// [`reportd_plugin_api::PROBE_REPORT`], which plugins answer by opening their inputs (a
/// database login, ...) without reading data.
pub fn probe_request(source: &crate::config::SourcePlan) -> Request {
    let mut settings = source.settings.clone();
    settings.insert(
        reportd_plugin_api::CONFIG_DIR_KEY.to_owned(),
        serde_json::Value::String(source.config_dir.display().to_string()),
    );
    settings.remove("plugin");
    let now = Utc::now().timestamp();
    Request {
        report: reportd_plugin_api::PROBE_REPORT.to_owned(),
        source: settings,
        params: Default::default(),
        period: reportd_plugin_api::Period {
            start_utc: now,
            end_utc: now,
            start_local: String::new(),
            end_local: String::new(),
            timezone: "UTC".to_owned(),
        },
        run_id: "check".to_owned(),
        wait_for_data: false,
    }
}

/// A new run record for a schedule at a fire time (or a manual run when `fire` is None).
pub fn new_run(
    schedule: &SchedulePlan,
    trigger: Trigger,
    fire: Option<DateTime<Utc>>,
    period: &Period,
) -> NewRun {
    NewRun {
        id: format!("{:016x}", rand::random::<u64>()),
        schedule: schedule.name.clone(),
        source: schedule.source.clone(),
        report: schedule.report.clone(),
        portfolio: schedule.portfolio.clone(),
        trigger,
        requested_by: None,
        fire_time: fire,
        period_start: period.start,
        period_end: period.end,
        timezone: period.tz.name().to_owned(),
        filters: serde_json::Value::Object(schedule.filters.clone()).to_string(),
        destinations: schedule.deliver.clone(),
        state: RunState::Queued,
        skip_reason: None,
        max_attempts: schedule.retry.attempts,
        reserved_for: None,
    }
}

/// The period recorded in a run.
pub fn run_period(run: &RunRecord) -> Period {
    let tz: Tz = run.timezone.parse().unwrap_or(Tz::UTC);
    Period {
        start: run.period_start,
        end: run.period_end,
        tz,
    }
}

/// Executes a run this process has started (state running, owned by us) and returns the
/// state it ended in (`Queued` when requeued for another attempt). Never panics; every
/// failure ends up in the status entry.
pub async fn execute(
    rt: &Runtime,
    run: RunRecord,
    shutdown: tokio::sync::watch::Receiver<bool>,
) -> RunState {
    let span = info_span!("run", run_id = %run.id, schedule = %run.schedule, attempt = run.attempt);
    async move {
        info!(report = %run.report, trigger = run.trigger.as_str(), "run started");
        let outcome = execute_inner(rt, &run, shutdown).await;
        let state = match outcome {
            Ok(()) => finish(rt, &run, RunState::Succeeded, None).await,
            Err(e) => fail_or_requeue(rt, &run, e).await,
        };
        info!(state = state.as_str(), "run ended");
        state
    }
    .instrument(span)
    .await
}

async fn finish(rt: &Runtime, run: &RunRecord, state: RunState, e: Option<&ErrorInfo>) -> RunState {
    if let Err(err) = rt.store.finish(&run.id, state, e).await {
        error!(error = %err, "cannot record the end of the run");
    }
    state
}

/// Requeues a transient failure while attempts remain; otherwise fails the run. A run
/// waiting for its data (`DATA_NOT_READY`) is postponed without counting an attempt.
pub async fn fail_or_requeue(rt: &Runtime, run: &RunRecord, e: ErrorInfo) -> RunState {
    let schedule = rt.plan.schedule(&run.schedule);
    if e.code == Code::DataNotReady.as_str() {
        let deadline = schedule.and_then(|s| {
            Some((
                s.wait_deadline(run.fire_time.unwrap_or(run.queued_at))?,
                s.wait_check_every,
            ))
        });
        if let Some((deadline, every)) = deadline {
            let next =
                (Utc::now() + chrono::Duration::from_std(every).unwrap_or_default()).min(deadline);
            info!(error = %e.message, next_check = %next, wait_until = %deadline, "source data not complete yet; waiting");
            match rt.store.postpone(&run.id, next, &e).await {
                Ok(()) => return RunState::Queued,
                Err(err) => error!(error = %err, "cannot postpone the run"),
            }
        }
    }
    let policy = schedule
        .map(|s| s.retry)
        .unwrap_or(crate::config::RetryPolicy::RUN_DEFAULT);
    if e.is_transient() && run.attempt < run.max_attempts.max(1) {
        let delay = jittered(&policy, run.attempt);
        let not_before = Utc::now() + chrono::Duration::from_std(delay).unwrap_or_default();
        warn!(error_code = %e.code, error = %e.message, retry_in = ?delay, "run failed; will retry");
        match rt.store.requeue(&run.id, not_before, &e).await {
            Ok(()) => return RunState::Queued,
            Err(err) => error!(error = %err, "cannot requeue the run"),
        }
    }
    error!(error_code = %e.code, error = %e.message, "run failed");
    finish(rt, run, RunState::Failed, Some(&e)).await
}

async fn execute_inner(
    rt: &Runtime,
    run: &RunRecord,
    shutdown: tokio::sync::watch::Receiver<bool>,
) -> Result<(), ErrorInfo> {
    let schedule = rt.plan.schedule(&run.schedule).ok_or_else(|| {
        ErrorInfo::new(
            Code::ScheduleUnknown,
            format!(
                "schedule {:?} is no longer in the configuration",
                run.schedule
            ),
        )
    })?;
    let file = match kept_file(run) {
        Some(f) => {
            info!(file = %f.name, "reusing the file generated by an earlier attempt");
            f
        }
        None => generate(rt, schedule, run, shutdown).await?,
    };
    deliver_all(rt, run, &file).await
}

/// The file of an earlier attempt, when it is still complete in the outbox.
fn kept_file(run: &RunRecord) -> Option<OutgoingFile> {
    let f = run.file.as_ref()?;
    if run.file_removed {
        return None;
    }
    let meta = std::fs::metadata(&f.path).ok()?;
    (meta.len() == f.bytes).then(|| OutgoingFile {
        path: PathBuf::from(&f.path),
        name: f.name.clone(),
        bytes: f.bytes,
        sha256: f.sha256.clone(),
        context: Some(run_context(run, run.rows)),
    })
}

/// What templates (e-mail subject and body) may say about the run.
fn run_context(run: &RunRecord, rows: Option<u64>) -> RunContext {
    let period = run_period(run);
    RunContext {
        schedule: run.schedule.clone(),
        report: run.report.clone(),
        run_id: run.id.clone(),
        rows,
        period_start: period.start_local(),
        period_end: period.end_local(),
    }
}

async fn generate(
    rt: &Runtime,
    schedule: &SchedulePlan,
    run: &RunRecord,
    mut shutdown: tokio::sync::watch::Receiver<bool>,
) -> Result<OutgoingFile, ErrorInfo> {
    let source = rt.plan.sources.get(&schedule.source).ok_or_else(|| {
        ErrorInfo::new(
            Code::Internal,
            format!("source {:?} vanished", schedule.source),
        )
    })?;
    let period = run_period(run);
    let filters: serde_json::Value =
        serde_json::from_str(&run.filters).unwrap_or(serde_json::Value::Object(Default::default()));
    let mut request = build_request(&rt.plan, schedule, &period, &filters, &run.id);
    let fired = run.fire_time.unwrap_or(run.queued_at);
    // Ask the plugin to report missing data (rather than make a partial report) while the
    // schedule may still wait; past the deadline the report is made from what there is.
    request.wait_for_data = schedule
        .wait_deadline(fired)
        .is_some_and(|d| Utc::now() < d);
    let file_name = schedule
        .filename
        .render(&NameContext {
            schedule: &schedule.name,
            report: &schedule.report,
            run_id: &run.id,
            ext: schedule.extension(),
            period_start: period.start_local(),
            period_end: period.end_local(),
            fired_at: period.tz.from_utc_datetime(&fired.naive_utc()),
        })
        .map_err(|e| ErrorInfo::new(Code::RenderIo, format!("file name: {e}")))?;
    let out_dir = rt.outbox_dir(&run.id);
    tokio::fs::create_dir_all(&out_dir).await.map_err(|e| {
        ErrorInfo::new(
            Code::RenderIo,
            format!("cannot create {}: {e}", out_dir.display()),
        )
    })?;
    let job = GenerateJob {
        plugin: source.plugin.clone(),
        request,
        out_dir,
        file_name,
        format: schedule.format.clone(),
        compress: schedule.compress,
    };
    let cancel = async move {
        let _ = shutdown.wait_for(|stop| *stop).await;
    };
    let outcome = rt.host.generate(&job, schedule.timeout, cancel).await?;
    for w in &outcome.warnings {
        warn!(warning_code = %w.code, count = w.count, "{}", w.message);
    }
    let generated = Generated {
        file: outcome.file.clone(),
        rows: outcome.rows,
        warnings: serde_json::to_string(&outcome.warnings).unwrap_or_else(|_| "[]".to_owned()),
        meta: serde_json::to_string(&outcome.meta).unwrap_or_else(|_| "{}".to_owned()),
    };
    rt.store
        .set_generated(&run.id, &generated)
        .await
        .map_err(|e| ErrorInfo::new(Code::Store, e.to_string()))?;
    info!(file = %outcome.file.name, rows = outcome.rows, bytes = outcome.file.bytes, "report generated");
    Ok(OutgoingFile {
        path: PathBuf::from(&outcome.file.path),
        name: outcome.file.name,
        bytes: outcome.file.bytes,
        sha256: outcome.file.sha256,
        context: Some(run_context(run, Some(outcome.rows))),
    })
}

/// Delivers to every destination of the run that has not succeeded yet, concurrently; one
/// failing destination never holds up the others. `only` restricts to one destination.
pub async fn deliver_pending(
    rt: &Runtime,
    run: &RunRecord,
    file: &OutgoingFile,
    only: Option<&str>,
) -> Result<(), ErrorInfo> {
    let mut tasks = tokio::task::JoinSet::new();
    let mut failures = Vec::new();
    for d in &run.deliveries {
        if d.state == DeliveryState::Succeeded || only.is_some_and(|o| o != d.destination) {
            continue;
        }
        let Some(plan) = rt.plan.destinations.get(&d.destination).cloned() else {
            let e = ErrorInfo::new(
                Code::DestinationUnknown,
                format!("destination {:?} is not configured", d.destination),
            );
            record_delivery(
                rt,
                &run.id,
                &d.destination,
                DeliveryState::Failed,
                d.attempts,
                None,
                Some(e.clone()),
            )
            .await;
            failures.push(format!("{}: {e}", d.destination));
            continue;
        };
        let rt = rt.clone();
        let run_id = run.id.clone();
        let file = file.clone();
        let prior = d.attempts;
        let span = info_span!("deliver", destination = %plan.name);
        tasks.spawn(
            async move {
                let dest = Destination::from_plan(&plan);
                let attempted = deliver_with_retry(&dest, &file, &plan.retry, plan.timeout, |n, e, delay| {
                    match delay {
                        Some(d) => warn!(delivery_attempt = n, error_code = %e.code, error = %e.message, retry_in = ?d, "delivery failed; retrying"),
                        None => error!(delivery_attempt = n, error_code = %e.code, error = %e.message, "delivery failed"),
                    }
                })
                .await;
                let attempts = prior + attempted.attempts;
                match attempted.result {
                    Ok(receipt) => {
                        info!(remote = %receipt.remote_path, bytes = receipt.bytes, "delivered");
                        record_delivery(&rt, &run_id, &plan.name, DeliveryState::Succeeded, attempts, Some(receipt.remote_path), None).await;
                        Ok(())
                    }
                    Err(e) => {
                        let info = e.to_info();
                        record_delivery(&rt, &run_id, &plan.name, DeliveryState::Failed, attempts, None, Some(info.clone())).await;
                        Err(format!("{}: {info}", plan.name))
                    }
                }
            }
            .instrument(span),
        );
    }
    while let Some(joined) = tasks.join_next().await {
        match joined {
            Ok(Ok(())) => {}
            Ok(Err(msg)) => failures.push(msg),
            Err(e) => failures.push(format!("delivery task failed: {e}")),
        }
    }
    if failures.is_empty() {
        Ok(())
    } else {
        Err(ErrorInfo::new(
            Code::DeliveryFailed,
            format!(
                "{} destination(s) failed: {}",
                failures.len(),
                failures.join("; ")
            ),
        ))
    }
}

async fn deliver_all(rt: &Runtime, run: &RunRecord, file: &OutgoingFile) -> Result<(), ErrorInfo> {
    deliver_pending(rt, run, file, None).await
}

async fn record_delivery(
    rt: &Runtime,
    run_id: &str,
    destination: &str,
    state: DeliveryState,
    attempts: u32,
    remote_path: Option<String>,
    last_error: Option<ErrorInfo>,
) {
    let rec = DeliveryRecord {
        destination: destination.to_owned(),
        state,
        attempts,
        remote_path,
        last_error,
        updated_at: Utc::now(),
    };
    if let Err(e) = rt.store.set_delivery(run_id, &rec).await {
        error!(error = %e, destination, "cannot record the delivery");
    }
}
