#!/usr/bin/env bash
# msgfuzz and boofuzz side by side against a stand-in for a real device (issue 13): urpc-sim with
# the published server's error path, the 32-bit device's crashes, exit on death (as a host build
# of the real server does) and an 11 ms start-up. Prints cases/s, the classes found and the ratio.
# Usage: bench/server-fuzz-standin.sh [SECONDS] [BOOFUZZ_CASES]
set -euo pipefail
cd "$(dirname "$0")/.."
SECONDS_MSGFUZZ=${1:-300}
BOOFUZZ_CASES=${2:-3000}
SCRATCH=${SCRATCH:-.build-bench}
VENV=${VENV:-bench/.venv-boofuzz}
WORK=$(mktemp -d)
LOOP_PID=
cleanup() {
  if [ -n "$LOOP_PID" ]; then
    kill "$LOOP_PID" 2>/dev/null || true
    # The supervisor's current server ends too.
    [ -f "$WORK/sim.pid" ] && kill "$(cat "$WORK/sim.pid")" 2>/dev/null || true
  fi
  rm -rf "$WORK"
}
trap cleanup EXIT

swift build -c release --scratch-path "$SCRATCH" --product msgfuzz >/dev/null
swift build -c release --scratch-path "$SCRATCH" --product urpc-sim >/dev/null
BIN="$SCRATCH/release"
if [ ! -x "$VENV/bin/python" ]; then
  python3 -m venv "$VENV"
  "$VENV/bin/pip" install --quiet boofuzz
fi
case "$VENV" in /*) PY="$VENV/bin/python" ;; *) PY="$PWD/$VENV/bin/python" ;; esac
STANDIN="server --legacy-errors --device-faults --exit-on-death --startup-delay-ms 11"

# msgfuzz spawns the stand-in itself (spawn ahead); --legacy-errors --device-faults set up its
# in-process twin like the stand-in. Minimisation included (at most a quarter of the run).
"$BIN/msgfuzz" --target server --spawn "$BIN/urpc-sim $STANDIN --listen 127.0.0.1:{port}" --legacy-errors --device-faults \
  --max-time "$SECONDS_MSGFUZZ" --seed 1 --minimize-time 5 \
  --findings "$WORK/findings" --summary-json "$WORK/msgfuzz.json" --quiet || true
python3 - "$WORK/msgfuzz.json" > "$WORK/msgfuzz.txt" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
f = d["findings"]
faults = [x for x in f if x["signature"].split("|")[-1] in ("bin32-length", "str32-length", "ext32-length", "array32-count", "map32-count", "nesting")]
spec7 = ["NotImplementedError: 64 bit types", "MemoryError: memory allocation failed", "AttributeError: 'NoneType' object has no attribute",
         "TypeError: 'NoneType' object isn't callable", "IndexError: tuple index out of range", "ValueError: short read",
         "RuntimeError: maximum recursion depth exceeded", "EOFError"]
hit7 = {e: sum(1 for x in f if x["signature"].startswith("dead|" + e)) for e in spec7}
overflow = [x.get("request_size") for x in faults if x["signature"].split("|")[-1] != "nesting"]
print(round(d["exec_per_s"]), d["execs"], len(f), len(faults), max([o or 999 for o in overflow] or [0]),
      d.get("lives_used"), d.get("lives_saved"), d.get("minimize_s"), d.get("restart_s"))
print("device-fault classes: " + ", ".join(f'{x["signature"]} x{x["hits"]} ({x.get("request_size")} B)' for x in faults))
print("spec 7 exceptions (findings each): " + ", ".join(f"{e}: {n}" for e, n in hit7.items()))
PY
read -r M_RATE M_CASES M_FINDINGS M_FAULTS M_MAXREQ M_LIVES M_SAVED M_MIN M_RESTART < "$WORK/msgfuzz.txt"

# boofuzz against the same stand-in, restarted by a supervisor loop on a fixed port.
PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
( while true; do
    "$BIN/urpc-sim" $STANDIN --listen "127.0.0.1:$PORT" >/dev/null 2>&1 &
    echo $! > "$WORK/sim.pid"
    wait $! || true
  done ) &
LOOP_PID=$!
for _ in $(seq 100); do (echo > /dev/tcp/127.0.0.1/$PORT) 2>/dev/null && break; sleep 0.05; done
BOOFUZZ_LINE=$(cd "$WORK" && "$PY" "$OLDPWD/bench/boofuzz_urpc.py" "$PORT" "$BOOFUZZ_CASES" standin 2>"$WORK/boofuzz.err" | tail -1)
B_RATE=$(echo "$BOOFUZZ_LINE" | sed -E 's/.*: ([0-9]+) cases\/s.*/\1/')
B_CASES=$(echo "$BOOFUZZ_LINE" | awk '{print $2}')

printf '%-44s %9s %9s %9s %14s\n' "fuzzer (stand-in: urpc-sim $STANDIN)" "cases/s" "cases" "findings" "msgfuzz is"
printf '%-44s %9s %9s %9s %14s\n' "msgfuzz --target server, ${SECONDS_MSGFUZZ} s" "$M_RATE" "$M_CASES" "$M_FINDINGS" ""
printf '%-44s %9s %9s %9s %14s\n' "boofuzz (tuned, supervisor restarts)" "$B_RATE" "$B_CASES" "-" "$(python3 -c "print(f'{$M_RATE / max(1, $B_RATE):.1f}x')")"
echo "msgfuzz: $M_FAULTS device-fault classes (header-overflow requests at most $M_MAXREQ bytes), lives used $M_LIVES, saved $M_SAVED, minimisation $M_MIN s, restarts $M_RESTART s"
tail -2 "$WORK/msgfuzz.txt"
echo "($(nproc) cores, load $(cut -d' ' -f1 /proc/loadavg), $(date -u +%Y-%m-%d))"
