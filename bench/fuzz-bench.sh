#!/usr/bin/env bash
# Fuzzer throughput and coverage, one core each, run one after the other:
#   bench/fuzz-bench.sh [SECONDS]   (default 60)
# 1. msgfuzz --target codec (release build) from the shipped corpus;
# 2. the libFuzzer harness with the MessagePack-aware custom mutator (scripts/fuzz-libfuzzer.sh codec);
# 3. the same harness with libFuzzer's own mutators only (codec-plain).
# All three without AddressSanitizer so exec/s compare. Coverage is measured the same way for all:
# the edge coverage (libFuzzer "cov") the plain harness reaches when it only replays each corpus.
# Time to coverage: the seconds each libFuzzer run took to first reach the plain run's final coverage.
set -euo pipefail
cd "$(dirname "$0")/.."
T=${1:-60}
OUT=bench/out/fuzz
rm -rf "$OUT"; mkdir -p "$OUT"
export SWIFT_BACKTRACE=enable=no

SCRATCH=${SCRATCH:-.build-bench}
swift build -c release --scratch-path "$SCRATCH" --product msgfuzz >/dev/null
MSGFUZZ=$SCRATCH/release/msgfuzz
# Build both harnesses (a zero-second run only builds and replays the seeds).
CONFIG=release ASAN=0 scripts/fuzz-libfuzzer.sh codec 1 -runs=0 >/dev/null 2>&1
HARNESS=$(swift build -c release --scratch-path .build-fuzz-noasan --show-bin-path)/codec-fuzzer
harness() { if [ "$1" = codec-plain ]; then CODEC_FUZZER_PLAIN=1 "$HARNESS" "${@:2}"; else "$HARNESS" "${@:2}"; fi; }

mkdir -p "$OUT/msgfuzz-corpus" "$OUT/codec" "$OUT/codec-plain"
cp corpus/codec/* "$OUT/msgfuzz-corpus/"
"$MSGFUZZ" --target codec --corpus "$OUT/msgfuzz-corpus" --findings "$OUT/msgfuzz-findings" --max-time "$T" \
  --summary-json "$OUT/msgfuzz.json" 2>"$OUT/msgfuzz.log" || true

for t in codec codec-plain; do
  cp corpus/codec/* "$OUT/$t/"
  harness $t "$OUT/$t" -max_total_time="$T" -artifact_prefix="$OUT/$t-" -print_final_stats=1 >"$OUT/$t.log" 2>&1 || true
done

cov_of() {  # edge coverage of a corpus directory, replayed by the plain harness
  harness codec-plain "$1" -runs=0 2>&1 | sed -n 's/.*INITED cov: \([0-9]*\).*/\1/p' | tail -1
}
final_cov() { grep -E '^#[0-9]+' "$1" | sed -n 's/.*cov: \([0-9]*\).*/\1/p' | tail -1; }
rate() { sed -n 's/^stat::average_exec_per_sec: *//p' "$1"; }
execs() { sed -n 's/^stat::number_of_executed_units: *//p' "$1"; }
# seconds until the log first shows cov >= $2: libFuzzer prints the exec number, time = n / rate
time_to() {
  local log=$1 goal=$2 r; r=$(rate "$log")
  awk -v g="$goal" -v r="$r" '/^#[0-9]+/ { n=substr($1,2); for(i=1;i<=NF;i++) if($i=="cov:") c=$(i+1); if (c+0>=g+0) { printf "%.1f", n/r; found=1; exit } } END { if(!found) print "not reached" }' "$log"
}

M_EXECS=$(python3 -c "import json;print(json.load(open('$OUT/msgfuzz.json'))['execs'])")
M_RATE=$(python3 -c "import json;print(int(json.load(open('$OUT/msgfuzz.json'))['exec_per_s']))")
M_FIND=$(python3 -c "import json;print(len(json.load(open('$OUT/msgfuzz.json'))['findings']))")
GOAL=$(final_cov "$OUT/codec-plain.log")
printf '%-34s %12s %10s %12s %14s %20s\n' "engine ($T s, 1 core)" execs "exec/s" "corpus" "edge cov" "time to cov $GOAL"
printf '%-34s %12s %10s %12s %14s %20s\n' "msgfuzz --target codec" "$M_EXECS" "$M_RATE" "$(ls "$OUT/msgfuzz-corpus" | wc -l)" "$(cov_of "$OUT/msgfuzz-corpus")" "-"
for t in codec codec-plain; do
  name="libFuzzer + custom mutator"; [ $t = codec-plain ] && name="libFuzzer, own mutators only"
  printf '%-34s %12s %10s %12s %14s %20s\n' "$name" "$(execs "$OUT/$t.log")" "$(rate "$OUT/$t.log")" "$(ls "$OUT/$t" | wc -l)" "$(cov_of "$OUT/$t")" "$(time_to "$OUT/$t.log" "$GOAL")"
done
echo "msgfuzz findings: $M_FIND (see $OUT/msgfuzz-findings)"
