#!/usr/bin/env bash
# Dissection speed and memory, side by side with tshark's MessagePack dissector, in one run.
# Usage: [RUNS=3] bash bench/dissect.sh [MESSAGES (default 1000000)] [TSHARK_FRAMES (default 100000)] [BIG_MESSAGES]
# tshark is slow, so it reads only the first TSHARK_FRAMES frames of the same capture; its rate is
# computed on what it read. `tcpdump -r` is the libpcap read floor. Rates and ratios are taken on
# CPU time (user + system), the best of RUNS runs of each command: on a machine shared with other
# work, wall time says more about the neighbours than about the program; both are printed. With
# BIG_MESSAGES (e.g. 10000000), every msgdissect mode also runs on a capture of that size, for
# peak memory: it must not grow with the capture. Captures go to bench/out/ (not committed).
set -euo pipefail
cd "$(dirname "$0")/.."
source bench/dissect-modes.sh
msgs=${1:-1000000}
tframes=${2:-100000}
big=${3:-}
out=bench/out
mkdir -p "$out"
cap=$out/bench-$msgs.pcap
[ -f "$cap" ] || python3 bench/make_capture.py "$cap" "$msgs" 1000 > "$out/make-$msgs.txt"
cat "$out/make-$msgs.txt"
frames=$(sed -E 's/.* in ([0-9]+) frames.*/\1/' "$out/make-$msgs.txt")
swift build -c release --product msgdissect 2>&1 | grep -E 'error' || true
bin=$(swift build -c release --show-bin-path)/msgdissect
lua=$out/msgpack-port.lua
echo 'DissectorTable.get("tcp.port"):add(7000, Dissector.get("msgpack"))' > "$lua"

# run KEY NAME MESSAGES COMMAND…: records seconds and peak RSS (KiB) of a command, best of
# $runs runs (the least CPU time, with that run's wall time; the largest peak RSS of all): on a
# shared machine one run can lose a fifth of its speed to a neighbour, the best of three rarely.
runs=${RUNS:-3}
declare -A secs wall rss count
order=()
run() {
  local key=$1 name=$2 n=$3 i w u sy m best="" bw="" peak=0; shift 3
  for ((i = 0; i < runs; i++)); do
    /usr/bin/time -f '%e %U %S %M' -o "$out/time.txt" "$@" > /dev/null 2> "$out/stderr.txt" || true
    read -r w u sy m < "$out/time.txt"
    local c; c=$(python3 -c "print(round($u + $sy, 2))")
    if [ -z "$best" ] || python3 -c "import sys; sys.exit(0 if $c < $best else 1)"; then best=$c; bw=$w; fi
    [ "$m" -gt "$peak" ] && peak=$m
  done
  secs[$key]=$best; wall[$key]=$bw; rss[$key]=$peak; count[$key]=$n
  order+=("$key|$name")
}
command -v tcpdump > /dev/null && run floor "tcpdump -r (libpcap read floor)" "$msgs" tcpdump -r "$cap" -w /dev/null
# run_modes PREFIX MESSAGES CAPTURE: every msgdissect mode on one capture (keys PREFIX+mode).
run_modes() {
  local prefix=$1 n=$2 file=$3 mode
  for mode in "${dissect_modes[@]}"; do
    dissect_mode_args "$mode"
    run "$prefix$mode" "$(dissect_mode_title "$mode")" "$n" "$bin" "${mode_args[@]}" "$file"
  done
}
run_modes "" "$msgs" "$cap"
if command -v tshark > /dev/null; then
  tmsgs=$(( msgs * tframes / frames ))
  [ "$tframes" -gt "$frames" ] && tmsgs=$msgs
  run tsummary "tshark (summary, msgpack on port 7000)" "$tmsgs" tshark -X "lua_script:$lua" -r "$cap" -c "$tframes"
  run tverbose "tshark -V (msgpack on port 7000)" "$tmsgs" tshark -X "lua_script:$lua" -r "$cap" -c "$tframes" -V
else
  echo "tshark is not installed: only msgscope is measured"
fi

rate() { python3 -c "print(${count[$1]}/max(${secs[$1]},0.001))"; }
mb() { python3 -c "print(f'{${rss[$1]}/1024:.1f}')"; }
echo
echo "| command | messages | wall s | CPU s | messages per CPU second | peak RSS (MB) |"
echo "|---|---:|---:|---:|---:|---:|"
for e in "${order[@]}"; do
  key=${e%%|*}; name=${e#*|}
  echo "| $name | ${count[$key]} | ${wall[$key]} | ${secs[$key]} | $(python3 -c "print(f'{$(rate "$key"):,.0f}')") | $(mb "$key") |"
done

# ratio LABEL A B TARGET: the rate of A over the rate of B, against the acceptance target.
ratio() {
  [ -n "${secs[$2]:-}" ] && [ -n "${secs[$3]:-}" ] || return 0
  python3 -c "r=$(rate "$2")/$(rate "$3"); print(f'| $1 | {r:.1f}x | ≥ $4x | {\"yes\" if r >= $4 else \"NO\"} |')"
}
echo
echo "| ratio (messages per CPU second) | measured | target | met |"
echo "|---|---:|---:|---|"
ratio "summary / tshark -V" summary tverbose 30
ratio "summary / tshark summary" summary tsummary 10
ratio "--json / tshark -V" json tverbose 15
ratio "--stats --quiet / summary" statsquiet summary 1.5

if [ -n "$big" ]; then
  bigcap=$out/bench-$big.pcap
  [ -f "$bigcap" ] || python3 bench/make_capture.py "$bigcap" "$big" 1000 > "$out/make-$big.txt"
  cat "$out/make-$big.txt"
  order=()
  runs=1   # the big capture is for peak memory: one run of each mode
  run_modes b "$big" "$bigcap"
  echo
  echo "| mode | peak RSS, $msgs messages (MB) | peak RSS, $big messages (MB) | CPU s, $big messages |"
  echo "|---|---:|---:|---:|"
  for k in "${dissect_modes[@]}"; do
    echo "| $k | $(mb "$k") | $(mb "b$k") | ${secs[b$k]} |"
  done
fi
