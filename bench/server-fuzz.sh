#!/usr/bin/env bash
# Server fuzzing throughput: msgfuzz --target server and boofuzz against the same urpc-sim on
# loopback. Prints a table of cases/s. Usage: bench/server-fuzz.sh [SECONDS] [BOOFUZZ_CASES]
set -euo pipefail
cd "$(dirname "$0")/.."
SECONDS_MSGFUZZ=${1:-20}
BOOFUZZ_CASES=${2:-3000}
SCRATCH=${SCRATCH:-.build-bench}
VENV=bench/.venv-boofuzz
WORK=$(mktemp -d)
trap 'kill "$SIM_PID" 2>/dev/null || true; rm -rf "$WORK"' EXIT

swift build -c release --scratch-path "$SCRATCH" --product msgfuzz >/dev/null
swift build -c release --scratch-path "$SCRATCH" --product urpc-sim >/dev/null
BIN="$SCRATCH/release"

if [ ! -x "$VENV/bin/python" ]; then
  python3 -m venv "$VENV"
  "$VENV/bin/pip" install --quiet boofuzz
fi
BOOFUZZ_VERSION=$("$VENV/bin/python" -c 'import importlib.metadata as m; print(m.version("boofuzz"))')

PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
"$BIN/urpc-sim" server --listen "127.0.0.1:$PORT" >/dev/null 2>&1 &
SIM_PID=$!
for _ in $(seq 100); do (echo > /dev/tcp/127.0.0.1/$PORT) 2>/dev/null && break; sleep 0.05; done

# msgfuzz: one connection kept open, each case pipelined with the ["ver"] probe in one round trip.
"$BIN/msgfuzz" --target server --connect "127.0.0.1:$PORT" --max-time "$SECONDS_MSGFUZZ" --seed 1 \
  --findings "$WORK/findings" --summary-json "$WORK/msgfuzz.json" --quiet || true
MSGFUZZ_RATE=$(python3 -c "import json; print(round(json.load(open('$WORK/msgfuzz.json'))['cases_per_second']))")
MSGFUZZ_CASES=$(python3 -c "import json; print(json.load(open('$WORK/msgfuzz.json'))['cases'])")
MSGFUZZ_FINDINGS=$(python3 -c "import json; print(len(json.load(open('$WORK/msgfuzz.json'))['findings']))")

# boofuzz: a minimal session (ver -> im -> cm) with fuzzable msgpack fields.
(cd "$WORK" && "$OLDPWD/$VENV/bin/python" "$OLDPWD/bench/boofuzz_urpc.py" "$PORT" "$BOOFUZZ_CASES") > "$WORK/boofuzz.txt" 2>"$WORK/boofuzz.err" || { cat "$WORK/boofuzz.err" >&2; exit 1; }
BOOFUZZ_LINE=$(tail -1 "$WORK/boofuzz.txt")
BOOFUZZ_RATE=$(echo "$BOOFUZZ_LINE" | sed -E 's/.*: ([0-9]+) cases\/s.*/\1/')

RATIO=$(python3 -c "print(f'{$MSGFUZZ_RATE / max(1, $BOOFUZZ_RATE):.1f}')")
printf '%-28s %12s %10s\n' "fuzzer (same urpc-sim)" "cases/s" "cases"
printf '%-28s %12s %10s\n' "msgfuzz --target server" "$MSGFUZZ_RATE" "$MSGFUZZ_CASES"
printf '%-28s %12s %10s\n' "boofuzz $BOOFUZZ_VERSION" "$BOOFUZZ_RATE" "$(echo "$BOOFUZZ_LINE" | awk '{print $2}')"
echo "msgfuzz / boofuzz: ${RATIO}x   (msgfuzz findings: $MSGFUZZ_FINDINGS; $(nproc) cores, $(date -u +%Y-%m-%d))"
