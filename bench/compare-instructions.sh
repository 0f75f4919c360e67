#!/usr/bin/env bash
# Work per unit of two commits side by side, counted in instructions by valgrind's callgrind, so the
# comparison holds however busy the machine is: the codec (per urpc frame decoded), msgdissect (per
# message of a 20,000-message capture), msgfuzz --target codec (per execution) and --target server
# (per case, msgfuzz and the twins it spawns together). Lower is better; HEAD/BASE above 1.05 is a regression
# of more than 5 %. Reuses the release builds of bench/compare-commits.sh in bench/out/compare/.
# Usage: bash bench/compare-instructions.sh BASE [HEAD]
set -euo pipefail
cd "$(dirname "$0")/.."
base=${1:?usage: bench/compare-instructions.sh BASE [HEAD]}
head=${2:-HEAD}
out=bench/out/compare
mkdir -p "$out"
python3 bench/make_capture.py "$out/small.pcap" 20000 200 > /dev/null
[ -f bench/out/urpc_frames.bin ] || bash bench/codec.sh 0.1 > /dev/null 2>&1 || true
for side in base head; do
  rev=$base; [ "$side" = head ] && rev=$head
  dir=$out/$side
  if [ "$(git -C "$dir" rev-parse HEAD 2>/dev/null)" != "$(git rev-parse "$rev")" ]; then
    git worktree remove --force "$dir" 2>/dev/null || rm -rf "$dir"
    git worktree add -q --detach "$dir" "$rev"
  fi
  (cd "$dir" && for p in codec-bench msgdissect msgfuzz urpc-sim; do swift build -c release --product "$p" 2>&1 | grep -E 'error' || true; done)
done
# count NAME UNITS COMMAND…: instructions of the command (its children run natively) / UNITS.
count() {
  local name=$1 units=$2; shift 2
  rm -f "$out"/cg.out.*
  # TRACE=1: the children too (msgfuzz and the twins it spawns: the whole work of a case).
  valgrind --tool=callgrind ${TRACE:+--trace-children=yes} --callgrind-out-file="$out/cg.out.%p" "$@" > /dev/null 2>&1 || true
  local total=0 t
  for f in "$out"/cg.out.*; do
    t=$( (grep -E '^(summary|totals):' "$f" || true) | head -1 | awk '{print $2}')
    total=$((total + ${t:-0}))
  done
  echo "$name $(python3 -c "print($total/$units)")"
}
: > "$out/instructions.txt"
for side in base head; do
  bin=$out/$side/.build/release
  {
    echo -n "$side "; CODEC_BENCH_ROUNDS=200 CODEC_BENCH_ONLY=decode count codec-decode/frame $((200 * 118)) "$bin/codec-bench" urpc_frames bench/out/urpc_frames.bin 1
    echo -n "$side "; count dissect/message 20000 "$bin/msgdissect" "$out/small.pcap"
    rm -rf "$out/$side-c"
    echo -n "$side "; count fuzz-codec/exec 20000 "$bin/msgfuzz" --target codec --seed 1 --runs 20000 --quiet --no-save-corpus --findings "$out/$side-c"
    rm -rf "$out/$side-s"
    echo -n "$side "; TRACE=1 count fuzz-server/case 1000 "$bin/msgfuzz" --target server --seed 1 --runs 1000 --quiet --findings "$out/$side-s" --spawn "$bin/urpc-sim server --listen 127.0.0.1:{port}"
  } >> "$out/instructions.txt"
done
python3 - "$out/instructions.txt" "$base" "$head" <<'PY'
import sys, collections
rows = collections.defaultdict(dict)
for line in open(sys.argv[1]):
    side, name, value = line.split()
    rows[name][side] = float(value)
print(f"| instructions per unit | {sys.argv[2][:10]} | {sys.argv[3][:10]} | head/base |")
print("|---|---:|---:|---:|")
for name, d in rows.items():
    b, h = d.get("base", 0), d.get("head", 0)
    print(f"| {name} | {b:,.0f} | {h:,.0f} | {h / b if b else float('nan'):.3f} |")
PY
