//! `reportd-gen-queue-log`: writes a deterministic synthetic Asterisk queue_log (see
//! [`reportd_telephony::generator`] for what it contains).
//!
//! Usage:
//!
//! ```text
//! reportd-gen-queue-log --from 2026-11-20T00:00 --to 2026-11-21T00:00 \
//!     --tz America/Sao_Paulo --queues sales,support,billing --calls-per-hour 60 \
//!     --seed 42 --out /tmp/queue_log [--malformed-every N] [--events N]
//! ```
//!
//! * `--from`, `--to`: local wall-clock times (`YYYY-MM-DDTHH:MM[:SS]`) in `--tz`; calls
//!   arrive in `[from, to)` and those still in progress finish after `to`.
//! * `--tz` (default `UTC`): zone of the times and of the daytime arrival curve.
//! * `--queues` (default `sales,support,billing`), `--calls-per-hour` (default 60: the
//!   24-hour mean over all queues), `--seed` (default 42).
//! * `--out PATH` (`-` = stdout, the default).
//! * `--malformed-every N`: after every N valid lines write one malformed line (for
//!   warning tests).
//! * `--events N`: stop after N lines; with a far `--to` and a high `--calls-per-hour` this
//!   makes benchmark files (10 M lines ≈ 0.7 GB).
//!
//! Same arguments → same bytes.

use std::io::{BufWriter, Write};
use std::process::ExitCode;

use chrono_tz::Tz;
use reportd_telephony::generator::{GenOptions, generate, parse_local};

const USAGE: &str = "usage: reportd-gen-queue-log --from YYYY-MM-DDTHH:MM --to YYYY-MM-DDTHH:MM \
[--tz ZONE] [--queues a,b,c] [--calls-per-hour N] [--seed N] [--out PATH|-] \
[--malformed-every N] [--events N]";

fn parse_args(args: &[String]) -> Result<(GenOptions, String), String> {
    let mut from = None;
    let mut to = None;
    let mut tz: Tz = chrono_tz::UTC;
    let mut queues = vec![
        "sales".to_owned(),
        "support".to_owned(),
        "billing".to_owned(),
    ];
    let mut cph = 60.0;
    let mut seed = 42;
    let mut out = "-".to_owned();
    let mut malformed_every = None;
    let mut max_lines = None;
    let mut it = args.iter();
    while let Some(flag) = it.next() {
        if flag == "-h" || flag == "--help" {
            return Err(String::new());
        }
        let value = it
            .next()
            .ok_or_else(|| format!("{flag} needs a value"))?
            .clone();
        let num = |v: &str| v.parse::<u64>().map_err(|e| format!("{flag} {v:?}: {e}"));
        match flag.as_str() {
            "--from" => from = Some(value),
            "--to" => to = Some(value),
            "--tz" => {
                tz = value
                    .parse()
                    .map_err(|_| format!("unknown time zone {value:?}"))?
            }
            "--queues" => {
                queues = value
                    .split(',')
                    .map(str::trim)
                    .filter(|q| !q.is_empty())
                    .map(str::to_owned)
                    .collect();
                if queues.is_empty() {
                    return Err("--queues needs at least one queue".into());
                }
            }
            "--calls-per-hour" => {
                cph = value
                    .parse::<f64>()
                    .map_err(|e| format!("--calls-per-hour {value:?}: {e}"))?;
                if !cph.is_finite() || cph <= 0.0 {
                    return Err("--calls-per-hour must be positive".into());
                }
            }
            "--seed" => seed = num(&value)?,
            "--out" => out = value,
            "--malformed-every" => malformed_every = Some(num(&value)?.max(1)),
            "--events" => max_lines = Some(num(&value)?),
            other => return Err(format!("unknown option {other}")),
        }
    }
    let from = parse_local(&from.ok_or("--from is required")?, tz)?;
    let to = parse_local(&to.ok_or("--to is required")?, tz)?;
    if to <= from {
        return Err("--to must be after --from".into());
    }
    Ok((
        GenOptions {
            from_utc: from,
            to_utc: to,
            tz,
            queues,
            calls_per_hour: cph,
            seed,
            malformed_every,
            max_lines,
        },
        out,
    ))
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let (opts, out) = match parse_args(&args) {
        Ok(v) => v,
        Err(e) => {
            if !e.is_empty() {
                eprintln!("reportd-gen-queue-log: {e}");
            }
            eprintln!("{USAGE}");
            return ExitCode::from(2);
        }
    };
    let result = if out == "-" {
        let stdout = std::io::stdout();
        let mut w = BufWriter::new(stdout.lock());
        generate(&opts, &mut w).and_then(|s| w.flush().map(|()| s))
    } else {
        match std::fs::File::create(&out) {
            Ok(f) => {
                let mut w = BufWriter::with_capacity(1 << 20, f);
                generate(&opts, &mut w).and_then(|s| w.flush().map(|()| s))
            }
            Err(e) => Err(e),
        }
    };
    match result {
        Ok(stats) => {
            eprintln!(
                "reportd-gen-queue-log: {} lines ({} calls, {} queue entries, {} malformed) → {out}",
                stats.lines, stats.calls, stats.queue_entries, stats.malformed
            );
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("reportd-gen-queue-log: writing {out}: {e}");
            ExitCode::FAILURE
        }
    }
}
