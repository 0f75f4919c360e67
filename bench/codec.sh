#!/usr/bin/env bash
# Codec throughput side by side with msgspec and msgpack-python, in one run.
# Usage: bash bench/codec.sh [SECONDS per measurement, default 2]
set -euo pipefail
cd "$(dirname "$0")/.."
secs=${1:-2}
out=bench/out
mkdir -p "$out"
if [ ! -x bench/.venv/bin/python ]; then
  python3 -m venv bench/.venv
  bench/.venv/bin/pip install -q msgspec msgpack
fi
py=bench/.venv/bin/python
$py bench/codec_peers.py make "$out"
swift build -c release --product codec-bench >/dev/null
bin=$(swift build -c release --show-bin-path)/codec-bench
: > "$out/codec.jsonl"
rounds=${ROUNDS:-3}
for r in $(seq "$rounds"); do
  for ds in urpc_frames mixed_docs; do
    "$bin" "$ds" "$out/$ds.bin" "$secs" >> "$out/codec.jsonl"
    $py bench/codec_peers.py run "$ds" "$out/$ds.bin" "$secs" >> "$out/codec.jsonl"
  done
done
echo "Codec throughput (one core; best of $rounds alternating rounds of ${secs}s per figure):"
$py bench/codec_peers.py table "$out/codec.jsonl"
