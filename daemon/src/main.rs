//! The `reportd` command line.

fn main() {
    // The plugin worker (see `reportd::plugin::worker`) must not pay for CLI parsing or
    // logging setup, and must not depend on it: this check stays first.
    if std::env::args_os().nth(1).is_some_and(|a| a == "__worker") {
        std::process::exit(reportd::plugin::worker::worker_main());
    }
}
