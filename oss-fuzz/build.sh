#!/bin/bash -eu
# OSS-Fuzz build of msgscope: the project builds its own targets (scripts/oss-fuzz-build.sh).
cd "$SRC/${MSGSCOPE_DIR:-msgscope}"
bash scripts/oss-fuzz-build.sh
