//! The telephony report catalog: report ids, titles (en / pt-BR / es), parameters, source
//! settings and output columns (REPORTS.md §3.1, §3.2, §3.6). The column lists here are the
//! single source of truth: [`crate::kpi`] writes cells in exactly this order.

use reportd_plugin_api::{Catalog, Column, ColumnType, ParamKind, ParamSpec, ReportSpec, Titles};

use crate::settings::{Bucket, SlVariant};

/// The reports this plugin generates.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReportKind {
    ServiceLevel,
    AbandonmentRate,
    AbandonedCallsDetail,
}

impl ReportKind {
    pub const ALL: [ReportKind; 3] = [
        ReportKind::ServiceLevel,
        ReportKind::AbandonmentRate,
        ReportKind::AbandonedCallsDetail,
    ];

    /// Stable report id.
    pub fn id(self) -> &'static str {
        match self {
            Self::ServiceLevel => "telephony.service_level",
            Self::AbandonmentRate => "telephony.abandonment_rate",
            Self::AbandonedCallsDetail => "telephony.abandoned_calls_detail",
        }
    }

    pub fn from_id(id: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.id() == id)
    }

    fn titles(self) -> Titles {
        match self {
            Self::ServiceLevel => Titles::new(
                "Service level",
                "Nível de Serviço (SL)",
                "Nivel de servicio",
            ),
            Self::AbandonmentRate => {
                Titles::new("Abandonment rate", "Taxa de Abandono", "Tasa de abandono")
            }
            Self::AbandonedCallsDetail => Titles::new(
                "Abandoned calls analytic report",
                "Relatório Analítico de Chamadas Abandonadas",
                "Reporte analítico de llamadas abandonadas",
            ),
        }
    }

    fn description(self) -> &'static str {
        match self {
            Self::ServiceLevel => {
                "Share of calls answered within the service-level threshold, per queue and interval \
                 (variant set by the source's sl_variant; default answered within T / offered)."
            }
            Self::AbandonmentRate => {
                "Share of calls that entered a queue and were abandoned before an agent answered: \
                 abandoned / offered × 100, per queue and interval."
            }
            Self::AbandonedCallsDetail => {
                "One row per abandoned queue entry in the period, ordered by the time it entered \
                 the queue."
            }
        }
    }

    /// Output columns, in cell order.
    pub fn columns(self) -> Vec<Column> {
        match self {
            Self::ServiceLevel => {
                let mut c = kpi_columns();
                c.extend([
                    Column::new(
                        "sl_calls",
                        ColumnType::Integer,
                        "SL calls",
                        "Chamadas no NS",
                        "Llamadas del NS",
                    ),
                    threshold_column(),
                    Column::new(
                        "pct_sl",
                        ColumnType::Percent,
                        "% SL",
                        "% Nível de serviço",
                        "% Nivel de servicio",
                    ),
                ]);
                c
            }
            Self::AbandonmentRate => {
                let mut c = kpi_columns();
                c.push(Column::new(
                    "pct_abandon",
                    ColumnType::Percent,
                    "% Abandoned",
                    "Taxa de abandono",
                    "% Nivel de abandono",
                ));
                c
            }
            Self::AbandonedCallsDetail => vec![
                Column::new(
                    "call_id",
                    ColumnType::Text,
                    "Call ID",
                    "ID da chamada",
                    "ID de llamada",
                ),
                queue_column(),
                Column::new(
                    "caller_number",
                    ColumnType::Text,
                    "Caller number",
                    "Número do chamador",
                    "Número del llamante",
                ),
                Column::new(
                    "entered_queue_at",
                    ColumnType::Datetime,
                    "Entered queue at",
                    "Entrada na fila",
                    "Ingreso a la cola",
                ),
                Column::new(
                    "abandoned_at",
                    ColumnType::Datetime,
                    "Abandoned at",
                    "Abandonada em",
                    "Abandonada el",
                ),
                Column::new(
                    "wait_s",
                    ColumnType::DurationS,
                    "Wait (s)",
                    "Espera (s)",
                    "Tiempo de espera (seg)",
                ),
                threshold_column(),
                Column::new(
                    "abandoned_after_threshold",
                    ColumnType::Boolean,
                    "Abandoned after threshold",
                    "Abandonada após o limite",
                    "Abandonada después del umbral",
                ),
                Column::new(
                    "ivr_dtmf",
                    ColumnType::Text,
                    "IVR key (DTMF)",
                    "Tecla URA (DTMF)",
                    "Tecla IVR (DTMF)",
                ),
                Column::new(
                    "portfolio",
                    ColumnType::Text,
                    "Portfolio",
                    "Carteira",
                    "Cartera",
                ),
                Column::new(
                    "position",
                    ColumnType::Integer,
                    "Position at exit",
                    "Posição na saída",
                    "Posición al salir",
                ),
                Column::new(
                    "orig_position",
                    ColumnType::Integer,
                    "Position at entry",
                    "Posição na entrada",
                    "Posición al entrar",
                ),
                Column::new(
                    "end_event",
                    ColumnType::Enum,
                    "End event",
                    "Evento de saída",
                    "Evento de salida",
                ),
            ],
        }
    }

    fn spec(self) -> ReportSpec {
        ReportSpec {
            id: self.id().to_owned(),
            title: self.titles(),
            description: self.description().to_owned(),
            params: report_params(),
            columns: self.columns(),
        }
    }
}

fn queue_column() -> Column {
    Column::new("queue", ColumnType::Text, "Queue", "Fila", "Cola")
}

fn threshold_column() -> Column {
    Column::new(
        "sl_threshold_s",
        ColumnType::DurationS,
        "SL threshold (s)",
        "Limite do NS (s)",
        "Umbral del NS (seg)",
    )
}

/// The shared KPI row (REPORTS.md §2) plus `unanswered_other`.
fn kpi_columns() -> Vec<Column> {
    vec![
        queue_column(),
        Column::new(
            "interval_start",
            ColumnType::Datetime,
            "Interval start",
            "Início do intervalo",
            "Inicio del intervalo",
        ),
        Column::new(
            "offered",
            ColumnType::Integer,
            "Offered",
            "Recebidas",
            "Recibidas",
        ),
        Column::new(
            "answered",
            ColumnType::Integer,
            "Answered",
            "Atendidas",
            "Contestadas",
        ),
        Column::new(
            "abandoned",
            ColumnType::Integer,
            "Abandoned",
            "Abandonadas",
            "Abandonadas",
        ),
        Column::new(
            "unanswered_other",
            ColumnType::Integer,
            "Unanswered (timeout/exit)",
            "Não atendidas (tempo esgotado/saída)",
            "No contestadas (tiempo agotado/salida)",
        ),
    ]
}

fn param(name: &str, kind: ParamKind, required: bool, description: &str) -> ParamSpec {
    ParamSpec {
        name: name.to_owned(),
        kind,
        required,
        description: description.to_owned(),
    }
}

fn report_params() -> Vec<ParamSpec> {
    vec![
        param(
            "queue",
            ParamKind::StringList,
            false,
            "Only these queues (default: all).",
        ),
        param(
            "bucket",
            ParamKind::Enum {
                values: Bucket::NAMES.map(str::to_owned).to_vec(),
            },
            false,
            "Interval of each row: the whole period (default), a local day or a local hour.",
        ),
        param(
            "portfolio",
            ParamKind::String,
            false,
            "Portfolio (carteira) name, copied into the abandoned-calls detail.",
        ),
        param(
            "channel",
            ParamKind::String,
            false,
            "Accepted for compatibility; queue_log has no channel, so it is ignored.",
        ),
        param(
            "event_type",
            ParamKind::String,
            false,
            "Accepted for compatibility; ignored by these reports.",
        ),
        param(
            "user",
            ParamKind::String,
            false,
            "Accepted for compatibility; queue KPIs are not per user, so it is ignored.",
        ),
    ]
}

fn source_settings() -> Vec<ParamSpec> {
    vec![
        param(
            "queue_log",
            ParamKind::Path,
            true,
            "Asterisk queue_log file. Rotated siblings (queue_log.1, queue_log.2.gz, \
             queue_log-20261120[.gz]) are read too. Relative paths are resolved against the \
             config file's directory.",
        ),
        param(
            "sl_threshold",
            ParamKind::Duration,
            false,
            "Service-level threshold T (default \"20s\").",
        ),
        param(
            "sl_thresholds",
            // The ABI has no table kind; the value is a TOML table queue = duration.
            ParamKind::String,
            false,
            "Table of per-queue thresholds, queue = duration, overriding sl_threshold.",
        ),
        param(
            "sl_variant",
            ParamKind::Enum {
                values: SlVariant::NAMES.map(str::to_owned).to_vec(),
            },
            false,
            "Service-level formula: offered (default, A≤T/O), answered (A≤T/A), \
             abandons_ignored (A≤T/(O−Ab≤T)), abandons_positive ((A≤T+Ab≤T)/(A+Ab)).",
        ),
        param(
            "short_abandon",
            ParamKind::Duration,
            false,
            "Abandons with a wait shorter than this are left out of offered and abandoned \
             (default \"0s\": none).",
        ),
        param(
            "timeouts_as_abandoned",
            ParamKind::Bool,
            false,
            "Count EXITWITHTIMEOUT, EXITEMPTY, EXITWITHKEY and WITHDRAW as abandoned \
             (default false: they are reported as unanswered_other).",
        ),
    ]
}

/// The full catalog.
pub fn catalog() -> Catalog {
    Catalog {
        plugin: "telephony".to_owned(),
        version: env!("CARGO_PKG_VERSION").to_owned(),
        source_settings: source_settings(),
        reports: ReportKind::ALL.map(ReportKind::spec).to_vec(),
    }
}
