//! Raw serde structs. Being built.
