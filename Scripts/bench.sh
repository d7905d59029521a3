#!/usr/bin/env bash
# Builds the Benchmarks package (release) and runs every benchmark and peer,
# then writes the results table into BENCHMARKS.md. One command, under 15
# minutes on a 2-core machine (after the first build of SwiftNIO).
#
#   Scripts/bench.sh                 # everything
#   BENCH_ONLY=nop,file Scripts/bench.sh
#   BENCH_REPS=3 BENCH_SECONDS=0.5 Scripts/bench.sh   # a quicker look
#
# Environment: BENCH_ONLY (nop,instr,file,echo,alloc,sim), BENCH_REPS (5),
# BENCH_ECHO_REPS (3), BENCH_SECONDS (1), BENCH_ECHO_SECONDS (2),
# BENCH_DRIVERS (io_uring,epoll), BENCH_DATA_DIR (/tmp/compio-bench),
# BENCH_QUIET_WAIT (10), BENCH_NO_WRITE=1 to leave BENCHMARKS.md alone.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"
export PATH="/opt/swift/usr/bin:$PATH"

# fio is a peer of the file benchmarks; valgrind counts instructions per op.
for tool in fio valgrind; do
    if ! command -v "$tool" >/dev/null 2>&1; then
        echo "installing $tool"
        apt-get install -y "$tool" >/dev/null 2>&1 || { apt-get update >/dev/null 2>&1 && apt-get install -y "$tool" >/dev/null 2>&1; } \
            || echo "$tool unavailable: its rows will be missing"
    fi
done

echo "building Benchmarks (release)"
# SwiftPM keeps the root package's file list in the Benchmarks build plan and
# does not notice files added since: drop the plan (not the build products).
rm -f Benchmarks/.build/release.yaml Benchmarks/.build/release/description.json
swift build -c release --package-path Benchmarks 2>&1 | grep -E "error|warning:|Compiling|Build complete" | grep -v "^\[" || true
bin="$(swift build -c release --package-path Benchmarks --show-bin-path)"
for exe in compio-bench swift-peers bench-c libMallocCounter.so; do
    [ -e "$bin/$exe" ] || { echo "missing $bin/$exe: the build failed"; exit 1; }
done

# The simulator's throughput comes from the root package's compio-sim, when it exists.
sim=""
if [ -f Package.swift ] && grep -q '"compio-sim"' Package.swift; then
    swift build -c release --product compio-sim 2>&1 | grep -E "error|Build complete" || true
    sim="$(swift build -c release --show-bin-path)/compio-sim"
fi

command_line="$( (env | grep '^BENCH_' || true) | sort | tr '\n' ' ')Scripts/bench.sh"
tables="$(mktemp)"
python3 Benchmarks/harness/run.py \
    --bin "$bin" \
    --malloc-counter "$bin/libMallocCounter.so" \
    ${sim:+--compio-sim "$sim"} \
    --data-dir "${BENCH_DATA_DIR:-/tmp/compio-bench}" \
    --reps "${BENCH_REPS:-5}" \
    --echo-reps "${BENCH_ECHO_REPS:-3}" \
    --seconds "${BENCH_SECONDS:-1}" \
    --echo-seconds "${BENCH_ECHO_SECONDS:-2}" \
    --quiet-wait "${BENCH_QUIET_WAIT:-10}" \
    --drivers "${BENCH_DRIVERS:-io_uring,epoll}" \
    --only "${BENCH_ONLY:-nop,instr,file,echo,alloc,sim}" \
    --markdown "$tables" \
    --json "$bin/bench-results.json" \
    --command "$command_line" | tee "$bin/bench-output.txt"

if [ "${BENCH_NO_WRITE:-0}" != 1 ]; then
    # BENCHMARKS.md keeps its hand-written analysis; the part between the
    # markers is replaced by the latest tables.
    python3 - "$tables" <<'PY'
import sys
tables = open(sys.argv[1]).read()
path = "BENCHMARKS.md"
begin, end = "<!-- BEGIN RESULTS -->", "<!-- END RESULTS -->"
try:
    text = open(path).read()
except FileNotFoundError:
    text = f"# Benchmarks\n\n{begin}\n{end}\n"
if begin not in text:
    text += f"\n{begin}\n{end}\n"
head, rest = text.split(begin, 1)
_, tail = rest.split(end, 1)
open(path, "w").write(f"{head}{begin}\n{tables}\n{end}{tail}")
print(f"wrote the tables into {path}")
PY
fi
rm -f "$tables"
