//! Runs. Being built.
