#!/usr/bin/env bash
# Builds the libFuzzer targets with clang and runs each for a bounded time (default 60 s).
# Usage: scripts/fuzz.sh [SECONDS]
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${1:-60}
cmake -S . -B build-fuzz -G Ninja -DHEAPLAB_FUZZ=ON -DCMAKE_BUILD_TYPE=RelWithDebInfo \
  -DCMAKE_CXX_COMPILER=clang++ >/dev/null
cmake --build build-fuzz --target trace_parser_fuzz
mkdir -p build-fuzz/corpus
cp tests/fuzz/corpus/* build-fuzz/corpus/
build-fuzz/bin/trace_parser_fuzz -max_total_time="$seconds" -max_len=4096 -print_final_stats=1 \
  build-fuzz/corpus 2>&1 | tail -5
echo "fuzz: trace_parser_fuzz ran ${seconds}s without a crash"
