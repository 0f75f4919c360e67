#!/usr/bin/env bash
# Builds a libFuzzer harness (a SwiftPM product, fuzz/) the way OSS-Fuzz builds Swift projects and
# runs it for a given time.
#   scripts/fuzz-libfuzzer.sh TARGET SECONDS [extra libFuzzer flags]
# TARGET: codec        decoder + stream decoder, with the MessagePack-aware custom mutator
#         codec-plain  the same harness with libFuzzer's own mutators only (CODEC_FUZZER_PLAIN=1)
#         dissector    the URPC dissector fed raw bytes in both directions
# Build: swift build -c debug -Xswiftc -sanitize=fuzzer,address -Xswiftc -parse-as-library
#        -Xswiftc -DLIBFUZZER --product <TARGET>-fuzzer, in its own scratch path (.build-fuzz, or
#        .build-fuzz-noasan with ASAN=0), so the normal build is untouched. -DLIBFUZZER leaves out
#        the harness's standalone main (libFuzzer brings its own).
# Corpus: a working copy of corpus/codec (corpus/dissector) in fuzz/bin/work/<TARGET>/corpus;
# crashes in fuzz/bin/work/<TARGET>/. Needs swiftc with the fuzzer runtime (-sanitize=fuzzer).
# CONFIG=release builds with -O instead (bench/fuzz-bench.sh compares exec/s that way).
set -euo pipefail
cd "$(dirname "$0")/.."
TARGET=${1:?usage: scripts/fuzz-libfuzzer.sh codec|codec-plain|dissector SECONDS [libFuzzer flags]}
SECONDS_TO_RUN=${2:?usage: scripts/fuzz-libfuzzer.sh TARGET SECONDS}
shift 2
case "$TARGET" in
  codec) PRODUCT=codec-fuzzer; SEEDS=corpus/codec ;;
  codec-plain) PRODUCT=codec-fuzzer; SEEDS=corpus/codec; export CODEC_FUZZER_PLAIN=1 ;;
  dissector) PRODUCT=dissector-fuzzer; SEEDS=corpus/dissector ;;
  *) echo "unknown target '$TARGET' (codec, codec-plain, dissector)" >&2; exit 2 ;;
esac
SAN=fuzzer,address
SCRATCH=.build-fuzz
if [ "${ASAN:-1}" = 0 ]; then SAN=fuzzer; SCRATCH=.build-fuzz-noasan; fi
CONFIG=${CONFIG:-debug}
swift build -c "$CONFIG" --scratch-path "$SCRATCH" -Xswiftc -sanitize=$SAN -Xswiftc -parse-as-library \
  -Xswiftc -DLIBFUZZER --product "$PRODUCT" >&2
BIN=$(swift build -c "$CONFIG" --scratch-path "$SCRATCH" --show-bin-path)/$PRODUCT
WORK=fuzz/bin/work/$TARGET
mkdir -p "$WORK/corpus"
cp -n "$SEEDS"/* "$WORK/corpus/" 2>/dev/null || true
export SWIFT_BACKTRACE=enable=no
exec "$BIN" "$WORK/corpus" -max_total_time="$SECONDS_TO_RUN" -artifact_prefix="$WORK/" -print_final_stats=1 "$@"
