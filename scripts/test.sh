#!/usr/bin/env bash
# Quick start, part 2: the test suite (the same command CI runs).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
swift build --build-tests 2>&1 | grep -E 'error|warning: unre|Compiling|Build' | tail -n 5 || true
swift test --disable-xctest 2>&1 | tee .test.log | grep -vE '^(\[|Test Case|Test Suite|◇ |✔ Suite|✔ Test [^r])' | tail -n 40
grep -qE '✔ Test run with [0-9]+ tests? .*passed' .test.log
