#!/usr/bin/env bash
# Regenerates the golden outputs of msgdissect on every shipped capture, in every mode.
# Usage: bash Tests/URPCTests/Fixtures/golden/make.sh PATH/TO/msgdissect
# Only regenerate when an output change is intended: GoldenOutputTests requires byte-identical output.
set -euo pipefail
bin=$1
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../../../.." && pwd)
cd "$root"
rm -f "$here"/*.out "$here/status.txt"
while IFS='|' read -r mode args; do
  for cap in $(find captures -name '*.pcap*' | sort); do
    name=$(echo "$cap" | sed -e 's|^captures/||' -e 's|/|_|g')
    rc=0
    # shellcheck disable=SC2086
    "$bin" $args "$cap" > "$here/$name.$mode.out" 2> "$here/stderr.tmp" || rc=$?
    echo "$name $mode $rc $(wc -c < "$here/stderr.tmp")" >> "$here/status.txt"
  done
done <<'MODES'
summary|
verbose|-V
json|--json
stats|--stats
statsquiet|--stats --quiet
leaks|leaks
leaksjson|leaks --format json
MODES
rm -f "$here/stderr.tmp"
