//! The queue_log generator: deterministic, parseable by the plugin, realistic volume.
#![allow(clippy::unwrap_used, clippy::expect_used)] // test helpers outside #[test] fns

mod common;

use common::*;
use reportd_telephony::generator::{GenOptions, generate, parse_local};
use serde_json::json;

fn opts(seed: u64) -> GenOptions {
    let tz = TZ.parse().unwrap();
    GenOptions {
        from_utc: parse_local("2026-11-20T00:00", tz).unwrap(),
        to_utc: parse_local("2026-11-21T00:00", tz).unwrap(),
        tz,
        queues: vec!["sales".into(), "support".into(), "billing".into()],
        calls_per_hour: 60.0,
        seed,
        malformed_every: None,
        max_lines: None,
    }
}

fn bytes(o: &GenOptions) -> (Vec<u8>, reportd_telephony::generator::GenStats) {
    let mut v = Vec::new();
    let s = generate(o, &mut v).unwrap();
    (v, s)
}

#[test]
fn local_times_parse_in_the_zone() {
    // 2026-11-20T00:00 in Sao Paulo = 03:00Z = T0.
    assert_eq!(opts(1).from_utc, T0);
    assert_eq!(opts(1).to_utc, T0 + DAY);
}

#[test]
fn same_seed_same_bytes() {
    let (a, sa) = bytes(&opts(42));
    let (b, sb) = bytes(&opts(42));
    assert_eq!(sa, sb);
    assert!(a == b, "same seed must give identical output");
    let (c, _) = bytes(&opts(43));
    assert!(a != c, "another seed gives another file");
}

#[test]
fn output_is_chronological_and_volume_is_plausible() {
    let (data, stats) = bytes(&opts(42));
    let text = String::from_utf8(data).unwrap();
    let times: Vec<i64> = text
        .lines()
        .map(|l| l.split('|').next().unwrap().parse().unwrap())
        .collect();
    assert!(!times.is_empty());
    assert!(times.windows(2).all(|w| w[0] <= w[1]), "not chronological");
    assert_eq!(times.len() as u64, stats.lines);
    // 60 calls/hour × 24 h = 1440 expected arrivals; Poisson sd ≈ 38, allow ±10 %.
    assert!(
        (1296..=1584).contains(&stats.calls),
        "calls = {}",
        stats.calls
    );
    let count = |ev: &str| {
        text.lines()
            .filter(|l| l.split('|').nth(4) == Some(ev))
            .count() as f64
    };
    let entries = count("ENTERQUEUE");
    assert_eq!(entries as u64, stats.queue_entries);
    // Shares of queue entries: ~80 % CONNECT, ~12 % ABANDON; some of every other kind.
    let connect = count("CONNECT") / entries;
    let abandon = count("ABANDON") / entries;
    assert!((0.74..0.86).contains(&connect), "connect share {connect}");
    assert!((0.08..0.16).contains(&abandon), "abandon share {abandon}");
    for ev in [
        "EXITWITHTIMEOUT",
        "EXITWITHKEY",
        "RINGNOANSWER",
        "BLINDTRANSFER",
        "COMPLETECALLER",
        "COMPLETEAGENT",
        "ADDMEMBER",
        "PAUSE",
        "UNPAUSE",
        "REMOVEMEMBER",
    ] {
        assert!(count(ev) > 0.0, "no {ev}");
    }
    // Daytime curve: more arrivals 09–17 h local than 00–08 h.
    let hour_of = |t: i64| ((t - T0).rem_euclid(DAY)) / 3600;
    let enters: Vec<i64> = text
        .lines()
        .filter(|l| l.contains("|ENTERQUEUE|"))
        .map(|l| l.split('|').next().unwrap().parse().unwrap())
        .collect();
    let night = enters.iter().filter(|t| hour_of(**t) < 8).count();
    let day = enters
        .iter()
        .filter(|t| (9..17).contains(&hour_of(**t)))
        .count();
    assert!(day > 5 * night, "day {day} night {night}");
}

#[test]
fn plugin_reads_it_with_zero_malformed_lines() {
    let (data, stats) = bytes(&opts(7));
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("queue_log");
    std::fs::write(&p, &data).unwrap();
    let out = run(&day_request(
        "telephony.abandonment_rate",
        &p,
        json!({}),
        json!({}),
    ))
    .unwrap();
    assert_eq!(out.meta["malformed_lines"], "0");
    assert_eq!(out.meta["lines_read"], stats.lines.to_string());
    assert!(out.warnings.is_empty(), "{:?}", out.warnings);
    let all = out.kpi("*", T0_LOCAL);
    // Every queue entry of the day is offered (all arrivals are inside the period, and
    // overflows re-enter at most 300 s later; those after midnight fall outside).
    let Cell::Int(offered) = all["offered"] else {
        panic!()
    };
    assert!(offered as u64 <= stats.queue_entries);
    assert!(
        offered as u64 >= stats.queue_entries - 5,
        "{offered} vs {}",
        stats.queue_entries
    );
    let Cell::Float(pct) = all["pct_abandon"] else {
        panic!()
    };
    assert!((8.0..16.0).contains(&pct), "pct_abandon {pct}");
}

#[test]
fn malformed_every_and_line_limit() {
    let mut o = opts(3);
    o.malformed_every = Some(100);
    let (data, stats) = bytes(&o);
    // One malformed line after every 100 valid ones.
    assert_eq!(stats.malformed, (stats.lines - stats.malformed) / 100);
    assert!(stats.malformed > 0);
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("queue_log");
    std::fs::write(&p, &data).unwrap();
    let out = run(&day_request(
        "telephony.service_level",
        &p,
        json!({}),
        json!({}),
    ))
    .unwrap();
    let w = out.warning("MALFORMED_LINES").unwrap();
    assert_eq!(w.count, stats.malformed);
    assert_eq!(w.examples.len(), 5);

    let mut o = opts(3);
    o.max_lines = Some(500);
    o.to_utc = o.from_utc + 365 * DAY;
    let (data, stats) = bytes(&o);
    assert_eq!(stats.lines, 500);
    assert_eq!(data.iter().filter(|b| **b == b'\n').count(), 500);
}

#[test]
fn cancellation_stops_a_long_scan() {
    // > 64 Ki lines so the scanner checks the flag at least once.
    let mut o = opts(5);
    o.calls_per_hour = 3000.0;
    let (data, stats) = bytes(&o);
    assert!(stats.lines > 70_000, "{}", stats.lines);
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("queue_log");
    std::fs::write(&p, &data).unwrap();
    let req = day_request("telephony.service_level", &p, json!({}), json!({}));
    let mut sink = Collect {
        cancel: true,
        ..Collect::default()
    };
    use reportd_plugin_api::Plugin;
    let err = reportd_telephony::TelephonyPlugin::new()
        .generate(&req, &mut sink)
        .unwrap_err();
    assert_eq!(err.code, "CANCELLED");
    assert!(sink.rows.is_empty());
}

#[test]
fn binary_writes_the_same_bytes() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("ql");
    let status = std::process::Command::new(env!("CARGO_BIN_EXE_reportd-gen-queue-log"))
        .args([
            "--from",
            "2026-11-20T00:00",
            "--to",
            "2026-11-21T00:00",
            "--tz",
            TZ,
            "--queues",
            "sales,support,billing",
            "--calls-per-hour",
            "60",
            "--seed",
            "42",
            "--out",
            out.to_str().unwrap(),
        ])
        .status()
        .unwrap();
    assert!(status.success());
    let (expected, _) = bytes(&opts(42));
    assert!(std::fs::read(&out).unwrap() == expected);

    let bad = std::process::Command::new(env!("CARGO_BIN_EXE_reportd-gen-queue-log"))
        .args(["--from", "yesterday"])
        .output()
        .unwrap();
    assert_eq!(bad.status.code(), Some(2));
}
