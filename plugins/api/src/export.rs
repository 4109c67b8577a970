//! Plugin-side glue behind [`crate::export_plugin!`]: turns the safe [`Plugin`] trait into the
//! C table, catching panics at every entry point and batching rows into [`RdCell`] arrays.

use std::panic::{AssertUnwindSafe, catch_unwind};

use crate::Plugin;
use crate::ffi::{RdBuf, RdCell, RdSinkV1, RdStr, kind};
use crate::model::{Column, PluginError, Reply, Request, Warning};
use crate::sink::{Cancelled, Sink, Value};

/// Rows buffered before one `rows` call crosses the boundary.
const BATCH_ROWS: usize = 512;

fn panic_message(payload: &(dyn std::any::Any + Send)) -> String {
    if let Some(s) = payload.downcast_ref::<&str>() {
        (*s).to_owned()
    } else if let Some(s) = payload.downcast_ref::<String>() {
        s.clone()
    } else {
        "panic with a non-string payload".to_owned()
    }
}

fn json_buf<T: serde::Serialize>(v: &T) -> RdBuf {
    let bytes = serde_json::to_vec(v).unwrap_or_else(|e| {
        format!("{{\"error\":{{\"code\":\"PLUGIN_ERROR\",\"message\":\"cannot serialize reply: {e}\",\"hint\":\"\"}}}}")
            .into_bytes()
    });
    RdBuf::from_vec(bytes)
}

fn panic_reply(payload: &(dyn std::any::Any + Send)) -> RdBuf {
    json_buf(&Reply::Error(PluginError::new(
        "PLUGIN_PANIC",
        format!("the plugin panicked: {}", panic_message(payload)),
        "this is a bug in the plugin; the run's worker log has the details",
    )))
}

fn parse_request(request: RdStr) -> Result<Request, PluginError> {
    // SAFETY: the host passes a live buffer for the duration of the call.
    let bytes = unsafe { request.as_bytes() };
    serde_json::from_slice(bytes).map_err(|e| {
        PluginError::new(
            "PLUGIN_BAD_REQUEST",
            format!("request is not valid JSON for ABI v1: {e}"),
            "host and plugin versions disagree; reinstall both from one release",
        )
    })
}

#[doc(hidden)]
pub fn describe(plugin: &dyn Plugin) -> RdBuf {
    match catch_unwind(AssertUnwindSafe(|| plugin.catalog())) {
        Ok(catalog) => json_buf(&catalog),
        Err(p) => panic_reply(&*p),
    }
}

#[doc(hidden)]
pub fn validate(plugin: &dyn Plugin, request: RdStr) -> RdBuf {
    let r = catch_unwind(AssertUnwindSafe(|| match parse_request(request) {
        Err(e) => Reply::Error(e),
        Ok(req) if req.report == crate::PROBE_REPORT => match plugin.probe(&req) {
            Ok(()) => Reply::Ok,
            Err(e) => Reply::Error(e),
        },
        Ok(req) => match plugin.validate(&req) {
            Ok(()) => Reply::Ok,
            Err(problems) => Reply::Invalid(problems),
        },
    }));
    match r {
        Ok(reply) => json_buf(&reply),
        Err(p) => panic_reply(&*p),
    }
}

/// # Safety
/// `sink` must be null or point to a valid [`RdSinkV1`] that outlives the call.
#[doc(hidden)]
pub unsafe fn generate(plugin: &dyn Plugin, request: RdStr, sink: *const RdSinkV1) -> RdBuf {
    let r = catch_unwind(AssertUnwindSafe(|| {
        let req = match parse_request(request) {
            Ok(r) => r,
            Err(e) => return Reply::Error(e),
        };
        // SAFETY: the host passes a valid sink that outlives the call.
        let Some(host) = (unsafe { sink.as_ref() }) else {
            return Reply::Error(PluginError::new("PLUGIN_BAD_REQUEST", "null sink", ""));
        };
        let mut sink = FfiSink::new(host);
        let result = plugin.generate(&req, &mut sink);
        let flushed = sink.flush();
        match (result, flushed) {
            (Err(e), _) => Reply::Error(e),
            (Ok(()), Err(Cancelled)) => Reply::Error(PluginError::new(
                "CANCELLED",
                "the host stopped the generation",
                "",
            )),
            (Ok(()), Ok(())) => Reply::Ok,
        }
    }));
    match r {
        Ok(reply) => json_buf(&reply),
        Err(p) => panic_reply(&*p),
    }
}

#[doc(hidden)]
pub fn free_buf(buf: RdBuf) {
    // SAFETY: buffers handed to the host come from RdBuf::from_vec in this library.
    drop(unsafe { buf.into_vec() });
}

/// A cell as buffered before crossing: text lives in the arena at `off..off+len`.
#[derive(Clone, Copy)]
struct Pending {
    kind: u32,
    aux: u32,
    int: i64,
    float: f64,
    off: usize,
    len: usize,
}

/// [`Sink`] over the host's C sink, batching rows.
struct FfiSink<'h> {
    host: &'h RdSinkV1,
    ncols: usize,
    pending: Vec<Pending>,
    arena: Vec<u8>,
    cells: Vec<RdCell>,
}

impl<'h> FfiSink<'h> {
    fn new(host: &'h RdSinkV1) -> Self {
        Self {
            host,
            ncols: 0,
            pending: Vec::new(),
            arena: Vec::new(),
            cells: Vec::new(),
        }
    }

    fn flush(&mut self) -> Result<(), Cancelled> {
        if self.pending.is_empty() {
            return Ok(());
        }
        self.cells.clear();
        let base = self.arena.as_ptr();
        for p in &self.pending {
            let text = if p.kind == kind::TEXT {
                RdStr {
                    // SAFETY: off+len lies within the arena, which is not mutated until the
                    // call below returns.
                    ptr: unsafe { base.add(p.off) },
                    len: p.len,
                }
            } else {
                RdStr::empty()
            };
            self.cells.push(RdCell {
                kind: p.kind,
                aux: p.aux,
                int: p.int,
                float: p.float,
                text,
            });
        }
        let rc = (self.host.rows)(self.host.ctx, self.cells.as_ptr(), self.cells.len());
        self.pending.clear();
        self.arena.clear();
        if rc == 0 { Ok(()) } else { Err(Cancelled) }
    }
}

impl Sink for FfiSink<'_> {
    fn begin(&mut self, columns: &[Column]) -> Result<(), Cancelled> {
        self.ncols = columns.len();
        let json = serde_json::to_string(columns).map_err(|_| Cancelled)?;
        let rc = (self.host.begin)(self.host.ctx, RdStr::from_str(&json));
        if rc == 0 { Ok(()) } else { Err(Cancelled) }
    }

    fn row(&mut self, cells: &[Value<'_>]) -> Result<(), Cancelled> {
        for v in cells {
            let mut p = Pending {
                kind: kind::NULL,
                aux: 0,
                int: 0,
                float: 0.0,
                off: 0,
                len: 0,
            };
            match *v {
                Value::Null => {}
                Value::Int(i) => (p.kind, p.int) = (kind::INT, i),
                Value::Float(f) => (p.kind, p.float) = (kind::FLOAT, f),
                Value::Bool(b) => (p.kind, p.int) = (kind::BOOL, i64::from(b)),
                Value::Text(s) => {
                    p.kind = kind::TEXT;
                    p.off = self.arena.len();
                    p.len = s.len();
                    self.arena.extend_from_slice(s.as_bytes());
                }
                Value::Date(d) => (p.kind, p.int) = (kind::DATE, i64::from(d)),
                Value::DateTime(s) => (p.kind, p.int) = (kind::DATETIME, s),
                Value::Time(s) => (p.kind, p.int) = (kind::TIME, i64::from(s)),
                Value::Duration(ms) => (p.kind, p.int) = (kind::DURATION, ms),
                Value::Decimal { mantissa, scale } => {
                    (p.kind, p.int, p.aux) = (kind::DECIMAL, mantissa, scale)
                }
            }
            self.pending.push(p);
        }
        if self.pending.len() >= BATCH_ROWS * self.ncols.max(1) {
            self.flush()?;
        }
        Ok(())
    }

    fn warn(&mut self, warning: Warning) {
        if let Ok(json) = serde_json::to_string(&warning) {
            (self.host.warning)(self.host.ctx, RdStr::from_str(&json));
        }
    }

    fn meta(&mut self, key: &str, value: &str) {
        (self.host.meta)(self.host.ctx, RdStr::from_str(key), RdStr::from_str(value));
    }

    fn progress(&mut self, done: u64, total: u64) {
        (self.host.progress)(self.host.ctx, done, total);
    }

    fn cancelled(&self) -> bool {
        (self.host.cancelled)(self.host.ctx) != 0
    }
}

/// Exports a [`Plugin`] as a reportd plugin: `export_plugin!(MyPlugin::new());`.
///
/// Defines the `reportd_plugin_v1` symbol returning a static table of ABI version
/// [`crate::ABI_VERSION`]. The plugin value is built lazily, once, on first use.
#[macro_export]
macro_rules! export_plugin {
    ($ctor:expr) => {
        fn __reportd_instance() -> &'static dyn $crate::Plugin {
            static INSTANCE: ::std::sync::OnceLock<::std::boxed::Box<dyn $crate::Plugin>> =
                ::std::sync::OnceLock::new();
            INSTANCE
                .get_or_init(|| ::std::boxed::Box::new($ctor))
                .as_ref()
        }
        extern "C" fn __reportd_describe() -> $crate::ffi::RdBuf {
            match ::std::panic::catch_unwind(__reportd_instance) {
                Ok(p) => $crate::export::describe(p),
                Err(_) => {
                    $crate::export::free_safe_error("PLUGIN_PANIC", "plugin constructor panicked")
                }
            }
        }
        extern "C" fn __reportd_validate(req: $crate::ffi::RdStr) -> $crate::ffi::RdBuf {
            match ::std::panic::catch_unwind(__reportd_instance) {
                Ok(p) => $crate::export::validate(p, req),
                Err(_) => {
                    $crate::export::free_safe_error("PLUGIN_PANIC", "plugin constructor panicked")
                }
            }
        }
        extern "C" fn __reportd_generate(
            req: $crate::ffi::RdStr,
            sink: *const $crate::ffi::RdSinkV1,
        ) -> $crate::ffi::RdBuf {
            match ::std::panic::catch_unwind(__reportd_instance) {
                // SAFETY: the host passes a valid sink for the duration of the call.
                Ok(p) => unsafe { $crate::export::generate(p, req, sink) },
                Err(_) => {
                    $crate::export::free_safe_error("PLUGIN_PANIC", "plugin constructor panicked")
                }
            }
        }
        extern "C" fn __reportd_free(buf: $crate::ffi::RdBuf) {
            $crate::export::free_buf(buf)
        }
        static __REPORTD_TABLE: $crate::ffi::RdPluginV1 = $crate::ffi::RdPluginV1 {
            abi_version: $crate::ABI_VERSION,
            describe: __reportd_describe,
            validate: __reportd_validate,
            generate: __reportd_generate,
            free_buf: __reportd_free,
        };
        #[unsafe(no_mangle)]
        pub extern "C" fn reportd_plugin_v1() -> *const $crate::ffi::RdPluginV1 {
            &__REPORTD_TABLE
        }
    };
}

#[doc(hidden)]
pub fn free_safe_error(code: &str, message: &str) -> RdBuf {
    json_buf(&Reply::Error(PluginError::new(code, message, "")))
}
