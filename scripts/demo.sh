#!/usr/bin/env bash
# Quick start, part 1: install what is missing, build, and dissect the shipped sample capture.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
swift build -c release --product msgdissect 2>&1 | grep -v '^warning:' | tail -n 3
bin=$(swift build -c release --show-bin-path)
"$bin/msgdissect" captures/shared/urpc_a_basic_session.pcap --stats
