#!/usr/bin/env bash
# Re-records the project's own sample captures (captures/sim/): every urpc-sim scenario played
# against urpc-sim over loopback, captured with tcpdump on `lo` (needs root, or CAP_NET_RAW), each
# with the scenario's ground truth JSON beside it. Both ends write piece by piece with Nagle on,
# like the device, so the segmentation resembles the reference captures. The legacy-* scenarios
# run against `--legacy-errors` (legacy-short-read also with `--short-reads`), one trigger of the
# published server's error path each (spec §7).
# Usage: bash scripts/record-captures.sh [SCENARIO…]   (or: make captures; default: all)
#        OUT=DIR bash scripts/record-captures.sh …      (record elsewhere, e.g. to compare)
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
swift build --product urpc-sim 2>&1 | grep -E 'error' || true
sim=$(swift build --show-bin-path)/urpc-sim
out=${OUT:-captures/sim}
mkdir -p "$out"
all=(basic sockets leaky readinto errors stress
     legacy-eof legacy-short-read legacy-64bit legacy-deep legacy-arity legacy-unknown-proxy
     legacy-not-callable legacy-memory)
if [ $# -gt 0 ]; then wanted=("$@"); else wanted=("${all[@]}"); fi
port=7400
for scenario in "${all[@]}"; do
  port=$((port + 1))
  case " ${wanted[*]} " in *" $scenario "*) ;; *) continue ;; esac
  server_opts=(--listen "127.0.0.1:$port" --piecewise)
  client_opts=(--piecewise)
  case "$scenario" in
    errors | legacy-*) server_opts+=(--legacy-errors) ;;
  esac
  [ "$scenario" = legacy-short-read ] && server_opts+=(--short-reads)
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
