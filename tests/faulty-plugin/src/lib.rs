//! # faulty plugin
//!
//! A deliberately misbehaving reportd plugin (`libreportd_faulty.so`) for the host's
//! isolation tests (`daemon/tests/plugin_faults.rs`). Reports:
//!
//! * `faulty.ok` — three fixed rows covering every common column type, two meta items and
//!   one warning; its CSV bytes are asserted exactly.
//! * `faulty.panic` — panics in `generate` after one row (caught by `export_plugin!`).
//! * `faulty.abort` — `std::process::abort()` after one row.
//! * `faulty.segfault` — writes to address 1 after one row (a real SIGSEGV).
//! * `faulty.hang` — sleeps forever and ignores cancellation.
//! * `faulty.bigrows` — `params.rows` rows (default 1000) of ~100 bytes, for memory tests.
//! * `faulty.error` — returns a `SOURCE_UNREADABLE` error after one row.
//! * `faulty.badrow` — sends a row with one cell too few.
//! * `faulty.notready` — while the host waits for data (`Request::wait_for_data`), answers
//!   `DATA_NOT_READY`; otherwise makes `faulty.ok`'s report with a `PERIOD_NOT_CLOSED` warning.
//!
//! `validate` rejects `params.fail_validation = true` with two problems, and unknown reports.

use std::time::Duration;

use reportd_plugin_api::{
    Catalog, Column, ColumnType, ParamKind, ParamSpec, Plugin, PluginError, Problem, ReportSpec,
    Request, Sink, Titles, Value, Warning, export_plugin,
};

/// 2026-11-20 as days since 1970-01-01 (56 × 365 + 14 leap days + 323).
pub const DAY: i32 = 20_777;

struct Faulty;

const REPORTS: &[&str] = &[
    "faulty.ok",
    "faulty.panic",
    "faulty.abort",
    "faulty.segfault",
    "faulty.hang",
    "faulty.bigrows",
    "faulty.error",
    "faulty.badrow",
    "faulty.slow",
    "faulty.notready",
];

fn ok_columns() -> Vec<Column> {
    vec![
        Column::new("agent", ColumnType::Text, "Agent", "Agente", "Agente"),
        Column::new(
            "calls",
            ColumnType::Integer,
            "Calls",
            "Chamadas",
            "Llamadas",
        ),
        Column::new(
            "sl",
            ColumnType::Percent,
            "Service level",
            "Nível de serviço",
            "Nivel de servicio",
        ),
        Column::new("aht", ColumnType::DurationS, "AHT", "TMA", "TMO"),
        Column::new("day", ColumnType::Date, "Day", "Dia", "Día"),
        Column::new(
            "first_call",
            ColumnType::Datetime,
            "First call",
            "Primeira chamada",
            "Primera llamada",
        ),
        Column::new("ratio", ColumnType::Decimal, "Ratio", "Razão", "Razón"),
        Column::new("active", ColumnType::Boolean, "Active", "Ativo", "Activo"),
    ]
}

fn big_columns() -> Vec<Column> {
    vec![
        Column::new("n", ColumnType::Integer, "N", "N", "N"),
        Column::new("text", ColumnType::Text, "Text", "Texto", "Texto"),
        Column::new("x", ColumnType::Decimal, "X", "X", "X"),
    ]
}

fn stop(_: reportd_plugin_api::Cancelled) -> PluginError {
    PluginError::new("CANCELLED", "the host asked to stop", "")
}

fn one_row(sink: &mut dyn Sink) -> Result<(), PluginError> {
    sink.begin(&big_columns()).map_err(stop)?;
    sink.row(&[Value::Int(1), Value::Text("first"), Value::Float(0.5)])
        .map_err(stop)
}

impl Plugin for Faulty {
    fn catalog(&self) -> Catalog {
        Catalog {
            plugin: "faulty".to_owned(),
            version: env!("CARGO_PKG_VERSION").to_owned(),
            source_settings: Vec::new(),
            reports: REPORTS
                .iter()
                .map(|id| ReportSpec {
                    id: (*id).to_owned(),
                    title: Titles::new(id, id, id),
                    description: String::new(),
                    params: if *id == "faulty.bigrows" {
                        vec![ParamSpec {
                            name: "rows".to_owned(),
                            kind: ParamKind::Integer {
                                min: Some(0),
                                max: None,
                            },
                            required: false,
                            description: "number of rows".to_owned(),
                        }]
                    } else {
                        Vec::new()
                    },
                    columns: if *id == "faulty.ok" {
                        ok_columns()
                    } else {
                        big_columns()
                    },
                })
                .collect(),
        }
    }

    fn validate(&self, request: &Request) -> Result<(), Vec<Problem>> {
        let mut problems = Vec::new();
        if !REPORTS.contains(&request.report.as_str()) {
            problems.push(Problem::new(
                "report",
                format!("unknown report `{}`", request.report),
                "",
            ));
        }
        if request.params.get("fail_validation") == Some(&serde_json::Value::Bool(true)) {
            problems.push(Problem::new(
                "params.queue",
                "unknown queue `nope`",
                "use one of: sales, support",
            ));
            problems.push(Problem::new("source.queue_log", "file is missing", ""));
        }
        if problems.is_empty() {
            Ok(())
        } else {
            Err(problems)
        }
    }

    fn generate(&self, request: &Request, sink: &mut dyn Sink) -> Result<(), PluginError> {
        match request.report.as_str() {
            "faulty.ok" => {
                sink.begin(&ok_columns()).map_err(stop)?;
                let rows: [[Value<'_>; 8]; 3] = [
                    [
                        Value::Text("Ana"),
                        Value::Int(10),
                        Value::Float(87.5),
                        Value::Duration(125_400),
                        Value::Date(DAY),
                        Value::DateTime(i64::from(DAY) * 86_400 + 8 * 3600 + 5),
                        Value::Decimal {
                            mantissa: 1234,
                            scale: 2,
                        },
                        Value::Bool(true),
                    ],
                    [
                        Value::Text("Bruno; Jr"),
                        Value::Int(0),
                        Value::Decimal {
                            mantissa: 12_345,
                            scale: 3,
                        },
                        Value::Duration(59_500),
                        Value::Date(DAY),
                        Value::Null,
                        Value::Float(0.25),
                        Value::Bool(false),
                    ],
                    [
                        Value::Text("Carla \"C\""),
                        Value::Null,
                        Value::Null,
                        Value::Int(3600),
                        Value::Null,
                        Value::DateTime(i64::from(DAY) * 86_400 + 23 * 3600 + 59 * 60 + 59),
                        Value::Int(7),
                        Value::Bool(true),
                    ],
                ];
                for (i, row) in rows.iter().enumerate() {
                    sink.progress(i as u64, 3);
                    sink.row(row).map_err(stop)?;
                }
                sink.progress(3, 3);
                sink.meta("threshold_s", "20");
                sink.meta("definition", "answered within 20s, over offered");
                sink.warn(Warning {
                    code: "MALFORMED_LINES".to_owned(),
                    message: "2 malformed queue_log lines skipped".to_owned(),
                    count: 2,
                    examples: vec!["queue_log:7: garbage".to_owned()],
                });
                Ok(())
            }
            "faulty.panic" => {
                one_row(sink)?;
                panic!("faulty plugin: deliberate panic in generate");
            }
            "faulty.abort" => {
                one_row(sink)?;
                eprintln!("faulty plugin: aborting now");
                std::process::abort();
            }
            "faulty.segfault" => {
                one_row(sink)?;
                eprintln!("faulty plugin: writing through a bad pointer now");
                // SAFETY: none — this is the point. Address 1 is non-null and aligned for
                // u8 (so no debug precondition fires) but never mapped: a real SIGSEGV.
                unsafe {
                    std::ptr::NonNull::<u8>::dangling()
                        .as_ptr()
                        .write_volatile(1)
                };
                Ok(())
            }
            "faulty.slow" => {
                // Sleeps `sleep_ms` (cancellable), then writes the `faulty.ok` rows: a run
                // that is reliably in flight long enough to be killed.
                let ms = request
                    .params
                    .get("sleep_ms")
                    .and_then(serde_json::Value::as_u64)
                    .unwrap_or(1000);
                let start = std::time::Instant::now();
                while start.elapsed() < Duration::from_millis(ms) {
                    if sink.cancelled() {
                        return Err(stop(reportd_plugin_api::Cancelled));
                    }
                    std::thread::sleep(Duration::from_millis(20));
                }
                one_row(sink)
            }
            "faulty.hang" => {
                one_row(sink)?;
                loop {
                    std::thread::sleep(Duration::from_secs(3600));
                }
            }
            "faulty.bigrows" => {
                let rows = request
                    .params
                    .get("rows")
                    .and_then(serde_json::Value::as_u64)
                    .unwrap_or(1000);
                sink.begin(&big_columns()).map_err(stop)?;
                let text = "x".repeat(80);
                for i in 0..rows {
                    let n = i as i64;
                    sink.row(&[
                        Value::Int(n),
                        Value::Text(&text),
                        Value::Decimal {
                            mantissa: n,
                            scale: 2,
                        },
                    ])
                    .map_err(stop)?;
                    if i % 100_000 == 0 {
                        sink.progress(i, rows);
                    }
                }
                Ok(())
            }
            "faulty.error" => {
                one_row(sink)?;
                Err(PluginError::new(
                    "SOURCE_UNREADABLE",
                    "cannot read /nonexistent/queue_log",
                    "check the source's queue_log path",
                ))
            }
            "faulty.notready" if request.wait_for_data => Err(PluginError::new(
                reportd_plugin_api::DATA_NOT_READY,
                "newest queue_log record is 2026-11-20 23:10:00, the period ends 2026-11-21 00:00:00",
                "",
            )),
            "faulty.notready" => {
                sink.warn(Warning {
                    code: "PERIOD_NOT_CLOSED".to_owned(),
                    message: "the period ends after the newest input record".to_owned(),
                    count: 1,
                    examples: Vec::new(),
                });
                one_row(sink)
            }
            "faulty.badrow" => {
                sink.begin(&big_columns()).map_err(stop)?;
                sink.row(&[Value::Int(1), Value::Text("short")])
                    .map_err(stop)?;
                Ok(())
            }
            other => Err(PluginError::new(
                "UNKNOWN_REPORT",
                format!("no report `{other}` in the faulty plugin"),
                "",
            )),
        }
    }
}

export_plugin!(Faulty);
