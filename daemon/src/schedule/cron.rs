//! Cron expressions evaluated in a time zone. Being built.

use chrono::{DateTime, Utc};
use chrono_tz::Tz;

/// A parsed cron expression (5 fields, optional 6th seconds field first, or `@daily`...).
#[derive(Debug, Clone)]
pub struct CronExpr {
    source: String,
}

impl CronExpr {
    /// Parses an expression; the error says what is wrong in words.
    pub fn parse(expr: &str) -> Result<Self, String> {
        Ok(Self {
            source: expr.to_owned(),
        })
    }

    pub fn as_str(&self) -> &str {
        &self.source
    }

    /// The first fire instant strictly after `after`, evaluated in `tz`.
    pub fn next_after(&self, after: DateTime<Utc>, tz: Tz) -> Option<DateTime<Utc>> {
        let _ = tz;
        Some(after)
    }
}
