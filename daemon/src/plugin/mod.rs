//! Plugin host. Being built.
