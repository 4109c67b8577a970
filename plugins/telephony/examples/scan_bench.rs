//! Times one `generate` call of the telephony plugin on a queue_log, with a sink that only
//! counts rows. For benchmarks on files made by `reportd-gen-queue-log`:
//!
//! ```text
//! reportd-gen-queue-log --from 2026-11-01T00:00 --to 2027-11-01T00:00 \
//!     --tz America/Sao_Paulo --calls-per-hour 3000 --events 10000000 --out /tmp/ql
//! cargo run --release -p reportd-telephony --example scan_bench -- \
//!     /tmp/ql 2026-11-20T00:00 2026-11-21T00:00 telephony.service_level hour
//! ```
//!
//! Arguments: queue_log path (or a database URL, e.g. `postgres://u:pw@host/db`, to read its
//! realtime `queue_log` table), period start and end (local, America/Sao_Paulo), report id,
//! bucket. Prints rows, metadata, warnings and the elapsed time to stderr.

use std::process::ExitCode;
use std::time::Instant;

use reportd_plugin_api::{Cancelled, Column, Plugin, Sink, Value, Warning};
use reportd_telephony::TelephonyPlugin;
use reportd_telephony::generator::parse_local;

struct CountRows(u64);

impl Sink for CountRows {
    fn begin(&mut self, _: &[Column]) -> Result<(), Cancelled> {
        Ok(())
    }
    fn row(&mut self, _: &[Value<'_>]) -> Result<(), Cancelled> {
        self.0 += 1;
        Ok(())
    }
    fn warn(&mut self, w: Warning) {
        eprintln!("warning {}: {} ({})", w.code, w.message, w.count);
    }
    fn meta(&mut self, key: &str, value: &str) {
        eprintln!("meta {key} = {value}");
    }
    fn progress(&mut self, _: u64, _: u64) {}
    fn cancelled(&self) -> bool {
        false
    }
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [path, from, to, report, bucket] = args.as_slice() else {
        eprintln!("usage: scan_bench QUEUE_LOG FROM TO REPORT BUCKET");
        return ExitCode::from(2);
    };
    let tz = chrono_tz::America::Sao_Paulo;
    let (Ok(start), Ok(end)) = (parse_local(from, tz), parse_local(to, tz)) else {
        eprintln!("FROM and TO are YYYY-MM-DDTHH:MM");
        return ExitCode::from(2);
    };
    let request = serde_json::json!({
        "report": report,
        "source": if path.contains("://") {
            serde_json::json!({ "database": path })
        } else {
            serde_json::json!({ "queue_log": path })
        },
        "params": { "bucket": bucket },
        "period": { "start_utc": start, "end_utc": end, "start_local": from,
                    "end_local": to, "timezone": "America/Sao_Paulo" },
    });
    let request = match serde_json::from_value(request) {
        Ok(r) => r,
        Err(e) => {
            eprintln!("{e}");
            return ExitCode::FAILURE;
        }
    };
    let t = Instant::now();
    let mut sink = CountRows(0);
    match TelephonyPlugin::new().generate(&request, &mut sink) {
        Ok(()) => {
            eprintln!("{} rows in {:?}", sink.0, t.elapsed());
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("{e}");
            ExitCode::FAILURE
        }
    }
}
