//! File-name templates. Being built.

/// A validated file-name template.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Template {
    source: String,
}

impl Template {
    pub fn parse(s: &str) -> Result<Self, String> {
        Ok(Self {
            source: s.to_owned(),
        })
    }

    pub fn as_str(&self) -> &str {
        &self.source
    }
}
