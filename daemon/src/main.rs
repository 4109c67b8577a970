//! The `reportd` command line.

fn main() {}
