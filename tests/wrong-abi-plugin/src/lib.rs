//! A "plugin" from the future: it exports the v1 entry symbol but its table says ABI
//! version 999. The host must read the version first and refuse it (`PLUGIN_ABI`) without
//! touching any other field — this table has none. Used by `daemon/tests/plugin_faults.rs`.

/// Only the version field every ABI version starts with.
#[repr(C)]
pub struct FutureTable {
    pub abi_version: u32,
}

static TABLE: FutureTable = FutureTable { abi_version: 999 };

/// The entry point the host looks up.
#[unsafe(no_mangle)]
pub extern "C" fn reportd_plugin_v1() -> *const FutureTable {
    &TABLE
}
