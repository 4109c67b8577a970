//! Delivery. Being built.
