#!/usr/bin/env bash
# Builds and runs the libFuzzer harness of the codec for a given time.
#   scripts/fuzz-libfuzzer.sh TARGET SECONDS [extra libFuzzer flags]
# TARGET: codec        decoder + stream decoder, with the MessagePack-aware custom mutator
#         codec-plain  the same harness with libFuzzer's own mutators only
# Corpus: a working copy of corpus/codec in fuzz/bin/work/<TARGET>/corpus; crashes in fuzz/bin/work/<TARGET>/.
# Needs swiftc with the fuzzer runtime (-sanitize=fuzzer); add ASAN=0 to build without AddressSanitizer.
set -euo pipefail
cd "$(dirname "$0")/.."
TARGET=${1:?usage: scripts/fuzz-libfuzzer.sh codec|codec-plain SECONDS [libFuzzer flags]}
SECONDS_TO_RUN=${2:?usage: scripts/fuzz-libfuzzer.sh TARGET SECONDS}
shift 2
case "$TARGET" in
  codec) DEFINES=(-D CUSTOM_MUTATOR) ;;
  codec-plain) DEFINES=() ;;
  *) echo "unknown target '$TARGET' (codec, codec-plain; a dissector target comes with the URPC layer)" >&2; exit 2 ;;
esac
SAN=fuzzer,address
if [ "${ASAN:-1}" = 0 ]; then SAN=fuzzer; fi
BIN=fuzz/bin/$TARGET
if [ "$SAN" = fuzzer ]; then BIN=$BIN-noasan; fi
WORK=fuzz/bin/work/$TARGET
mkdir -p fuzz/bin "$WORK/corpus" fuzz/bin/src-$TARGET
# The mutators come from Sources/Fuzzing; everything is compiled as one module, so their
# `import MessagePack` lines are dropped in a build copy.
SRC=fuzz/bin/src-$TARGET
for f in Random Mutator ByteMutators StructureMutators MutationDictionary; do
  sed '/^import MessagePack$/d' "Sources/Fuzzing/$f.swift" > "$SRC/$f.swift"
done
EXTRA=()
if [ "$TARGET" = codec ]; then EXTRA=("$SRC"/*.swift); fi
if [ ! -x "$BIN" ] || [ -n "$(find fuzz/CodecFuzzer.swift Sources/MessagePack Sources/Fuzzing -newer "$BIN" -name '*.swift' | head -1)" ]; then
  echo "building $BIN (-sanitize=$SAN)" >&2
  swiftc -sanitize=$SAN -parse-as-library -O -module-name CodecFuzzer "${DEFINES[@]}" \
    fuzz/CodecFuzzer.swift Sources/MessagePack/*.swift "${EXTRA[@]}" -o "$BIN"
fi
cp -n corpus/codec/* "$WORK/corpus/" 2>/dev/null || true
export SWIFT_BACKTRACE=enable=no
exec "$BIN" "$WORK/corpus" -max_total_time="$SECONDS_TO_RUN" -artifact_prefix="$WORK/" -print_final_stats=1 "$@"
