//! Deterministic synthetic webhook archive for benchmarks and demos: status POSTs (one per
//! line, Meta's shape, PMP pricing) for outbound messages spread evenly over a number of
//! days. Each message gets `sent`, then usually `delivered` and `read`; some fail with an
//! error, some statuses are delivered twice, some `read` arrive before `delivered`.
//! The same options always give the same bytes.

use std::io::{self, Write};

/// What to generate.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct GenOptions {
    /// Number of status events (lines) to write.
    pub events: u64,
    /// First instant, Unix seconds.
    pub start_utc: i64,
    /// Days the messages are spread over.
    pub days: u32,
    pub seed: u64,
}

/// What was generated.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct GenStats {
    pub messages: u64,
    pub events: u64,
    pub bytes: u64,
}

/// xorshift64*: small, fast, deterministic.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
    /// A number in `0..n`.
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n.max(1)
    }
}

const CATEGORIES: [&str; 4] = ["marketing", "utility", "authentication", "service"];

/// Writes the archive to `w` (buffer it).
pub fn generate(opts: &GenOptions, w: &mut impl Write) -> io::Result<GenStats> {
    let mut rng = Rng(opts.seed | 1);
    let mut st = GenStats::default();
    // ~2.6 status events per message on average (see the mix below).
    let messages = (opts.events * 10 / 26).max(1);
    let span = i64::from(opts.days.max(1)) * 86_400;
    let mut line = String::with_capacity(1024);
    let mut msg = 0u64;
    while st.events < opts.events {
        let ts = opts.start_utc + (msg as i64 * span) / messages as i64;
        let recipient = 5_511_900_000_000u64 + rng.below(1_000_000);
        let cat = CATEGORIES[rng.below(4) as usize];
        let kind = if cat == "service" {
            "free_customer_service"
        } else {
            "regular"
        };
        let roll = rng.below(100);
        // (status, delay s): 5 % fail, 30 % stop at delivered, 65 % read; 3 % of reads come
        // before delivered; 5 % of messages get a duplicate sent.
        let mut seq: Vec<(&str, i64)> = vec![("sent", 1)];
        if roll < 5 {
            seq.push(("failed", 2));
        } else {
            seq.push(("delivered", 3 + rng.below(60) as i64));
            if roll >= 35 {
                seq.push(("read", 60 + rng.below(3600) as i64));
                if rng.below(100) < 3 {
                    let n = seq.len();
                    seq.swap(n - 2, n - 1);
                }
            }
        }
        if rng.below(100) < 5 {
            seq.push(("sent", 1));
        }
        for (status, delay) in seq {
            if st.events >= opts.events {
                break;
            }
            line.clear();
            use std::fmt::Write as _;
            let _ = write!(
                line,
                "{{\"object\":\"whatsapp_business_account\",\"entry\":[{{\"id\":\"102290129340398\",\"changes\":[{{\"value\":{{\"messaging_product\":\"whatsapp\",\"metadata\":{{\"display_phone_number\":\"15550001111\",\"phone_number_id\":\"106540352242922\"}},\"statuses\":[{{\"id\":\"wamid.HBgLNTUxMTk{recipient:013}FQIAERgS{msg:016X}AA==\",\"status\":\"{status}\",\"timestamp\":\"{}\",\"recipient_id\":\"{recipient}\"",
                ts + delay
            );
            if status == "failed" {
                line.push_str(",\"errors\":[{\"code\":131026,\"title\":\"Message undeliverable\",\"message\":\"Message undeliverable\",\"error_data\":{\"details\":\"Message Undeliverable.\"}}]");
            } else {
                let _ = write!(
                    line,
                    ",\"pricing\":{{\"billable\":{},\"pricing_model\":\"PMP\",\"type\":\"{kind}\",\"category\":\"{cat}\"}}",
                    kind == "regular"
                );
            }
            line.push_str("}]},\"field\":\"messages\"}]}]}\n");
            w.write_all(line.as_bytes())?;
            st.events += 1;
            st.bytes += line.len() as u64;
        }
        msg += 1;
        st.messages += 1;
    }
    Ok(st)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn deterministic_and_parseable() {
        let opts = GenOptions {
            events: 500,
            start_utc: 1_795_143_600,
            days: 2,
            seed: 7,
        };
        let mut a = Vec::new();
        let mut b = Vec::new();
        let sa = generate(&opts, &mut a).unwrap();
        generate(&opts, &mut b).unwrap();
        assert_eq!(a, b);
        assert_eq!(sa.events, 500);
        assert_eq!(sa.bytes, a.len() as u64);
        let mut n = 0;
        for l in a.split(|b| *b == b'\n').filter(|l| !l.is_empty()) {
            n += crate::webhook::parse_line(l, |_| {}).unwrap();
        }
        assert_eq!(n, 500);
    }
}
