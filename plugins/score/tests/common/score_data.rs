//! A small Score export: two companies, three campaigns (one Cobranza), users, contacts with
//! custom template fields, tickets and typifications, ACW logs, a form and AI conclusions.
//! Day 0 = 2026-03-10 (Lima).

use super::*;
use serde_json::json;

/// Writes every table into `dir`; returns the source settings.
pub fn fixture(dir: &Path) -> Json {
    write(
        dir,
        "companies.csv",
        &[
            "id,name,created_at",
            "co1,Acme,2025-01-01 00:00:00",
            "co2,Other,2026-03-11",
        ],
    );
    write(
        dir,
        "campaigns.csv",
        &[
            "id,company_id,name,type,acw_log_enabled",
            "k1,co1,Mora,Cobranza,true",
            "k2,co1,Ventas,Ventas,false",
            "k3,co2,Mora,Cobranza,",
        ],
    );
    write(
        dir,
        "users.jsonl",
        &[
            r#"{"id":"u1","name":"Ana","extension":101,"profile":"Agente","email":"ana@example.com"}"#,
            r#"{"id":"u2","name":"Beto","extension":"102","profile":"Administrador"}"#,
        ],
    );
    // Template order of k1: Deuda (1), Producto (2) — the file lists them the other way.
    write(
        dir,
        "contact_fields.csv",
        &[
            "campaign_id,position,name",
            "k1,2,Producto",
            "k1,1,Deuda",
            "k2,1,Otro",
        ],
    );
    let c1 = json!({"code":"C1","campaign_id":"k1","name":"Ana Pérez","phone":"5199","base":"Base marzo",
        "created_at": ts(-60, 10, 0), "updated_at": ts(-1, 12, 0),
        "fields": {"Producto": "Tarjeta", "Deuda": 1500}});
    let c2 = json!({"code":"C2","campaign_id":"k1","name":"Bruno","phone":"5188"});
    let c1k2 = json!({"code":"C1","campaign_id":"k2","name":"Otra persona"});
    let contacts = [c1.to_string(), c2.to_string(), c1k2.to_string()];
    write(
        dir,
        "contacts.jsonl",
        &contacts.iter().map(String::as_str).collect::<Vec<_>>(),
    );
    let tickets = [
        "id,campaign_id,contact_code,strategy,channel_type,dial_type,phone,zip_code,call_id,user_id,assigned_at,resolved_at".to_owned(),
        format!("t1,k1,C1,Estrategia A,Telefonía Saliente,Predictivo,5199,Z1,call1,u1,{},{}", ts(0, 8, 55), ts(0, 9, 10)),
        format!("t2,k1,C2,Estrategia A,WhatsApp,Manual,5188,,,u2,{},", ts(0, 9, 0)),
        format!("t3,k2,C1,Estrategia B,Telefonía Entrante,Entrante,5177,,call3,u1,{},", ts(0, 9, 0)),
    ];
    write(
        dir,
        "tickets.csv",
        &tickets.iter().map(String::as_str).collect::<Vec<_>>(),
    );
    let typ =
        |id: &str, ticket: &str, at: String, g: &str, r: &str, m: &str, ct: &str, extra: Json| {
            let mut v = json!({"id": id, "ticket_id": ticket, "management_id": format!("g-{id}"),
            "typified_at": at, "group": g, "result": r, "reason": m, "contact_type": ct});
            for (k, x) in extra.as_object().unwrap() {
                v[k] = x.clone();
            }
            v.to_string()
        };
    let typs = [
        typ(
            "y1",
            "t1",
            ts(0, 9, 0),
            "Contactado",
            "Promesa",
            "Pago total",
            "Contacto Directo",
            json!({"pdp_date": "2026-03-15", "pdp_amount": "150.50", "callback_at": ts(1, 10, 0),
                "product_code": "P1", "group_code": "G1", "result_code": "R1", "reason_code": "M1",
                "comment": "ok", "saved_at": ts(0, 9, 2)}),
        ),
        typ(
            "y9",
            "t2",
            ts(0, 9, 5),
            "Contactado",
            "Promesa",
            "Pago total",
            "Contacto Indirecto",
            json!({"user_id": "u1"}),
        ),
        typ(
            "y3",
            "t1",
            ts(0, 9, 20),
            "No contactado",
            "Buzón",
            "Sin respuesta",
            "No Contacto",
            json!({"product_code": "P1", "acw_default": true}),
        ),
        typ(
            "y8",
            "t1",
            ts(0, 9, 30),
            "Contactado",
            "Otro",
            "Otro",
            "???",
            json!({}),
        ),
        typ(
            "y2",
            "t2",
            ts(0, 9, 40),
            "Contactado",
            "Promesa",
            "Pago total",
            "Contacto Directo",
            json!({"pdp_date": "2026-03-20", "pdp_amount": 100, "product_code": "P2"}),
        ),
        typ(
            "y4",
            "t1",
            ts(0, 10, 5),
            "Contactado",
            "Tercero",
            "Familiar",
            "Contacto Indirecto",
            json!({"acw_default": "true"}),
        ),
        typ(
            "y5",
            "t3",
            ts(0, 9, 10),
            "Venta",
            "Cerrada",
            "Contado",
            "Contacto Directo",
            json!({"pdp_amount": "10"}),
        ),
        typ(
            "y6",
            "t1",
            ts(-1, 9, 0),
            "Contactado",
            "Promesa",
            "Pago total",
            "Contacto Directo",
            json!({}),
        ),
        json!({"id": "y7", "ticket_id": "t1", "group": "Contactado"}).to_string(),
        "not json".to_owned(),
    ];
    write(
        dir,
        "typifications.jsonl",
        &typs.iter().map(String::as_str).collect::<Vec<_>>(),
    );
    json!({"config_dir": dir.to_str().unwrap(), "companies": "companies.csv",
        "campaigns": "campaigns.csv", "users": "users.jsonl", "contacts": "contacts.jsonl",
        "contact_fields": "contact_fields.csv", "tickets": "tickets.csv",
        "typifications": "typifications.jsonl"})
}

/// [`fixture`] plus the ACW log, form and Score AI tables.
pub fn fixture_all(dir: &Path) -> Json {
    let mut src = fixture(dir);
    let acw = [
        "at,campaign_id,ticket_id,contact_code,phone,user_id,base".to_owned(),
        format!("{},k1,t1,,,u1,", ts(0, 9, 12)),
        format!("{},k1,,C2,5100,u2,Base B", ts(0, 8, 0)),
        format!("{},k2,t3,,,u1,", ts(0, 9, 0)),
        ",k1,t1,,,u1,".to_owned(),
    ];
    write(
        dir,
        "acw_logs.csv",
        &acw.iter().map(String::as_str).collect::<Vec<_>>(),
    );
    write(
        dir,
        "forms.csv",
        &["id,campaign_id,name", "f1,k1,Encuesta", "f2,k2,Encuesta"],
    );
    write(
        dir,
        "form_fields.csv",
        &[
            "form_id,position,name",
            "f1,2,Satisfecho",
            "f1,1,Motivo llamada",
            "f1,3,Email",
            "f2,1,X",
        ],
    );
    let answers = [
        json!({"id": "a1", "form_id": "f1", "management_id": "g-y1", "contact_code": "C1", "user_id": "u1",
            "at": ts(0, 9, 3), "fields": {"Satisfecho": "Sí", "Motivo llamada": "Pago", "Extra": "x"}}),
        json!({"id": "a2", "form_id": "f1", "contact_code": "C2", "user_id": "u2", "at": ts(0, 11, 0),
            "fields": {"Email": "b@example.com"}}),
        json!({"id": "a3", "form_id": "f2", "at": ts(0, 9, 0)}),
        json!({"id": "a4", "form_id": "f1", "at": ts(-1, 9, 0)}),
        json!({"id": "a5", "form_id": "f1", "at": "yesterday"}),
    ]
    .map(|v| v.to_string());
    write(
        dir,
        "form_answers.jsonl",
        &answers.iter().map(String::as_str).collect::<Vec<_>>(),
    );
    let ai = [
        "at,campaign_id,user_id,ticket_id".to_owned(),
        format!("{},k1,u1,t1", ts(0, 9, 0)),
        format!("{},k1,u1,t1", ts(0, 23, 59)),
        format!("{},k1,u1,t1", ts(1, 0, 0)),
        format!("{},k1,u2,t2", ts(0, 10, 0)),
        format!("{},k2,u1,t3", ts(0, 10, 0)),
        "x,k1,u1,t1".to_owned(),
    ];
    write(
        dir,
        "ai.csv",
        &ai.iter().map(String::as_str).collect::<Vec<_>>(),
    );
    for (k, v) in [
        ("acw_logs", "acw_logs.csv"),
        ("forms", "forms.csv"),
        ("form_fields", "form_fields.csv"),
        ("form_answers", "form_answers.jsonl"),
        ("ai_conclusions", "ai.csv"),
    ] {
        src[k] = json!(v);
    }
    src
}

/// Agent events (local Lima times; day 0 = 2026-03-10), and what each contributes inside
/// the period [03-10 00:00, 03-12 00:00):
///
/// | user | event | start | ended_at | effective end | in period |
/// |---|---|---|---|---|---|
/// | u1 | Online | 03-09 23:00 | — | 03-10 00:30 (next) | 00:00–00:30 = 1800 |
/// | u1 | Hablando | 00:30 | 00:50 | 00:45 (next starts: overlap cut) | 900 |
/// | u1 | ACW | 00:45 | — | 01:00 | 900 |
/// | u1 | Almuerzo | 01:00 | 01:30 | 01:30 (gap to 23:00 not counted) | 1800 |
/// | u1 | Online | 23:00 | — | 03-11 01:00 | 3600 on 03-10 + 3600 on 03-11 |
/// | u1 | Desconectado | 03-11 01:00 | — | 08:00 | 25200 (no summary column) |
/// | u1 | Online | 03-11 08:00 | — (no logout) | period end 03-12 00:00 | 57600 |
/// | u2 | Cena | 03-11 22:00 | — | 23:30 | 5400 |
/// | u2 | Ocupado | 03-11 23:30 | 03-12 00:20 | clipped to 03-12 00:00 | 1800 |
///
/// Plus two malformed records (unknown event, missing started_at).
pub fn events_fixture(dir: &std::path::Path) -> serde_json::Value {
    let (a, b, c) = (ts(-1, 23, 0), ts(0, 0, 30), ts(0, 0, 50));
    let (d, e, f) = (ts(0, 0, 45), ts(0, 1, 0), ts(0, 1, 30));
    let (g, h, i) = (ts(0, 23, 0), ts(1, 1, 0), ts(1, 8, 0));
    let (j, k, l) = (ts(1, 22, 0), ts(1, 23, 30), ts(2, 0, 20));
    let lines = [
        "user_id,event,started_at,ended_at".to_owned(),
        format!("u1,Online,{a},"),
        format!("u1,Hablando,{b},{c}"),
        format!("u1,ACW,{d},"),
        format!("u1,Almuerzo,{e},{f}"),
        format!("u1,Online,{g},"),
        format!("u1,Desconectado,{h},"),
        format!("u1,Online,{i},"),
        format!("u2,Ocupado,{k},{l}"),
        format!("u2,Cena,{j},"),
        format!("u2,Pausa,{j},"),
        "u2,Online,,".to_owned(),
    ];
    let lines: Vec<&str> = lines.iter().map(String::as_str).collect();
    write(dir, "events.csv", &lines);
    write(
        dir,
        "users.jsonl",
        &[
            r#"{"id":"u1","name":"Ana","extension":101,"profile":"Agente","email":"ana@example.com"}"#,
        ],
    );
    json!({"config_dir": dir.to_str().unwrap(), "agent_events": "events.csv", "users": "users.jsonl"})
}
