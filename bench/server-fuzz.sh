#!/usr/bin/env bash
# Server fuzzing throughput: msgfuzz --target server and boofuzz against the same urpc-sim on
# loopback. Prints a table of cases/s. Usage: bench/server-fuzz.sh [SECONDS] [BOOFUZZ_CASES]
# The ratio is taken against msgfuzz with one worker (one urpc-sim, like boofuzz); the --jobs 2
# line (a urpc-sim per worker) is shown for information.
set -euo pipefail
cd "$(dirname "$0")/.."
SECONDS_MSGFUZZ=${1:-20}
BOOFUZZ_CASES=${2:-3000}
SCRATCH=${SCRATCH:-.build-bench}
VENV=${VENV:-bench/.venv-boofuzz}
WORK=$(mktemp -d)
SIM_PID=
trap '[ -n "$SIM_PID" ] && kill "$SIM_PID" 2>/dev/null; rm -rf "$WORK"' EXIT

swift build -c release --scratch-path "$SCRATCH" --product msgfuzz >/dev/null
swift build -c release --scratch-path "$SCRATCH" --product urpc-sim >/dev/null
BIN="$SCRATCH/release"

if [ ! -x "$VENV/bin/python" ]; then
  python3 -m venv "$VENV"
  "$VENV/bin/pip" install --quiet boofuzz
fi
case "$VENV" in /*) PY="$VENV/bin/python" ;; *) PY="$PWD/$VENV/bin/python" ;; esac
BOOFUZZ_VERSION=$("$VENV/bin/python" -c 'import importlib.metadata as m; print(m.version("boofuzz"))')

# msgfuzz: spawns this urpc-sim itself (restarted when it dies: the twin has crash bugs of its
# own), one connection kept open, 32 cases with their ["ver"] probes per round trip. Findings
# are saved but not minimised here (minimisation is not fuzzing throughput).
"$BIN/msgfuzz" --target server --max-time "$SECONDS_MSGFUZZ" --seed 1 --minimize-time 0 \
  --findings "$WORK/findings" --summary-json "$WORK/msgfuzz.json" --quiet || true
MSGFUZZ_RATE=$(python3 -c "import json; print(round(json.load(open('$WORK/msgfuzz.json'))['exec_per_s']))")
MSGFUZZ_CASES=$(python3 -c "import json; print(json.load(open('$WORK/msgfuzz.json'))['execs'])")
MSGFUZZ_FINDINGS=$(python3 -c "import json; print(len(json.load(open('$WORK/msgfuzz.json'))['findings']))")

# The same with two workers, each with its own urpc-sim on its own port.
"$BIN/msgfuzz" --target server --jobs 2 --max-time "$SECONDS_MSGFUZZ" --seed 1 --minimize-time 0 \
  --findings "$WORK/findings-jobs" --summary-json "$WORK/msgfuzz-jobs.json" --quiet || true
JOBS_RATE=$(python3 -c "import json; print(round(json.load(open('$WORK/msgfuzz-jobs.json'))['exec_per_s']))")
JOBS_CASES=$(python3 -c "import json; print(json.load(open('$WORK/msgfuzz-jobs.json'))['execs'])")
MSGFUZZ_FINDINGS=$((MSGFUZZ_FINDINGS + $(python3 -c "import json; print(len(json.load(open('$WORK/msgfuzz-jobs.json'))['findings']))")))

# The same urpc-sim binary for boofuzz, on a port of its own.
PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
"$BIN/urpc-sim" server --listen "127.0.0.1:$PORT" >/dev/null 2>&1 &
SIM_PID=$!
for _ in $(seq 100); do (echo > /dev/tcp/127.0.0.1/$PORT) 2>/dev/null && break; sleep 0.05; done

# boofuzz: a minimal session (ver -> im -> cm) with fuzzable msgpack fields, as shipped and tuned.
run_boofuzz() {
  (cd "$WORK" && "$PY" "$OLDPWD/bench/boofuzz_urpc.py" "$PORT" "$1" "$2") > "$WORK/boofuzz-$2.txt" 2>"$WORK/boofuzz.err" \
    || { cat "$WORK/boofuzz.err" >&2; exit 1; }
  tail -1 "$WORK/boofuzz-$2.txt"
}
BOOFUZZ_DEFAULT_LINE=$(run_boofuzz $((BOOFUZZ_CASES / 5)) default)
BOOFUZZ_TUNED_LINE=$(run_boofuzz "$BOOFUZZ_CASES" tuned)
rate() { echo "$1" | sed -E 's/.*: ([0-9]+) cases\/s.*/\1/'; }
count() { echo "$1" | awk '{print $2}'; }
BOOFUZZ_DEFAULT_RATE=$(rate "$BOOFUZZ_DEFAULT_LINE")
BOOFUZZ_TUNED_RATE=$(rate "$BOOFUZZ_TUNED_LINE")

ratio() { python3 -c "print(f'{$1 / max(1, $2):.1f}x')"; }
printf '%-40s %10s %10s %12s\n' "fuzzer (urpc-sim on loopback)" "cases/s" "cases" "msgfuzz is"
printf '%-40s %10s %10s %12s\n' "msgfuzz --target server (batch 32)" "$MSGFUZZ_RATE" "$MSGFUZZ_CASES" ""
printf '%-40s %10s %10s %12s\n' "msgfuzz --target server --jobs 2" "$JOBS_RATE" "$JOBS_CASES" "(2 sims)"
printf '%-40s %10s %10s %12s\n' "boofuzz $BOOFUZZ_VERSION as shipped (db on disk)" "$BOOFUZZ_DEFAULT_RATE" "$(count "$BOOFUZZ_DEFAULT_LINE")" "$(ratio "$MSGFUZZ_RATE" "$BOOFUZZ_DEFAULT_RATE")"
printf '%-40s %10s %10s %12s\n' "boofuzz $BOOFUZZ_VERSION tuned (db in memory)" "$BOOFUZZ_TUNED_RATE" "$(count "$BOOFUZZ_TUNED_LINE")" "$(ratio "$MSGFUZZ_RATE" "$BOOFUZZ_TUNED_RATE")"
echo "(msgfuzz findings: $MSGFUZZ_FINDINGS; $(nproc) cores, load $(cut -d' ' -f1 /proc/loadavg), $(date -u +%Y-%m-%d))"
