#!/usr/bin/env bash
# WhatsApp plugin benchmark: N status events (default 5 M, ~2.5 GB JSONL) generated
# deterministically, then whatsapp.messages_by_status per day over the whole archive.
# Prints MB/s and the peak RSS (/usr/bin/time -v). Usage: bench/whatsapp/run.sh [EVENTS] [DIR]
set -euo pipefail
EVENTS=${1:-5000000}
DIR=${2:-/tmp/reportd-bench-whatsapp}
cd "$(dirname "$0")/../.."
command -v /usr/bin/time >/dev/null || { echo "install GNU time (apt-get install time)"; exit 1; }
cargo build --release -q -p reportd-whatsapp --bin reportd-gen-whatsapp --example status_bench
T=${CARGO_TARGET_DIR:-target}/release
mkdir -p "$DIR"
F="$DIR/hooks-$EVENTS.jsonl"
[ -s "$F" ] || "$T/reportd-gen-whatsapp" --events "$EVENTS" --start 2026-11-01 --days 30 --seed 1 --out "$F"
ls -l "$F"
/usr/bin/time -v "$T/examples/status_bench" "$F" 2026-11-01 30 2> "$DIR/time.log" | tee "$DIR/result.txt"
grep -E 'Maximum resident|Elapsed|^row|warning' "$DIR/time.log" | head -20
