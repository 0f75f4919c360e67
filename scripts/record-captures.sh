#!/usr/bin/env bash
# Re-records the project's own sample captures (captures/sim/): every urpc-sim scenario played
# against urpc-sim over loopback, captured with tcpdump on `lo` (needs root, or CAP_NET_RAW), each
# with the scenario's ground truth JSON beside it. Both ends write piece by piece with Nagle on,
# like the device, so the segmentation resembles the reference captures.
# Usage: bash scripts/record-captures.sh   (or: make captures)
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
swift build --product urpc-sim 2>&1 | grep -E 'error' || true
sim=$(swift build --show-bin-path)/urpc-sim
out=captures/sim
mkdir -p "$out"
port=7400
for scenario in basic sockets leaky readinto errors stress; do
  port=$((port + 1))
  server_opts=(--listen "127.0.0.1:$port" --piecewise)
  client_opts=(--piecewise)
  [ "$scenario" = errors ] && server_opts+=(--legacy-errors)
  if [ "$scenario" = stress ]; then
    client_opts+=(--count 200)   # a short stress run, without Nagle (it would take minutes)
  else
    server_opts+=(--nagle)
    client_opts+=(--nagle)
  fi
  tcpdump -i lo -U -w "$out/$scenario.pcap" "tcp port $port" >/dev/null 2>&1 &
  dump=$!
  "$sim" server "${server_opts[@]}" 2>/dev/null &
  server=$!
  sleep 1
  "$sim" client --connect "127.0.0.1:$port" --scenario "$scenario" "${client_opts[@]}" \
    --truth "$out/$scenario.truth.json" --quiet || true
  sleep 1
  kill "$server" 2>/dev/null || true
  wait "$server" 2>/dev/null || true
  sleep 0.5
  kill "$dump" 2>/dev/null || true
  wait "$dump" 2>/dev/null || true
  echo "recorded $out/$scenario.pcap"
done
