//! Deterministic synthetic webhook archive.
