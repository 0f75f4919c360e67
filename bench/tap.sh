#!/usr/bin/env bash
# Live tap throughput: the TCP tap relaying a bulk transfer over loopback (target: at least
# 50 MB/s) and the serial tap relaying a pseudo-terminal fed at 100 kB/s each way (1 Mbaud
# worth of bytes) with zero bytes lost.
#
#   bench/tap.sh [SECONDS] [MEGABYTES]     defaults: 60 s of serial, 500 MB over TCP
#   SCRATCH=.build-x bench/tap.sh 10       use another build folder
set -euo pipefail
cd "$(dirname "$0")/.."
SECONDS_SERIAL=${1:-60}
MEGABYTES=${2:-500}
SCRATCH=${SCRATCH:-.build}
swift build -c release --scratch-path "$SCRATCH" --product msgdissect >/dev/null
BIN="$(swift build -c release --scratch-path "$SCRATCH" --show-bin-path)/msgdissect"

echo "== TCP tap: $MEGABYTES MB of 64 KiB msgpack bin32 messages, client → tap → server on 127.0.0.1"
python3 bench/tap_bench.py "$BIN" tcp "$MEGABYTES"
echo
echo "== Serial tap: pty device at 1000000 baud 8N2, 100 kB/s each way for $SECONDS_SERIAL s"
python3 bench/tap_bench.py "$BIN" serial "$SECONDS_SERIAL"
