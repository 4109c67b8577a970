//! The score report catalog (REPORTS.md §6.1–§6.9): ids, titles, parameters, source settings
//! and the fixed output columns. Dynamic trailing columns (custom contact fields, form fields)
//! are appended at generation time by [`crate::reports`], after the fixed ones listed here.

use reportd_plugin_api::{
    Catalog, Column, ColumnType as T, ParamKind, ParamSpec, ReportSpec, Titles,
};

use crate::settings::TABLES;

/// The reports this plugin generates.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ReportKind {
    TypificationsByContact,
    TypificationsByProduct,
    TypificationsByHour,
    PlatformTimeSummary,
    PlatformTimeDetail,
    AcwLogs,
    AcwDefaultTypifications,
    Forms,
    AiUsage,
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

const ENTRIES: [Entry; 9] = [
    (
        ReportKind::TypificationsByContact,
        "score.typifications_by_contact",
        "Typifications per contact",
        "Tipificações por contato",
        "Reporte de tipificaciones por contacto",
        "One row per typification registered in the period on a ticket of the campaign, with the contact's custom template fields appended in template order. PDP and agenda columns only for Cobranza campaigns.",
    ),
    (
        ReportKind::TypificationsByProduct,
        "score.typifications_by_product",
        "Typifications per product",
        "Tipificações por produto",
        "Reporte de tipificaciones por producto",
        "One row per product-level typification in the period, with the interrelation codes of Grupo, Resultado, Motivo and Submotivo.",
    ),
    (
        ReportKind::TypificationsByHour,
        "score.typifications_by_hour",
        "Typifications per hour",
        "Tipificações por hora",
        "Tipificaciones por hora",
        "Typifications of one day between time_from and time_to, one row per (date, user, hour, Grupo, Resultado, Motivo) with counts per contact type.",
    ),
    (
        ReportKind::PlatformTimeSummary,
        "score.platform_time_summary",
        "Time in platform, summarized",
        "Tempo na plataforma, resumido",
        "Tiempo en plataforma – Reporte sumarizado",
        "Seconds per agent state per user per local day; a state open across midnight or the period end is split at the boundary.",
    ),
    (
        ReportKind::PlatformTimeDetail,
        "score.platform_time_detail",
        "Time in platform, detailed",
        "Tempo na plataforma, detalhado",
        "Tiempo en plataforma – Reporte detallado",
        "One row per agent state in the period, clipped to the period bounds.",
    ),
    (
        ReportKind::AcwLogs,
        "score.acw_logs",
        "ACW logs",
        "Logs de ACW",
        "Reporte de logs por ACW",
        "Management actions whose ACW time ran out before the agent saved the typification (only campaigns with the ACW log enabled).",
    ),
    (
        ReportKind::AcwDefaultTypifications,
        "score.acw_default_typifications",
        "ACW default typifications",
        "Tipificações padrão por ACW",
        "Reporte de tipificaciones por ACW",
        "Typifications filled in by default when the ACW time ran out.",
    ),
    (
        ReportKind::Forms,
        "score.forms",
        "Forms",
        "Formulários",
        "Reporte de formularios",
        "Answers of one form of the campaign in the period, with the form fields appended in form order.",
    ),
    (
        ReportKind::AiUsage,
        "score.ai_usage",
        "Score AI usage",
        "Uso do Score AI",
        "Score AI",
        "Score AI conclusions generated per user per day.",
    ),
];

impl ReportKind {
    /// All reports, in catalog order.
    pub const ALL: [ReportKind; 9] = [
        ReportKind::TypificationsByContact,
        ReportKind::TypificationsByProduct,
        ReportKind::TypificationsByHour,
        ReportKind::PlatformTimeSummary,
        ReportKind::PlatformTimeDetail,
        ReportKind::AcwLogs,
        ReportKind::AcwDefaultTypifications,
        ReportKind::Forms,
        ReportKind::AiUsage,
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
            TypificationsByContact | AiUsage => &["company", "campaign"],
            TypificationsByProduct => &["company", "campaign", "product"],
            TypificationsByHour => &["company", "campaign", "user", "time_from", "time_to"],
            PlatformTimeSummary | PlatformTimeDetail => &["user"],
            AcwLogs | AcwDefaultTypifications => &["company", "campaign", "user"],
            Forms => &["company", "campaign", "form"],
        }
    }

    /// The parameters this report requires.
    pub fn required_params(self) -> &'static [&'static str] {
        use ReportKind::*;
        match self {
            PlatformTimeSummary | PlatformTimeDetail => &[],
            TypificationsByHour => &["company", "campaign", "time_from", "time_to"],
            Forms => &["company", "campaign", "form"],
            _ => &["company", "campaign"],
        }
    }

    /// The fixed output columns in order (dynamic columns follow at generation time).
    pub fn columns(self) -> Vec<Column> {
        use ReportKind::*;
        match self {
            TypificationsByContact => typification_columns(false),
            TypificationsByProduct => typification_columns(true),
            TypificationsByHour => cols(&[
                ("date", T::Date, "Date", "Data", "Fecha"),
                ("user_id", T::Text, "User ID", "ID do usuário", "ID Usuario"),
                ("user_name", T::Text, "User", "Usuário", "Usuario"),
                ("hour", T::Integer, "Hour", "Hora", "Hora"),
                (
                    "total",
                    T::Integer,
                    "Total actions",
                    "Total de gestões",
                    "Total de gestiones",
                ),
                (
                    "direct",
                    T::Integer,
                    "Direct contact",
                    "Contato direto",
                    "Contacto Directo",
                ),
                (
                    "indirect",
                    T::Integer,
                    "Indirect contact",
                    "Contato indireto",
                    "Contacto Indirecto",
                ),
                (
                    "no_contact",
                    T::Integer,
                    "No contact",
                    "Sem contato",
                    "Contacto No Contactado",
                ),
                (
                    "pdp_count",
                    T::Integer,
                    "Promises to pay",
                    "Promessas de pagamento",
                    "Cantidad de PDP",
                ),
                (
                    "pdp_amount",
                    T::Decimal,
                    "Promise-to-pay amount",
                    "Valor das promessas",
                    "Monto de PDP",
                ),
                ("typ_group", T::Text, "Group", "Grupo", "Grupo"),
                ("typ_result", T::Text, "Result", "Resultado", "Resultado"),
                ("typ_reason", T::Text, "Reason", "Motivo", "Motivo"),
            ]),
            PlatformTimeSummary => {
                let mut v = cols(&[
                    ("date", T::Date, "Date", "Data", "Fecha"),
                    ("extension", T::Text, "Extension", "Ramal", "Anexo"),
                    ("user_name", T::Text, "User", "Usuário", "Usuario"),
                    ("profile", T::Text, "Profile", "Perfil", "Perfil"),
                    (
                        "available_s",
                        T::DurationS,
                        "Available",
                        "Disponível",
                        "Disponible",
                    ),
                ]);
                for state in crate::states::EVENTS.iter().filter_map(|e| e.column) {
                    v.push(Column::new(
                        state.0,
                        T::DurationS,
                        state.1,
                        state.2,
                        state.3,
                    ));
                }
                v.extend(cols(&[
                    ("user_id", T::Text, "User ID", "ID do usuário", "ID Usuario"),
                    (
                        "typifying_s",
                        T::DurationS,
                        "Typifying",
                        "Tipificando",
                        "Tipificando",
                    ),
                    (
                        "resolving_s",
                        T::DurationS,
                        "Resolving",
                        "Resolvendo",
                        "Resolviendo",
                    ),
                    (
                        "user_email",
                        T::Text,
                        "User e-mail",
                        "E-mail do usuário",
                        "Correo de Usuario",
                    ),
                ]));
                v
            }
            PlatformTimeDetail => cols(&[
                (
                    "profile",
                    T::Text,
                    "User profile",
                    "Perfil do usuário",
                    "Perfil de Usuario",
                ),
                ("user_id", T::Text, "User ID", "ID do usuário", "ID Usuario"),
                ("user_name", T::Text, "User", "Usuário", "Usuario"),
                ("extension", T::Text, "Extension", "Ramal", "Anexo"),
                (
                    "general_state",
                    T::Enum,
                    "General state",
                    "Estado geral",
                    "Estado General",
                ),
                ("event", T::Enum, "Event", "Evento", "Evento"),
                ("started_at", T::Datetime, "Start", "Início", "Inicio"),
                ("ended_at", T::Datetime, "End", "Fim", "Fin"),
                (
                    "duration_s",
                    T::DurationS,
                    "Time (s)",
                    "Tempo (s)",
                    "Tiempo (s)",
                ),
                (
                    "user_email",
                    T::Text,
                    "User e-mail",
                    "E-mail do usuário",
                    "Correo de usuario",
                ),
            ]),
            AcwLogs => cols(&[
                ("date", T::Date, "Date", "Data", "Fecha"),
                ("time", T::Time, "Time", "Hora", "Hora"),
                ("contact_name", T::Text, "Contact", "Contato", "Contacto"),
                (
                    "contact_code",
                    T::Text,
                    "Contact code",
                    "Código do contato",
                    "Código de contacto",
                ),
                ("contact_phone", T::Text, "Phone", "Telefone", "Teléfono"),
                ("user_name", T::Text, "User", "Usuário", "Usuario"),
                ("company", T::Text, "Company", "Empresa", "Empresa"),
                ("campaign", T::Text, "Campaign", "Campanha", "Campaña"),
                ("base", T::Text, "Base", "Base", "Base"),
            ]),
            AcwDefaultTypifications => cols(&[
                ("date", T::Date, "Date", "Data", "Fecha"),
                ("time", T::Time, "Time", "Hora", "Hora"),
                (
                    "contact_code",
                    T::Text,
                    "Contact ID",
                    "ID do contato",
                    "ID Contacto",
                ),
                ("contact_name", T::Text, "Contact", "Contato", "Contacto"),
                ("contact_phone", T::Text, "Phone", "Telefone", "Teléfono"),
                ("user_name", T::Text, "User", "Usuário", "Usuario"),
                ("company", T::Text, "Company", "Empresa", "Empresa"),
                ("campaign", T::Text, "Campaign", "Campanha", "Campaña"),
                ("base", T::Text, "Base", "Base", "Base"),
                ("typ_group", T::Text, "Group", "Grupo", "Grupo"),
                ("typ_result", T::Text, "Result", "Resultado", "Resultado"),
                ("typ_reason", T::Text, "Reason", "Motivo", "Motivo"),
            ]),
            Forms => cols(&[
                ("id", T::Text, "ID", "ID", "ID"),
                (
                    "management_id",
                    T::Text,
                    "Ticket ID",
                    "ID da gestão",
                    "ID Gestión",
                ),
                ("campaign", T::Text, "Campaign", "Campanha", "Campaña"),
                ("contact_code", T::Text, "Code", "Código", "Código"),
                ("contact_name", T::Text, "Contacts", "Contatos", "Contactos"),
                ("user_id", T::Text, "User ID", "ID do usuário", "ID Usuario"),
                ("user_name", T::Text, "User", "Usuário", "Usuario"),
                ("date", T::Date, "Date", "Data", "Fecha"),
                ("time", T::Time, "Time", "Hora", "Hora"),
            ]),
            AiUsage => cols(&[
                ("date", T::Date, "Date", "Data", "Fecha"),
                ("user_name", T::Text, "User", "Usuário", "Usuario"),
                ("extension", T::Text, "Extension", "Ramal", "Anexo"),
                (
                    "profile",
                    T::Enum,
                    "User profile",
                    "Perfil do usuário",
                    "Perfil del usuario",
                ),
                (
                    "conclusions",
                    T::Integer,
                    "Conclusions generated",
                    "Conclusões geradas",
                    "N° conclusiones generadas",
                ),
                ("company", T::Text, "Company", "Empresa", "Empresa"),
                ("campaign", T::Text, "Campaign", "Campanha", "Campaña"),
            ]),
        }
    }
}

type ColDef = (&'static str, T, &'static str, &'static str, &'static str);

fn cols(defs: &[ColDef]) -> Vec<Column> {
    defs.iter()
        .map(|(id, t, en, pt, es)| Column::new(id, *t, en, pt, es))
        .collect()
}

/// Columns of §6.1 (`product = false`, 29 fixed) or §6.2 (`product = true`, 31).
fn typification_columns(product: bool) -> Vec<Column> {
    let mut v = cols(&[
        ("company", T::Text, "Company", "Empresa", "Empresa"),
        ("campaign", T::Text, "Campaign", "Campanha", "Campaña"),
        ("strategy", T::Text, "Strategy", "Estratégia", "Estrategia"),
        (
            "channel_type",
            T::Enum,
            "Channel type",
            "Tipo de canal",
            "Tipo de canal",
        ),
        (
            "dial_type",
            T::Enum,
            "Dial type",
            "Tipo de discagem",
            "Tipo marcación",
        ),
        (
            "contact_code",
            T::Text,
            "Contact code",
            "Código do contato",
            "Código contacto",
        ),
        ("contact_name", T::Text, "Contact", "Contato", "Contacto"),
        (
            "contact_created_at",
            T::Datetime,
            "Contact created",
            "Criação do contato",
            "Fecha de creación del contacto",
        ),
        (
            "contact_updated_at",
            T::Datetime,
            "Contact last updated",
            "Última atualização do contato",
            "Fecha última de actualización del contacto",
        ),
    ]);
    if product {
        v.extend(cols(&[(
            "product_code",
            T::Text,
            "Product code",
            "Código do produto",
            "Código Producto",
        )]));
    }
    v.extend(cols(&[(
        "contact_phone",
        T::Text,
        "Phone",
        "Telefone",
        if product {
            "Teléfono"
        } else {
            "Teléfono de contacto"
        },
    )]));
    let levels: [(&str, &str, &str, &str); 4] = [
        ("group", "Group", "Grupo", "Grupo"),
        ("result", "Result", "Resultado", "Resultado"),
        ("reason", "Reason", "Motivo", "Motivo"),
        ("subreason", "Sub-reason", "Submotivo", "Submotivo"),
    ];
    for (id, en, pt, es) in levels {
        v.push(Column::new(&format!("typ_{id}"), T::Text, en, pt, es));
        if product {
            v.push(Column::new(
                &format!("typ_{id}_code"),
                T::Text,
                &format!("{en} code"),
                &format!("Código de {pt}"),
                &format!("Código de {es}"),
            ));
        }
    }
    v.extend(cols(&[
        (
            "typ_comment",
            T::Text,
            "Typification comment",
            "Comentário da tipificação",
            "Comentario en tipificación",
        ),
        (
            "atk_result",
            T::Enum,
            "ATK result",
            "Resultado ATK",
            "Resultado ATK",
        ),
        ("zip_code", T::Text, "Zip Code", "Zip Code", "Zip Code"),
        (
            "ticket_assigned_at",
            T::Datetime,
            "Ticket assigned",
            "Atribuição do ticket",
            "Fecha de asignación del ticket",
        ),
        (
            "typified_at",
            T::Datetime,
            "Typified",
            "Data da tipificação",
            "Fecha de tipificación",
        ),
        (
            "ticket_resolved_at",
            T::Datetime,
            "Ticket resolved",
            "Resolução do ticket",
            "Fecha de resolución de ticket",
        ),
        (
            "pdp_date",
            T::Date,
            "Promise-to-pay date",
            "Data da promessa",
            "Fecha PDP",
        ),
        (
            "pdp_amount",
            T::Decimal,
            "Promise-to-pay amount",
            "Valor da promessa",
            "Monto PDP",
        ),
        (
            "callback_at",
            T::Datetime,
            "Callback",
            "Agendamento",
            "Fecha agenda",
        ),
        ("user_id", T::Text, "User ID", "ID do usuário", "ID Usuario"),
        (
            "user_name",
            T::Text,
            "Handling user",
            "Usuário da gestão",
            "Usuario gestión",
        ),
        (
            "user_extension",
            T::Text,
            "User extension",
            "Ramal do usuário",
            "Anexo usuario",
        ),
    ]));
    if !product {
        v.extend(cols(&[
            (
                "management_id",
                T::Text,
                "Management ID",
                "ID da gestão",
                "ID gestión",
            ),
            ("call_id", T::Text, "Call ID", "ID da chamada", "ID Llamada"),
            (
                "ticket_id",
                T::Text,
                "Ticket ID",
                "ID do ticket",
                "ID Ticket",
            ),
        ]));
    }
    v
}

fn param(name: &str, kind: ParamKind, required: bool, description: &str) -> ParamSpec {
    ParamSpec {
        name: name.to_owned(),
        kind,
        required,
        description: description.to_owned(),
    }
}

fn param_spec(kind: ReportKind, name: &str) -> ParamSpec {
    let required = kind.required_params().contains(&name);
    match name {
        "company" => param(
            name,
            ParamKind::String,
            required,
            "the company (id or name); exactly one",
        ),
        "campaign" => param(
            name,
            ParamKind::String,
            required,
            "the campaign (id or name) of that company; exactly one per report",
        ),
        "user" => param(
            name,
            ParamKind::String,
            required,
            "one user id; all users when absent",
        ),
        "product" => param(
            name,
            ParamKind::String,
            required,
            "only this product code; all when absent",
        ),
        "form" => param(
            name,
            ParamKind::String,
            required,
            "the form (id or name) of the campaign",
        ),
        "time_from" => param(
            name,
            ParamKind::String,
            required,
            "hh:mm, inclusive, on the period's day",
        ),
        "time_to" => param(
            name,
            ParamKind::String,
            required,
            "hh:mm, exclusive (24:00 allowed), on the period's day",
        ),
        other => param(other, ParamKind::String, required, ""),
    }
}

/// The source settings of a `[sources.X]` table with `plugin = "score"`: one export table
/// each, CSV or JSONL by extension.
pub fn source_settings() -> Vec<ParamSpec> {
    TABLES
        .iter()
        .map(|(name, desc)| {
            param(
                name,
                ParamKind::Path,
                false,
                &format!(
                    "{desc} export (.csv or .jsonl, optionally .gz); relative to the config file"
                ),
            )
        })
        .collect()
}

/// The full catalog.
pub fn catalog() -> Catalog {
    Catalog {
        plugin: "score".to_owned(),
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
