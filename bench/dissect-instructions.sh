#!/usr/bin/env bash
# Instructions per message of each msgdissect mode on a 20,000-message capture, counted by
# valgrind's callgrind: repeatable whatever else the machine is doing, so a change to the dissect
# path can be judged on a busy machine. `bench/dissect.sh` gives the rates and the tshark ratios;
# this gives where a change moved the work. Lower is better.
# Usage: bash bench/dissect-instructions.sh [MODE …]   (modes: summary json verbose statsquiet stats leaks; default all)
set -euo pipefail
cd "$(dirname "$0")/.."
source bench/dissect-modes.sh
out=bench/out
mkdir -p "$out"
cap=$out/instr-20000.pcap
[ -f "$cap" ] || python3 bench/make_capture.py "$cap" 20000 200 > /dev/null
swift build -c release --product msgdissect 2>&1 | grep -E 'error' || true
bin=$(swift build -c release --show-bin-path)/msgdissect
modes=("$@")
[ ${#modes[@]} -gt 0 ] || modes=("${dissect_modes[@]}")
printf '| mode | instructions per message |\n|---|---:|\n'
for mode in "${modes[@]}"; do
  dissect_mode_args "$mode" || exit 2
  f=$out/cg.dissect.$mode
  valgrind --tool=callgrind --callgrind-out-file="$f" "$bin" "${mode_args[@]}" "$cap" > /dev/null 2>&1 || true
  total=$(grep -E '^(summary|totals):' "$f" | head -1 | awk '{print $2}')
  printf '| %s | %s |\n' "$mode" "$(python3 -c "print(f'{$total/20000:,.0f}')")"
done
