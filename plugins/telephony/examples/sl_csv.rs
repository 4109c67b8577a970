//! Prints `telephony.service_level` with `bucket = hour` (default settings: T = 20 s,
//! offered variant) as CSV on stdout, for the benchmark in `bench/telephony`, which compares
//! these rows with DuckDB's on the same file:
//!
//! ```text
//! sl_csv QUEUE_LOG FROM TO    # FROM/TO local America/Sao_Paulo, YYYY-MM-DDTHH:MM
//! ```
//!
//! Columns: queue, interval_start (local naive Unix seconds), offered, answered, abandoned,
//! unanswered_other, sl_calls, pct_sl (2 decimals).

use std::io::Write;
use std::process::ExitCode;

use reportd_plugin_api::{Cancelled, Column, Plugin, Sink, Value, Warning};
use reportd_telephony::TelephonyPlugin;
use reportd_telephony::generator::parse_local;

struct Csv(Vec<String>);

impl Sink for Csv {
    fn begin(&mut self, _: &[Column]) -> Result<(), Cancelled> {
        Ok(())
    }
    fn row(&mut self, cells: &[Value<'_>]) -> Result<(), Cancelled> {
        let text: Vec<String> = cells
            .iter()
            .filter(|c| !matches!(c, Value::Duration(_)))
            .map(|c| match c {
                Value::Text(s) => (*s).to_owned(),
                Value::Int(i) | Value::DateTime(i) => i.to_string(),
                Value::Float(f) => format!("{f:.2}"),
                other => format!("{other:?}"),
            })
            .collect();
        self.0.push(text.join(","));
        Ok(())
    }
    fn warn(&mut self, w: Warning) {
        eprintln!("warning {}: {} ({})", w.code, w.message, w.count);
    }
    fn meta(&mut self, _: &str, _: &str) {}
    fn progress(&mut self, _: u64, _: u64) {}
    fn cancelled(&self) -> bool {
        false
    }
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [path, from, to] = args.as_slice() else {
        eprintln!("usage: sl_csv QUEUE_LOG FROM TO");
        return ExitCode::from(2);
    };
    let tz = chrono_tz::America::Sao_Paulo;
    let (Ok(start), Ok(end)) = (parse_local(from, tz), parse_local(to, tz)) else {
        eprintln!("FROM and TO are YYYY-MM-DDTHH:MM");
        return ExitCode::from(2);
    };
    let request = serde_json::json!({
        "report": "telephony.service_level",
        "source": { "queue_log": path, "readiness": "off" },
        "params": { "bucket": "hour" },
        "period": { "start_utc": start, "end_utc": end, "start_local": from,
                    "end_local": to, "timezone": "America/Sao_Paulo" },
    });
    let Ok(request) = serde_json::from_value(request) else {
        return ExitCode::FAILURE;
    };
    let mut sink = Csv(Vec::new());
    if let Err(e) = TelephonyPlugin::new().generate(&request, &mut sink) {
        eprintln!("{e}");
        return ExitCode::FAILURE;
    }
    let mut out = std::io::stdout().lock();
    for line in &sink.0 {
        if writeln!(out, "{line}").is_err() {
            return ExitCode::FAILURE;
        }
    }
    ExitCode::SUCCESS
}
