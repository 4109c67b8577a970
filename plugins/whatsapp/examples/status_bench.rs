//! Times one `whatsapp.messages_by_status` (bucket day) run over a webhook archive made by
//! `reportd-gen-whatsapp`, with a sink that prints the rows, and prints MB/s.
//!
//! ```text
//! cargo run --release -p reportd-whatsapp --example status_bench -- hooks.jsonl 2026-11-01 30
//! ```
//! Arguments: archive path, first UTC day, number of days (the period, in UTC).

use std::process::ExitCode;
use std::time::Instant;

use reportd_plugin_api::{Cancelled, Column, Plugin, Request, Sink, Value, Warning};
use reportd_whatsapp::WhatsappPlugin;

struct Print(u64);

impl Sink for Print {
    fn begin(&mut self, _: &[Column]) -> Result<(), Cancelled> {
        Ok(())
    }
    fn row(&mut self, cells: &[Value<'_>]) -> Result<(), Cancelled> {
        self.0 += 1;
        if self.0 <= 15 {
            eprintln!("row {cells:?}");
        }
        Ok(())
    }
    fn warn(&mut self, w: Warning) {
        eprintln!("warning {}: {} ({})", w.code, w.message, w.count);
    }
    fn meta(&mut self, key: &str, value: &str) {
        if key != "report_definition" {
            eprintln!("meta {key} = {value}");
        }
    }
    fn progress(&mut self, _: u64, _: u64) {}
    fn cancelled(&self) -> bool {
        false
    }
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [path, day, days] = args.as_slice() else {
        eprintln!("usage: status_bench ARCHIVE YYYY-MM-DD DAYS");
        return ExitCode::from(2);
    };
    let (Some(start), Ok(days)) = (
        chrono::NaiveDate::parse_from_str(day, "%Y-%m-%d")
            .ok()
            .and_then(|d| d.and_hms_opt(0, 0, 0))
            .map(|d| d.and_utc().timestamp()),
        days.parse::<i64>(),
    ) else {
        eprintln!("bad day or days");
        return ExitCode::from(2);
    };
    let request: Request = match serde_json::from_value(serde_json::json!({
        "report": "whatsapp.messages_by_status",
        "source": { "webhooks": path },
        "params": { "bucket": "day" },
        "period": { "start_utc": start, "end_utc": start + days * 86_400,
                    "start_local": "", "end_local": "", "timezone": "UTC" },
    })) {
        Ok(r) => r,
        Err(e) => {
            eprintln!("{e}");
            return ExitCode::FAILURE;
        }
    };
    let bytes = std::fs::metadata(path).map(|m| m.len()).unwrap_or(0);
    let plugin = WhatsappPlugin::new();
    let mut sink = Print(0);
    let t = Instant::now();
    let r = plugin.generate(&request, &mut sink);
    let secs = t.elapsed().as_secs_f64();
    if let Err(e) = r {
        eprintln!("error: {e}");
        return ExitCode::FAILURE;
    }
    println!(
        "rows {} · {:.1} MB in {:.2} s · {:.0} MB/s",
        sink.0,
        bytes as f64 / 1e6,
        secs,
        bytes as f64 / 1e6 / secs
    );
    ExitCode::SUCCESS
}
