//! Prints the JSON job that makes `reportd __worker` generate `faulty.bigrows` (the test
//! plugin's N rows of `n, 80 × "x", n/100`) into a file, so `bench/render/run.sh` can time
//! and measure the real worker process alone (`/usr/bin/time -v reportd __worker < job`).
//!
//! Usage: `render_job <plugin library> <out dir> <csv|xlsx> <none|gzip|zip> <rows>`

use std::path::PathBuf;

use anyhow::{Context, bail};
use reportd::config::{Compression, CsvDialect, CsvMetadata, XlsxMetadata, XlsxOptions};
use reportd::plugin::worker::{JobFormat, WorkerJob};
use reportd_plugin_api::{Period, Request};

fn main() -> anyhow::Result<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [library, out_dir, format, compress, rows] = args.as_slice() else {
        bail!("usage: render_job <plugin library> <out dir> <csv|xlsx> <none|gzip|zip> <rows>");
    };
    let rows: u64 = rows.parse().context("rows must be a whole number")?;
    // Metadata off: the files are the rows alone, as the peers write them.
    let (format, ext) = match format.as_str() {
        "csv" => (
            JobFormat::Csv {
                dialect: CsvDialect {
                    metadata: CsvMetadata::None,
                    ..CsvDialect::default()
                },
            },
            "csv",
        ),
        "xlsx" => (
            JobFormat::Xlsx {
                options: XlsxOptions {
                    metadata: XlsxMetadata::None,
                    ..XlsxOptions::default()
                },
            },
            "xlsx",
        ),
        other => bail!("unknown format {other:?}: use csv or xlsx"),
    };
    let compress = match compress.as_str() {
        "none" => Compression::None,
        "gzip" => Compression::Gzip,
        "zip" => Compression::Zip,
        other => bail!("unknown compression {other:?}: use none, gzip or zip"),
    };
    let mut params = serde_json::Map::new();
    params.insert("rows".to_owned(), rows.into());
    let job = WorkerJob::Generate {
        library: PathBuf::from(library),
        request: Request {
            report: "faulty.bigrows".to_owned(),
            source: serde_json::Map::new(),
            params,
            period: Period {
                start_utc: 0,
                end_utc: 86_400,
                start_local: "1970-01-01T00:00:00".to_owned(),
                end_local: "1970-01-02T00:00:00".to_owned(),
                timezone: "UTC".to_owned(),
            },
            run_id: "bench".to_owned(),
            wait_for_data: false,
        },
        out_dir: PathBuf::from(out_dir),
        file_name: format!("big.{ext}{}", compress.suffix()),
        format,
        compress,
    };
    println!("{}", serde_json::to_string(&job)?);
    Ok(())
}
