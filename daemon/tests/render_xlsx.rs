//! XLSX and compressed output, read back: typed cells per column type (calamine), the
//! frozen and filtered header and the sheet rollover (the sheet XML), the Info sheet, and
//! the worker end to end (`PluginHost::generate` with the faulty plugin's `faulty.ok`) to
//! XLSX, `.csv.gz`, `.csv.zip` and `.xlsx.zip`.
//!
//! The worker tests need `cargo build --workspace` first (for `libreportd_faulty.so`).

// Test helpers outside #[test] functions may unwrap too.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::io::{Cursor, Read};
use std::path::{Path, PathBuf};
use std::time::Duration;

use calamine::{Data, Reader, Xlsx, open_workbook};
use reportd::config::{Compression, CsvDialect, Format, Lang, XlsxMetadata, XlsxOptions};
use reportd::plugin::{GenerateJob, GenerateOutcome, PluginHost};
use reportd::render::xlsx::XlsxWriter;
use reportd_plugin_api::{Column, ColumnType, Period, Request, Value};
use sha2::{Digest, Sha256};

const TIMEOUT: Duration = Duration::from_secs(60);
/// 2026-11-20: 20 777 days after 1970-01-01 (see the CSV tests); Excel serial
/// 20 777 + 25 569 = 46 346.
const DAY: i32 = 20_777;
const DAY_SERIAL: f64 = 46_346.0;

fn period() -> Period {
    Period {
        start_utc: 1_795_143_600,
        end_utc: 1_795_230_000,
        start_local: "2026-11-20T00:00:00".to_owned(),
        end_local: "2026-11-21T00:00:00".to_owned(),
        timezone: "America/Sao_Paulo".to_owned(),
    }
}

fn all_columns() -> Vec<Column> {
    vec![
        Column::new("agent", ColumnType::Text, "Agent", "Agente", "Agente"),
        Column::new(
            "calls",
            ColumnType::Integer,
            "Calls",
            "Chamadas",
            "Llamadas",
        ),
        Column::new("ratio", ColumnType::Decimal, "Ratio", "Razão", "Razón"),
        Column::new("sl", ColumnType::Percent, "SL", "Nível de serviço", "NS"),
        Column::new("aht", ColumnType::DurationS, "AHT", "TMA", "TMO"),
        Column::new("ring", ColumnType::DurationMs, "Ring", "Toque", "Timbre"),
        Column::new("day", ColumnType::Date, "Day", "Dia", "Día"),
        Column::new("at", ColumnType::Datetime, "At", "Em", "En"),
        Column::new("time", ColumnType::Time, "Time", "Hora", "Hora"),
        Column::new("active", ColumnType::Boolean, "Active", "Ativo", "Activo"),
        Column::new("kind", ColumnType::Enum, "Kind", "Tipo", "Tipo"),
    ]
}

/// Row 1 of every type, then a row of nulls.
fn all_rows() -> Vec<Vec<Value<'static>>> {
    vec![
        vec![
            Value::Text("Ana \"A\" & <co>"),
            Value::Int(10),
            Value::Decimal {
                mantissa: 1234,
                scale: 2,
            },
            Value::Float(87.5),
            Value::Duration(125_400),
            Value::Duration(1_234),
            Value::Date(DAY),
            // 08:00:05 = 28 805 s.
            Value::DateTime(i64::from(DAY) * 86_400 + 28_805),
            // 12:00:00.
            Value::Time(43_200),
            Value::Bool(true),
            Value::Int(3),
        ],
        vec![Value::Null; 11],
    ]
}

fn sheet_xml(path: &Path, index: usize) -> String {
    let bytes = std::fs::read(path).unwrap();
    let mut zip = zip::ZipArchive::new(Cursor::new(bytes)).unwrap();
    let mut xml = String::new();
    zip.by_name(&format!("xl/worksheets/sheet{index}.xml"))
        .unwrap()
        .read_to_string(&mut xml)
        .unwrap();
    xml
}

fn zip_text(path: &Path, name: &str) -> String {
    let bytes = std::fs::read(path).unwrap();
    let mut zip = zip::ZipArchive::new(Cursor::new(bytes)).unwrap();
    let mut xml = String::new();
    zip.by_name(name).unwrap().read_to_string(&mut xml).unwrap();
    xml
}

fn float(d: Option<&Data>) -> f64 {
    match d {
        Some(Data::Float(f)) => *f,
        Some(Data::Int(i)) => *i as f64,
        other => panic!("not a number: {other:?}"),
    }
}

fn datetime(d: Option<&Data>) -> (f64, bool) {
    match d {
        Some(Data::DateTime(dt)) => (dt.as_f64(), dt.is_duration()),
        other => panic!("not an Excel date/time: {other:?}"),
    }
}

fn string(d: Option<&Data>) -> String {
    match d {
        Some(Data::String(s)) => s.clone(),
        other => panic!("not a string: {other:?}"),
    }
}

fn write_all_types(path: &Path, options: &XlsxOptions) -> (u64, String) {
    let mut w = XlsxWriter::create(path, options, "Serviço: fila/agente").unwrap();
    w.set_period(&period());
    w.begin(&all_columns()).unwrap();
    for row in all_rows() {
        w.row(&row).unwrap();
    }
    w.meta("threshold_s", "20");
    w.meta("definition", "answered within 20s");
    assert_eq!(w.rows(), 2);
    w.finish().unwrap()
}

#[test]
fn typed_cells_read_back() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("r.xlsx");
    let (bytes, sha) = write_all_types(&path, &XlsxOptions::default());
    let file = std::fs::read(&path).unwrap();
    assert_eq!(bytes, file.len() as u64);
    assert_eq!(sha, hex::encode(Sha256::digest(&file)));

    let mut book: Xlsx<_> = open_workbook(&path).unwrap();
    // Default sheet name: the title with `:` and `/` replaced; then Info.
    assert_eq!(book.sheet_names(), ["Serviço- fila-agente", "Info"]);
    let data = book.worksheet_range("Serviço- fila-agente").unwrap();
    // pt-BR header.
    let header: Vec<String> = (0..11).map(|c| string(data.get_value((0, c)))).collect();
    assert_eq!(
        header,
        [
            "Agente",
            "Chamadas",
            "Razão",
            "Nível de serviço",
            "TMA",
            "Toque",
            "Dia",
            "Em",
            "Hora",
            "Ativo",
            "Tipo"
        ]
    );
    assert_eq!(string(data.get_value((1, 0))), "Ana \"A\" & <co>");
    assert_eq!(float(data.get_value((1, 1))), 10.0);
    assert_eq!(float(data.get_value((1, 2))), 12.34);
    // 87.5 % is the number 0.875 shown as a percentage.
    assert_eq!(float(data.get_value((1, 3))), 0.875);
    // 125 400 ms → 125 s (seconds, a plain number by default).
    assert_eq!(float(data.get_value((1, 4))), 125.0);
    assert_eq!(float(data.get_value((1, 5))), 1234.0);
    assert_eq!(datetime(data.get_value((1, 6))), (DAY_SERIAL, false));
    // 28 805 / 86 400 of a day after the date.
    assert_eq!(
        datetime(data.get_value((1, 7))),
        (DAY_SERIAL + 28_805.0 / 86_400.0, false)
    );
    assert_eq!(datetime(data.get_value((1, 8))), (0.5, false));
    assert_eq!(data.get_value((1, 9)), Some(&Data::Bool(true)));
    // An int in an enum column is text.
    assert_eq!(string(data.get_value((1, 10))), "3");
    // Nulls are blank cells.
    for c in 0..11 {
        assert!(
            matches!(data.get_value((2, c)), None | Some(Data::Empty)),
            "column {c}: {:?}",
            data.get_value((2, c))
        );
    }

    let styles = zip_text(&path, "xl/styles.xml");
    for code in ["0.00%", "yyyy-mm-dd", "yyyy-mm-dd hh:mm:ss", "hh:mm:ss"] {
        assert!(
            styles.contains(&format!("formatCode=\"{code}\"")),
            "{code} missing from styles.xml"
        );
    }
    // Bold header on the light fill.
    assert!(styles.contains("<b/>"), "{styles}");
    assert!(styles.contains("FFD9E1F2"), "{styles}");

    let xml = sheet_xml(&path, 1);
    // Header frozen at row 1, autofilter over header + 2 rows × 11 columns (A..K).
    assert!(
        xml.contains(
            r#"<pane ySplit="1" topLeftCell="A2" activePane="bottomLeft" state="frozen"/>"#
        ),
        "{xml}"
    );
    assert!(xml.contains(r#"<autoFilter ref="A1:K3"/>"#), "{xml}");
    // Column widths by type: "Nível de serviço" (16 chars) → 21; Datetime minimum 19;
    // Excel stores width + 0.7109375 padding for the default font.
    assert!(
        xml.contains(r#"<col min="4" max="4" width="21.7109375""#),
        "{xml}"
    );
    assert!(
        xml.contains(r#"<col min="8" max="8" width="19.7109375""#),
        "{xml}"
    );

    let info = book.worksheet_range("Info").unwrap();
    let items: Vec<(String, String)> = (0..info.height() as u32)
        .map(|r| {
            let value = match info.get_value((r, 1)) {
                Some(Data::Float(f)) => f.to_string(),
                other => string(other),
            };
            (string(info.get_value((r, 0))), value)
        })
        .collect();
    let expected: Vec<(String, String)> = [
        ("definition", "answered within 20s".to_owned()),
        ("threshold_s", "20".to_owned()),
        ("rows", "2".to_owned()),
        (
            "period",
            "2026-11-20T00:00:00 .. 2026-11-21T00:00:00 (America/Sao_Paulo)".to_owned(),
        ),
        (
            "generated_by",
            format!("reportd {}", env!("CARGO_PKG_VERSION")),
        ),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_owned(), v))
    .collect();
    assert_eq!(items, expected);
}

#[test]
fn options_hms_formats_name_and_no_info() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("r.xlsx");
    let options = XlsxOptions {
        lang: Lang::Es,
        date_format: "dd/mm/yyyy".to_owned(),
        datetime_format: "dd/mm/yyyy hh:mm".to_owned(),
        sheet_name: Some("Agentes".to_owned()),
        duration_hms: true,
        metadata: XlsxMetadata::None,
    };
    write_all_types(&path, &options);
    let mut book: Xlsx<_> = open_workbook(&path).unwrap();
    assert_eq!(book.sheet_names(), ["Agentes"]);
    let data = book.worksheet_range("Agentes").unwrap();
    assert_eq!(string(data.get_value((0, 1))), "Llamadas");
    // 125 s as an Excel duration: 125 / 86 400 of a day, format [h]:mm:ss.
    assert_eq!(datetime(data.get_value((1, 4))), (125.0 / 86_400.0, true));
    let styles = zip_text(&path, "xl/styles.xml");
    for code in ["[h]:mm:ss", "dd/mm/yyyy", "dd/mm/yyyy hh:mm"] {
        assert!(styles.contains(&format!("formatCode=\"{code}\"")), "{code}");
    }
}

#[test]
fn rows_beyond_a_sheet_continue_on_the_next_with_the_header() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("r.xlsx");
    let mut w = XlsxWriter::create(&path, &XlsxOptions::default(), "Calls").unwrap();
    w.set_rows_per_sheet(2);
    let cols = vec![Column::new("n", ColumnType::Integer, "N", "N", "N")];
    w.begin(&cols).unwrap();
    for n in 0..5 {
        w.row(&[Value::Int(n)]).unwrap();
    }
    // 5 rows at 2 per sheet: 2 + 2 + 1 = 3 sheets.
    assert_eq!(w.sheets(), 3);
    w.finish().unwrap();
    let mut book: Xlsx<_> = open_workbook(&path).unwrap();
    assert_eq!(
        book.sheet_names(),
        ["Calls", "Calls (2)", "Calls (3)", "Info"]
    );
    let mut seen = Vec::new();
    for name in ["Calls", "Calls (2)", "Calls (3)"] {
        let r = book.worksheet_range(name).unwrap();
        assert_eq!(string(r.get_value((0, 0))), "N", "header on {name}");
        for row in 1..r.height() as u32 {
            seen.push(float(r.get_value((row, 0))));
        }
    }
    assert_eq!(seen, [0.0, 1.0, 2.0, 3.0, 4.0]);
    // Each sheet frozen and filtered over its own rows: A1:A3, A1:A3, A1:A2.
    for (i, last) in [(1, 3), (2, 3), (3, 2)] {
        let xml = sheet_xml(&path, i);
        assert!(xml.contains(r#"state="frozen""#), "sheet {i}");
        assert!(
            xml.contains(&format!(r#"<autoFilter ref="A1:A{last}"/>"#)),
            "sheet {i}: {xml}"
        );
    }
    let info = book.worksheet_range("Info").unwrap();
    let keys: Vec<String> = (0..info.height() as u32)
        .map(|r| string(info.get_value((r, 0))))
        .collect();
    assert_eq!(keys, ["rows", "sheets", "generated_by"]);
    assert_eq!(float(info.get_value((1, 1))), 3.0);
}

#[test]
fn overlong_text_is_cut_at_excels_limit_and_counted() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("r.xlsx");
    let mut w = XlsxWriter::create(&path, &XlsxOptions::default(), "T").unwrap();
    w.begin(&[Column::new("t", ColumnType::Text, "T", "T", "T")])
        .unwrap();
    // 40 000 × `é` (2 bytes each): cut to 32 767 characters.
    let long = "é".repeat(40_000);
    w.row(&[Value::Text(&long)]).unwrap();
    w.row(&[Value::Text("short")]).unwrap();
    assert_eq!(w.truncated_cells(), 1);
    w.finish().unwrap();
    let mut book: Xlsx<_> = open_workbook(&path).unwrap();
    let r = book.worksheet_range("T").unwrap();
    assert_eq!(string(r.get_value((1, 0))).chars().count(), 32_767);
    assert_eq!(string(r.get_value((2, 0))), "short");
}

#[test]
fn bad_cells_are_plugin_errors() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("r.xlsx");
    let mut w = XlsxWriter::create(&path, &XlsxOptions::default(), "T").unwrap();
    assert_eq!(
        w.row(&[Value::Null]).unwrap_err().to_string(),
        "the plugin sent rows before declaring its columns"
    );
    w.begin(&all_columns()).unwrap();
    let mut row = all_rows().remove(0);
    row[6] = Value::Text("2026-11-20");
    let e = w.row(&row).unwrap_err();
    assert_eq!(
        e.to_string(),
        "row 1, column `day` (date): a text value does not fit this column"
    );
    assert_eq!(e.code(), reportd::code::Code::PluginError);
    assert_eq!(
        w.row(&row[..3]).unwrap_err().to_string(),
        "row 1 has 3 cells but the report declares 11 columns"
    );
}

// ---- through the worker ----------------------------------------------------------------

fn exe() -> PathBuf {
    PathBuf::from(env!("CARGO_BIN_EXE_reportd"))
}

fn host() -> PluginHost {
    let dir = exe().parent().unwrap().to_owned();
    assert!(
        dir.join("libreportd_faulty.so").is_file(),
        "libreportd_faulty.so is missing: run `cargo build --workspace` first"
    );
    PluginHost::new(vec![dir], exe())
}

async fn generate(
    out: &Path,
    file_name: &str,
    format: Format,
    compress: Compression,
) -> GenerateOutcome {
    let job = GenerateJob {
        plugin: "faulty".to_owned(),
        request: Request {
            report: "faulty.ok".to_owned(),
            source: serde_json::Map::new(),
            params: serde_json::Map::new(),
            period: period(),
            run_id: "xlsx-run".to_owned(),
            wait_for_data: false,
        },
        out_dir: out.to_owned(),
        file_name: file_name.to_owned(),
        format,
        compress,
    };
    host()
        .generate(&job, TIMEOUT, std::future::pending())
        .await
        .unwrap()
}

/// Every entry of `dir` (hidden ones included), sorted.
fn entries(dir: &Path) -> Vec<String> {
    let mut v: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    v.sort();
    v
}

fn assert_artifact(out: &GenerateOutcome, path: &Path) -> Vec<u8> {
    let bytes = std::fs::read(path).unwrap();
    assert_eq!(out.file.bytes, bytes.len() as u64);
    assert_eq!(out.file.sha256, hex::encode(Sha256::digest(&bytes)));
    bytes
}

#[tokio::test]
async fn worker_writes_faulty_ok_as_xlsx() {
    let dir = tempfile::tempdir().unwrap();
    let out = generate(
        dir.path(),
        "report.xlsx",
        Format::Xlsx(XlsxOptions::default()),
        Compression::None,
    )
    .await;
    assert_eq!(out.rows, 3);
    assert_eq!(entries(dir.path()), ["report.xlsx"]);
    let path = dir.path().join("report.xlsx");
    assert_artifact(&out, &path);
    let mut book: Xlsx<_> = open_workbook(&path).unwrap();
    // The faulty plugin titles each report with its id.
    assert_eq!(book.sheet_names(), ["faulty.ok", "Info"]);
    let r = book.worksheet_range("faulty.ok").unwrap();
    assert_eq!(string(r.get_value((0, 2))), "Nível de serviço");
    // Row 1: Ana, 10, 87.5 % → 0.875, 125 400 ms → 125 s, the day, 08:00:05, 12.34, true.
    assert_eq!(string(r.get_value((1, 0))), "Ana");
    assert_eq!(float(r.get_value((1, 1))), 10.0);
    assert_eq!(float(r.get_value((1, 2))), 0.875);
    assert_eq!(float(r.get_value((1, 3))), 125.0);
    assert_eq!(datetime(r.get_value((1, 4))), (DAY_SERIAL, false));
    assert_eq!(
        datetime(r.get_value((1, 5))),
        (DAY_SERIAL + 28_805.0 / 86_400.0, false)
    );
    assert_eq!(float(r.get_value((1, 6))), 12.34);
    assert_eq!(r.get_value((1, 7)), Some(&Data::Bool(true)));
    // Row 2: 12.345 % → 0.12345 (full precision, shown 12.35%), 59 500 ms → 60 s.
    assert_eq!(string(r.get_value((2, 0))), "Bruno; Jr");
    assert_eq!(float(r.get_value((2, 2))), 0.12345);
    assert_eq!(float(r.get_value((2, 3))), 60.0);
    assert_eq!(r.get_value((2, 7)), Some(&Data::Bool(false)));
    // Row 3: nulls are blank; the int 3600 is 3600 s; 23:59:59.
    assert_eq!(string(r.get_value((3, 0))), "Carla \"C\"");
    assert!(matches!(r.get_value((3, 1)), None | Some(Data::Empty)));
    assert_eq!(float(r.get_value((3, 3))), 3600.0);
    assert_eq!(float(r.get_value((3, 6))), 7.0);
    let info = book.worksheet_range("Info").unwrap();
    assert_eq!(string(info.get_value((0, 0))), "definition");
    assert_eq!(
        string(info.get_value((0, 1))),
        "answered within 20s, over offered"
    );
    assert_eq!(out.meta["threshold_s"], "20");
}

#[tokio::test]
async fn worker_compresses_csv_to_the_same_bytes() {
    let dir = tempfile::tempdir().unwrap();
    let csv = Format::Csv(CsvDialect::default());
    let plain = generate(dir.path(), "r.csv", csv.clone(), Compression::None).await;
    let plain_bytes = assert_artifact(&plain, &dir.path().join("r.csv"));

    let gz = generate(dir.path(), "r.csv.gz", csv.clone(), Compression::Gzip).await;
    let gz_bytes = assert_artifact(&gz, &dir.path().join("r.csv.gz"));
    let mut back = Vec::new();
    let mut decoder = flate2::read::GzDecoder::new(&gz_bytes[..]);
    decoder.read_to_end(&mut back).unwrap();
    assert_eq!(back, plain_bytes);
    assert_eq!(decoder.header().unwrap().filename(), Some(&b"r.csv"[..]));
    assert_eq!(gz.rows, 3);

    let zipped = generate(dir.path(), "r.csv.zip", csv, Compression::Zip).await;
    let zip_bytes = assert_artifact(&zipped, &dir.path().join("r.csv.zip"));
    let mut archive = zip::ZipArchive::new(Cursor::new(zip_bytes)).unwrap();
    assert_eq!(archive.len(), 1);
    let mut entry = archive.by_index(0).unwrap();
    assert_eq!(entry.name().unwrap(), "r.csv");
    let mut back = Vec::new();
    entry.read_to_end(&mut back).unwrap();
    assert_eq!(back, plain_bytes);
    // No part or raw file left behind.
    assert_eq!(entries(dir.path()), ["r.csv", "r.csv.gz", "r.csv.zip"]);
}

#[tokio::test]
async fn worker_zips_xlsx() {
    let dir = tempfile::tempdir().unwrap();
    let out = generate(
        dir.path(),
        "r.xlsx.zip",
        Format::Xlsx(XlsxOptions::default()),
        Compression::Zip,
    )
    .await;
    let bytes = assert_artifact(&out, &dir.path().join("r.xlsx.zip"));
    let mut archive = zip::ZipArchive::new(Cursor::new(bytes)).unwrap();
    let mut entry = archive.by_name("r.xlsx").unwrap();
    let mut xlsx = Vec::new();
    entry.read_to_end(&mut xlsx).unwrap();
    let mut book = Xlsx::new(Cursor::new(xlsx)).unwrap();
    let r = book.worksheet_range("faulty.ok").unwrap();
    assert_eq!(float(r.get_value((1, 1))), 10.0);
    assert_eq!(entries(dir.path()), ["r.xlsx.zip"]);
}
