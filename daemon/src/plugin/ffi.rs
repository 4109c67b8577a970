//! Every `unsafe` of the plugin host, in one file: loading a plugin library and calling its
//! C table ([`LoadedPlugin`]), the `extern "C"` callbacks of the host's row sink (adapted to
//! the safe [`HostSink`] trait), and two process-level calls the worker machinery needs
//! ([`kill_process_group`], [`redirect_stdout_to_stderr`]).
//!
//! Only the worker process (`super::worker`) loads plugins; the daemon never does. A loaded
//! library is never unloaded (`dlclose` after a plugin used thread-locals crashes in their
//! destructors: nagisa/rust_libloading#41), which costs nothing in a short-lived worker.
//!
//! The ABI's rules (see `reportd_plugin_api::ffi`): the table's first field is the ABI
//! version and is read before anything else; strings are borrowed for one call; buffers the
//! plugin returns are copied, then given back through its `free_buf`. Callbacks never let a
//! panic unwind into the plugin (`catch_unwind` in each one).

use std::ffi::c_void;
use std::fs::File;
use std::io;
use std::os::fd::AsFd;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::{Path, PathBuf};

use reportd_plugin_api::ffi::{EntryFn, RdBuf, RdCell, RdPluginV1, RdSinkV1, RdStr, kind};
use reportd_plugin_api::{ABI_VERSION, Column, ENTRY_SYMBOL, Value, Warning};

use crate::code::{Code, ErrorInfo};

/// Why a plugin library could not be used.
#[derive(Debug, thiserror::Error)]
pub enum LoadError {
    /// `dlopen` refused the file.
    #[error("cannot load the plugin library {}: {message}", path.display())]
    Load { path: PathBuf, message: String },
    /// The library has no `reportd_plugin_v1` symbol.
    #[error("{} is not a reportd plugin: {message}", path.display())]
    Symbol { path: PathBuf, message: String },
    /// The entry point returned a null table.
    #[error("{}: reportd_plugin_v1() returned a null table", path.display())]
    NullTable { path: PathBuf },
    /// The table is of another ABI version.
    #[error(
        "the plugin {} was built for plugin ABI version {found}, but this reportd expects version {expected}",
        path.display()
    )]
    Abi {
        path: PathBuf,
        found: u32,
        expected: u32,
    },
}

impl LoadError {
    /// The stable code of this error.
    pub fn code(&self) -> Code {
        match self {
            LoadError::Load { .. } => Code::PluginLoad,
            LoadError::Symbol { .. } | LoadError::NullTable { .. } => Code::PluginSymbol,
            LoadError::Abi { .. } => Code::PluginAbi,
        }
    }

    /// As recorded in a status entry.
    pub fn to_error_info(&self) -> ErrorInfo {
        ErrorInfo::new(self.code(), self.to_string())
    }
}

/// A plugin library loaded for the life of the process, with its checked v1 table.
pub struct LoadedPlugin {
    table: &'static RdPluginV1,
    path: PathBuf,
}

impl std::fmt::Debug for LoadedPlugin {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LoadedPlugin")
            .field("path", &self.path)
            .finish_non_exhaustive()
    }
}

/// Loads `path`, finds [`ENTRY_SYMBOL`], and checks the table's ABI version before
/// trusting any other field. The library is never unloaded.
pub fn load(path: &Path) -> Result<LoadedPlugin, LoadError> {
    // SAFETY: loading a library runs its initializers, which we cannot vet; this is why
    // only the throw-away worker process calls `load`, never the daemon.
    let lib = unsafe { libloading::Library::new(path) }.map_err(|e| LoadError::Load {
        path: path.to_owned(),
        message: e.to_string(),
    })?;
    // SAFETY: the symbol is declared by the ABI as `EntryFn`; a library that exports the
    // name with another type breaks the ABI contract and there is no way to check it.
    let entry = unsafe { lib.get::<EntryFn>(ENTRY_SYMBOL) }.map(|sym| *sym);
    // Never unload (also on failure): see the module docs.
    std::mem::forget(lib);
    let entry = entry.map_err(|e| LoadError::Symbol {
        path: path.to_owned(),
        message: e.to_string(),
    })?;
    // SAFETY: `EntryFn` takes no arguments and returns a pointer to a static table.
    let table = unsafe { entry() };
    if table.is_null() {
        return Err(LoadError::NullTable {
            path: path.to_owned(),
        });
    }
    // SAFETY: every ABI version starts its table with a `u32` version, so reading only
    // that field is valid whatever version the plugin was built for.
    let found = unsafe { table.cast::<u32>().read() };
    if found != ABI_VERSION {
        return Err(LoadError::Abi {
            path: path.to_owned(),
            found,
            expected: ABI_VERSION,
        });
    }
    // SAFETY: the version matches, so the pointee is an `RdPluginV1`; it lives in a
    // library that is never unloaded, hence `'static`.
    let table: &'static RdPluginV1 = unsafe { &*table };
    Ok(LoadedPlugin {
        table,
        path: path.to_owned(),
    })
}

/// The host side of the row sink, called by the plugin during `generate`.
///
/// Returning `false` from `begin`/`rows` asks the plugin to stop (the host failed to write,
/// or the plugin broke the ABI contract and [`HostSink::fail`] was called).
pub trait HostSink {
    /// The column schema (once, before the first row).
    fn begin(&mut self, columns: Vec<Column>) -> bool;
    /// Cells of one or more rows, row-major; `cells.len()` is a multiple of the column
    /// count for a well-behaved plugin (the implementation checks).
    fn rows(&mut self, cells: &[Value<'_>]) -> bool;
    fn warning(&mut self, warning: Warning);
    fn meta(&mut self, key: &str, value: &str);
    fn progress(&mut self, done: u64, total: u64);
    fn cancelled(&self) -> bool;
    /// The plugin sent something the ABI does not allow (bad JSON, bad UTF-8, an unknown
    /// cell kind): a plugin bug.
    fn fail(&mut self, message: String);
}

/// What `generate` returned, plus whether one of our callbacks panicked (a host bug that
/// was contained instead of unwinding into the plugin).
#[derive(Debug)]
pub struct GenerateReply {
    /// The plugin's JSON `Reply`.
    pub reply: Vec<u8>,
    pub host_panicked: bool,
}

impl LoadedPlugin {
    /// The library's path.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Copies a plugin buffer and gives it back to the plugin.
    fn take(&self, buf: RdBuf) -> Vec<u8> {
        let bytes = if buf.ptr.is_null() || buf.len == 0 {
            Vec::new()
        } else {
            // SAFETY: the plugin returned a live buffer of `len` bytes that it owns until
            // `free_buf` below.
            unsafe { std::slice::from_raw_parts(buf.ptr, buf.len) }.to_vec()
        };
        (self.table.free_buf)(buf);
        bytes
    }

    /// The plugin's JSON catalog (or a JSON `Reply::Error` if it failed).
    pub fn describe(&self) -> Vec<u8> {
        let buf = (self.table.describe)();
        self.take(buf)
    }

    /// Validates a JSON request; returns the JSON `Reply`.
    pub fn validate(&self, request_json: &[u8]) -> Vec<u8> {
        let buf = (self.table.validate)(str_of(request_json));
        self.take(buf)
    }

    /// Generates a report into `sink`; returns the JSON `Reply`.
    pub fn generate(&self, request_json: &[u8], sink: &mut dyn HostSink) -> GenerateReply {
        let mut ctx = SinkCtx {
            sink,
            panicked: false,
        };
        let rd = RdSinkV1 {
            ctx: (&raw mut ctx).cast::<c_void>(),
            begin: cb_begin,
            rows: cb_rows,
            warning: cb_warning,
            meta: cb_meta,
            progress: cb_progress,
            cancelled: cb_cancelled,
        };
        let buf = (self.table.generate)(str_of(request_json), &raw const rd);
        let reply = self.take(buf);
        GenerateReply {
            reply,
            host_panicked: ctx.panicked,
        }
    }
}

fn str_of(bytes: &[u8]) -> RdStr {
    RdStr {
        ptr: bytes.as_ptr(),
        len: bytes.len(),
    }
}

/// What `RdSinkV1::ctx` points to during one `generate` call.
struct SinkCtx<'a> {
    sink: &'a mut dyn HostSink,
    panicked: bool,
}

/// Runs `f` on the sink behind `ctx`, containing any panic.
fn with_sink<R>(ctx: *mut c_void, on_panic: R, f: impl FnOnce(&mut dyn HostSink) -> R) -> R {
    if ctx.is_null() {
        return on_panic;
    }
    // SAFETY: `ctx` is the `SinkCtx` that `LoadedPlugin::generate` keeps alive (and does not
    // touch) for the whole plugin call; callbacks come from the thread running that call.
    let ctx = unsafe { &mut *ctx.cast::<SinkCtx<'_>>() };
    match catch_unwind(AssertUnwindSafe(|| f(&mut *ctx.sink))) {
        Ok(r) => r,
        Err(_) => {
            ctx.panicked = true;
            on_panic
        }
    }
}

/// # Safety
/// `s` must be valid for the current call (ABI rule for `RdStr` arguments).
unsafe fn utf8<'a>(s: RdStr, what: &str) -> Result<&'a str, String> {
    // SAFETY: guaranteed by the caller.
    let bytes = unsafe { s.as_bytes() };
    std::str::from_utf8(bytes).map_err(|e| format!("{what} is not valid UTF-8: {e}"))
}

extern "C" fn cb_begin(ctx: *mut c_void, columns_json: RdStr) -> i32 {
    with_sink(ctx, 1, |sink| {
        // SAFETY: borrowed for this call.
        let bytes = unsafe { columns_json.as_bytes() };
        match serde_json::from_slice::<Vec<Column>>(bytes) {
            Ok(cols) => i32::from(!sink.begin(cols)),
            Err(e) => {
                sink.fail(format!("the column schema is not valid JSON: {e}"));
                1
            }
        }
    })
}

/// Decodes one cell; text borrows the plugin's buffer for this call only.
///
/// # Safety
/// `cell.text` must be valid for `'a` (the current `rows` call).
unsafe fn decode<'a>(cell: &RdCell) -> Result<Value<'a>, String> {
    Ok(match cell.kind {
        kind::NULL => Value::Null,
        kind::INT => Value::Int(cell.int),
        kind::FLOAT => Value::Float(cell.float),
        kind::BOOL => Value::Bool(cell.int != 0),
        // SAFETY: guaranteed by the caller.
        kind::TEXT => Value::Text(unsafe { utf8(cell.text, "a text cell") }?),
        kind::DATE => Value::Date(
            i32::try_from(cell.int).map_err(|_| format!("date cell {} out of range", cell.int))?,
        ),
        kind::DATETIME => Value::DateTime(cell.int),
        kind::TIME => Value::Time(
            u32::try_from(cell.int).map_err(|_| format!("time cell {} out of range", cell.int))?,
        ),
        kind::DURATION => Value::Duration(cell.int),
        kind::DECIMAL => Value::Decimal {
            mantissa: cell.int,
            scale: cell.aux,
        },
        other => return Err(format!("unknown cell kind {other}")),
    })
}

extern "C" fn cb_rows(ctx: *mut c_void, cells: *const RdCell, n_cells: usize) -> i32 {
    with_sink(ctx, 1, |sink| {
        let raw: &[RdCell] = if n_cells == 0 {
            &[]
        } else if cells.is_null() {
            sink.fail(format!("rows: null cell pointer with {n_cells} cells"));
            return 1;
        } else {
            // SAFETY: the plugin passes `n_cells` cells borrowed for this call.
            unsafe { std::slice::from_raw_parts(cells, n_cells) }
        };
        let mut values = Vec::with_capacity(raw.len());
        for c in raw {
            // SAFETY: text of these cells is borrowed for this call, which outlives `values`.
            match unsafe { decode(c) } {
                Ok(v) => values.push(v),
                Err(e) => {
                    sink.fail(e);
                    return 1;
                }
            }
        }
        i32::from(!sink.rows(&values))
    })
}

extern "C" fn cb_warning(ctx: *mut c_void, warning_json: RdStr) {
    with_sink(ctx, (), |sink| {
        // SAFETY: borrowed for this call.
        let bytes = unsafe { warning_json.as_bytes() };
        match serde_json::from_slice::<Warning>(bytes) {
            Ok(w) => sink.warning(w),
            Err(e) => sink.fail(format!("a warning is not valid JSON: {e}")),
        }
    })
}

extern "C" fn cb_meta(ctx: *mut c_void, key: RdStr, value: RdStr) {
    with_sink(ctx, (), |sink| {
        // SAFETY: both borrowed for this call.
        let kv = unsafe { (utf8(key, "a meta key"), utf8(value, "a meta value")) };
        match kv {
            (Ok(k), Ok(v)) => sink.meta(k, v),
            (Err(e), _) | (_, Err(e)) => sink.fail(e),
        }
    })
}

extern "C" fn cb_progress(ctx: *mut c_void, done: u64, total: u64) {
    with_sink(ctx, (), |sink| sink.progress(done, total))
}

extern "C" fn cb_cancelled(ctx: *mut c_void) -> i32 {
    with_sink(ctx, 1, |sink| i32::from(sink.cancelled()))
}

/// Sends SIGKILL to every process of the process group `pgid` (the worker is its leader).
/// Only call it while the leader is not yet reaped, so the id cannot have been reused.
pub fn kill_process_group(pgid: u32) -> io::Result<()> {
    let pgid = libc::pid_t::try_from(pgid)
        .map_err(|_| io::Error::new(io::ErrorKind::InvalidInput, "pid out of range"))?;
    if pgid <= 1 {
        // kill(0) / kill(-1) would hit our own group or every process.
        return Err(io::Error::new(
            io::ErrorKind::InvalidInput,
            "refusing to signal process group <= 1",
        ));
    }
    // SAFETY: kill(2) with a negative pid only sends a signal; no memory is involved.
    let rc = unsafe { libc::kill(-pgid, libc::SIGKILL) };
    if rc == 0 {
        Ok(())
    } else {
        Err(io::Error::last_os_error())
    }
}

/// Asks the kernel to SIGKILL this process when its parent dies, and exits at once if the
/// parent is already gone (the race between fork and prctl).
pub fn die_with_parent() {
    // SAFETY: prctl(PR_SET_PDEATHSIG) and getppid take no pointers.
    unsafe {
        libc::prctl(libc::PR_SET_PDEATHSIG, libc::SIGKILL);
        if libc::getppid() == 1 {
            libc::_exit(3);
        }
    }
}

/// Keeps the worker's protocol channel away from plugin output: returns a private handle on
/// the original stdout and points fd 1 at stderr, so a plugin that prints cannot corrupt
/// the JSON lines the daemon reads.
pub fn redirect_stdout_to_stderr() -> io::Result<File> {
    let protocol = io::stdout().as_fd().try_clone_to_owned()?;
    // SAFETY: dup2(2) on two open descriptors; fd 1 is replaced atomically.
    let rc = unsafe { libc::dup2(libc::STDERR_FILENO, libc::STDOUT_FILENO) };
    if rc < 0 {
        return Err(io::Error::last_os_error());
    }
    Ok(File::from(protocol))
}
