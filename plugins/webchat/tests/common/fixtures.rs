//! The fixtures of the golden and report tests, shared with the database-input tests
//! (which load the same files into tables and expect the same rows).

use std::io::Write;
use std::path::Path;

use serde_json::json;

use super::*;

/// §5.9 sample export: `(bot, day, sessions, unique, in, out, avg_len_ms, avg_wait_ms, abandoned)`.
pub type TrafficRow = (&'static str, i64, i64, i64, i64, i64, i64, i64, i64);

pub const TRAFFIC: [TrafficRow; 13] = [
    ("Colombia Webchat", 1, 1, 1, 7, 10, 697349, 0, 0),
    ("Colombia WhatsApp Oficial", 1, 1, 1, 3, 6, 649554, 0, 0),
    ("Colombia Webchat", 2, 3, 3, 33, 44, 19303567, 4553093, 0),
    (
        "Colombia WhatsApp Oficial",
        2,
        9,
        9,
        98,
        122,
        47032443,
        7498863,
        1,
    ),
    ("Colombia Facebook", 2, 2, 2, 3, 9, 638278, 0, 0),
    ("Colombia Webchat", 3, 4, 4, 38, 53, 14146954, 3030098, 0),
    (
        "Colombia WhatsApp Oficial",
        3,
        17,
        12,
        190,
        237,
        20902878,
        10361119,
        1,
    ),
    ("Colombia Webchat", 4, 1, 1, 14, 18, 806425, 0, 0),
    ("Colombia Facebook", 4, 1, 1, 1, 4, 628517, 0, 0),
    (
        "Colombia WhatsApp Oficial",
        4,
        6,
        6,
        54,
        72,
        39659329,
        10229846,
        1,
    ),
    (
        "Colombia WhatsApp Oficial",
        5,
        5,
        5,
        55,
        64,
        35946304,
        779234,
        1,
    ),
    ("Colombia Facebook", 5, 2, 2, 5, 11, 642648, 0, 0),
    ("Colombia WhatsApp Oficial", 6, 4, 3, 40, 53, 43714967, 0, 2),
];

/// Builds, per sample row, `sessions` sessions of length `avg_len` (so the average is
/// exact), contacts `c0..c{unique-1}` round robin, session 0 attended from the panel with
/// wait `avg_wait` (when > 0) and carrying all messages, sessions 1..=abandoned abandoned.
pub fn traffic_fixture(dir: &Path) {
    let mut sessions = Vec::new();
    let mut messages = Vec::new();
    for (r, (bot, day, n, uniq, inn, out, len, wait, ab)) in TRAFFIC.iter().enumerate() {
        for i in 0..*n {
            let id = format!("r{r}s{i}");
            let start = nov(*day, 8, i, r as i64);
            let mut s = json!({"id": id, "bot": bot, "contact": format!("c{}", i % uniq),
                "started_at": start, "ended_at": start + len});
            if i == 0 && *wait > 0 {
                s["panel_at"] = json!(start + 1000);
                s["first_contact_at"] = json!(start + 1000 + wait);
                s["agents"] = json!(["Demos Colombia"]);
            }
            if i >= 1 && i <= *ab {
                s["panel_at"] = json!(start + 1000);
            }
            sessions.push(s.to_string());
            if i == 0 {
                for k in 0..(inn + out) {
                    let dir = if k < *inn { "in" } else { "out" };
                    messages.push(
                        json!({"session": id, "at": start + k, "direction": dir, "text": "x"})
                            .to_string(),
                    );
                }
            }
        }
    }
    write(dir, "sessions.jsonl", &sessions);
    write(dir, "messages.jsonl", &messages);
}

/// §5.4 sample plus the hidden 1-selection row (§8 A26) so the denominator is 35.
/// Sessions 0..8: Inicia → Menu principal → option → Finaliza conversación → end (+75 s).
/// Session 8: Inicia → TimeOut (631 s) → Finaliza → end (+75 s). One malformed session
/// line and one message with a bad time.
pub fn step_fixture(dir: &Path) {
    // (option, seconds spent in it): Financieras 4:17 = 257 s, Salud 6, Seguros 4,
    // Transporte y envíos 5, hidden "Otros" 3.
    let options = [
        ("Financieras", 257),
        ("Financieras", 257),
        ("Salud", 6),
        ("Salud", 6),
        ("Seguros", 4),
        ("Seguros", 4),
        ("Transporte y envíos", 5),
        ("Otros", 3),
        ("TimeOut", 631),
    ];
    let mut sessions = Vec::new();
    let mut messages = Vec::new();
    for (i, (opt, secs)) in options.iter().enumerate() {
        let t0 = nov(17, 10, i as i64 * 20, 0);
        let id = format!("s{i}");
        let mut steps = vec![("Inicia Conversacion", t0)];
        let mut t = t0;
        if *opt != "TimeOut" {
            steps.push(("Menu principal", t0));
        }
        steps.push((opt, t));
        t += secs * 1000;
        steps.push(("Finaliza conversación", t));
        let end = t + 75_000;
        for (n, (step, at)) in steps.iter().enumerate() {
            messages.push(
                json!({"session": id, "at": at, "author": "bot", "step": step, "text": format!("m{n}")})
                    .to_string(),
            );
        }
        // A second message in the same step is the same visit.
        messages.push(
            json!({"session": id, "at": end - 1000, "author": "contact", "step": "Finaliza conversación", "text": "ok"})
                .to_string(),
        );
        sessions.push(
            json!({"id": id, "bot": "Colombia", "contact": "c1", "started_at": t0, "ended_at": end})
                .to_string(),
        );
    }
    sessions.push("{not json".to_owned());
    messages.push(json!({"session": "s1", "at": "yesterday", "author": "bot"}).to_string());
    write(dir, "sessions.jsonl", &sessions);
    write(dir, "messages.jsonl", &messages);
}

/// §5.10 wait vector: (panel start, first contact, wait ms) verbatim in the seed format.
pub const WAITS: [(&str, &str, i64); 9] = [
    (
        "2022-11-22T11:06:26.715-180",
        "2022-11-22T11:06:41.560-180",
        14845,
    ),
    (
        "2022-11-17T16:38:15.403-180",
        "2022-11-17T16:38:21.784-180",
        6381,
    ),
    (
        "2022-11-17T11:22:25.819-180",
        "2022-11-17T11:22:29.736-180",
        3917,
    ),
    (
        "2022-11-17T11:20:37.702-180",
        "2022-11-17T11:20:40.634-180",
        2932,
    ),
    (
        "2022-11-17T11:20:15.545-180",
        "2022-11-17T11:20:19.532-180",
        3987,
    ),
    (
        "2022-11-17T11:19:56.216-180",
        "2022-11-17T11:20:01.166-180",
        4950,
    ),
    (
        "2022-11-17T11:05:35.442-180",
        "2022-11-17T11:05:42.095-180",
        6653,
    ),
    (
        "2022-11-17T11:03:59.449-180",
        "2022-11-17T11:04:04.299-180",
        4850,
    ),
    (
        "2022-11-17T11:02:08.068-180",
        "2022-11-17T11:02:14.844-180",
        6776,
    ),
];

/// §5.10: 9 attended panel sessions with the seed's wait vector (3 with menus and
/// typifications), a bot-only session and an abandoned one.
pub fn detail_fixture(dir: &Path) {
    let mut sessions = Vec::new();
    let mut messages = Vec::new();
    let menus = [
        ("Bancos", "Motivo 4", "Prueba Hey Now Training"),
        ("Financieras", "Motivo 3", "prueba"),
        ("Transporte y envíos", "Motivo 2", "Prueba"),
    ];
    for (i, (panel, first, _)) in WAITS.iter().enumerate() {
        // The session starts 1 minute before its panel entry.
        let p = reportd_webchat::model::parse_time(&json!(panel)).unwrap();
        let mut s = json!({"id": format!("w{i}"), "bot": "Colombia", "channel": "webchat",
            "contact_phone": "59892489397", "contact_name": "Noelia",
            "started_at": p - 60_000, "ended_at": p + 600_000, "panel_at": panel,
            "first_contact_at": first, "agents": ["Demos Colombia"], "status": "Concluído"});
        if let Some((m, motivo, comment)) = menus.get(i) {
            s["menus"] = json!({"MenuPrincipal": m});
            s["typifications"] = json!({"Motivo de consulta": motivo, "Comentario": comment});
        }
        sessions.push(s.to_string());
        let id = format!("w{i}");
        messages.push(json!({"session": id, "at": p - 60_000, "author": "bot", "step": "Menu principal", "text": "Elige una opción:"}).to_string());
        messages.push(
            json!({"session": id, "at": p - 50_000, "author": "contact", "text": "Bancos"})
                .to_string(),
        );
        let agent_text = if i == 0 {
            "prueba Hey Now Training"
        } else {
            "Hola"
        };
        messages.push(json!({"session": id, "at": p + 15_000, "author": "agent", "agent": "Demos Colombia", "text": agent_text}).to_string());
    }
    // A bot-only session (never reached the panel) of Paulina.
    sessions.push(
        json!({"id": "b0", "bot": "Colombia", "contact_phone": "59898481672", "contact_name": "Paulina",
            "started_at": "2022-11-17T10:27:00-03:00", "ended_at": "2022-11-17T10:29:00-03:00"})
        .to_string(),
    );
    // An abandoned one: panel, no agent.
    sessions.push(
        json!({"id": "a0", "bot": "Colombia", "contact_phone": "59898481672", "contact_name": "Paulina",
            "started_at": "2022-11-18T10:00:00-03:00", "panel_at": "2022-11-18T10:01:00-03:00",
            "ended_at": "2022-11-18T10:30:00-03:00"})
        .to_string(),
    );
    write(dir, "sessions.jsonl", &sessions);
    write(dir, "messages.jsonl", &messages);
}

/// The hand-computed fixture of tests/reports.rs (sessions file gzipped).
pub fn reports_fixture(dir: &Path) {
    let sessions = [
        json!({"id": "s1", "protocol": "P1", "bot": "Web", "channel": "webchat", "contact": "c1",
            "contact_name": "Ana", "contact_phone": "551", "contact_email": "ana@x.com",
            "department": "Vendas", "started_at": nov(2, 9, 0, 0), "ended_at": nov(2, 9, 30, 0),
            "panel_at": nov(2, 9, 5, 0), "first_contact_at": nov(2, 9, 6, 0), "agents": ["Bia"],
            "status": "Concluído", "tags": ["vip"], "form": {"Nome": "Ana"},
            "kpis": [{"at": nov(2, 9, 1, 0), "flow": "IDR", "name": "menu", "value": 1}]}),
        json!({"id": "s2", "protocol": "P2", "bot": "Web", "channel": "webchat", "contact": "c1",
            "contact_name": "Ana", "department": "Vendas", "started_at": nov(2, 9, 20, 0),
            "ended_at": nov(2, 10, 0, 0), "panel_at": nov(2, 9, 21, 0),
            "first_contact_at": nov(2, 9, 25, 0), "agents": ["Bia"], "status": "transferred",
            "history": [
                {"at": nov(2, 9, 40, 0), "event": "transferiu", "from": "Bia", "to": "Caio"},
                {"at": nov(2, 9, 25, 0), "event": "iniciou", "to": "Bia"}]}),
        json!({"id": "s3", "protocol": "P3", "bot": "WA", "contact": "c2",
            "started_at": nov(3, 14, 0, 0), "ended_at": nov(3, 14, 10, 0),
            "panel_at": nov(3, 14, 1, 0), "status": "Cancelado por Inatividade"}),
        json!({"id": "s4", "protocol": "P4", "bot": "WA", "contact": "c3",
            "started_at": nov(3, 14, 30, 0), "ended_at": nov(3, 15, 0, 0),
            "panel_at": nov(3, 14, 34, 0), "first_contact_at": nov(3, 14, 35, 0),
            "agents": ["Caio"], "status": "Concluído"}),
        // Started 2022-10-31 23:00 local: outside November.
        json!({"id": "s5", "bot": "Web", "contact": "c9", "started_at": nov(1, 0, 0, 0) - 3_600_000}),
    ];
    // Sessions file gzipped (detected by magic bytes, not by name).
    let text: String = sessions.iter().map(|s| format!("{s}\n")).collect();
    let f = std::fs::File::create(dir.join("sessions.jsonl")).unwrap();
    let mut gz = flate2::write::GzEncoder::new(f, flate2::Compression::fast());
    gz.write_all(text.as_bytes()).unwrap();
    gz.finish().unwrap();

    let m = |s: &str, at: i64, author: &str, agent: Option<&str>, text: &str| {
        let mut v = json!({"session": s, "at": at, "author": author, "text": text});
        if let Some(a) = agent {
            v["agent"] = json!(a);
        }
        v.to_string()
    };
    let messages = vec![
        m("s1", nov(2, 9, 8, 0), "contact", None, "obrigada"),
        m("s1", nov(2, 9, 0, 0), "contact", None, "oi"),
        m("s1", nov(2, 9, 1, 0), "bot", None, "Escolha:"),
        m("s1", nov(2, 9, 6, 0), "agent", Some("Bia"), "Olá"),
        m("s1", nov(2, 9, 7, 0), "agent", None, "Pronto"),
        m("s2", nov(2, 9, 26, 0), "agent", Some("Bia"), "De novo?"),
        m("s4", nov(3, 14, 36, 0), "agent", Some("Caio"), "a"),
        m("s4", nov(3, 14, 37, 0), "agent", Some("Caio"), "b"),
        m(
            "s5",
            nov(1, 0, 0, 0) - 3_000_000,
            "agent",
            Some("Bia"),
            "old",
        ),
    ];
    write(dir, "messages.jsonl", &messages);
    let surveys = vec![
        json!({"session": "s1", "at": nov(2, 9, 31, 0), "nps": 10, "csat": 5, "comment": "ótimo"})
            .to_string(),
        json!({"session": "s2", "at": nov(2, 10, 1, 0), "nps": 7, "rating": "bom"}).to_string(),
        json!({"session": "s4", "at": nov(3, 15, 1, 0), "nps": 3, "csat": 1}).to_string(),
        json!({"session": "zz", "at": nov(4, 8, 0, 0), "nps": 9}).to_string(),
        json!({"session": "s3", "at": nov(4, 8, 0, 0), "nps": 11}).to_string(),
    ];
    write(dir, "surveys.jsonl", &surveys);
}
