//! Delivers one file to one configured destination, once, and prints how long it took (in
//! seconds, on stdout): the daemon's transport code without the scheduler, for benchmarks
//! against reference clients (`bench/transfer-*`) and for trying a destination by hand.
//!
//! ```text
//! cargo run --release -p reportd --example upload -- \
//!     --config reportd.toml --destination acme-ftp --file report.csv [--name remote.csv]
//! ```

use std::path::PathBuf;
use std::time::Instant;

use anyhow::{Context, bail};
use reportd::deliver::{Destination, OutgoingFile};

struct Args {
    config: PathBuf,
    destination: String,
    file: PathBuf,
    name: Option<String>,
}

fn parse_args() -> anyhow::Result<Args> {
    let mut config = None;
    let mut destination = None;
    let mut file = None;
    let mut name = None;
    let mut args = std::env::args().skip(1);
    while let Some(flag) = args.next() {
        let mut value = || args.next().with_context(|| format!("{flag} needs a value"));
        match flag.as_str() {
            "--config" => config = Some(PathBuf::from(value()?)),
            "--destination" => destination = Some(value()?),
            "--file" => file = Some(PathBuf::from(value()?)),
            "--name" => name = Some(value()?),
            other => bail!(
                "unknown argument {other:?}; usage: upload --config FILE --destination NAME --file PATH [--name REMOTE_NAME]"
            ),
        }
    }
    Ok(Args {
        config: config.unwrap_or_else(|| PathBuf::from("reportd.toml")),
        destination: destination.context("--destination NAME is required")?,
        file: file.context("--file PATH is required")?,
        name,
    })
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    tracing_subscriber::fmt()
        .with_writer(std::io::stderr)
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_env("REPORTD_LOG")
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("warn")),
        )
        .init();
    let args = parse_args()?;
    let plan = reportd::config::load(&args.config).map_err(|e| anyhow::anyhow!("{e}"))?;
    let Some(dest_plan) = plan.destinations.get(&args.destination) else {
        bail!(
            "no destination {:?} in {}",
            args.destination,
            args.config.display()
        );
    };
    let bytes = std::fs::metadata(&args.file)
        .with_context(|| format!("cannot read {}", args.file.display()))?
        .len();
    let name = match args.name {
        Some(n) => n,
        None => args
            .file
            .file_name()
            .context("--file has no file name")?
            .to_string_lossy()
            .into_owned(),
    };
    let file = OutgoingFile {
        path: args.file.clone(),
        name,
        bytes,
        // Transports do not read it; hashing 512 MiB would only slow the benchmark down.
        sha256: String::new(),
        context: None,
    };
    let destination = Destination::from_plan(dest_plan);
    let start = Instant::now();
    let receipt = destination
        .deliver(&file)
        .await
        .map_err(|e| anyhow::anyhow!("{e}\nhint: {}", e.code.hint()))?;
    let seconds = start.elapsed().as_secs_f64();
    eprintln!(
        "delivered {} bytes to {}",
        receipt.bytes, receipt.remote_path
    );
    println!("{seconds:.3}");
    Ok(())
}
