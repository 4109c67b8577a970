//! Deterministic synthetic Asterisk `queue_log` for demos, tests and benchmarks (the
//! `reportd-gen-queue-log` binary is a thin CLI over [`generate`]).
//!
//! Arrivals follow a daytime curve (quiet nights, morning and afternoon peaks, a lunch dip)
//! scaled so that the 24-hour mean is `calls_per_hour`. Per queue entry: ~80 % answered
//! (a quarter after a RINGNOANSWER, ms ring time), ~12 % ABANDON, ~5 % EXITWITHTIMEOUT at
//! 300 s (half of them overflow into the next queue), ~3 % EXITWITHKEY; answered calls end
//! with COMPLETECALLER/COMPLETEAGENT or, 10 %, BLINDTRANSFER. Members are added at the start
//! and take a lunch and a short break every local day (PAUSE/UNPAUSE). Calls interleave; a
//! small event heap keeps the output chronological. Same options → same bytes: the PRNG
//! is a local splitmix64, and no hash-map order or clock is involved.

use std::cmp::Reverse;
use std::collections::BinaryHeap;
use std::io::{self, Write};

use chrono::{DateTime, Duration, NaiveDate, NaiveDateTime, TimeZone};
use chrono_tz::Tz;

/// Generator options.
#[derive(Debug, Clone, PartialEq)]
pub struct GenOptions {
    /// First arrival no earlier than this, Unix seconds.
    pub from_utc: i64,
    /// No arrival at or after this, Unix seconds (calls in progress still finish).
    pub to_utc: i64,
    /// Zone of the daytime curve and the daily pauses.
    pub tz: Tz,
    pub queues: Vec<String>,
    /// Mean arrivals per hour over a whole day, all queues together.
    pub calls_per_hour: f64,
    pub seed: u64,
    /// After every N valid lines, write one malformed line.
    pub malformed_every: Option<u64>,
    /// Stop after this many lines in total.
    pub max_lines: Option<u64>,
}

/// What was written.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct GenStats {
    /// All lines, malformed ones included.
    pub lines: u64,
    pub malformed: u64,
    /// Call arrivals (first ENTERQUEUE of each call).
    pub calls: u64,
    /// ENTERQUEUE lines (arrivals plus overflows).
    pub queue_entries: u64,
}

/// splitmix64: tiny, fast, good enough for synthetic data, and stable forever.
#[derive(Debug, Clone)]
pub struct SplitMix64(u64);

impl SplitMix64 {
    pub fn new(seed: u64) -> Self {
        Self(seed)
    }

    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Uniform in `[0, 1)`.
    pub fn unit(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 / (1u64 << 53) as f64
    }

    /// Uniform integer in `[lo, hi]`.
    pub fn range(&mut self, lo: i64, hi: i64) -> i64 {
        let span = u64::try_from(hi - lo + 1).unwrap_or(1).max(1);
        lo + i64::try_from(self.next_u64() % span).unwrap_or(0)
    }

    /// Exponential with the given mean.
    pub fn exp(&mut self, mean: f64) -> f64 {
        -mean * (1.0 - self.unit()).ln()
    }
}

/// Relative arrival intensity per local hour (normalised to a mean of 1 at use).
const DAY_CURVE: [f64; 24] = [
    0.10, 0.06, 0.05, 0.05, 0.06, 0.10, 0.30, 0.80, 1.60, 2.20, 2.50, 2.40, 1.70, 1.60, 2.20, 2.30,
    2.10, 1.80, 1.20, 0.80, 0.55, 0.40, 0.25, 0.15,
];

/// Parses `YYYY-MM-DDTHH:MM[:SS]` as a wall-clock time in `tz` (the earlier instant when
/// ambiguous).
pub fn parse_local(s: &str, tz: Tz) -> Result<i64, String> {
    let naive = NaiveDateTime::parse_from_str(s, "%Y-%m-%dT%H:%M:%S")
        .or_else(|_| NaiveDateTime::parse_from_str(s, "%Y-%m-%dT%H:%M"))
        .map_err(|e| format!("{s:?} is not YYYY-MM-DDTHH:MM[:SS]: {e}"))?;
    tz.from_local_datetime(&naive)
        .earliest()
        .map(|d| d.timestamp())
        .ok_or_else(|| format!("{s} does not exist in {tz} (DST gap)"))
}

fn local(tz: Tz, utc: i64) -> Option<NaiveDateTime> {
    DateTime::from_timestamp(utc, 0).map(|d| d.with_timezone(&tz).naive_local())
}

/// Writes lines, injecting malformed ones and stopping at the line limit.
struct Out<'w> {
    w: &'w mut dyn Write,
    stats: GenStats,
    malformed_every: Option<u64>,
    max_lines: Option<u64>,
    valid_since_malformed: u64,
}

impl Out<'_> {
    fn full(&self) -> bool {
        self.max_lines.is_some_and(|m| self.stats.lines >= m)
    }

    fn line(&mut self, text: &str) -> io::Result<()> {
        if self.full() {
            return Ok(());
        }
        self.w.write_all(text.as_bytes())?;
        self.w.write_all(b"\n")?;
        self.stats.lines += 1;
        self.valid_since_malformed += 1;
        if text.contains("|ENTERQUEUE|") {
            self.stats.queue_entries += 1;
        }
        let due = self
            .malformed_every
            .is_some_and(|n| n > 0 && self.valid_since_malformed >= n);
        {
            if due && !self.full() {
                self.valid_since_malformed = 0;
                let bad: &[u8] = match self.stats.malformed % 3 {
                    0 => b"garbage line without separators",
                    1 => b"17xx|1.1|sales|NONE|ENTERQUEUE||5511|1",
                    _ => b"1795143600|\xff\xfe|sales|NONE|\xc3ENTERQUEUE",
                };
                self.w.write_all(bad)?;
                self.w.write_all(b"\n")?;
                self.stats.lines += 1;
                self.stats.malformed += 1;
            }
        }
        Ok(())
    }
}

/// A pending line: `(time, insertion order)` orders the heap deterministically.
type Pending = Reverse<(i64, u64, String)>;

struct Gen<'o> {
    opts: &'o GenOptions,
    rng: SplitMix64,
    heap: BinaryHeap<Pending>,
    seq: u64,
    /// Members of each queue.
    agents: Vec<Vec<String>>,
    /// Call counter for uniqueids.
    call_seq: u64,
}

impl Gen<'_> {
    fn push(&mut self, time: i64, line: String) {
        self.seq += 1;
        self.heap.push(Reverse((time, self.seq, line)));
    }

    fn flush_until(&mut self, out: &mut Out<'_>, until: i64) -> io::Result<()> {
        while let Some(Reverse((t, _, _))) = self.heap.peek() {
            if *t > until || out.full() {
                break;
            }
            if let Some(Reverse((_, _, line))) = self.heap.pop() {
                out.line(&line)?;
            }
        }
        Ok(())
    }

    /// Lunch and a short break for every member on local day `day`.
    fn schedule_day(&mut self, day: NaiveDate) {
        let tz = self.opts.tz;
        let at = |h: u32, m: i64| -> Option<i64> {
            let naive = day.and_hms_opt(h, 0, 0)? + Duration::minutes(m);
            tz.from_local_datetime(&naive)
                .earliest()
                .map(|d| d.timestamp())
        };
        let agents = self.agents.clone();
        for (qi, members) in agents.iter().enumerate() {
            let queue = self.opts.queues[qi].clone();
            for agent in members {
                let lunch = self.rng.range(0, 90);
                let lunch_len = self.rng.range(45, 75);
                let brk = self.rng.range(0, 60);
                let brk_len = self.rng.range(5, 15);
                let slots = [
                    (at(12, lunch), "PAUSE", "Lunch"),
                    (at(12, lunch + lunch_len), "UNPAUSE", "Lunch"),
                    (at(15, 30 + brk), "PAUSE", "Break"),
                    (at(15, 30 + brk + brk_len), "UNPAUSE", "Break"),
                ];
                for (t, event, reason) in slots {
                    let Some(t) = t else { continue };
                    if t >= self.opts.from_utc && t < self.opts.to_utc {
                        self.push(t, format!("{t}|NONE|{queue}|{agent}|{event}|{reason}"));
                    }
                }
            }
        }
    }

    fn pick_queue(&mut self) -> usize {
        // Earlier queues are busier: weights 1, 1/2, 1/3, ...
        let n = self.opts.queues.len();
        let total: f64 = (1..=n).map(|i| 1.0 / i as f64).sum();
        let mut u = self.rng.unit() * total;
        for i in 0..n {
            u -= 1.0 / (i + 1) as f64;
            if u < 0.0 {
                return i;
            }
        }
        n - 1
    }

    /// Schedules one stay of call `callid` in queue `qi` from `ta`; `may_overflow` allows a
    /// timeout to continue into the next queue.
    fn queue_entry(&mut self, callid: &str, caller: &str, qi: usize, ta: i64, may_overflow: bool) {
        let queue = self.opts.queues[qi].clone();
        let orig: i64 = 1 + i64::from(self.rng.unit() < 0.3) + i64::from(self.rng.unit() < 0.1);
        self.push(
            ta,
            format!("{ta}|{callid}|{queue}|NONE|ENTERQUEUE||{caller}|{orig}"),
        );
        let members = self.agents[qi].clone();
        let agent = |rng: &mut SplitMix64| {
            let i = usize::try_from(rng.range(0, members.len() as i64 - 1)).unwrap_or(0);
            members[i].clone()
        };
        let pos = self.rng.range(1, orig);
        let u = self.rng.unit();
        if u < 0.80 {
            let wait = (self.rng.exp(18.0) as i64).min(280);
            if wait > 16 && self.rng.unit() < 0.6 {
                let a = agent(&mut self.rng);
                let t = ta + 15;
                self.push(t, format!("{t}|{callid}|{queue}|{a}|RINGNOANSWER|15000"));
            }
            let a = agent(&mut self.rng);
            let tc = ta + wait;
            let ring = self.rng.range(1, 8).min(wait.max(1));
            self.call_seq += 1;
            let member_uid = format!("{tc}.{}", 500_000 + self.call_seq);
            self.push(
                tc,
                format!("{tc}|{callid}|{queue}|{a}|CONNECT|{wait}|{member_uid}|{ring}"),
            );
            let talk = 20 + (self.rng.exp(180.0) as i64).min(3600);
            let te = tc + talk;
            let end = self.rng.unit();
            let line = if end < 0.10 {
                format!(
                    "{te}|{callid}|{queue}|{a}|BLINDTRANSFER|2{:03}|from-internal|{wait}|{talk}|{orig}",
                    self.rng.range(0, 999)
                )
            } else if end < 0.55 {
                format!("{te}|{callid}|{queue}|{a}|COMPLETECALLER|{wait}|{talk}|{orig}")
            } else {
                format!("{te}|{callid}|{queue}|{a}|COMPLETEAGENT|{wait}|{talk}|{orig}")
            };
            self.push(te, line);
        } else if u < 0.92 {
            let wait = (self.rng.exp(45.0) as i64).clamp(1, 290);
            let t = ta + wait;
            self.push(
                t,
                format!("{t}|{callid}|{queue}|NONE|ABANDON|{pos}|{orig}|{wait}"),
            );
        } else if u < 0.97 {
            let t = ta + 300;
            self.push(
                t,
                format!("{t}|{callid}|{queue}|NONE|EXITWITHTIMEOUT|{pos}|{orig}|300"),
            );
            if may_overflow && self.opts.queues.len() > 1 && self.rng.unit() < 0.5 {
                let next = (qi + 1) % self.opts.queues.len();
                self.queue_entry(callid, caller, next, t, false);
            }
        } else {
            let wait = (self.rng.exp(30.0) as i64).clamp(1, 290);
            let t = ta + wait;
            let key = ["0", "1", "9"][usize::try_from(self.rng.range(0, 2)).unwrap_or(0)];
            self.push(
                t,
                format!("{t}|{callid}|{queue}|NONE|EXITWITHKEY|{key}|{pos}|{orig}|{wait}"),
            );
        }
    }
}

/// Writes a queue_log for `opts` to `w`.
pub fn generate(opts: &GenOptions, w: &mut dyn Write) -> io::Result<GenStats> {
    let mut out = Out {
        w,
        stats: GenStats::default(),
        malformed_every: opts.malformed_every,
        max_lines: opts.max_lines,
        valid_since_malformed: 0,
    };
    let agents: Vec<Vec<String>> = (0..opts.queues.len())
        .map(|qi| {
            (0..4)
                .map(|j| format!("SIP/{}", 2000 + qi * 10 + j))
                .collect()
        })
        .collect();
    let mut g = Gen {
        opts,
        rng: SplitMix64::new(opts.seed),
        heap: BinaryHeap::new(),
        seq: 0,
        agents,
        call_seq: 0,
    };
    if opts.queues.is_empty() || opts.to_utc <= opts.from_utc {
        return Ok(out.stats);
    }
    let from = opts.from_utc;
    out.line(&format!("{from}|NONE|NONE|NONE|QUEUESTART|"))?;
    for (qi, queue) in opts.queues.iter().enumerate() {
        for agent in &g.agents[qi] {
            out.line(&format!("{from}|MANAGER|{queue}|{agent}|ADDMEMBER|"))?;
        }
    }

    let curve_mean = DAY_CURVE.iter().sum::<f64>() / 24.0;
    let rate_at = |t: i64| -> f64 {
        let hour = local(opts.tz, t).map_or(12, |n| chrono::Timelike::hour(&n)) as usize;
        let w = DAY_CURVE.get(hour).copied().unwrap_or(1.0) / curve_mean;
        (opts.calls_per_hour.max(0.0) * w / 3600.0).max(1e-9)
    };
    let day_of = |t: i64| local(opts.tz, t).map(|n| n.date());
    let mut scheduled_through: Option<NaiveDate> = None;
    let mut ensure_days = |g: &mut Gen<'_>, t: i64| {
        let Some(today) = day_of(t) else { return };
        let target = today.succ_opt().unwrap_or(today);
        let mut d = match scheduled_through {
            Some(s) => match s.succ_opt() {
                Some(n) => n,
                None => return,
            },
            None => today,
        };
        while d <= target {
            g.schedule_day(d);
            scheduled_through = Some(d);
            match d.succ_opt() {
                Some(n) => d = n,
                None => break,
            }
        }
    };

    let mut t = from as f64 + g.rng.exp(1.0) / rate_at(from);
    while (t as i64) < opts.to_utc && !out.full() {
        let ta = t as i64;
        ensure_days(&mut g, ta);
        g.flush_until(&mut out, ta)?;
        g.call_seq += 1;
        let callid = format!("{ta}.{}", g.call_seq);
        let caller = format!("55119{:08}", g.rng.range(0, 99_999_999));
        let qi = g.pick_queue();
        g.queue_entry(&callid, &caller, qi, ta, true);
        out.stats.calls += 1;
        t += g.rng.exp(1.0) / rate_at(ta);
    }
    let end = opts.to_utc;
    for (qi, queue) in opts.queues.iter().enumerate() {
        for agent in g.agents[qi].clone() {
            g.push(end, format!("{end}|MANAGER|{queue}|{agent}|REMOVEMEMBER|"));
        }
    }
    g.flush_until(&mut out, i64::MAX)?;
    out.w.flush()?;
    Ok(out.stats)
}
