//! The one retry policy every destination shares: exponential backoff with full jitter,
//! bounded by attempts and by elapsed time. Only transient errors are retried.

use std::time::{Duration, Instant};

use crate::config::RetryPolicy;

use super::{DeliveryError, Destination, OutgoingFile, Receipt};

/// Backoff ceiling before attempt `n + 1` (n ≥ 1 attempts done): `initial × 2^(n-1)`,
/// capped at `max_delay`.
pub fn ceiling(policy: &RetryPolicy, attempts_done: u32) -> Duration {
    let exp = attempts_done.saturating_sub(1).min(30);
    policy
        .initial
        .saturating_mul(1u32 << exp)
        .min(policy.max_delay)
}

/// Full-jitter delay: uniform in `[0, ceiling]` (AWS "full jitter"), so many failing runs
/// do not retry in lockstep.
pub fn jittered(policy: &RetryPolicy, attempts_done: u32) -> Duration {
    let c = ceiling(policy, attempts_done);
    let ms = u64::try_from(c.as_millis()).unwrap_or(u64::MAX);
    Duration::from_millis(if ms == 0 {
        0
    } else {
        rand::random_range(0..=ms)
    })
}

/// Whether another attempt is allowed after `attempts_done` attempts that began `started`.
pub fn may_retry(policy: &RetryPolicy, attempts_done: u32, started: Instant) -> bool {
    attempts_done < policy.attempts && started.elapsed() < policy.max_elapsed
}

/// Outcome of delivering with retries.
#[derive(Debug)]
pub struct Attempted {
    pub result: Result<Receipt, DeliveryError>,
    pub attempts: u32,
}

/// Delivers with the policy: retries transient errors with jittered backoff, stops at once on
/// a permanent one. `timeout` bounds each attempt (a timed-out attempt is transient
/// `DELIVERY_TIMEOUT`). `on_failure(attempt, error)` is called after each failed attempt
/// (to log and record it).
pub async fn deliver_with_retry(
    dest: &Destination,
    file: &OutgoingFile,
    policy: &RetryPolicy,
    timeout: Duration,
    mut on_failure: impl FnMut(u32, &DeliveryError, Option<Duration>),
) -> Attempted {
    let started = Instant::now();
    let mut attempts = 0;
    loop {
        attempts += 1;
        let result = match tokio::time::timeout(timeout, dest.deliver(file)).await {
            Ok(r) => r,
            Err(_) => Err(DeliveryError::new(
                crate::code::Code::DeliveryTimeout,
                format!(
                    "delivery did not finish within {}",
                    humantime::format_duration(timeout)
                ),
            )),
        };
        match result {
            Ok(receipt) => {
                return Attempted {
                    result: Ok(receipt),
                    attempts,
                };
            }
            Err(e) => {
                let retry = e.is_transient() && may_retry(policy, attempts, started);
                let delay = retry.then(|| jittered(policy, attempts));
                on_failure(attempts, &e, delay);
                match delay {
                    Some(d) => tokio::time::sleep(d).await,
                    None => {
                        return Attempted {
                            result: Err(e),
                            attempts,
                        };
                    }
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn policy() -> RetryPolicy {
        RetryPolicy {
            attempts: 4,
            initial: Duration::from_secs(5),
            max_delay: Duration::from_secs(12),
            max_elapsed: Duration::from_secs(3600),
        }
    }

    #[test]
    fn ceiling_doubles_then_caps() {
        let p = policy();
        // 5 s, 10 s, then 20 s capped at 12 s.
        assert_eq!(ceiling(&p, 1), Duration::from_secs(5));
        assert_eq!(ceiling(&p, 2), Duration::from_secs(10));
        assert_eq!(ceiling(&p, 3), Duration::from_secs(12));
        assert_eq!(ceiling(&p, 60), Duration::from_secs(12));
    }

    #[test]
    fn jitter_stays_within_ceiling() {
        let p = policy();
        for n in 1..6 {
            for _ in 0..100 {
                assert!(jittered(&p, n) <= ceiling(&p, n));
            }
        }
    }

    #[test]
    fn attempts_and_elapsed_bound_retries() {
        let p = policy();
        let now = Instant::now();
        assert!(may_retry(&p, 3, now));
        assert!(!may_retry(&p, 4, now));
        let short = RetryPolicy {
            max_elapsed: Duration::ZERO,
            ..p
        };
        assert!(!may_retry(&short, 1, now));
    }
}
