//! Shared helpers for reportd's end-to-end tests: where the built binaries and plugins are,
//! temporary config trees, and process control.
