#!/usr/bin/env bash
# The OSS-Fuzz / ClusterFuzzLite build of msgscope's libFuzzer targets, called by the build.sh of
# .clusterfuzzlite/ and oss-fuzz/ (and locally by scripts/oss-fuzz-local.sh). Uses what the
# base-builder-swift image provides: $SRC, $OUT, $WORK, $SANITIZER, and `precompile_swift`, which
# sets $SWIFTFLAGS for the sanitizer (the local script sets the same flags itself).
# For each target: $OUT/<target>, <target>_seed_corpus.zip (corpus/), <target>.dict (the protocol's
# tokens, libFuzzer -dict format) and <target>.options.
set -euo pipefail
cd "$(dirname "$0")/.."
if [ -z "${SWIFTFLAGS:-}" ] && command -v precompile_swift >/dev/null 2>&1; then
  # shellcheck disable=SC1090
  . "$(command -v precompile_swift)"
fi
: "${SWIFTFLAGS:?SWIFTFLAGS unset: run in the base-builder-swift image or through scripts/oss-fuzz-local.sh}"
CONFIG=${OSS_FUZZ_CONFIG:-debug}
SCRATCH=${OSS_FUZZ_SCRATCH:-$WORK/msgscope-build}
TARGETS="codec-fuzzer dissector-fuzzer"
# -DLIBFUZZER leaves out the harnesses' standalone main (libFuzzer brings its own).
# shellcheck disable=SC2086
for t in $TARGETS; do
  swift build -c "$CONFIG" --scratch-path "$SCRATCH" $SWIFTFLAGS -Xswiftc -DLIBFUZZER --product "$t"
done
BIN=$(swift build -c "$CONFIG" --scratch-path "$SCRATCH" --show-bin-path)
mkdir -p "$OUT"
for t in $TARGETS; do
  cp "$BIN/$t" "$OUT/$t"
  seeds=corpus/${t%-fuzzer}
  rm -f "$OUT/${t}_seed_corpus.zip"
  (cd "$seeds" && zip -q -j "$OUT/${t}_seed_corpus.zip" ./*)
  cp oss-fuzz/urpc.dict "$OUT/$t.dict"
  printf '[libfuzzer]\ndict = %s.dict\nmax_len = 4096\ntimeout = 10\nrss_limit_mb = 2560\n' "$t" > "$OUT/$t.options"
done
echo "built: $TARGETS -> $OUT"
