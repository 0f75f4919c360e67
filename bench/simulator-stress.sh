#!/usr/bin/env bash
# Calls per second the simulated urpc V1 server sustains over loopback TCP, one request in flight
# (the protocol's strict lock-step), measured with `urpc-sim client --scenario stress`.
# Usage: bench/simulator-stress.sh [COUNT] (default 100000). Builds a release urpc-sim first.
set -euo pipefail
cd "$(dirname "$0")/.."
COUNT="${1:-100000}"
SCRATCH=.build-sim
swift build -c release --scratch-path "$SCRATCH" --product urpc-sim >/dev/null
BIN="$SCRATCH/release/urpc-sim"
PORT=$((20000 + RANDOM % 20000))
"$BIN" server --listen "127.0.0.1:$PORT" >/dev/null &
SERVER=$!
trap 'kill $SERVER 2>/dev/null || true' EXIT
sleep 0.5
printf '%-34s %10s %12s\n' "client writes" "calls" "calls/s"
for mode in whole piecewise; do
  flags=(--quiet)
  n=$COUNT
  if [ "$mode" = piecewise ]; then flags+=(--piecewise); n=$((COUNT / 5)); fi
  line=$("$BIN" client --connect "127.0.0.1:$PORT" --scenario stress --count "$n" "${flags[@]}" | grep 'calls/s')
  rate=$(echo "$line" | sed -E 's/.*: ([0-9]+) calls\/s/\1/')
  label="whole messages"
  [ "$mode" = piecewise ] && label="piecewise (header, payload)"
  printf '%-34s %10s %12s\n' "$label" "$n" "$rate"
done
