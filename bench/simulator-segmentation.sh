#!/usr/bin/env bash
# Records the `basic` and `readinto` scenarios on the loopback interface with the device-like writes
# (`--piecewise --nagle` on both ends) and compares its TCP segmentation with the reference
# captures A and D (../shared/captures/): direction and payload size of every
# data segment. Needs tcpdump (with capture rights on lo) and tshark.
set -euo pipefail
cd "$(dirname "$0")/.."
for tool in tcpdump tshark; do
  command -v "$tool" >/dev/null || { echo "skipped: $tool is not installed"; exit 0; }
done
SCRATCH=.build-sim
swift build --scratch-path "$SCRATCH" --product urpc-sim >/dev/null
BIN="$SCRATCH/debug/urpc-sim"
OUT=$(mktemp -d)
trap 'rm -rf "$OUT"' EXIT
segments() { # direction (C/S by server port) and payload length of each data segment
  tshark -r "$1" -T fields -e tcp.srcport -e tcp.len 2>/dev/null |
    awk -v sp="$2" '$2 > 0 { print ($1 == sp ? "S" : "C"), $2 }'
}
printf '%-10s %-32s %9s %9s %9s %9s\n' "scenario" "reference capture" "ref segs" "sim segs" "1-byte" "equal"
for pair in basic:urpc_a_basic_session.pcap readinto:urpc_d_readinto_console.pcap; do
  scenario=${pair%%:*}
  ref=../shared/captures/${pair#*:}
  PORT=$((20000 + RANDOM % 20000))
  tcpdump -U -i lo -w "$OUT/sim.pcap" "tcp port $PORT" 2>"$OUT/tcpdump.err" &
  TCPDUMP=$!
  sleep 1
  if ! kill -0 $TCPDUMP 2>/dev/null; then echo "skipped: tcpdump cannot capture on lo ($(cat "$OUT/tcpdump.err"))"; exit 0; fi
  "$BIN" server --listen "127.0.0.1:$PORT" --piecewise --nagle >/dev/null &
  SERVER=$!
  sleep 0.5
  "$BIN" client --connect "127.0.0.1:$PORT" --scenario "$scenario" --piecewise --nagle --quiet >/dev/null
  sleep 1
  kill $SERVER; sleep 0.5; kill $TCPDUMP; wait $TCPDUMP 2>/dev/null || true
  segments "$ref" 7000 >"$OUT/ref.txt"
  segments "$OUT/sim.pcap" "$PORT" >"$OUT/sim.txt"
  same=$(paste -d' ' "$OUT/ref.txt" "$OUT/sim.txt" | awk 'NF == 4 && $1 == $3 && $2 == $4' | wc -l)
  printf '%-10s %-32s %9s %9s %9s %9s\n' "$scenario" "${pair#*:}" "$(wc -l <"$OUT/ref.txt")" "$(wc -l <"$OUT/sim.txt")" \
    "$(awk '$2 == 1' "$OUT/sim.txt" | wc -l)" "$same"
done
