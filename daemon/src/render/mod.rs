//! Report files: streaming writers ([`csv`]) and file-name templates ([`filename`]).

pub mod filename;
