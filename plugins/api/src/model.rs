//! JSON documents that cross the plugin ABI: the catalog a plugin describes itself with, the
//! request the host sends, and the warnings/errors a plugin returns. Plain serde types, so
//! a plugin written in another language only needs a JSON library.

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value as Json};

/// Titles of a report, column or parameter in the three languages reports are delivered in.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Titles {
    pub en: String,
    #[serde(rename = "pt-BR")]
    pub pt_br: String,
    pub es: String,
}

impl Titles {
    pub fn new(en: &str, pt_br: &str, es: &str) -> Self {
        Self {
            en: en.to_owned(),
            pt_br: pt_br.to_owned(),
            es: es.to_owned(),
        }
    }

    /// The title for a language tag (`en`, `pt-BR`, `es`); English for anything else.
    pub fn get(&self, lang: &str) -> &str {
        match lang {
            "pt-BR" | "pt" | "pt_BR" => &self.pt_br,
            "es" => &self.es,
            _ => &self.en,
        }
    }
}

/// What a plugin offers.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Catalog {
    /// Plugin name, e.g. `telephony`.
    pub plugin: String,
    /// Plugin version (semver of the crate).
    pub version: String,
    /// Source settings the plugin understands (keys of `[sources.X]` besides `plugin`).
    #[serde(default)]
    pub source_settings: Vec<ParamSpec>,
    pub reports: Vec<ReportSpec>,
}

impl Catalog {
    pub fn report(&self, id: &str) -> Option<&ReportSpec> {
        self.reports.iter().find(|r| r.id == id)
    }
}

/// One report type.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ReportSpec {
    /// Stable id `<plugin>.<snake_case>`, e.g. `telephony.service_level`.
    pub id: String,
    pub title: Titles,
    #[serde(default)]
    pub description: String,
    /// Parameters accepted in a schedule's `filters` table.
    #[serde(default)]
    pub params: Vec<ParamSpec>,
    pub columns: Vec<Column>,
}

/// A parameter (schedule filter) or source setting.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ParamSpec {
    pub name: String,
    pub kind: ParamKind,
    #[serde(default)]
    pub required: bool,
    #[serde(default)]
    pub description: String,
}

/// Value type of a parameter.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "type")]
pub enum ParamKind {
    String,
    StringList,
    Integer {
        min: Option<i64>,
        max: Option<i64>,
    },
    Bool,
    /// humantime duration, e.g. `"20s"`.
    Duration,
    Path,
    PathList,
    Enum {
        values: Vec<String>,
    },
}

/// An output column.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Column {
    /// snake_case field name, stable.
    pub id: String,
    pub title: Titles,
    #[serde(rename = "type")]
    pub kind: ColumnType,
}

impl Column {
    pub fn new(id: &str, kind: ColumnType, en: &str, pt_br: &str, es: &str) -> Self {
        Self {
            id: id.to_owned(),
            title: Titles::new(en, pt_br, es),
            kind,
        }
    }
}

/// Column types of the catalog (REPORTS.md §0.2). They decide how a cell is rendered.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ColumnType {
    Text,
    Enum,
    Integer,
    Decimal,
    /// 0–100, rendered with 2 decimals.
    Percent,
    /// Whole seconds.
    DurationS,
    /// Whole milliseconds.
    DurationMs,
    Datetime,
    Date,
    Time,
    Boolean,
}

/// The reporting period, half-open `[start, end)`, already resolved by the host from the
/// schedule's fire instant in the schedule's time zone.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Period {
    /// Unix seconds, inclusive.
    pub start_utc: i64,
    /// Unix seconds, exclusive.
    pub end_utc: i64,
    /// Local wall-clock start, `YYYY-MM-DDTHH:MM:SS`.
    pub start_local: String,
    /// Local wall-clock end (exclusive), `YYYY-MM-DDTHH:MM:SS`.
    pub end_local: String,
    /// IANA zone the period and every local time in the report are expressed in.
    pub timezone: String,
}

/// The key the host adds to [`Request::source`]: the directory of the configuration file
/// that defined the source, against which relative paths in its settings are resolved.
pub const CONFIG_DIR_KEY: &str = "config_dir";

/// A path setting of a source: absolute as given, relative ones resolved against the
/// [`CONFIG_DIR_KEY`] directory when the host sent one.
pub fn source_path(source: &Map<String, Json>, raw: &str) -> std::path::PathBuf {
    let p = std::path::Path::new(raw);
    match source.get(CONFIG_DIR_KEY).and_then(Json::as_str) {
        Some(dir) if p.is_relative() => std::path::Path::new(dir).join(p),
        _ => p.to_path_buf(),
    }
}

/// A generation (or validation) request.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Request {
    /// Report id from the catalog.
    pub report: String,
    /// The `[sources.X]` table minus `plugin`, as JSON.
    #[serde(default)]
    pub source: Map<String, Json>,
    /// The schedule's `filters` table, as JSON.
    #[serde(default)]
    pub params: Map<String, Json>,
    pub period: Period,
    /// Run id, for log correlation.
    #[serde(default)]
    pub run_id: String,
    /// True while the schedule still waits for the period's data (its `wait_for_data`
    /// setting): a plugin that can tell its input does not cover the whole period yet (the
    /// period ends after the newest input record) returns a [`DATA_NOT_READY`] error instead
    /// of a partial report, and the host runs it again later. Once the wait is over the host
    /// sends `false` and the report is made from what there is, with a warning.
    #[serde(default)]
    pub wait_for_data: bool,
}

/// Error code a plugin returns, when [`Request::wait_for_data`] is set, for a period whose
/// data is not complete yet. The host retries the run later instead of failing it.
pub const DATA_NOT_READY: &str = "DATA_NOT_READY";

impl Request {
    /// A path setting of the source, resolved like [`source_path`].
    pub fn source_path(&self, raw: &str) -> std::path::PathBuf {
        source_path(&self.source, raw)
    }
}

/// A problem found by `validate`, naming the setting or parameter.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Problem {
    /// `source.queue_log`, `params.queue`, `report`, ...
    pub field: String,
    pub message: String,
    #[serde(default)]
    pub hint: String,
}

impl Problem {
    pub fn new(field: &str, message: impl Into<String>, hint: impl Into<String>) -> Self {
        Self {
            field: field.to_owned(),
            message: message.into(),
            hint: hint.into(),
        }
    }
}

/// A non-fatal issue met while generating: malformed input lines, missing rotated files...
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Warning {
    /// Stable code, e.g. `MALFORMED_LINES`.
    pub code: String,
    pub message: String,
    /// How many times it happened.
    #[serde(default)]
    pub count: u64,
    /// The first few examples (e.g. `queue_log:1234: <line>`), at most a handful.
    #[serde(default)]
    pub examples: Vec<String>,
}

/// A fatal generation error.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PluginError {
    /// Stable code, e.g. `SOURCE_UNREADABLE`, `UNKNOWN_REPORT`, `PLUGIN_PANIC`.
    pub code: String,
    pub message: String,
    #[serde(default)]
    pub hint: String,
}

impl PluginError {
    pub fn new(code: &str, message: impl Into<String>, hint: impl Into<String>) -> Self {
        Self {
            code: code.to_owned(),
            message: message.into(),
            hint: hint.into(),
        }
    }
}

impl std::fmt::Display for PluginError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}", self.code, self.message)
    }
}

impl std::error::Error for PluginError {}

/// The reply of `validate` and `generate` through the ABI.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Reply {
    Ok,
    Invalid(Vec<Problem>),
    Error(PluginError),
}
