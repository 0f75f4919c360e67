#!/usr/bin/env bash
# Runs the OSS-Fuzz build (oss-fuzz/build.sh) locally, without Docker, with the environment the
# base-builder image sets ($SRC, $OUT, $WORK, $SANITIZER, $CFLAGS/$CXXFLAGS, and $SWIFTFLAGS as its
# `precompile_swift` sets them), then runs every target it produced for FUZZ_SECONDS (default 10)
# from its seed corpus, with its dictionary and options, as OSS-Fuzz's run_fuzzer does. Exit 1 when
# a target finds something or a file is missing.
#   scripts/oss-fuzz-local.sh [OUT_DIR]
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
export SRC=$(dirname "$ROOT") MSGSCOPE_DIR=$(basename "$ROOT")
export OUT=${1:-$ROOT/.build-ossfuzz/out}
export WORK=$ROOT/.build-ossfuzz/work
export SANITIZER=${SANITIZER:-address}
export FUZZING_ENGINE=libfuzzer ARCHITECTURE=x86_64 FUZZING_LANGUAGE=swift
export LIB_FUZZING_ENGINE=-fsanitize=fuzzer
SAN_FLAGS="-fsanitize=address -fsanitize-address-use-after-scope"
export CFLAGS="-O1 -fno-omit-frame-pointer -gline-tables-only $SAN_FLAGS -fsanitize=fuzzer-no-link"
export CXXFLAGS="$CFLAGS"
# What precompile_swift exports (the static stdlib flags are left out: the toolchain here links
# dynamically; the sanitizer flags are the same).
export SWIFTFLAGS="-Xswiftc -parse-as-library -Xswiftc -sanitize=fuzzer,$SANITIZER"
export OSS_FUZZ_SCRATCH=$WORK/build
mkdir -p "$OUT" "$WORK"
start=$(date +%s)
bash oss-fuzz/build.sh
echo "build: $(( $(date +%s) - start )) s"
SECONDS_EACH=${FUZZ_SECONDS:-10}
status=0
for t in codec-fuzzer dissector-fuzzer; do
  for f in "$t" "${t}_seed_corpus.zip" "$t.dict" "$t.options"; do
    [ -s "$OUT/$f" ] || { echo "missing: \$OUT/$f" >&2; status=1; }
  done
  corpus=$WORK/corpus-$t
  rm -rf "$corpus" && mkdir -p "$corpus"
  unzip -q "$OUT/${t}_seed_corpus.zip" -d "$corpus"
  # The options file's [libfuzzer] section as flags.
  flags=$(sed -n '/^\[libfuzzer\]/,/^\[/{/=/p}' "$OUT/$t.options" | sed 's/ *= */=/; s/^/-/; s|^-dict=|-dict='"$OUT"'/|')
  echo "== $t: ${SECONDS_EACH} s from $(ls "$corpus" | wc -l) seeds"
  # shellcheck disable=SC2086
  if ! SWIFT_BACKTRACE=enable=no "$OUT/$t" $flags -max_total_time="$SECONDS_EACH" -print_final_stats=1 \
      -artifact_prefix="$WORK/$t-" "$corpus" > "$WORK/$t.log" 2>&1; then
    echo "$t: finding (see $WORK/$t.log)" >&2
    tail -n 30 "$WORK/$t.log" >&2
    status=1
  else
    grep -E '^stat::number_of_executed_units|Done [0-9]+ runs' "$WORK/$t.log" | tail -n 2
  fi
done
exit $status
