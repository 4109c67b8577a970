//! The `#[repr(C)]` types of ABI version 1. Nothing else crosses the boundary.
//!
//! Ownership: an [`RdStr`] is borrowed for the duration of the call it is passed to. An
//! [`RdBuf`] returned by the plugin is owned by the plugin and must be given back through
//! [`RdPluginV1::free_buf`]. Cells passed to [`RdSinkV1::rows`] are borrowed for that call.

use std::ffi::c_void;

/// A borrowed UTF-8 byte string.
#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct RdStr {
    pub ptr: *const u8,
    pub len: usize,
}

impl RdStr {
    /// Borrows a `&str` (valid while `s` is).
    #[allow(clippy::should_implement_trait)]
    pub fn from_str(s: &str) -> Self {
        Self {
            ptr: s.as_ptr(),
            len: s.len(),
        }
    }

    pub const fn empty() -> Self {
        Self {
            ptr: std::ptr::null(),
            len: 0,
        }
    }

    /// # Safety
    /// `ptr` must point to `len` readable bytes that stay valid for `'a`.
    pub unsafe fn as_bytes<'a>(self) -> &'a [u8] {
        if self.ptr.is_null() || self.len == 0 {
            &[]
        } else {
            // SAFETY: the caller guarantees ptr/len describe a live allocation.
            unsafe { std::slice::from_raw_parts(self.ptr, self.len) }
        }
    }
}

/// A byte buffer allocated by the plugin (a `Vec<u8>` taken apart). Free with `free_buf`.
#[repr(C)]
#[derive(Debug)]
pub struct RdBuf {
    pub ptr: *mut u8,
    pub len: usize,
    pub cap: usize,
}

impl RdBuf {
    pub fn from_vec(v: Vec<u8>) -> Self {
        let mut v = std::mem::ManuallyDrop::new(v);
        Self {
            ptr: v.as_mut_ptr(),
            len: v.len(),
            cap: v.capacity(),
        }
    }

    /// # Safety
    /// Must come from [`RdBuf::from_vec`] in the same allocator (the plugin's), once.
    pub unsafe fn into_vec(self) -> Vec<u8> {
        // SAFETY: guaranteed by the caller.
        unsafe { Vec::from_raw_parts(self.ptr, self.len, self.cap) }
    }
}

/// Cell kinds of [`RdCell::kind`].
pub mod kind {
    pub const NULL: u32 = 0;
    pub const INT: u32 = 1;
    pub const FLOAT: u32 = 2;
    pub const BOOL: u32 = 3;
    pub const TEXT: u32 = 4;
    /// `int` = days since 1970-01-01.
    pub const DATE: u32 = 5;
    /// `int` = seconds since 1970-01-01T00:00:00 local wall clock.
    pub const DATETIME: u32 = 6;
    /// `int` = seconds since midnight.
    pub const TIME: u32 = 7;
    /// `int` = milliseconds.
    pub const DURATION: u32 = 8;
    /// `int` = mantissa, `aux` = scale.
    pub const DECIMAL: u32 = 9;
}

/// One typed cell (40 bytes).
#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct RdCell {
    pub kind: u32,
    pub aux: u32,
    pub int: i64,
    pub float: f64,
    pub text: RdStr,
}

/// The host's row sink, passed to `generate`. Return codes: 0 = go on, non-zero = stop
/// (the host cancelled or failed to write).
#[repr(C)]
pub struct RdSinkV1 {
    pub ctx: *mut c_void,
    /// Columns as a JSON array of [`crate::Column`].
    pub begin: extern "C" fn(ctx: *mut c_void, columns_json: RdStr) -> i32,
    /// `n_cells` = columns × rows, row-major.
    pub rows: extern "C" fn(ctx: *mut c_void, cells: *const RdCell, n_cells: usize) -> i32,
    /// A JSON [`crate::Warning`].
    pub warning: extern "C" fn(ctx: *mut c_void, warning_json: RdStr),
    pub meta: extern "C" fn(ctx: *mut c_void, key: RdStr, value: RdStr),
    pub progress: extern "C" fn(ctx: *mut c_void, done: u64, total: u64),
    /// Non-zero once the host wants the plugin to stop.
    pub cancelled: extern "C" fn(ctx: *mut c_void) -> i32,
}

/// The table `reportd_plugin_v1()` returns. `abi_version` is first and must stay first in
/// every future version, so the host can read it before trusting anything else.
#[repr(C)]
pub struct RdPluginV1 {
    pub abi_version: u32,
    /// JSON [`crate::Catalog`].
    pub describe: extern "C" fn() -> RdBuf,
    /// Request JSON in; JSON [`crate::model::Reply`] out.
    pub validate: extern "C" fn(request_json: RdStr) -> RdBuf,
    /// Request JSON in, rows to `sink`; JSON [`crate::model::Reply`] out.
    pub generate: extern "C" fn(request_json: RdStr, sink: *const RdSinkV1) -> RdBuf,
    pub free_buf: extern "C" fn(buf: RdBuf),
}

/// Signature of the exported entry symbol.
pub type EntryFn = unsafe extern "C" fn() -> *const RdPluginV1;
