#!/usr/bin/env bash
# Render benchmark (issue 4 §6): ROWS rows (default 10 M) of the test plugin's
# `faulty.bigrows` through the real worker process (`reportd __worker`, release build) to
# CSV, XLSX and CSV+gzip, printing rows/s and the worker's peak RSS ("Maximum resident set
# size" of /usr/bin/time -v), then the same rows written by peers in the same run:
#   * Python's csv module (stdlib; what a support engineer would script for a CSV export;
#     its file must be byte-identical to ours, which the script checks),
#   * Python XlsxWriter in constant_memory mode (PyPI; the sibling of rust_xlsxwriter, so the
#     comparison is of the same design in two languages).
# Fails (exit 1) when a reportd case peaks above RSS_BUDGET_MIB (default 64).
#
# Environment: ROWS, RSS_BUDGET_MIB, CASES (default "csv xlsx csv.gz"), PEERS (default
# "csv xlsx"; empty to skip), WORK (scratch directory, default a new temporary directory,
# removed at the end), CARGO_TARGET_DIR.
set -euo pipefail

ROWS=${ROWS:-10000000}
RSS_BUDGET_MIB=${RSS_BUDGET_MIB:-64}
CASES=${CASES:-csv xlsx csv.gz}
PEERS=${PEERS-csv xlsx}
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
HERE="$ROOT/bench/render"
TARGET=${CARGO_TARGET_DIR:-$ROOT/target}
REL="$TARGET/release"

if [[ -z ${WORK:-} ]]; then
    WORK=$(mktemp -d)
    trap 'rm -rf "$WORK"' EXIT
fi
mkdir -p "$WORK"

if [[ ! -x /usr/bin/time ]]; then
    echo "installing GNU time (for the peak RSS)..." >&2
    if [[ $(id -u) -eq 0 ]]; then
        apt-get install -y -q time >/dev/null || { apt-get update -q && apt-get install -y -q time; }
    else
        sudo apt-get install -y -q time
    fi
fi

echo "building (release)..." >&2
(cd "$ROOT" && cargo build -q --release -p reportd -p reportd-faulty-plugin --lib --bins --example render_job)
LIB="$REL/libreportd_faulty.so"

# measure NAME ROWS FILE STDIN STDOUT -- command...: runs the command under /usr/bin/time -v
# with STDIN and STDOUT, prints one result line and appends "NAME seconds rss_kib" to
# $WORK/results.
measure() {
    local name=$1 rows=$2 file=$3 stdin=$4 stdout=$5
    shift 6
    local t0 t1 secs rss bytes
    t0=$(date +%s.%N)
    /usr/bin/time -v -o "$WORK/time.txt" "$@" <"$stdin" >"$stdout"
    t1=$(date +%s.%N)
    secs=$(echo "$t1 - $t0" | bc -l)
    rss=$(awk -F': ' '/Maximum resident set size/ {print $2}' "$WORK/time.txt")
    bytes=$(stat -c %s "$file")
    printf '%-22s %10d %9.2f %12.0f %12.1f %10.1f\n' "$name" "$rows" "$secs" \
        "$(echo "$rows / $secs" | bc -l)" "$(echo "$rss / 1024" | bc -l)" \
        "$(echo "$bytes / 1048576" | bc -l)"
    echo "$name $secs $rss" >>"$WORK/results"
}

: >"$WORK/results"
printf '%-22s %10s %9s %12s %12s %10s\n' case rows seconds rows/s "peak RSS MiB" "file MiB"
status=0
for case in $CASES; do
    format=${case%%.*}
    compress=none
    [[ $case == *.gz ]] && compress=gzip
    [[ $case == *.zip ]] && compress=zip
    out="$WORK/reportd-$case"
    rm -rf "$out" && mkdir -p "$out"
    "$REL/examples/render_job" "$LIB" "$out" "$format" "$compress" "$ROWS" >"$WORK/job.json"
    measure "reportd $case" "$ROWS" "$out/big.$case" "$WORK/job.json" "$WORK/protocol.jsonl" \
        -- "$REL/reportd" __worker
    result=$(tail -n 1 "$WORK/protocol.jsonl")
    if [[ $result != *'"status":"generated"'* || $result != *"\"rows\":$ROWS"* ]]; then
        echo "worker failed: $result" >&2
        exit 1
    fi
    rss=$(awk '{print $4}' <<<"$(tail -n 1 "$WORK/results")")
    if ((rss > RSS_BUDGET_MIB * 1024)); then
        echo "  FAIL: peak RSS $((rss / 1024)) MiB is over the ${RSS_BUDGET_MIB} MiB budget" >&2
        status=1
    fi
done

PY=python3
if [[ $PEERS == *xlsx* ]]; then
    if [[ ! -x $WORK/venv/bin/python ]]; then
        python3 -m venv "$WORK/venv"
        "$WORK/venv/bin/pip" install -q XlsxWriter
    fi
    PY="$WORK/venv/bin/python"
fi
for peer in $PEERS; do
    measure "python $peer" "$ROWS" "$WORK/python.$peer" /dev/null /dev/null \
        -- "$PY" "$HERE/peer.py" "$peer" "$ROWS" "$WORK/python.$peer"
done

if [[ $PEERS == *csv* && $CASES == *csv* ]]; then
    if cmp -s "$WORK/python.csv" "$WORK/reportd-csv/big.csv"; then
        echo "python csv output is byte-identical to reportd's"
    else
        echo "python csv output DIFFERS from reportd's" >&2
        status=1
    fi
fi

# Ratios: peer time / reportd time (how many times faster reportd is) and RSS.
ratio() {
    local ours=$1 peer=$2
    read -r _ _ t1 r1 < <(grep "^reportd $ours " "$WORK/results") || return 0
    read -r _ _ t2 r2 < <(grep "^python $peer " "$WORK/results") || return 0
    printf 'reportd %-6s vs python %-5s: %.1fx faster, %.2fx the peak RSS\n' "$ours" "$peer" \
        "$(echo "$t2 / $t1" | bc -l)" "$(echo "$r1 / $r2" | bc -l)"
}
ratio csv csv
ratio xlsx xlsx
exit $status
