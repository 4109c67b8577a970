//! The whatsapp report catalog (REPORTS.md §4.1–§4.11): ids, titles, parameters, source
//! settings and output columns. The column lists here are the single source of truth:
//! [`crate::reports`] writes cells in exactly this order.

use reportd_plugin_api::{
    Catalog, Column, ColumnType as T, ParamKind, ParamSpec, ReportSpec, Titles,
};

/// The reports this plugin generates.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ReportKind {
    Sessions,
    LineStatus,
    TemplateStatus,
    HsmActiveSends,
    HsmSendsByUser,
    CampaignUnsubscribes,
    OutboundCampaignResults,
    MessagesByOrigin,
    MessagesByStatus,
    CasesByPeriod,
    ConsumptionDetail,
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

const ENTRIES: [Entry; 11] = [
    (
        ReportKind::Sessions,
        "whatsapp.sessions",
        "WhatsApp sessions control",
        "Controle de Sessões WhatsApp",
        "Control de sesiones de WhatsApp",
        "Sessions (24 h customer-service windows) opened in the period, by the contact (inbound message) or by the company (HSM send). Each inbound message refreshes the window; expires_at = last inbound (or the opening HSM) + 24 h.",
    ),
    (
        ReportKind::LineStatus,
        "whatsapp.line_status",
        "WhatsApp line status",
        "Relatório de Status de Linhas WhatsApp",
        "Estado de las líneas de WhatsApp",
        "One row per phone_number_quality_update or account_update webhook in the period.",
    ),
    (
        ReportKind::TemplateStatus,
        "whatsapp.template_status",
        "WhatsApp template (HSM) status",
        "Relatório de Status de Templates WhatsApp",
        "Estado de las plantillas (HSM) de WhatsApp",
        "One row per message_template_status_update webhook in the period.",
    ),
    (
        ReportKind::HsmActiveSends,
        "whatsapp.hsm_active_sends",
        "Active HSM sends (WhatsApp Business API)",
        "Envios Ativos de HSM – WhatsApp Business API",
        "Envíos activos de HSM (WhatsApp Business API)",
        "Every template (HSM) send of the send log in the period, with its status as of the period end.",
    ),
    (
        ReportKind::HsmSendsByUser,
        "whatsapp.hsm_sends_by_user",
        "HSM sends per user",
        "Envios de HSM por Usuário",
        "Envíos de HSM por usuario",
        "Template sends made manually by users (send log origin = user) in the period.",
    ),
    (
        ReportKind::CampaignUnsubscribes,
        "whatsapp.campaign_unsubscribes",
        "Campaign unsubscribes",
        "Cancelamento de Subscrição de Campanhas",
        "Cancelaciones de suscripción a campañas",
        "Opt-outs recorded in the period (optouts file).",
    ),
    (
        ReportKind::OutboundCampaignResults,
        "whatsapp.outbound_campaign_results",
        "Outbound campaign results",
        "Resultado das campanhas de saída",
        "Resultado de las campañas salientes",
        "One row per template message sent in the period, with its status as of the period end (Enviado, Recibido, Leído, Fallido, Pendiente).",
    ),
    (
        ReportKind::MessagesByOrigin,
        "whatsapp.messages_by_origin",
        "Messages by origin (sent vs received)",
        "Quantidade de mensagens por origem",
        "Mensajes por origen (enviados y recibidos)",
        "Distinct messages sent by us (send log or status webhooks, by send time) and received from contacts (inbound webhooks), per bucket.",
    ),
    (
        ReportKind::MessagesByStatus,
        "whatsapp.messages_by_status",
        "Messages by status",
        "Quantidade de mensagens por status",
        "Mensajes por estado",
        "Messages sent in the period by their highest status as of the period end (read > delivered > sent; failed is terminal; Novo = in the send log with no status yet), per bucket of the send time.",
    ),
    (
        ReportKind::CasesByPeriod,
        "whatsapp.cases_by_period",
        "Cases per period",
        "Quantidade de casos",
        "Casos por período",
        "Cases = sessions opened in the period (see whatsapp.sessions), per day, week or month.",
    ),
    (
        ReportKind::ConsumptionDetail,
        "whatsapp.consumption_detail",
        "WhatsApp consumption, detailed",
        "Consumo de WhatsApp – Detalhado",
        "Consumo de WhatsApp, detallado",
        "One row per message (inbound and outbound) in the period; the case is the session it belongs to. Pricing columns come from the status webhooks (CBP before 2025-07-01, PMP after).",
    ),
];

impl ReportKind {
    /// All reports, in catalog order.
    pub const ALL: [ReportKind; 11] = [
        ReportKind::Sessions,
        ReportKind::LineStatus,
        ReportKind::TemplateStatus,
        ReportKind::HsmActiveSends,
        ReportKind::HsmSendsByUser,
        ReportKind::CampaignUnsubscribes,
        ReportKind::OutboundCampaignResults,
        ReportKind::MessagesByOrigin,
        ReportKind::MessagesByStatus,
        ReportKind::CasesByPeriod,
        ReportKind::ConsumptionDetail,
    ];

    fn entry(self) -> &'static Entry {
        // ENTRIES is in the order of ALL.
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
            Sessions => &["line", "contact", "portfolio", "channel"],
            LineStatus => &["line"],
            TemplateStatus => &["template"],
            HsmActiveSends => &[
                "line",
                "template",
                "user",
                "campaign",
                "contact",
                "portfolio",
                "channel",
            ],
            HsmSendsByUser => &["user", "line", "template"],
            CampaignUnsubscribes => &["campaign", "contact"],
            OutboundCampaignResults => &["bot", "line", "queued", "status", "contact", "template"],
            MessagesByOrigin | MessagesByStatus => &[
                "bucket",
                "line",
                "person_request_name",
                "channel",
                "case_type",
                "case_list",
            ],
            CasesByPeriod => &[
                "bucket",
                "line",
                "person_request_name",
                "channel",
                "case_type",
                "case_list",
            ],
            ConsumptionDetail => &[
                "line",
                "contact",
                "person_request_name",
                "channel",
                "case_type",
                "case_list",
            ],
        }
    }

    /// Output columns in order.
    pub fn columns(self) -> Vec<Column> {
        use ReportKind::*;
        let c = Column::new;
        match self {
            Sessions => vec![
                c("session_id", T::Text, "Session", "Sessão", "Sesión"),
                c("line_number", T::Text, "Line", "Linha", "Línea"),
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
                    "opened_by",
                    T::Enum,
                    "Opened by",
                    "Aberta por",
                    "Abierta por",
                ),
                c(
                    "opened_at",
                    T::Datetime,
                    "Opened at",
                    "Aberta em",
                    "Abierta el",
                ),
                c(
                    "expires_at",
                    T::Datetime,
                    "Expires at",
                    "Expira em",
                    "Expira el",
                ),
                c("template", T::Text, "Template", "Template", "Plantilla"),
                c("portfolio", T::Text, "Portfolio", "Carteira", "Cartera"),
            ],
            LineStatus => vec![
                c("line_number", T::Text, "Line", "Linha", "Línea"),
                c(
                    "display_name",
                    T::Text,
                    "Display name",
                    "Nome de exibição",
                    "Nombre visible",
                ),
                c("status", T::Text, "Status", "Status", "Estado"),
                c(
                    "quality_rating",
                    T::Enum,
                    "Quality rating",
                    "Qualidade",
                    "Calidad",
                ),
                c(
                    "messaging_limit",
                    T::Text,
                    "Messaging limit",
                    "Limite de mensagens",
                    "Límite de mensajes",
                ),
                c(
                    "updated_at",
                    T::Datetime,
                    "Updated at",
                    "Atualizado em",
                    "Actualizado el",
                ),
                c("detail", T::Text, "Detail", "Detalhe", "Detalle"),
            ],
            TemplateStatus => vec![
                c(
                    "template_name",
                    T::Text,
                    "Template",
                    "Template",
                    "Plantilla",
                ),
                c("language", T::Text, "Language", "Idioma", "Idioma"),
                c("category", T::Text, "Category", "Categoria", "Categoría"),
                c("status", T::Enum, "Status", "Status", "Estado"),
                c("reason", T::Text, "Reason", "Motivo", "Motivo"),
                c("line_number", T::Text, "Line", "Linha", "Línea"),
                c(
                    "updated_at",
                    T::Datetime,
                    "Updated at",
                    "Atualizado em",
                    "Actualizado el",
                ),
            ],
            HsmActiveSends => vec![
                c(
                    "sent_at",
                    T::Datetime,
                    "Sent at",
                    "Enviado em",
                    "Enviado el",
                ),
                c("line_number", T::Text, "Line", "Linha", "Línea"),
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
                c("template", T::Text, "Template", "Template", "Plantilla"),
                c("origin", T::Enum, "Origin", "Origem", "Origen"),
                c("user_name", T::Text, "User", "Usuário", "Usuario"),
                c("campaign", T::Text, "Campaign", "Campanha", "Campaña"),
                c("status", T::Enum, "Status", "Status", "Estado"),
                c(
                    "status_at",
                    T::Datetime,
                    "Status at",
                    "Status em",
                    "Estado el",
                ),
                c("error", T::Text, "Error", "Erro", "Error"),
            ],
            HsmSendsByUser => vec![
                c("user_name", T::Text, "User", "Usuário", "Usuario"),
                c(
                    "sent_at",
                    T::Datetime,
                    "Sent at",
                    "Enviado em",
                    "Enviado el",
                ),
                c(
                    "contact_phone",
                    T::Text,
                    "Contact phone",
                    "Telefone do contato",
                    "Teléfono del contacto",
                ),
                c("template", T::Text, "Template", "Template", "Plantilla"),
                c("status", T::Enum, "Status", "Status", "Estado"),
            ],
            CampaignUnsubscribes => vec![
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
                    "unsubscribed_at",
                    T::Datetime,
                    "Unsubscribed at",
                    "Cancelado em",
                    "Cancelado el",
                ),
                c("channel", T::Text, "Channel", "Canal", "Canal"),
                c(
                    "source_campaign",
                    T::Text,
                    "Campaign",
                    "Campanha",
                    "Campaña",
                ),
                c("reason", T::Text, "Reason", "Motivo", "Motivo"),
            ],
            OutboundCampaignResults => vec![
                c("contact", T::Text, "Contact", "Contato", "Contacto"),
                c("sent_at", T::Datetime, "Date", "Data", "Fecha"),
                c("queued", T::Boolean, "Queued", "Enfileirados", "Encolados"),
                c("status", T::Enum, "Status", "Status", "Estado"),
                c("message", T::Text, "Message", "Mensagem", "Mensaje"),
                c("template", T::Text, "Template", "Template", "Template"),
                c(
                    "channel_status",
                    T::Text,
                    "Channel status",
                    "Status do canal",
                    "Estado del canal",
                ),
            ],
            MessagesByOrigin => vec![
                c("bucket_date", T::Date, "Date", "Data", "Fecha"),
                c("origin", T::Enum, "Origin", "Origem", "Origen"),
                c("messages", T::Integer, "Messages", "Mensagens", "Mensajes"),
            ],
            MessagesByStatus => vec![
                c("bucket_date", T::Date, "Date", "Data", "Fecha"),
                c("status", T::Enum, "Status", "Status", "Estado"),
                c("messages", T::Integer, "Messages", "Mensagens", "Mensajes"),
            ],
            CasesByPeriod => vec![
                c("period_start", T::Date, "Period", "Período", "Período"),
                c("cases", T::Integer, "Cases", "Casos", "Casos"),
            ],
            ConsumptionDetail => vec![
                c("case_id", T::Text, "Case", "Case", "Caso"),
                c("case_type", T::Text, "Type", "Tipo", "Tipo"),
                c("channel", T::Text, "Channel", "Canal", "Canal"),
                c("send_kind", T::Enum, "HSM/WApp", "HSM/WApp", "HSM/WApp"),
                c(
                    "template",
                    T::Text,
                    "Template used",
                    "Template Usado",
                    "Plantilla usada",
                ),
                c("status", T::Enum, "Status", "Status", "Estado"),
                c("phone", T::Text, "Phone", "Telefone", "Teléfono"),
                c("replies", T::Text, "Replies", "Respostas", "Respuestas"),
                c(
                    "message_order",
                    T::Integer,
                    "Message order",
                    "Ordem das Mensagens",
                    "Orden de los mensajes",
                ),
                c(
                    "created_at",
                    T::Datetime,
                    "Created at",
                    "Data de Criação",
                    "Fecha de creación",
                ),
                c(
                    "last_agent",
                    T::Text,
                    "Last agent",
                    "Último Agente",
                    "Último agente",
                ),
                c(
                    "session_type",
                    T::Enum,
                    "Session type",
                    "Tipo de Sessão",
                    "Tipo de sesión",
                ),
                c(
                    "pricing_model",
                    T::Text,
                    "Pricing model",
                    "Modelo de cobrança",
                    "Modelo de precios",
                ),
                c(
                    "pricing_category",
                    T::Text,
                    "Pricing category",
                    "Categoria de cobrança",
                    "Categoría de precio",
                ),
                c(
                    "pricing_type",
                    T::Text,
                    "Pricing type",
                    "Tipo de cobrança",
                    "Tipo de precio",
                ),
                c("billable", T::Boolean, "Billable", "Cobrável", "Facturable"),
                c(
                    "conversation_id",
                    T::Text,
                    "Conversation",
                    "Conversa",
                    "Conversación",
                ),
            ],
        }
    }
}

fn param(name: &str, kind: ParamKind, description: &str) -> ParamSpec {
    ParamSpec {
        name: name.to_owned(),
        kind,
        required: false,
        description: description.to_owned(),
    }
}

fn param_spec(name: &str) -> ParamSpec {
    match name {
        "bucket" => param(
            "bucket",
            ParamKind::Enum {
                values: vec!["period".into(), "day".into(), "week".into(), "month".into()],
            },
            "row grouping: period (default; cases_by_period defaults to day), day, week (ISO, Monday) or month, by local time",
        ),
        "line" => param(
            "line",
            ParamKind::StringList,
            "only these lines (phone_number_id or display number)",
        ),
        "bot" => param(
            "bot",
            ParamKind::StringList,
            "alias of line (the WhatsApp bot = the sending line)",
        ),
        "template" => param(
            "template",
            ParamKind::StringList,
            "only these template names",
        ),
        "user" => param("user", ParamKind::StringList, "only these sending users"),
        "campaign" => param("campaign", ParamKind::StringList, "only these campaigns"),
        "contact" => param(
            "contact",
            ParamKind::StringList,
            "only these contact phone numbers",
        ),
        "queued" => param(
            "queued",
            ParamKind::Bool,
            "only queued (true) or not queued (false) sends",
        ),
        "status" => param(
            "status",
            ParamKind::Enum {
                values: [
                    "Todos",
                    "Enviado",
                    "Recibido",
                    "Leído",
                    "Fallido",
                    "Pendiente",
                ]
                .map(str::to_owned)
                .to_vec(),
            },
            "only messages with this status (default Todos)",
        ),
        "portfolio" => param(
            "portfolio",
            ParamKind::String,
            "label copied into the portfolio column",
        ),
        other => param(
            other,
            ParamKind::String,
            "accepted for compatibility; the webhook archive has no such attribute, so it is ignored (recorded in the report metadata)",
        ),
    }
}

/// The source settings of a `[sources.X]` table with `plugin = "whatsapp"`.
pub fn source_settings() -> Vec<ParamSpec> {
    vec![
        param(
            "webhooks",
            ParamKind::Path,
            "webhook archive: a JSONL file (one POST body per line, plain or .gz, with logrotate siblings) or a directory of daily files; relative to the config file",
        ),
        param(
            "send_log",
            ParamKind::Path,
            "our send log (JSONL, see README): wamid, sent_at, line, to, template, user, campaign…",
        ),
        param(
            "optouts",
            ParamKind::Path,
            "opt-out log (JSONL, see README): contact, at, campaign, reason",
        ),
    ]
}

/// The full catalog.
pub fn catalog() -> Catalog {
    Catalog {
        plugin: "whatsapp".to_owned(),
        version: env!("CARGO_PKG_VERSION").to_owned(),
        source_settings: source_settings(),
        reports: ENTRIES
            .iter()
            .map(|(kind, id, en, pt, es, desc)| ReportSpec {
                id: (*id).to_owned(),
                title: Titles::new(en, pt, es),
                description: (*desc).to_owned(),
                params: kind.param_names().iter().map(|n| param_spec(n)).collect(),
                columns: kind.columns(),
            })
            .collect(),
    }
}
