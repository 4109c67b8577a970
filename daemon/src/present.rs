//! How status entries look to people (`reportd status`, `reportd show`) and to scripts
//! (`--json`). Times are shown in the run's own zone, states with the label support staff
//! know (Aguardando / Em processamento / Finalizado / Falha) next to the stable word.

use chrono::{DateTime, Utc};
use chrono_tz::Tz;
use std::fmt::Write as _;

use crate::store::{InstanceRecord, RunRecord, RunState};

fn local(t: DateTime<Utc>, tz: Tz) -> String {
    t.with_timezone(&tz)
        .format("%Y-%m-%d %H:%M:%S %Z")
        .to_string()
}

fn tz_of(run: &RunRecord) -> Tz {
    run.timezone.parse().unwrap_or(Tz::UTC)
}

/// `state (Label)`, e.g. `failed (Falha)`.
pub fn state_text(state: RunState, lang: &str) -> String {
    format!("{} ({})", state.as_str(), state.label(lang))
}

/// The period as local dates/times: `2026-11-20 00:00 .. 2026-11-21 00:00 -03`.
pub fn period_text(run: &RunRecord) -> String {
    let tz = tz_of(run);
    let s = run.period_start.with_timezone(&tz);
    let e = run.period_end.with_timezone(&tz);
    format!(
        "{} .. {} {}",
        s.format("%Y-%m-%d %H:%M"),
        e.format("%Y-%m-%d %H:%M"),
        s.format("%Z")
    )
}

/// One line per run, for `reportd status`.
pub fn status_table(runs: &[RunRecord], lang: &str) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "{:<10} {:<28} {:<30} {:<9} {:<20} {:>7}  DETAIL",
        "RUN", "SCHEDULE", "STATE", "TRIGGER", "TIME", "ROWS"
    );
    for r in runs {
        let tz = tz_of(r);
        let when = r
            .fire_time
            .unwrap_or(r.queued_at)
            .with_timezone(&tz)
            .format("%Y-%m-%d %H:%M:%S")
            .to_string();
        let rows = r
            .rows
            .map(|n| n.to_string())
            .unwrap_or_else(|| "-".to_owned());
        let detail = match (&r.state, &r.error, &r.skip_reason) {
            (RunState::Skipped, _, Some(reason)) => reason.clone(),
            (RunState::Queued, Some(e), _) => {
                format!("attempt {}/{} after {}", r.attempt, r.max_attempts, e.code)
            }
            (_, Some(e), _) => format!("{}: {}", e.code, e.message),
            _ => r.file.as_ref().map(|f| f.name.clone()).unwrap_or_default(),
        };
        let _ = writeln!(
            out,
            "{:<10} {:<28} {:<30} {:<9} {:<20} {:>7}  {}",
            &r.id[..r.id.len().min(10)],
            r.schedule,
            state_text(r.state, lang),
            r.trigger.as_str(),
            when,
            rows,
            detail
        );
    }
    out
}

/// Everything about one run, for `reportd show`.
pub fn show(run: &RunRecord, lang: &str) -> String {
    let tz = tz_of(run);
    let mut o = String::new();
    let _ = writeln!(o, "run:          {}", run.id);
    let _ = writeln!(o, "schedule:     {}", run.schedule);
    let _ = writeln!(o, "report:       {} (source {})", run.report, run.source);
    let _ = writeln!(o, "state:        {}", state_text(run.state, lang));
    let _ = writeln!(
        o,
        "trigger:      {}{}",
        run.trigger.as_str(),
        run.requested_by
            .as_ref()
            .map(|w| format!(" by {w}"))
            .unwrap_or_default()
    );
    if let Some(f) = run.fire_time {
        let _ = writeln!(o, "scheduled:    {}", local(f, tz));
    }
    let _ = writeln!(o, "period:       {} ({})", period_text(run), run.timezone);
    if let Some(p) = &run.portfolio {
        let _ = writeln!(o, "portfolio:    {p}");
    }
    if run.filters != "{}" {
        let _ = writeln!(o, "filters:      {}", run.filters);
    }
    let _ = writeln!(o, "attempt:      {} of {}", run.attempt, run.max_attempts);
    let _ = writeln!(o, "queued:       {}", local(run.queued_at, tz));
    if let Some(t) = run.started_at {
        let _ = writeln!(o, "started:      {}", local(t, tz));
    }
    if let Some(t) = run.finished_at {
        let _ = writeln!(o, "finished:     {}", local(t, tz));
    }
    if let Some(r) = &run.skip_reason {
        let _ = writeln!(o, "skipped:      {r}");
    }
    if let Some(n) = run.rows {
        let _ = writeln!(o, "rows:         {n}");
    }
    if let Some(f) = &run.file {
        let kept = if run.file_removed {
            " (removed after keep_files)"
        } else {
            ""
        };
        let _ = writeln!(
            o,
            "file:         {} ({} bytes, sha256 {}){kept}",
            f.name, f.bytes, f.sha256
        );
        let _ = writeln!(o, "kept at:      {}", f.path);
    }
    if let Some(e) = &run.error {
        let _ = writeln!(o, "error:        {}: {}", e.code, e.message);
        let _ = writeln!(o, "hint:         {}", e.hint);
    }
    if let Ok(serde_json::Value::Array(ws)) =
        serde_json::from_str::<serde_json::Value>(&run.warnings)
    {
        for w in ws {
            let code = w.get("code").and_then(|v| v.as_str()).unwrap_or("");
            let msg = w.get("message").and_then(|v| v.as_str()).unwrap_or("");
            let count = w
                .get("count")
                .and_then(serde_json::Value::as_u64)
                .unwrap_or(0);
            let _ = writeln!(o, "warning:      {code} ({count}): {msg}");
            if let Some(ex) = w.get("examples").and_then(|v| v.as_array()) {
                for e in ex.iter().filter_map(|e| e.as_str()) {
                    let _ = writeln!(o, "                {e}");
                }
            }
        }
    }
    if let Ok(serde_json::Value::Object(meta)) =
        serde_json::from_str::<serde_json::Value>(&run.meta)
    {
        for (k, v) in meta {
            let v = v
                .as_str()
                .map(str::to_owned)
                .unwrap_or_else(|| v.to_string());
            let _ = writeln!(o, "meta:         {k}: {v}");
        }
    }
    for d in &run.deliveries {
        let _ = writeln!(
            o,
            "delivery:     {} — {} after {} attempt(s){}",
            d.destination,
            d.state.as_str(),
            d.attempts,
            d.remote_path
                .as_ref()
                .map(|p| format!(" → {p}"))
                .unwrap_or_default()
        );
        if let Some(e) = &d.last_error {
            let _ = writeln!(o, "                {}: {}", e.code, e.message);
            let _ = writeln!(o, "                hint: {}", e.hint);
        }
    }
    o
}

/// A live process and its configuration, for `reportd status`.
pub fn instance(i: &InstanceRecord) -> String {
    let mut o = String::new();
    let loaded = i
        .config_loaded_at
        .map(|t| t.format("%Y-%m-%d %H:%M:%S UTC").to_string())
        .unwrap_or_else(|| "-".to_owned());
    let _ = writeln!(o, "process {}: configuration loaded {loaded}", i.owner);
    if let Some(err) = &i.config_error {
        let at = i
            .config_error_at
            .map(|t| t.format("%Y-%m-%d %H:%M:%S UTC").to_string())
            .unwrap_or_default();
        let _ = writeln!(
            o,
            "  last reload REJECTED at {at}; still running the configuration loaded {loaded}:"
        );
        for line in err.lines() {
            let _ = writeln!(o, "    {line}");
        }
    }
    o
}
