//! The webchat report catalog (REPORTS.md §5.1–§5.14): ids, titles, parameters, source
//! settings and output columns. [`crate::reports`] writes cells in exactly this order.

use reportd_plugin_api::{
    Catalog, Column, ColumnType as T, ParamKind, ParamSpec, ReportSpec, Titles,
};

/// The reports this plugin generates.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ReportKind {
    ContactsReceived,
    IdrFlowKpis,
    Nps,
    StepAnalysis,
    AgentAnalysis,
    SessionAnalysis,
    SessionsByDay,
    SessionsByHour,
    TrafficByDayOfMonth,
    SessionDetail,
    AgentAttendances,
    AgentAttendanceHistory,
    AttendanceTranscript,
    AgentAttendancesByStatus,
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

const ENTRIES: [Entry; 14] = [
    (
        ReportKind::ContactsReceived,
        "webchat.contacts_received",
        "Contacts received on WebChat",
        "Contatos Recebidos no WebChat",
        "Contactos recibidos en WebChat",
        "One row per session started in the period; handled_by = human when an agent took part.",
    ),
    (
        ReportKind::IdrFlowKpis,
        "webchat.idr_flow_kpis",
        "IDR flow KPIs (chatbot)",
        "Fluxo IDR – KPIs",
        "KPIs del flujo IDR (chatbot)",
        "One row per KPI the bot flow recorded (session kpis[]) in the period.",
    ),
    (
        ReportKind::Nps,
        "webchat.nps",
        "WebChat Net Promoter Score",
        "Invenio Webchat – Net Promoter Score (NPS)",
        "Net Promoter Score de WebChat",
        "One row per survey answered in the period. NPS = (promoters 9–10 − detractors 0–6) / NPS answers × 100, in the metadata.",
    ),
    (
        ReportKind::StepAnalysis,
        "webchat.step_analysis",
        "Step (flow option) analysis",
        "Análise de passos",
        "Análisis de pasos",
        "Visits per flow step in sessions started in the period; pct = times / Σ times × 100; duration = average time from entering the step to the next step (or the session end).",
    ),
    (
        ReportKind::AgentAnalysis,
        "webchat.agent_analysis",
        "Agent indicators",
        "Indicadores dos agentes",
        "Indicadores de los agentes",
        "Per agent: busy time = union of the intervals first contact → session end of the agent's sessions; sessions; messages sent and their share.",
    ),
    (
        ReportKind::SessionAnalysis,
        "webchat.session_analysis",
        "General data per bot",
        "Dados gerais de cada bot",
        "Datos generales de cada bot",
        "Per bot: sessions started in the period, abandoned, reaching the panel, unique contacts.",
    ),
    (
        ReportKind::SessionsByDay,
        "webchat.sessions_by_day",
        "Sessions per day per bot",
        "Sessões por dia por bot",
        "Sesiones por día por bot",
        "Sessions started per local day and bot.",
    ),
    (
        ReportKind::SessionsByHour,
        "webchat.sessions_by_hour",
        "Sessions per hour per bot",
        "Sessões por hora por bot",
        "Sesiones por hora por bot",
        "Sessions started per local hour of day (0–23, over the whole period) and bot.",
    ),
    (
        ReportKind::TrafficByDayOfMonth,
        "webchat.traffic_by_day_of_month",
        "Traffic per day of month, per bot",
        "Tráfego por dia do mês, por bot",
        "Tráfico por día del mes, por bot",
        "Per day of month and bot (sessions by start day): sessions, unique contacts, messages in/out of those sessions, average session length and panel wait in ms, abandoned sessions.",
    ),
    (
        ReportKind::SessionDetail,
        "webchat.session_detail",
        "Detailed session report",
        "Relatório detalhado das sessões",
        "Informe detallado de las sesiones",
        "One row per session started in the period, with menu choices, typifications and panel times; wait_ms = first_contact − panel_start.",
    ),
    (
        ReportKind::AgentAttendances,
        "webchat.agent_attendances",
        "Agent's own attendances",
        "Relatório de Atendimentos do Agente",
        "Atenciones del agente",
        "The requesting agent's attendances started in the period (status defaults to Concluído).",
    ),
    (
        ReportKind::AgentAttendanceHistory,
        "webchat.agent_attendance_history",
        "Agent's attendance history (timeline)",
        "Histórico dos atendimentos do agente",
        "Historial de atenciones del agente",
        "Timeline events (started, transferred, received transfer, concluded) of the agent's attendances.",
    ),
    (
        ReportKind::AttendanceTranscript,
        "webchat.attendance_transcript",
        "Attendance / session transcript",
        "Relatório da Sessão / do Atendimento",
        "Transcripción de la atención / sesión",
        "Messages of one attendance (scope attendance) or of the contact's attendances with the same bot in the 24 h before its end (scope session).",
    ),
    (
        ReportKind::AgentAttendancesByStatus,
        "webchat.agent_attendances_by_status",
        "Agent's attendances by status",
        "Gráfico de Atendimentos",
        "Atenciones del agente por estado",
        "The agent's attendances started in the period, counted per status (non-zero only).",
    ),
];

/// Filters of the agent's own-attendance reports (§5.11).
const AGENT_PARAMS: &[&str] = &[
    "agent",
    "status",
    "department",
    "channel",
    "tag",
    "evaluation",
];

impl ReportKind {
    /// All reports, in catalog order.
    pub const ALL: [ReportKind; 14] = [
        ReportKind::ContactsReceived,
        ReportKind::IdrFlowKpis,
        ReportKind::Nps,
        ReportKind::StepAnalysis,
        ReportKind::AgentAnalysis,
        ReportKind::SessionAnalysis,
        ReportKind::SessionsByDay,
        ReportKind::SessionsByHour,
        ReportKind::TrafficByDayOfMonth,
        ReportKind::SessionDetail,
        ReportKind::AgentAttendances,
        ReportKind::AgentAttendanceHistory,
        ReportKind::AttendanceTranscript,
        ReportKind::AgentAttendancesByStatus,
    ];

    fn entry(self) -> &'static Entry {
        let i = Self::ALL.iter().position(|k| *k == self).unwrap_or(0);
        &ENTRIES[i]
    }

    /// The stable report id.
    pub fn id(self) -> &'static str {
        self.entry().1
    }

    /// The kind of a report id.
    pub fn from_id(id: &str) -> Option<Self> {
        ENTRIES.iter().find(|e| e.1 == id).map(|e| e.0)
    }

    /// The parameters (schedule `filters`) this report accepts.
    pub fn param_names(self) -> &'static [&'static str] {
        use ReportKind::*;
        match self {
            ContactsReceived => &[
                "bot",
                "channel",
                "department",
                "user",
                "portfolio",
                "event_type",
            ],
            IdrFlowKpis => &["bot", "channel", "flow"],
            Nps => &["bot", "channel", "department", "user"],
            StepAnalysis => &["bot", "channel"],
            AgentAnalysis => &["bot", "channel", "agent"],
            SessionAnalysis | SessionsByDay | SessionsByHour => &["bot", "channel"],
            TrafficByDayOfMonth => &["bot", "channel", "view"],
            SessionDetail => &[
                "bot",
                "channel",
                "mode",
                "contact",
                "agent",
                "abandoned",
                "step",
                "message_text",
            ],
            AgentAttendances | AgentAttendanceHistory | AgentAttendancesByStatus => AGENT_PARAMS,
            AttendanceTranscript => &["protocol", "scope", "format"],
        }
    }

    /// The parameters that must be set.
    pub fn required_params(self) -> &'static [&'static str] {
        use ReportKind::*;
        match self {
            AgentAttendances | AgentAttendanceHistory | AgentAttendancesByStatus => &["agent"],
            AttendanceTranscript => &["protocol"],
            _ => &[],
        }
    }

    /// Whether the report reads the `messages` file.
    pub fn needs_messages(self) -> bool {
        use ReportKind::*;
        matches!(
            self,
            StepAnalysis
                | AgentAnalysis
                | TrafficByDayOfMonth
                | SessionDetail
                | AttendanceTranscript
        )
    }

    /// Whether the report reads the `surveys` file.
    pub fn needs_surveys(self) -> bool {
        use ReportKind::*;
        matches!(self, Nps | ContactsReceived | AgentAttendances)
    }

    /// Output columns in order.
    pub fn columns(self) -> Vec<Column> {
        use ReportKind::*;
        let c = Column::new;
        let bot = || c("bot", T::Text, "Bot", "Bot", "Bot");
        let protocol = || c("protocol", T::Text, "Protocol", "Protocolo", "Protocolo");
        let status = || c("status", T::Enum, "Status", "Status", "Estado");
        let department = || {
            c(
                "department",
                T::Text,
                "Department",
                "Departamento",
                "Departamento",
            )
        };
        let channel = || c("channel", T::Text, "Channel", "Canal", "Canal");
        let evaluation = || {
            c(
                "evaluation",
                T::Enum,
                "Evaluation",
                "Avaliação",
                "Evaluación",
            )
        };
        let sessions = || c("sessions", T::Integer, "Sessions", "Sessões", "Sesiones");
        let unique = || {
            c(
                "unique_contacts",
                T::Integer,
                "Unique contacts",
                "Contatos únicos",
                "Contactos únicos",
            )
        };
        let abandoned_n = || {
            c(
                "abandoned_sessions",
                T::Integer,
                "Abandoned sessions",
                "Sessões abandonadas",
                "Sesiones abandonadas",
            )
        };
        match self {
            ContactsReceived => vec![
                protocol(),
                c(
                    "received_at",
                    T::Datetime,
                    "Received at",
                    "Recebido em",
                    "Recibido el",
                ),
                c(
                    "contact_name",
                    T::Text,
                    "Contact name",
                    "Nome do contato",
                    "Nombre del contacto",
                ),
                c(
                    "contact_phone",
                    T::Text,
                    "Contact phone",
                    "Telefone do contato",
                    "Teléfono del contacto",
                ),
                c(
                    "contact_email",
                    T::Text,
                    "Contact e-mail",
                    "E-mail do contato",
                    "Correo del contacto",
                ),
                department(),
                c(
                    "handled_by",
                    T::Enum,
                    "Handled by",
                    "Atendido por",
                    "Atendido por",
                ),
                c("user_name", T::Text, "User", "Usuário", "Usuario"),
                status(),
                c(
                    "ended_at",
                    T::Datetime,
                    "Ended at",
                    "Finalizado em",
                    "Finalizado el",
                ),
                evaluation(),
                c(
                    "form",
                    T::Text,
                    "Contact form",
                    "Formulário de contato",
                    "Formulario de contacto",
                ),
            ],
            IdrFlowKpis => vec![
                c(
                    "recorded_at",
                    T::Datetime,
                    "Recorded at",
                    "Registrado em",
                    "Registrado el",
                ),
                c("flow", T::Text, "Flow", "Fluxo", "Flujo"),
                c("kpi_name", T::Text, "KPI", "KPI", "KPI"),
                c("kpi_value", T::Text, "Value", "Valor", "Valor"),
                protocol(),
                c("contact", T::Text, "Contact", "Contato", "Contacto"),
                channel(),
            ],
            Nps => vec![
                protocol(),
                c(
                    "answered_at",
                    T::Datetime,
                    "Answered at",
                    "Respondido em",
                    "Respondido el",
                ),
                c("user_name", T::Text, "User", "Usuário", "Usuario"),
                department(),
                c("rating", T::Enum, "Rating", "Classificação", "Calificación"),
                c("nps_score", T::Integer, "NPS score", "Nota NPS", "Nota NPS"),
                c(
                    "nps_category",
                    T::Enum,
                    "NPS category",
                    "Categoria NPS",
                    "Categoría NPS",
                ),
                c("comment", T::Text, "Comment", "Comentário", "Comentario"),
            ],
            StepAnalysis => vec![
                c("step", T::Text, "Step", "Passo", "Paso"),
                c("times", T::Integer, "Times", "Vezes", "Veces"),
                c("pct", T::Percent, "Percentage", "Porcentagem", "Porcentaje"),
                c("duration", T::DurationS, "Duration", "Duração", "Duración"),
            ],
            AgentAnalysis => vec![
                c("agent", T::Text, "Agent", "Agente", "Agente"),
                c(
                    "busy_s",
                    T::DurationS,
                    "Busy time",
                    "Tempo ocupado",
                    "Tiempo ocupado",
                ),
                c(
                    "avg_busy_s",
                    T::DurationS,
                    "Average busy time",
                    "Tempo ocupado médio",
                    "Tiempo ocupado promedio",
                ),
                sessions(),
                c("messages", T::Integer, "Messages", "Mensagens", "Mensajes"),
                c(
                    "messages_share_pct",
                    T::Percent,
                    "Messages share",
                    "Participação nas mensagens",
                    "Participación en mensajes",
                ),
            ],
            SessionAnalysis => vec![
                bot(),
                sessions(),
                abandoned_n(),
                c(
                    "panel_sessions",
                    T::Integer,
                    "Sessions with panel",
                    "Sessões com painel",
                    "Sesiones con panel",
                ),
                unique(),
            ],
            SessionsByDay => vec![
                c("date", T::Date, "Date", "Data", "Fecha"),
                bot(),
                sessions(),
            ],
            SessionsByHour => vec![
                c("hour", T::Integer, "Hour", "Hora", "Hora"),
                bot(),
                sessions(),
            ],
            TrafficByDayOfMonth => vec![
                bot(),
                c("day", T::Integer, "Day", "Dia", "Día"),
                sessions(),
                unique(),
                c(
                    "messages_in",
                    T::Integer,
                    "Incoming messages",
                    "Mensagens recebidas",
                    "Mensajes entrantes",
                ),
                c(
                    "messages_out",
                    T::Integer,
                    "Outgoing messages",
                    "Mensagens enviadas",
                    "Mensajes salientes",
                ),
                c(
                    "avg_session_ms",
                    T::DurationMs,
                    "Session length (average)",
                    "Duração da sessão (média)",
                    "Largo de sesión (promedio)",
                ),
                c(
                    "avg_wait_ms",
                    T::DurationMs,
                    "Wait time (average)",
                    "Tempo de espera (média)",
                    "Tiempo de espera (promedio)",
                ),
                abandoned_n(),
            ],
            SessionDetail => vec![
                bot(),
                channel(),
                c("session_start", T::Datetime, "Start", "Início", "Inicio"),
                c("session_end", T::Datetime, "End", "Fim", "Fin"),
                c(
                    "contact_phone",
                    T::Text,
                    "Contact phone",
                    "Telefone do contato",
                    "Teléfono del contacto",
                ),
                c(
                    "contact_name",
                    T::Text,
                    "Contact name",
                    "Nome do contato",
                    "Nombre del contacto",
                ),
                c(
                    "messages_in",
                    T::Integer,
                    "Incoming messages",
                    "Mensagens recebidas",
                    "Mensajes entrantes",
                ),
                c(
                    "messages_out",
                    T::Integer,
                    "Outgoing messages",
                    "Mensagens enviadas",
                    "Mensajes salientes",
                ),
                c(
                    "last_step",
                    T::Text,
                    "Last step",
                    "Último passo",
                    "Último paso",
                ),
                c(
                    "menus",
                    T::Text,
                    "Menu choices",
                    "Opções de menu",
                    "Opciones de menú",
                ),
                c(
                    "typifications",
                    T::Text,
                    "Typifications",
                    "Tipificações",
                    "Tipificaciones",
                ),
                c("panel", T::Boolean, "Panel", "Painel", "Panel"),
                c("agents", T::Text, "Agents", "Agentes", "Agentes"),
                c(
                    "panel_start",
                    T::Datetime,
                    "Panel start",
                    "Início do painel",
                    "Inicio del panel",
                ),
                c(
                    "first_contact",
                    T::Datetime,
                    "First contact",
                    "Primeiro contato",
                    "Primer contacto",
                ),
                c(
                    "wait_ms",
                    T::DurationMs,
                    "Wait time",
                    "Tempo de espera",
                    "Tiempo de espera",
                ),
                c(
                    "abandoned",
                    T::Boolean,
                    "Abandoned session",
                    "Sessão abandonada",
                    "Sesión abandonada",
                ),
            ],
            AgentAttendances => vec![
                protocol(),
                c(
                    "started_at",
                    T::Datetime,
                    "Started at",
                    "Data e Hora",
                    "Fecha y hora",
                ),
                status(),
                department(),
                evaluation(),
                channel(),
                c("tags", T::Text, "Tags", "Etiquetas", "Etiquetas"),
                c(
                    "wait_s",
                    T::DurationS,
                    "Wait time",
                    "Tempo de espera",
                    "Tiempo de espera",
                ),
                c(
                    "attendance_s",
                    T::DurationS,
                    "Attendance time",
                    "Tempo de atendimento",
                    "Tiempo de atención",
                ),
                c(
                    "ended_at",
                    T::Datetime,
                    "Ended at",
                    "Finalizado em",
                    "Finalizado el",
                ),
                c(
                    "form",
                    T::Text,
                    "Contact form",
                    "Formulário de contato",
                    "Formulario de contacto",
                ),
                c(
                    "additional_info",
                    T::Text,
                    "Additional information",
                    "Informações adicionais",
                    "Información adicional",
                ),
            ],
            AgentAttendanceHistory => vec![
                protocol(),
                c("event", T::Enum, "Event", "Evento", "Evento"),
                c("event_at", T::Datetime, "At", "Em", "El"),
                c("from", T::Text, "From", "De", "De"),
                c("to", T::Text, "To", "Para", "Para"),
                department(),
            ],
            AttendanceTranscript => vec![
                protocol(),
                c("at", T::Datetime, "Time", "Horário", "Hora"),
                c("author", T::Enum, "Author", "Autor", "Autor"),
                c("author_name", T::Text, "Name", "Nome", "Nombre"),
                c("text", T::Text, "Message", "Mensagem", "Mensaje"),
            ],
            AgentAttendancesByStatus => vec![
                status(),
                c(
                    "attendances",
                    T::Integer,
                    "Attendances",
                    "Atendimentos",
                    "Atenciones",
                ),
            ],
        }
    }
}

fn param(name: &str, kind: ParamKind, required: bool, description: &str) -> ParamSpec {
    ParamSpec {
        name: name.to_owned(),
        kind,
        required,
        description: description.to_owned(),
    }
}

fn values(v: &[&str]) -> ParamKind {
    ParamKind::Enum {
        values: v.iter().map(|s| (*s).to_owned()).collect(),
    }
}

fn param_spec(kind: ReportKind, name: &str) -> ParamSpec {
    let req = kind.required_params().contains(&name);
    let list = |d: &str| param(name, ParamKind::StringList, req, d);
    match name {
        "bot" => list("only these bots"),
        "channel" => list("only these channels"),
        "department" => list("only these departments"),
        "user" | "agent" => list(if kind.required_params().contains(&"agent") {
            "the requesting agent: only their own attendances"
        } else {
            "only sessions these agents took part in"
        }),
        "contact" => list("only these contacts (id, phone or name)"),
        "tag" => list("only attendances with one of these tags"),
        "flow" => list("only these flows"),
        "step" => list("only sessions that visited one of these steps"),
        "status" => param(
            name,
            ParamKind::StringList,
            false,
            "attendance statuses (seed spelling or enum value); \"Selecionar Todos\" = all",
        ),
        "evaluation" => list("only these evaluations (excelente, bom, razoável, ruim, muito ruim)"),
        "mode" => param(
            name,
            values(&["all", "panel", "bot_only"]),
            false,
            "Modalidad",
        ),
        "abandoned" => param(
            name,
            ParamKind::Bool,
            false,
            "only abandoned (true) or attended (false) sessions",
        ),
        "message_text" => param(
            name,
            ParamKind::String,
            false,
            "only sessions with a message containing this text (case-insensitive)",
        ),
        "protocol" => param(
            name,
            ParamKind::String,
            true,
            "the attendance protocol (or session id)",
        ),
        "scope" => param(
            name,
            values(&["attendance", "session"]),
            false,
            "attendance (default) or the contact's 24 h session",
        ),
        "format" => param(
            name,
            values(&["pdf", "zip", "csv"]),
            false,
            "accepted for compatibility; the host renders the rows",
        ),
        "view" => param(
            name,
            values(&["messages", "sessions"]),
            false,
            "chart view only; the export has every column",
        ),
        other => param(
            other,
            ParamKind::String,
            false,
            "accepted for compatibility; the session model has no such attribute, so it is ignored (recorded in the report metadata)",
        ),
    }
}

/// The source settings of a `[sources.X]` table with `plugin = "webchat"`.
pub fn source_settings() -> Vec<ParamSpec> {
    vec![
        param(
            "sessions",
            ParamKind::Path,
            true,
            "sessions JSONL (file with rotated siblings, or directory; plain or .gz), relative to the config file",
        ),
        param(
            "messages",
            ParamKind::Path,
            false,
            "messages JSONL; needed by step/agent analysis, traffic, session detail and transcripts",
        ),
        param(
            "surveys",
            ParamKind::Path,
            false,
            "surveys JSONL (NPS 0–10, CSAT 1–5, rating, comment); needed by nps",
        ),
    ]
}

/// The full catalog.
pub fn catalog() -> Catalog {
    Catalog {
        plugin: "webchat".to_owned(),
        version: env!("CARGO_PKG_VERSION").to_owned(),
        source_settings: source_settings(),
        reports: ENTRIES
            .iter()
            .map(|(kind, id, en, pt, es, desc)| ReportSpec {
                id: (*id).to_owned(),
                title: Titles::new(en, pt, es),
                description: (*desc).to_owned(),
                params: kind
                    .param_names()
                    .iter()
                    .map(|n| param_spec(*kind, n))
                    .collect(),
                columns: kind.columns(),
            })
            .collect(),
    }
}
