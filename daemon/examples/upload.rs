//! Delivers one file to one configured destination, once (no retry), and prints the seconds
//! it took on stdout. For benchmarks (`bench/transfer-sftp`) and for trying a destination
//! by hand; works for every destination type.
//!
//! ```text
//! cargo run --release -p reportd --example upload -- \
//!     --config reportd.toml --destination acme-sftp --file big.bin [--name remote.bin]
//! ```
//! The file's sha256 is not computed (the transports do not need it), so a large file
//! costs only its transfer.

use std::path::PathBuf;
use std::time::Instant;

use anyhow::{Context, bail};
use clap::Parser;
use reportd::deliver::{Destination, OutgoingFile};

#[derive(Parser)]
struct Args {
    /// The reportd.toml holding the destination.
    #[arg(long)]
    config: PathBuf,
    /// The `[destinations.NAME]` to deliver to.
    #[arg(long)]
    destination: String,
    /// The local file to deliver.
    #[arg(long)]
    file: PathBuf,
    /// Name on the destination (default: the file's own name).
    #[arg(long)]
    name: Option<String>,
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let args = Args::parse();
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_env("REPORTD_LOG")
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("warn")),
        )
        .with_writer(std::io::stderr)
        .init();
    let plan = match reportd::config::load(&args.config) {
        Ok(plan) => plan,
        Err(e) => bail!("{e}"),
    };
    let Some(dest_plan) = plan.destinations.get(&args.destination) else {
        bail!(
            "no destination {:?} in {} (have: {})",
            args.destination,
            args.config.display(),
            plan.destinations
                .keys()
                .cloned()
                .collect::<Vec<_>>()
                .join(", ")
        );
    };
    let bytes = std::fs::metadata(&args.file)
        .with_context(|| format!("cannot stat {}", args.file.display()))?
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
        sha256: String::new(),
    };
    let dest = Destination::from_plan(dest_plan);
    let started = Instant::now();
    let receipt = dest.deliver(&file).await?;
    let secs = started.elapsed().as_secs_f64();
    eprintln!(
        "delivered {} bytes to {}",
        receipt.bytes, receipt.remote_path
    );
    println!("{secs:.3}");
    Ok(())
}
