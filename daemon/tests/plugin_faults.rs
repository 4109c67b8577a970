//! Plugin isolation: a plugin that panics, aborts, segfaults, hangs, has the wrong ABI or
//! is not a plugin at all fails its own call with a stable code, the host (this test
//! process) survives, and no partial file is left behind. Also the exact bytes of a good
//! report in two CSV dialects.
//!
//! The worker is the real `reportd` binary; the test plugins (`libreportd_faulty.so`,
//! `libreportd_wrongabi.so`) are found next to it, so run `cargo build --workspace` first.

// Test helpers outside #[test] functions may unwrap too.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use reportd::code::ErrorInfo;
use reportd::config::{Compression, CsvDialect, CsvMetadata, Format, Lang};
use reportd::plugin::{GenerateJob, GenerateOutcome, PluginHost};
use reportd_plugin_api::{Period, Request};
use sha2::{Digest, Sha256};

const TIMEOUT: Duration = Duration::from_secs(60);

fn exe() -> PathBuf {
    PathBuf::from(env!("CARGO_BIN_EXE_reportd"))
}

/// target/debug, where cargo puts the test plugins' cdylibs.
fn plugin_dir() -> PathBuf {
    let dir = exe().parent().unwrap().to_owned();
    for lib in ["libreportd_faulty.so", "libreportd_wrongabi.so"] {
        assert!(
            dir.join(lib).is_file(),
            "{} is missing: run `cargo build --workspace` first",
            dir.join(lib).display()
        );
    }
    dir
}

fn host() -> PluginHost {
    PluginHost::new(vec![plugin_dir()], exe())
}

fn request(report: &str, params: serde_json::Value) -> Request {
    Request {
        report: report.to_owned(),
        source: serde_json::Map::new(),
        params: params.as_object().cloned().unwrap_or_default(),
        period: Period {
            start_utc: 1_795_143_600,
            end_utc: 1_795_230_000,
            start_local: "2026-11-20T00:00:00".to_owned(),
            end_local: "2026-11-21T00:00:00".to_owned(),
            timezone: "America/Sao_Paulo".to_owned(),
        },
        run_id: "test-run".to_owned(),
        wait_for_data: false,
    }
}

fn job(report: &str, out_dir: &Path, dialect: CsvDialect) -> GenerateJob {
    GenerateJob {
        plugin: "faulty".to_owned(),
        request: request(report, serde_json::json!({})),
        out_dir: out_dir.to_owned(),
        file_name: "report.csv".to_owned(),
        format: Format::Csv(dialect),
        compress: Compression::None,
    }
}

async fn generate(
    report: &str,
    timeout: Duration,
) -> (Result<GenerateOutcome, ErrorInfo>, tempfile::TempDir) {
    let dir = tempfile::tempdir().unwrap();
    let r = host()
        .generate(
            &job(report, dir.path(), CsvDialect::default()),
            timeout,
            std::future::pending(),
        )
        .await;
    (r, dir)
}

/// Every entry of `dir` (hidden ones included).
fn entries(dir: &Path) -> Vec<String> {
    let mut v: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    v.sort();
    v
}

fn assert_failed(r: &Result<GenerateOutcome, ErrorInfo>, code: &str) -> ErrorInfo {
    match r {
        Ok(o) => panic!("expected {code}, got success: {o:?}"),
        Err(e) => {
            assert_eq!(e.code, code, "unexpected error: {e}");
            assert!(!e.hint.is_empty());
            e.clone()
        }
    }
}

#[tokio::test]
async fn ok_report_exact_bytes_default_dialect() {
    let (r, dir) = generate("faulty.ok", TIMEOUT).await;
    let out = r.unwrap();
    // pt-BR titles, `,` delimiter, `.` decimal, LF, footer. Row 1: 87.5 → 87.50, 125 400 ms
    // → 125 s, 1234×10^-2 → 12.34. Row 2: 12.345 → 12.35, 59 500 ms → 59.5 s → 60.
    // Row 3: duration int 3600 s; the quote in `Carla "C"` doubles. The definition has a
    // comma, so its footer cell is quoted; meta lines are sorted by key.
    let expected = format!(
        "Agente,Chamadas,Nível de serviço,TMA,Dia,Primeira chamada,Razão,Ativo\n\
         Ana,10,87.50,125,2026-11-20,2026-11-20 08:00:05,12.34,Sim\n\
         Bruno; Jr,0,12.35,60,2026-11-20,,0.25,Não\n\
         \"Carla \"\"C\"\"\",,,3600,,2026-11-20 23:59:59,7,Sim\n\
         \n\
         \"# definition: answered within 20s, over offered\"\n\
         # threshold_s: 20\n\
         # rows: 3\n\
         # period: 2026-11-20T00:00:00 .. 2026-11-21T00:00:00 (America/Sao_Paulo)\n\
         # generated_by: reportd {}\n",
        env!("CARGO_PKG_VERSION")
    );
    let path = dir.path().join("report.csv");
    let bytes = std::fs::read(&path).unwrap();
    assert_eq!(String::from_utf8(bytes.clone()).unwrap(), expected);
    assert_eq!(out.rows, 3);
    assert_eq!(out.file.name, "report.csv");
    assert_eq!(Path::new(&out.file.path), path);
    assert_eq!(out.file.bytes, bytes.len() as u64);
    assert_eq!(out.file.sha256, hex::encode(Sha256::digest(&bytes)));
    assert_eq!(out.warnings.len(), 1);
    assert_eq!(out.warnings[0].code, "MALFORMED_LINES");
    assert_eq!(out.warnings[0].count, 2);
    let meta: BTreeMap<String, String> = [
        ("definition", "answered within 20s, over offered"),
        ("threshold_s", "20"),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_owned(), v.to_owned()))
    .collect();
    assert_eq!(out.meta, meta);
    assert_eq!(entries(dir.path()), ["report.csv"]);
}

#[tokio::test]
async fn ok_report_exact_bytes_excel_dialect() {
    let dir = tempfile::tempdir().unwrap();
    let dialect = CsvDialect {
        delimiter: b';',
        bom: true,
        decimal: ',',
        date_format: "%d/%m/%Y".to_owned(),
        datetime_format: "%d/%m/%Y %H:%M:%S".to_owned(),
        lang: Lang::Es,
        duration_hms: true,
        crlf: true,
        metadata: CsvMetadata::Footer,
    };
    let out = host()
        .generate(
            &job("faulty.ok", dir.path(), dialect),
            TIMEOUT,
            std::future::pending(),
        )
        .await
        .unwrap();
    // 125 s = 00:02:05, 60 s = 00:01:00, 3600 s = 01:00:00. `Bruno; Jr` now holds the
    // delimiter and is quoted; the definition's comma no longer needs quotes.
    let expected = format!(
        "\u{feff}Agente;Llamadas;Nivel de servicio;TMO;Día;Primera llamada;Razón;Activo\r\n\
         Ana;10;87,50;00:02:05;20/11/2026;20/11/2026 08:00:05;12,34;Sí\r\n\
         \"Bruno; Jr\";0;12,35;00:01:00;20/11/2026;;0,25;No\r\n\
         \"Carla \"\"C\"\"\";;;01:00:00;;20/11/2026 23:59:59;7;Sí\r\n\
         \r\n\
         # definition: answered within 20s, over offered\r\n\
         # threshold_s: 20\r\n\
         # rows: 3\r\n\
         # period: 2026-11-20T00:00:00 .. 2026-11-21T00:00:00 (America/Sao_Paulo)\r\n\
         # generated_by: reportd {}\r\n",
        env!("CARGO_PKG_VERSION")
    );
    let bytes = std::fs::read(dir.path().join("report.csv")).unwrap();
    assert_eq!(String::from_utf8(bytes.clone()).unwrap(), expected);
    assert_eq!(out.file.bytes, bytes.len() as u64);
    assert_eq!(out.file.sha256, hex::encode(Sha256::digest(&bytes)));
}

#[tokio::test]
async fn panic_fails_the_run_as_crash_with_plugin_panic() {
    let (r, dir) = generate("faulty.panic", TIMEOUT).await;
    let e = assert_failed(&r, "PLUGIN_CRASH");
    assert!(e.message.contains("PLUGIN_PANIC"), "{e}");
    assert!(e.message.contains("deliberate panic in generate"), "{e}");
    assert!(entries(dir.path()).is_empty(), "{:?}", entries(dir.path()));
}

#[tokio::test]
async fn abort_is_a_crash_naming_sigabrt() {
    let (r, dir) = generate("faulty.abort", TIMEOUT).await;
    let e = assert_failed(&r, "PLUGIN_CRASH");
    assert!(e.message.contains("SIGABRT"), "{e}");
    // The stderr tail is quoted.
    assert!(e.message.contains("faulty plugin: aborting now"), "{e}");
    assert!(entries(dir.path()).is_empty(), "{:?}", entries(dir.path()));
}

#[tokio::test]
async fn segfault_is_a_crash_naming_sigsegv_and_the_host_survives() {
    let (r, dir) = generate("faulty.segfault", TIMEOUT).await;
    let e = assert_failed(&r, "PLUGIN_CRASH");
    assert!(e.message.contains("SIGSEGV"), "{e}");
    assert!(entries(dir.path()).is_empty(), "{:?}", entries(dir.path()));
    // Same host, next run: fine.
    let (r, _dir) = generate("faulty.ok", TIMEOUT).await;
    assert_eq!(r.unwrap().rows, 3);
}

#[tokio::test]
async fn hang_times_out_and_is_killed() {
    let started = Instant::now();
    let (r, dir) = generate("faulty.hang", Duration::from_secs(2)).await;
    let took = started.elapsed();
    let e = assert_failed(&r, "PLUGIN_TIMEOUT");
    assert!(e.message.contains("2s"), "{e}");
    assert!(took >= Duration::from_secs(2), "{took:?}");
    // Generous slack: the kill is immediate, but CI machines can be slow to spawn.
    assert!(took < Duration::from_secs(20), "{took:?}");
    assert!(entries(dir.path()).is_empty(), "{:?}", entries(dir.path()));
}

#[tokio::test]
async fn cancellation_kills_the_worker() {
    let dir = tempfile::tempdir().unwrap();
    let r = host()
        .generate(
            &job("faulty.hang", dir.path(), CsvDialect::default()),
            TIMEOUT,
            tokio::time::sleep(Duration::from_millis(300)),
        )
        .await;
    assert_failed(&r, "INTERRUPTED");
    assert!(entries(dir.path()).is_empty(), "{:?}", entries(dir.path()));
}

#[tokio::test]
async fn plugin_error_keeps_the_plugin_code_and_hint() {
    let (r, dir) = generate("faulty.error", TIMEOUT).await;
    let e = r.unwrap_err();
    assert_eq!(e.code, "PLUGIN_ERROR");
    assert!(
        e.message
            .contains("[SOURCE_UNREADABLE] cannot read /nonexistent/queue_log"),
        "{e}"
    );
    assert_eq!(e.hint, "check the source's queue_log path");
    assert!(entries(dir.path()).is_empty(), "{:?}", entries(dir.path()));
}

#[tokio::test]
async fn bad_row_is_a_plugin_error_not_a_panic() {
    let (r, dir) = generate("faulty.badrow", TIMEOUT).await;
    let e = assert_failed(&r, "PLUGIN_ERROR");
    assert!(
        e.message
            .contains("row 1 has 2 cells but the report declares 3 columns"),
        "{e}"
    );
    assert!(entries(dir.path()).is_empty(), "{:?}", entries(dir.path()));
}

#[tokio::test]
async fn unknown_report_in_generate() {
    let (r, dir) = generate("faulty.nope", TIMEOUT).await;
    let e = assert_failed(&r, "UNKNOWN_REPORT");
    assert!(e.message.contains("faulty.nope"), "{e}");
    assert!(entries(dir.path()).is_empty());
}

#[tokio::test]
async fn describe_lists_the_catalog() {
    let catalog = host().describe("faulty", TIMEOUT).await.unwrap();
    assert_eq!(catalog.plugin, "faulty");
    assert_eq!(catalog.reports.len(), 10);
    assert_eq!(catalog.report("faulty.ok").unwrap().columns.len(), 8);
}

#[tokio::test]
async fn validate_ok_and_invalid_lists_every_problem() {
    let h = host();
    h.validate(
        "faulty",
        &request("faulty.ok", serde_json::json!({})),
        TIMEOUT,
    )
    .await
    .unwrap();
    let e = h
        .validate(
            "faulty",
            &request("faulty.ok", serde_json::json!({"fail_validation": true})),
            TIMEOUT,
        )
        .await
        .unwrap_err();
    assert_eq!(e.code, "PLUGIN_INVALID");
    assert_eq!(
        e.message,
        "params.queue: unknown queue `nope` (use one of: sales, support); source.queue_log: file is missing"
    );
    let e = h
        .validate(
            "faulty",
            &request("faulty.nope", serde_json::json!({})),
            TIMEOUT,
        )
        .await
        .unwrap_err();
    assert_eq!(e.code, "PLUGIN_INVALID");
    assert_eq!(e.message, "report: unknown report `faulty.nope`");
}

#[tokio::test]
async fn wrong_abi_version_is_refused() {
    let e = host().describe("wrongabi", TIMEOUT).await.unwrap_err();
    assert_eq!(e.code, "PLUGIN_ABI");
    assert!(e.message.contains("libreportd_wrongabi.so"), "{e}");
    assert!(
        e.message
            .contains("built for plugin ABI version 999, but this reportd expects version 1"),
        "{e}"
    );
}

#[tokio::test]
async fn missing_library_lists_the_directories_searched() {
    let a = tempfile::tempdir().unwrap();
    let b = tempfile::tempdir().unwrap();
    let h = PluginHost::new(vec![a.path().to_owned(), b.path().to_owned()], exe());
    let e = h.describe("faulty", TIMEOUT).await.unwrap_err();
    assert_eq!(e.code, "PLUGIN_NOT_FOUND");
    assert!(e.message.contains("libreportd_faulty.so"), "{e}");
    assert!(e.message.contains(&a.path().display().to_string()), "{e}");
    assert!(e.message.contains(&b.path().display().to_string()), "{e}");
    // Same through locate, and for names that could escape the directory.
    assert_eq!(h.locate("faulty").unwrap_err(), e);
    assert_eq!(h.locate("../x").unwrap_err().code, "PLUGIN_NOT_FOUND");
    // The second directory is searched when the first lacks the file.
    let h = PluginHost::new(vec![a.path().to_owned(), plugin_dir()], exe());
    assert_eq!(
        h.locate("faulty").unwrap(),
        plugin_dir().join("libreportd_faulty.so")
    );
}

#[tokio::test]
async fn library_without_the_symbol_is_refused() {
    let libm = [
        "/lib/x86_64-linux-gnu/libm.so.6",
        "/usr/lib/x86_64-linux-gnu/libm.so.6",
        "/lib/aarch64-linux-gnu/libm.so.6",
        "/usr/lib/aarch64-linux-gnu/libm.so.6",
        "/lib64/libm.so.6",
        "/usr/lib64/libm.so.6",
    ]
    .into_iter()
    .find(|p| Path::new(p).is_file())
    .expect("no libm.so.6 found on this system");
    let dir = tempfile::tempdir().unwrap();
    std::fs::copy(libm, dir.path().join("libreportd_nosym.so")).unwrap();
    let h = PluginHost::new(vec![dir.path().to_owned()], exe());
    let e = h.describe("nosym", TIMEOUT).await.unwrap_err();
    assert_eq!(e.code, "PLUGIN_SYMBOL");
    assert!(e.message.contains("libreportd_nosym.so"), "{e}");
    assert!(e.message.contains("not a reportd plugin"), "{e}");
}

#[tokio::test]
async fn garbage_file_is_a_load_error() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("libreportd_garbage.so"), b"not an ELF file").unwrap();
    let h = PluginHost::new(vec![dir.path().to_owned()], exe());
    let e = h.describe("garbage", TIMEOUT).await.unwrap_err();
    assert_eq!(e.code, "PLUGIN_LOAD");
    assert!(e.message.contains("libreportd_garbage.so"), "{e}");
}

#[tokio::test]
async fn bad_file_name_is_refused_before_spawning() {
    let dir = tempfile::tempdir().unwrap();
    let mut j = job("faulty.ok", dir.path(), CsvDialect::default());
    j.file_name = "../escape.csv".to_owned();
    let r = host().generate(&j, TIMEOUT, std::future::pending()).await;
    assert_failed(&r, "INTERNAL");
    assert!(entries(dir.path()).is_empty());
}
