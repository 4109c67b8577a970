//! Streaming: a million-row report (~94 MB) is written by a worker whose peak memory stays
//! far below the file size. Its own test binary, so `RUSAGE_CHILDREN` sees only that worker.
//! Needs `cargo build --workspace` first (for `libreportd_faulty.so`).

// Test helpers outside #[test] functions may unwrap too.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::PathBuf;
use std::time::Duration;

use reportd::config::{Compression, CsvDialect, CsvMetadata, Format};
use reportd::plugin::{GenerateJob, PluginHost};
use reportd_plugin_api::{Period, Request};

const ROWS: u64 = 1_000_000;

/// Byte size of the `faulty.bigrows` CSV with the default dialect and no footer.
///
/// Header `N,Texto,X\n` = 10 bytes. Row n: digits(n) + `,` + 80 × `x` + `,` + the decimal
/// n × 10^-2 + `\n`; that decimal is `0.0d` / `0.dd` (4 bytes) below 100, else
/// digits(n) + 1 (the point). So a row is 2·digits(n) + 84 for n ≥ 100, and
/// digits(n) + 87 below.
fn expected_bytes(rows: u64) -> u64 {
    let digits = |n: u64| n.to_string().len() as u64;
    10 + (0..rows)
        .map(|n| {
            let dec = if n < 100 { 4 } else { digits(n) + 1 };
            digits(n) + 1 + 80 + 1 + dec + 1
        })
        .sum::<u64>()
}

fn max_rss_of_children_kib() -> i64 {
    // SAFETY: getrusage only fills the struct we pass.
    unsafe {
        let mut usage: libc::rusage = std::mem::zeroed();
        assert_eq!(libc::getrusage(libc::RUSAGE_CHILDREN, &mut usage), 0);
        usage.ru_maxrss
    }
}

#[tokio::test]
async fn a_million_rows_in_flat_memory() {
    let exe = PathBuf::from(env!("CARGO_BIN_EXE_reportd"));
    let dir = exe.parent().unwrap().to_owned();
    assert!(
        dir.join("libreportd_faulty.so").is_file(),
        "libreportd_faulty.so is missing: run `cargo build --workspace` first"
    );
    let out = tempfile::tempdir().unwrap();
    let job = GenerateJob {
        plugin: "faulty".to_owned(),
        request: Request {
            report: "faulty.bigrows".to_owned(),
            source: serde_json::Map::new(),
            params: serde_json::json!({ "rows": ROWS })
                .as_object()
                .cloned()
                .unwrap(),
            period: Period {
                start_utc: 0,
                end_utc: 86_400,
                start_local: "1970-01-01T00:00:00".to_owned(),
                end_local: "1970-01-02T00:00:00".to_owned(),
                timezone: "UTC".to_owned(),
            },
            run_id: "big".to_owned(),
            wait_for_data: false,
        },
        out_dir: out.path().to_owned(),
        file_name: "big.csv".to_owned(),
        format: Format::Csv(CsvDialect {
            metadata: CsvMetadata::None,
            ..CsvDialect::default()
        }),
        compress: Compression::None,
    };
    let host = PluginHost::new(vec![dir], exe);
    let outcome = host
        .generate(&job, Duration::from_secs(600), std::future::pending())
        .await
        .unwrap();
    assert_eq!(outcome.rows, ROWS);
    let expected = expected_bytes(ROWS);
    // Sanity of the formula on a tiny case: header 10 + row 0 `0,x…x,0.00\n` (1+1+80+1+4+1
    // = 88) = 98.
    assert_eq!(expected_bytes(1), 98);
    assert_eq!(outcome.file.bytes, expected);
    assert_eq!(
        std::fs::metadata(out.path().join("big.csv")).unwrap().len(),
        expected
    );
    // The file is ~94 MB; a worker that buffered rows would peak above it. 48 MiB leaves
    // room for the debug binary and allocator slack while proving rows are not kept.
    let rss_kib = max_rss_of_children_kib();
    eprintln!("worker peak RSS: {rss_kib} KiB for a {expected}-byte file");
    assert!(rss_kib > 0);
    assert!(
        rss_kib < 48 * 1024,
        "worker peak RSS {rss_kib} KiB for a {expected}-byte file"
    );
    assert!(expected > 90_000_000);
}
