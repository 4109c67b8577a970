//! When runs happen and what they cover.
//!
//! * [`cron`] — cron expressions evaluated in an IANA zone (croner + chrono-tz), DST-correct.
//! * [`period`] — reporting periods (`yesterday`, `previous_month`, explicit dates) resolved
//!   from the **scheduled** fire instant in the schedule's zone.
//! * [`misfire`] — which fire times are due, missed, or skipped (pure).
//!
//! All three are pure functions of explicit instants, so tests pin every DST edge.

pub mod cron;
pub mod misfire;
pub mod period;
