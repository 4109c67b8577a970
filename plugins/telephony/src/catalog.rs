//! The telephony report catalog: report ids, titles (en / pt-BR / es), parameters, source
//! settings and output columns (REPORTS.md §3.1–§3.15). The column lists here are the
//! single source of truth: [`crate::kpi`] writes cells in exactly this order.

use reportd_plugin_api::{Catalog, Column, ColumnType, ParamKind, ParamSpec, ReportSpec, Titles};

use crate::settings::{Bucket, SlVariant};

/// The reports this plugin generates (REPORTS.md §3.1–§3.15).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ReportKind {
    ServiceLevel,
    AbandonmentRate,
    AvgTimeToAbandon,
    AvgQueueWait,
    AvgTalkTime,
    AbandonedCallsDetail,
    InboundByQueue,
    InboundCallsDetail,
    DailySummary,
    Hourly,
    Daily,
    AbandonedByHourYearly,
    AgentPerformance,
    CallsList,
    IvrSurvey,
}

/// `(kind, id, en, pt-BR, es, description)`.
type Entry = (
    ReportKind,
    &'static str,
    &'static str,
    &'static str,
    &'static str,
    &'static str,
);

const ENTRIES: [Entry; 15] = [
    (
        ReportKind::ServiceLevel,
        "telephony.service_level",
        "Service level",
        "Nível de Serviço (SL)",
        "Nivel de servicio",
        "Share of calls answered within the service-level threshold, per queue and interval (variant set by the source's sl_variant; default answered within T / offered).",
    ),
    (
        ReportKind::AbandonmentRate,
        "telephony.abandonment_rate",
        "Abandonment rate",
        "Taxa de Abandono",
        "Tasa de abandono",
        "Share of calls that entered a queue and were abandoned before an agent answered: abandoned / offered × 100, per queue and interval.",
    ),
    (
        ReportKind::AvgTimeToAbandon,
        "telephony.avg_time_to_abandon",
        "Average time to abandon",
        "Tempo Médio para Chamada Abandonada",
        "Tiempo medio hasta el abandono",
        "Average time callers waited in the queue before abandoning: Σ wait of abandoned calls / abandoned.",
    ),
    (
        ReportKind::AvgQueueWait,
        "telephony.avg_queue_wait",
        "Average queue wait time",
        "Tempo Médio de Espera em Fila",
        "Tiempo medio de espera en cola",
        "Average time callers waited before an agent answered: Σ CONNECT holdtime / answered.",
    ),
    (
        ReportKind::AvgTalkTime,
        "telephony.avg_talk_time",
        "Average talk time",
        "Tempo Médio Falado",
        "Tiempo medio hablado",
        "Average conversation time of answered calls: Σ calltime (COMPLETECALLER/COMPLETEAGENT/TRANSFER) / answered calls with a known end.",
    ),
    (
        ReportKind::AbandonedCallsDetail,
        "telephony.abandoned_calls_detail",
        "Abandoned calls analytic report",
        "Relatório Analítico de Chamadas Abandonadas",
        "Reporte analítico de llamadas abandonadas",
        "One row per abandoned queue entry in the period, ordered by the time it entered the queue.",
    ),
    (
        ReportKind::InboundByQueue,
        "telephony.inbound_by_queue",
        "Inbound calls per queue",
        "Chamadas recebidas por fila",
        "Reporte de llamadas entrantes",
        "Inbound call volume per queue over a date range (at most one month).",
    ),
    (
        ReportKind::InboundCallsDetail,
        "telephony.inbound_calls_detail",
        "Inbound calls, per call",
        "Chamadas recebidas, por chamada",
        "Reporte de llamadas entrantes (descarga)",
        "One row per inbound queue call with agent, queue, wait and IVR key (at most one month).",
    ),
    (
        ReportKind::DailySummary,
        "telephony.daily_summary",
        "Customer service: daily summary",
        "Atendimento ao cliente: resumo",
        "Reporte de atención al cliente: Resumen",
        "One day (the period must be exactly one local day) and the month-to-date cumulative up to it.",
    ),
    (
        ReportKind::Hourly,
        "telephony.hourly",
        "Customer service: by hour slot",
        "Atendimento ao cliente: faixa horária",
        "Reporte de atención al cliente: Tramo horario",
        "Calls of one queue over the range (at most one month), per hour of the day 0–23.",
    ),
    (
        ReportKind::Daily,
        "telephony.daily",
        "Customer service: daily management for a month",
        "Atendimento ao cliente: gestão diária",
        "Reporte de atención al cliente: Gestión diaria",
        "One row per day of one calendar month (days without calls as zeros).",
    ),
    (
        ReportKind::AbandonedByHourYearly,
        "telephony.abandoned_by_hour_yearly",
        "Abandoned calls by hour slot, month by month, for a year",
        "Chamadas abandonadas por faixa horária, mês a mês",
        "Reporte de atención al cliente: Abandonadas",
        "Unanswered calls per month (1–12) and hour (0–23) of one calendar year, 288 rows.",
    ),
    (
        ReportKind::AgentPerformance,
        "telephony.agent_performance",
        "Customer service: user (agent) management",
        "Atendimento ao cliente: gestão de usuários",
        "Reporte de atención al cliente: Gestión de usuarios",
        "Per agent and day of one month: answered calls, TMO, talk, missed (RINGNOANSWER), paused and logged-in time.",
    ),
    (
        ReportKind::CallsList,
        "telephony.calls_list",
        "Calls list",
        "Lista de chamadas",
        "Reporte de llamadas",
        "One row per call (CDR rows grouped by linkedid/uniqueid) of the last 15 days.",
    ),
    (
        ReportKind::IvrSurvey,
        "telephony.ivr_survey",
        "IVR satisfaction survey",
        "Pesquisa de satisfação na URA",
        "IVR encuesta de satisfacción",
        "One row per call that answered the named IVR survey (SURVEY queue_log events), one column per question.",
    ),
];

impl ReportKind {
    pub const ALL: [ReportKind; 15] = [
        Self::ServiceLevel,
        Self::AbandonmentRate,
        Self::AvgTimeToAbandon,
        Self::AvgQueueWait,
        Self::AvgTalkTime,
        Self::AbandonedCallsDetail,
        Self::InboundByQueue,
        Self::InboundCallsDetail,
        Self::DailySummary,
        Self::Hourly,
        Self::Daily,
        Self::AbandonedByHourYearly,
        Self::AgentPerformance,
        Self::CallsList,
        Self::IvrSurvey,
    ];

    fn entry(self) -> &'static Entry {
        // ENTRIES lists every kind once, in ALL order.
        &ENTRIES[self as usize]
    }

    /// Stable report id.
    pub fn id(self) -> &'static str {
        self.entry().1
    }

    pub fn from_id(id: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.id() == id)
    }

    fn titles(self) -> Titles {
        let e = self.entry();
        Titles::new(e.2, e.3, e.4)
    }

    fn description(self) -> &'static str {
        self.entry().5
    }

    /// The KPI-row reports of REPORTS.md §3.1–3.5 (queue × interval rows).
    pub fn is_kpi(self) -> bool {
        matches!(
            self,
            Self::ServiceLevel
                | Self::AbandonmentRate
                | Self::AvgTimeToAbandon
                | Self::AvgQueueWait
                | Self::AvgTalkTime
        )
    }

    /// Output columns, in cell order. For `ivr_survey` the per-question columns (one per
    /// question id, in order of first appearance) are inserted before `last_answer` at run
    /// time.
    pub fn columns(self) -> Vec<Column> {
        use ColumnType::*;
        match self {
            Self::ServiceLevel => {
                let mut c = kpi_columns();
                c.extend([
                    Column::new(
                        "sl_calls",
                        Integer,
                        "SL calls",
                        "Chamadas no NS",
                        "Llamadas del NS",
                    ),
                    threshold_column(),
                    Column::new(
                        "pct_sl",
                        Percent,
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
                    Percent,
                    "% Abandoned",
                    "Taxa de abandono",
                    "% Nivel de abandono",
                ));
                c
            }
            Self::AvgTimeToAbandon => {
                let mut c = kpi_columns();
                c.extend([
                    Column::new(
                        "abandon_wait_total_s",
                        DurationS,
                        "Total wait of abandoned calls (s)",
                        "Espera total das abandonadas (s)",
                        "Espera total de abandonadas (seg)",
                    ),
                    Column::new(
                        "avg_time_to_abandon_s",
                        DurationS,
                        "Average time to abandon (s)",
                        "Tempo médio para abandono (s)",
                        "Tiempo medio hasta el abandono (seg)",
                    ),
                ]);
                c
            }
            Self::AvgQueueWait => {
                let mut c = kpi_columns();
                c.extend([
                    Column::new(
                        "wait_total_s",
                        DurationS,
                        "Total wait of answered calls (s)",
                        "Espera total das atendidas (s)",
                        "Espera total de contestadas (seg)",
                    ),
                    Column::new(
                        "avg_wait_s",
                        DurationS,
                        "Average wait (s)",
                        "Tempo médio de espera (s)",
                        "Tiempo medio de espera (seg)",
                    ),
                ]);
                c
            }
            Self::AvgTalkTime => {
                let mut c = kpi_columns();
                c.extend([
                    Column::new(
                        "talk_total_s",
                        DurationS,
                        "Total talk time (s)",
                        "Tempo falado total (s)",
                        "Tiempo hablado total (seg)",
                    ),
                    Column::new(
                        "avg_talk_s",
                        DurationS,
                        "Average talk time (s)",
                        "Tempo médio falado (s)",
                        "Tiempo medio hablado (seg)",
                    ),
                ]);
                c
            }
            Self::AbandonedCallsDetail => vec![
                Column::new("call_id", Text, "Call ID", "ID da chamada", "ID de llamada"),
                queue_column(),
                Column::new(
                    "caller_number",
                    Text,
                    "Caller number",
                    "Número do chamador",
                    "Número del llamante",
                ),
                Column::new(
                    "entered_queue_at",
                    Datetime,
                    "Entered queue at",
                    "Entrada na fila",
                    "Ingreso a la cola",
                ),
                Column::new(
                    "abandoned_at",
                    Datetime,
                    "Abandoned at",
                    "Abandonada em",
                    "Abandonada el",
                ),
                Column::new(
                    "wait_s",
                    DurationS,
                    "Wait (s)",
                    "Espera (s)",
                    "Tiempo de espera (seg)",
                ),
                threshold_column(),
                Column::new(
                    "abandoned_after_threshold",
                    Boolean,
                    "Abandoned after threshold",
                    "Abandonada após o limite",
                    "Abandonada después del umbral",
                ),
                Column::new(
                    "ivr_dtmf",
                    Text,
                    "IVR key (DTMF)",
                    "Tecla URA (DTMF)",
                    "Tecla IVR (DTMF)",
                ),
                Column::new("portfolio", Text, "Portfolio", "Carteira", "Cartera"),
                Column::new(
                    "position",
                    Integer,
                    "Position at exit",
                    "Posição na saída",
                    "Posición al salir",
                ),
                Column::new(
                    "orig_position",
                    Integer,
                    "Position at entry",
                    "Posição na entrada",
                    "Posición al entrar",
                ),
                Column::new(
                    "end_event",
                    Enum,
                    "End event",
                    "Evento de saída",
                    "Evento de salida",
                ),
            ],
            Self::InboundByQueue => vec![
                queue_column(),
                Column::new("answered", Integer, "Answered", "Atendidas", "Contestadas"),
                Column::new(
                    "abandoned",
                    Integer,
                    "Abandoned",
                    "Abandonadas",
                    "Abandonadas",
                ),
                Column::new("total", Integer, "Total", "Total", "Total"),
                Column::new(
                    "consumed_s",
                    DurationS,
                    "Seconds consumed",
                    "Segundos consumidos",
                    "Segundos consumidos",
                ),
                Column::new(
                    "sl_calls",
                    Integer,
                    "Service level (count)",
                    "Nível de serviço (quantidade)",
                    "Nivel de servicio (cantidad)",
                ),
                Column::new("pct_sl", Percent, "% SL", "% NS", "%NS"),
                Column::new(
                    "pct_abandon",
                    Percent,
                    "Abandonment level",
                    "Nível de abandono",
                    "Nivel de abandono",
                ),
                Column::new(
                    "wait_total_s",
                    DurationS,
                    "Wait total (s)",
                    "Espera total (s)",
                    "Umbral de espera (seg)",
                ),
                threshold_column(),
            ],
            Self::InboundCallsDetail => vec![
                Column::new("user_id", Text, "User ID", "ID do usuário", "ID Usuario"),
                Column::new("user_name", Text, "User", "Usuário", "Usuario"),
                Column::new("extension", Text, "Extension", "Ramal", "Anexo"),
                Column::new("date", Date, "Date", "Data", "Fecha"),
                Column::new("time", Time, "Time", "Hora", "Hora"),
                campaign_column(),
                queue_column(),
                Column::new("phone", Text, "Phone", "Telefone", "Teléfono"),
                Column::new("status", Enum, "Status", "Estado", "Estado"),
                Column::new(
                    "contacted_at",
                    Datetime,
                    "Contacted at",
                    "Data de contato",
                    "Fecha de contacto",
                ),
                Column::new(
                    "service_level",
                    DurationS,
                    "Service level",
                    "Nível de serviço",
                    "Nivel de servicio",
                ),
                Column::new(
                    "wait_s",
                    DurationS,
                    "Wait time",
                    "Tempo de espera",
                    "Tiempo de espera",
                ),
                Column::new(
                    "wrong_number",
                    Boolean,
                    "Wrong number",
                    "Ligação equivocada",
                    "Llamada equivocada",
                ),
                Column::new(
                    "consumed_s",
                    DurationS,
                    "Seconds consumed",
                    "Segundos consumidos",
                    "Segundos consumidos",
                ),
                Column::new("typ_group", Text, "Group", "Grupo", "Grupo"),
                Column::new("typ_result", Text, "Result", "Resultado", "Resultado"),
                Column::new("typ_reason", Text, "Reason", "Motivo", "Motivo"),
                Column::new("ivr_status", Text, "IVR status", "Estado URA", "Estado IVR"),
                Column::new("dtmf", Text, "DTMF", "DTMF", "DTMF"),
                Column::new(
                    "management_id",
                    Text,
                    "Management ID",
                    "ID gestão",
                    "ID gestión",
                ),
                Column::new("call_id", Text, "Call ID", "ID da chamada", "ID llamada"),
            ],
            Self::DailySummary => {
                let mut c = vec![Column::new("section", Enum, "Section", "Seção", "Sección")];
                c.extend(score_counts(
                    "received",
                    "Calls received",
                    "Chamadas recebidas",
                    "Llamadas recibidas",
                ));
                c.extend(score_pcts());
                c.extend(score_times());
                c
            }
            Self::Hourly => {
                let mut c = vec![Column::new(
                    "hour",
                    Integer,
                    "Hour slot",
                    "Faixa horária",
                    "Tramo horario",
                )];
                c.extend(score_counts(
                    "received",
                    "Calls received",
                    "Chamadas recebidas",
                    "Llamadas recibidas",
                ));
                c.extend(score_times());
                c.extend(score_pcts());
                c
            }
            Self::Daily => {
                let mut c = vec![Column::new("date", Date, "Date", "Data", "Fecha")];
                c.extend(score_counts(
                    "received",
                    "Calls received",
                    "Chamadas recebidas",
                    "Llamadas recibidas",
                ));
                c.extend(score_pcts());
                c.extend(score_times());
                c
            }
            Self::AbandonedByHourYearly => vec![
                Column::new("month", Integer, "Month", "Mês", "Mes"),
                Column::new(
                    "hour",
                    Integer,
                    "Hour slot",
                    "Faixa horária",
                    "Tramo horario",
                ),
                Column::new(
                    "abandoned",
                    Integer,
                    "Abandoned",
                    "Abandonadas",
                    "Abandonadas",
                ),
            ],
            Self::AgentPerformance => vec![
                Column::new("date", Date, "Date", "Data", "Fecha"),
                Column::new("user_id", Text, "User ID", "ID do usuário", "ID Usuario"),
                Column::new("user_name", Text, "User", "Usuário", "Usuario"),
                Column::new("answered", Integer, "Answered", "Atendidas", "Contestadas"),
                Column::new("tmo_s", DurationS, "AHT (TMO)", "TMO", "TMO"),
                Column::new(
                    "talk_total_s",
                    DurationS,
                    "Total talk time (s)",
                    "Tempo falado total (s)",
                    "Tiempo hablado total (seg)",
                ),
                Column::new(
                    "missed",
                    Integer,
                    "Missed (ring no answer)",
                    "Não atendidas pelo agente",
                    "No contestadas por el agente",
                ),
                Column::new(
                    "ring_noanswer_s",
                    DurationS,
                    "Ring time of missed calls (s)",
                    "Tempo de toque não atendido (s)",
                    "Tiempo de timbre no contestado (seg)",
                ),
                Column::new(
                    "paused_s",
                    DurationS,
                    "Paused time (s)",
                    "Tempo em pausa (s)",
                    "Tiempo en pausa (seg)",
                ),
                Column::new(
                    "logged_in_s",
                    DurationS,
                    "Logged-in time (s)",
                    "Tempo logado (s)",
                    "Tiempo conectado (seg)",
                ),
            ],
            Self::CallsList => vec![
                Column::new("company", Text, "Company", "Empresa", "Empresa"),
                campaign_column(),
                Column::new(
                    "call_type",
                    Enum,
                    "Call type",
                    "Tipo de chamada",
                    "Tipo de llamada",
                ),
                Column::new(
                    "dial_type",
                    Enum,
                    "Dial type",
                    "Tipo de discagem",
                    "Tipo de marcación",
                ),
                Column::new(
                    "contact_number",
                    Text,
                    "Contact number",
                    "Número do contato",
                    "Número de contacto",
                ),
                Column::new("result", Enum, "Result", "Resultado", "Resultado"),
                Column::new(
                    "started_at",
                    Datetime,
                    "Start date and time",
                    "Data e hora de início",
                    "Fecha y hora inicio",
                ),
                Column::new(
                    "ended_at",
                    Datetime,
                    "End date and time",
                    "Data e hora de fim",
                    "Fecha y hora fin",
                ),
                Column::new("user_name", Text, "User", "Usuário", "Usuario"),
                Column::new("extension", Text, "Extension", "Ramal", "Anexo"),
                Column::new(
                    "total_s",
                    DurationS,
                    "Total time (s)",
                    "Tempo total (s)",
                    "Tiempo total (en segundos)",
                ),
                Column::new(
                    "talk_s",
                    DurationS,
                    "Talk time (s)",
                    "Tempo falado (s)",
                    "Tiempo hablado (en segundos)",
                ),
                Column::new(
                    "disposition",
                    Enum,
                    "Disposition",
                    "Disposição",
                    "Disposición",
                ),
                Column::new("call_id", Text, "Call ID", "ID da chamada", "ID de llamada"),
            ],
            Self::IvrSurvey => vec![
                Column::new("call_id", Text, "Call ID", "ID da chamada", "ID de llamada"),
                Column::new("ticket_id", Text, "Ticket ID", "ID do ticket", "ID Ticket"),
                Column::new("collected_at", Datetime, "Date", "Data", "Fecha"),
                Column::new("company", Text, "Company", "Empresa", "Empresa"),
                campaign_column(),
                Column::new(
                    "call_type",
                    Enum,
                    "Call type",
                    "Tipo de chamada",
                    "Tipo de llamada",
                ),
                Column::new("user_id", Text, "User ID", "ID do usuário", "ID de usuario"),
                Column::new("user_name", Text, "User", "Usuário", "Usuario"),
                Column::new(
                    "contact_number",
                    Text,
                    "Contact number",
                    "Número do contato",
                    "Número del contacto",
                ),
                Column::new(
                    "ivr_total_s",
                    DurationS,
                    "Total IVR time (s)",
                    "Tempo total na URA (s)",
                    "Tiempo total IVR (en segundos)",
                ),
                Column::new(
                    "last_answer",
                    Text,
                    "Last answer",
                    "Última resposta",
                    "Última respuesta",
                ),
                Column::new(
                    "nps_survey",
                    Text,
                    "NPS survey",
                    "Pesquisa NPS",
                    "Encuesta de NPS",
                ),
                Column::new(
                    "nps_question",
                    Text,
                    "NPS question",
                    "Pergunta NPS",
                    "Pregunta NPS",
                ),
            ],
        }
    }

    fn spec(self) -> ReportSpec {
        ReportSpec {
            id: self.id().to_owned(),
            title: self.titles(),
            description: self.description().to_owned(),
            params: report_params(self),
            columns: self.columns(),
        }
    }
}

fn campaign_column() -> Column {
    Column::new(
        "campaign",
        ColumnType::Text,
        "Campaign",
        "Campanha",
        "Campaña",
    )
}

/// received · answered · sl_calls · abandoned (Score customer-service reports).
fn score_counts(id: &str, en: &str, pt: &str, es: &str) -> Vec<Column> {
    use ColumnType::Integer;
    vec![
        Column::new(id, Integer, en, pt, es),
        Column::new(
            "answered",
            Integer,
            "Calls answered",
            "Chamadas atendidas",
            "Llamadas atendidas",
        ),
        Column::new(
            "sl_calls",
            Integer,
            "Calls within SL",
            "Chamadas no NS",
            "Llamadas del NS",
        ),
        Column::new(
            "abandoned",
            Integer,
            "Calls abandoned",
            "Chamadas abandonadas",
            "Llamadas abandonadas",
        ),
    ]
}

fn score_pcts() -> Vec<Column> {
    use ColumnType::Percent;
    vec![
        Column::new(
            "pct_answered",
            Percent,
            "% Answered",
            "% Nível atendidas",
            "% Nivel atendidas",
        ),
        Column::new(
            "pct_sl",
            Percent,
            "% Service level",
            "% Nível de serviço",
            "% Nivel de servicio",
        ),
        Column::new(
            "pct_abandon",
            Percent,
            "% Abandoned",
            "% Nível de abandono",
            "% Nivel de abandono",
        ),
    ]
}

fn score_times() -> Vec<Column> {
    use ColumnType::DurationS;
    vec![
        Column::new("tmo_s", DurationS, "AHT (TMO)", "TMO", "TMO"),
        Column::new("tme_s", DurationS, "ASA (TME)", "TME", "TME"),
    ]
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

/// Names of the parameters `kind` accepts.
pub fn param_names(kind: ReportKind) -> Vec<&'static str> {
    report_params(kind)
        .iter()
        .filter_map(|p| crate::settings::PARAM_KEYS.iter().find(|k| **k == p.name))
        .copied()
        .collect()
}

/// The parameters of `kind` (schedule `filters`); the period itself is the request's.
fn report_params(kind: ReportKind) -> Vec<ParamSpec> {
    use ReportKind::*;
    let queue = param(
        "queue",
        ParamKind::StringList,
        false,
        "Only these queues (default: all).",
    );
    let label = |name: &str, what: &str| {
        param(
            name,
            ParamKind::String,
            false,
            &format!(
                "{what} name copied into the output; Asterisk has no such dimension, so it does not filter."
            ),
        )
    };
    match kind {
        ServiceLevel | AbandonmentRate | AvgTimeToAbandon | AvgQueueWait | AvgTalkTime
        | AbandonedCallsDetail => vec![
            queue,
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
        ],
        InboundByQueue | InboundCallsDetail | DailySummary | Daily | AbandonedByHourYearly => {
            vec![
                queue,
                label("company", "Company"),
                label("campaign", "Campaign"),
            ]
        }
        Hourly => vec![
            param(
                "queue",
                ParamKind::StringList,
                true,
                "Exactly one queue (\"Solo podrás elegir una cola por reporte\").",
            ),
            label("company", "Company"),
            label("campaign", "Campaign"),
        ],
        AgentPerformance => vec![
            param(
                "metric",
                ParamKind::Enum {
                    values: vec!["TMO".to_owned(), "Contestadas".to_owned()],
                },
                true,
                "TMO or Contestadas: the figure the screen shows; the rows carry both.",
            ),
            queue,
            label("company", "Company"),
            label("campaign", "Campaign"),
        ],
        CallsList => vec![label("company", "Company"), label("campaign", "Campaign")],
        IvrSurvey => vec![
            param(
                "ivr_name",
                ParamKind::String,
                true,
                "The survey to report on (SURVEY event data1).",
            ),
            label("company", "Company"),
            label("campaign", "Campaign"),
        ],
    }
}

fn source_settings() -> Vec<ParamSpec> {
    vec![
        param(
            "queue_log",
            ParamKind::Path,
            false,
            "Asterisk queue_log file. Rotated siblings (queue_log.1, queue_log.2.gz, \
             queue_log-20261120[.gz]) are read too. Relative paths are resolved against the \
             config file's directory. Every report but calls_list needs it or a database \
             (its queue_log_table).",
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
        param(
            "cdr",
            ParamKind::Path,
            false,
            "Asterisk CDR CSV (Master.csv; rotated siblings read too). calls_list needs it or \
             a database (its cdr_table).",
        ),
        param(
            "cdr_format",
            ParamKind::Enum {
                values: vec!["cdr_csv".to_owned(), "cdr_custom".to_owned()],
            },
            false,
            "cdr_csv (default: Master.csv order, 16/18/21 columns detected) or cdr_custom \
             (the cdr_custom.conf.sample order).",
        ),
        param(
            "inbound_contexts",
            ParamKind::StringList,
            false,
            "CDR dcontexts of inbound calls (default from-trunk, from-pstn, from-external, \
             from-did-direct, ext-did); other calls are outbound.",
        ),
        param(
            "nps_question",
            ParamKind::String,
            false,
            "Question id of the NPS question in SURVEY events (default \"nps\").",
        ),
        param(
            "readiness",
            ParamKind::Enum {
                values: vec!["warn".to_owned(), "off".to_owned()],
            },
            false,
            "warn (default): warn PERIOD_NOT_CLOSED when the period ends after the newest \
             input record; off: no check. To wait for the data instead, set the schedule's \
             wait_for_data.",
        ),
        param(
            "database",
            ParamKind::String,
            false,
            "Realtime database URL (mysql:// or mariadb:// for FreePBX/Issabel, postgres:// for \
             Wazo, sqlite://): queue_log is read from its queue_log_table unless a queue_log \
             file is set, the CDR from its cdr_table unless a cdr file is set.",
        ),
        param(
            "database_password_file",
            ParamKind::Path,
            false,
            "File holding the database password (or database_password_env / \
             database_password_credential, or in the URL).",
        ),
        param(
            "database_password_env",
            ParamKind::String,
            false,
            "Environment variable holding the database password.",
        ),
        param(
            "database_password_credential",
            ParamKind::String,
            false,
            "systemd credential (LoadCredential=) holding the database password.",
        ),
        param(
            "database_connect_timeout",
            ParamKind::Duration,
            false,
            "Time allowed to connect and log in (default 30s).",
        ),
        param(
            "database_timezone",
            ParamKind::String,
            false,
            "IANA zone of the database's naive times (varchar, DATETIME, timestamp without \
             time zone); default the report period's zone.",
        ),
        param(
            "queue_log_table",
            ParamKind::String,
            false,
            "Realtime queue_log table (default queue_log): id, time, callid, queuename, agent, \
             event, data1..data5 (or one |-separated data column).",
        ),
        param(
            "cdr_table",
            ParamKind::String,
            false,
            "CDR table (default cdr): calldate (or start/answer/end), clid, src, dst, dcontext, \
             channel, dstchannel, duration, billsec, disposition, uniqueid, [linkedid, sequence].",
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
