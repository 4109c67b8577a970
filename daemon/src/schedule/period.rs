//! Reporting periods. Being built.

use chrono::{DateTime, Utc};
use chrono_tz::Tz;

/// A period expression as configured.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PeriodSpec {
    Yesterday,
}

impl PeriodSpec {
    pub fn parse(s: &str) -> Result<Self, String> {
        match s {
            "yesterday" => Ok(PeriodSpec::Yesterday),
            _ => Err(format!("unknown period {s:?}")),
        }
    }

    /// Resolves the period for a run scheduled at `fire` in `tz`.
    pub fn resolve(&self, fire: DateTime<Utc>, tz: Tz) -> Period {
        Period {
            start: fire,
            end: fire,
            tz,
        }
    }
}

/// A resolved half-open period `[start, end)`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Period {
    pub start: DateTime<Utc>,
    pub end: DateTime<Utc>,
    pub tz: Tz,
}
