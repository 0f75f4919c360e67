#!/usr/bin/env bash
# Throughput of two commits side by side, in one run: the codec (urpc frames, decode and document),
# msgdissect (summary of a 200,000-message capture), msgfuzz --target codec and --target server
# (default twin), each measured alternately BASE, HEAD, BASE, HEAD … and printed with HEAD/BASE.
# Usage: bash bench/compare-commits.sh BASE [HEAD (default: the work tree's HEAD)] [ROUNDS (default 3)]
# Builds both in bench/out/compare/ (git worktrees, release), which is not committed.
set -euo pipefail
cd "$(dirname "$0")/.."
base=${1:?usage: bench/compare-commits.sh BASE [HEAD] [ROUNDS]}
head=${2:-HEAD}
rounds=${3:-3}
out=bench/out/compare
mkdir -p "$out"
python3 bench/make_capture.py "$out/dissect.pcap" 200000 1000 > /dev/null
# The codec dataset: the urpc frames of the reference captures (bench/codec.sh makes it).
[ -f bench/out/urpc_frames.bin ] || bash bench/codec.sh 0.1 > /dev/null 2>&1 || true
for side in base head; do
  rev=$base; [ "$side" = head ] && rev=$head
  dir=$out/$side
  git worktree remove --force "$dir" 2>/dev/null || rm -rf "$dir"
  git worktree add -q --detach "$dir" "$rev"
  (cd "$dir" && for p in codec-bench msgdissect msgfuzz urpc-sim; do swift build -c release --product "$p" 2>&1 | grep -E 'error' || true; done)
done
results=$out/results.txt
: > "$results"
measure() {   # SIDE NAME VALUE
  echo "$1 $2 $3" >> "$results"
}
for r in $(seq "$rounds"); do
  for side in base head; do
    bin=$out/$side/.build/release
    if [ -f bench/out/urpc_frames.bin ]; then
      line=$("$bin/codec-bench" urpc_frames bench/out/urpc_frames.bin 2)
      measure $side codec-decode-msgs/s "$(python3 -c "import json,sys; print(json.loads(sys.argv[1])['decode_msgs_s'])" "$line")"
      measure $side codec-document-msgs/s "$(python3 -c "import json,sys; print(json.loads(sys.argv[1])['document_msgs_s'])" "$line")"
    fi
    t0=$(date +%s.%N); "$bin/msgdissect" "$out/dissect.pcap" > /dev/null; t1=$(date +%s.%N)
    measure $side dissect-msgs/s "$(python3 -c "print(200000/($t1-$t0))")"
    "$bin/msgfuzz" --target codec --seed 1 --max-time 10 --corpus "$out/$side-corpus" --findings "$out/$side-findings" \
      --summary-json "$out/$side-codec.json" > /dev/null 2>&1 || true
    measure $side fuzz-codec-exec/s "$(python3 -c "import json; d=json.load(open('$out/$side-codec.json')); print(d.get('exec_per_s', 0))")"
    "$bin/msgfuzz" --target server --seed 1 --max-time 10 --findings "$out/$side-sfindings" \
      --spawn "$bin/urpc-sim server --listen 127.0.0.1:{port}" --summary-json "$out/$side-server.json" > /dev/null 2>&1 || true
    measure $side fuzz-server-cases/s "$(python3 -c "import json; d=json.load(open('$out/$side-server.json')); print(d.get('exec_per_s', d.get('cases_per_second', 0)))")"
  done
done
python3 - "$results" "$base" "$head" <<'PY'
import sys, collections
rows = collections.defaultdict(lambda: collections.defaultdict(list))
for line in open(sys.argv[1]):
    side, name, value = line.split()
    rows[name][side].append(float(value))
print(f"| measure (best of rounds) | {sys.argv[2][:10]} | {sys.argv[3][:10]} | head/base |")
print("|---|---:|---:|---:|")
for name, d in rows.items():
    b, h = max(d["base"]), max(d["head"])
    print(f"| {name} | {b:,.0f} | {h:,.0f} | {h / b if b else float('nan'):.3f} |")
PY
