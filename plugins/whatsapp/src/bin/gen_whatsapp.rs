//! `reportd-gen-whatsapp`: writes a deterministic synthetic WhatsApp webhook archive (one
//! status POST per line) for benchmarks and demos.
//!
//! ```text
//! reportd-gen-whatsapp --events 5000000 --start 2026-11-01 --days 30 --seed 1 --out hooks.jsonl
//! ```
//! `--start` is a UTC date; `--out -` (default) writes to stdout.

use std::io::{BufWriter, Write};
use std::process::ExitCode;

use reportd_whatsapp::generator::{GenOptions, generate};

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let mut opts = GenOptions {
        events: 1_000_000,
        start_utc: 1_793_491_200, // 2026-11-01T00:00:00Z
        days: 30,
        seed: 1,
    };
    let mut out = "-".to_owned();
    let mut it = args.iter();
    while let Some(a) = it.next() {
        let Some(v) = it.next() else {
            eprintln!("{a} needs a value");
            return ExitCode::from(2);
        };
        let ok = match a.as_str() {
            "--events" => v.parse().map(|x| opts.events = x).is_ok(),
            "--days" => v.parse().map(|x| opts.days = x).is_ok(),
            "--seed" => v.parse().map(|x| opts.seed = x).is_ok(),
            "--start" => chrono::NaiveDate::parse_from_str(v, "%Y-%m-%d")
                .ok()
                .and_then(|d| d.and_hms_opt(0, 0, 0))
                .map(|d| opts.start_utc = d.and_utc().timestamp())
                .is_some(),
            "--out" => {
                out = v.clone();
                true
            }
            _ => false,
        };
        if !ok {
            eprintln!(
                "usage: reportd-gen-whatsapp [--events N] [--start YYYY-MM-DD] [--days D] [--seed S] [--out PATH|-]"
            );
            return ExitCode::from(2);
        }
    }
    let result = if out == "-" {
        let stdout = std::io::stdout();
        let mut w = BufWriter::with_capacity(1 << 20, stdout.lock());
        generate(&opts, &mut w).and_then(|s| w.flush().map(|_| s))
    } else {
        std::fs::File::create(&out).and_then(|f| {
            let mut w = BufWriter::with_capacity(1 << 20, f);
            generate(&opts, &mut w).and_then(|s| w.flush().map(|_| s))
        })
    };
    match result {
        Ok(s) => {
            eprintln!(
                "{} messages, {} status events, {} bytes",
                s.messages, s.events, s.bytes
            );
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
    }
}
