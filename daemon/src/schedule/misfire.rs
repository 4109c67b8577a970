//! Which fire times are due, and what to do with missed ones. Being built.
