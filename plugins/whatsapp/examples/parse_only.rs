//! Parse-only throughput of the webhook model (no aggregation), for profiling.
use std::io::BufRead;
use std::time::Instant;

fn main() {
    let Some(path) = std::env::args().nth(1) else {
        return;
    };
    let Ok(f) = std::fs::File::open(&path) else {
        return;
    };
    let mut r = std::io::BufReader::with_capacity(1 << 18, f);
    let mut buf = Vec::new();
    let (mut bytes, mut n, mut ign) = (0usize, 0usize, 0usize);
    let t = Instant::now();
    let mut raw = std::time::Duration::ZERO;
    while r.read_until(b'\n', &mut buf).unwrap_or(0) > 0 {
        bytes += buf.len();
        n += reportd_whatsapp::webhook::parse_line(&buf, |_| {}).unwrap_or(0);
        let t2 = Instant::now();
        ign += serde_json::from_slice::<serde::de::IgnoredAny>(&buf).is_ok() as usize;
        raw += t2.elapsed();
        buf.clear();
    }
    let s = t.elapsed().as_secs_f64() - raw.as_secs_f64();
    println!(
        "{n} events {ign} · typed {:.0} MB/s · IgnoredAny {:.0} MB/s",
        bytes as f64 / 1e6 / s,
        bytes as f64 / 1e6 / raw.as_secs_f64()
    );
}
