#!/usr/bin/env bash
# Dissection speed and memory, side by side with tshark's MessagePack dissector, in one run.
# Usage: bash bench/dissect.sh [MESSAGES (default 1000000)] [TSHARK_FRAMES (default 200000)]
# tshark -V is slow, so it reads only the first TSHARK_FRAMES frames of the same capture; its rate
# is computed on what it read. `cat FILE > /dev/null` is the I/O floor.
set -euo pipefail
cd "$(dirname "$0")/.."
msgs=${1:-1000000}
tframes=${2:-200000}
out=bench/out
mkdir -p "$out"
cap=$out/large.pcap
python3 bench/make_capture.py "$cap" "$msgs" 1000 > "$out/make.txt"
cat "$out/make.txt"
frames=$(sed -E 's/.* in ([0-9]+) frames.*/\1/' "$out/make.txt")
swift build -c release --product msgdissect 2>&1 | grep -E 'error' || true
bin=$(swift build -c release --show-bin-path)/msgdissect
lua=$out/msgpack-port.lua
echo 'DissectorTable.get("tcp.port"):add(7000, Dissector.get("msgpack"))' > "$lua"

# run NAME MESSAGES COMMAND…: prints seconds and peak RSS (KiB) of one command.
results=()
run() {
  local name=$1 n=$2; shift 2
  /usr/bin/time -f '%e %M' -o "$out/time.txt" "$@" > /dev/null 2> "$out/stderr.txt" || true
  read -r secs rss < "$out/time.txt"
  results+=("$name|$n|$secs|$rss")
}
run "cat (I/O floor)" "$msgs" cat "$cap"
run "msgdissect (summary)" "$msgs" "$bin" "$cap"
run "msgdissect --json" "$msgs" "$bin" --json "$cap"
if command -v tshark >/dev/null; then
  tmsgs=$(( msgs * tframes / frames ))
  [ "$tframes" -gt "$frames" ] && tmsgs=$msgs
  run "tshark -V (msgpack on port 7000)" "$tmsgs" tshark -X "lua_script:$lua" -r "$cap" -c "$tframes" -V
  run "tshark -T json (msgpack on port 7000)" "$tmsgs" tshark -X "lua_script:$lua" -r "$cap" -c "$tframes" -T json
else
  echo "tshark is not installed: only msgscope is measured"
fi

ours=""
echo
echo "| command | messages | seconds | messages/s | peak RSS (MB) | msgdissect summary / this |"
echo "|---|---:|---:|---:|---:|---:|"
for r in "${results[@]}"; do
  IFS='|' read -r name n secs rss <<< "$r"
  rate=$(python3 -c "print(f'{$n/max($secs,0.001):,.0f}')")
  raw=$(python3 -c "print($n/max($secs,0.001))")
  [ "$name" = "msgdissect (summary)" ] && ours=$raw
  ratio=""
  if [ -n "$ours" ] && [ "$name" != "msgdissect (summary)" ] && [[ "$name" != cat* ]]; then
    ratio=$(python3 -c "print(f'{$ours/$raw:.1f}x')")
  fi
  echo "| $name | $n | $secs | $rate | $(python3 -c "print(f'{$rss/1024:.1f}')") | $ratio |"
done
