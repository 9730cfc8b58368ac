#!/usr/bin/env bash
# A/B of heaplab-bench between a git revision and the working tree: builds both (Release,
# simulator only) and runs them alternately, reporting each benchmark's best and median
# throughput over the rounds. Best-of is the figure to compare on a noisy machine.
# Usage: bench/ab.sh BASE_REV [ROUNDS] [FILTER]
set -eu
cd "$(dirname "$0")/.."
base_rev=$1; rounds=${2:-6}; filter=${3:-AllocateDieYoung|MarkLiveGraph}
work=$(mktemp -d); trap 'git worktree remove --force "$work/src" >/dev/null 2>&1; rm -rf "$work"' EXIT
git worktree add -f -q "$work/src" "$base_rev"
build() {  # build SRC DIR
  cmake -S "$1" -B "$2" -G Ninja -DCMAKE_BUILD_TYPE=Release -DHEAPLAB_SIM_ONLY=ON -DHEAPLAB_BENCH=ON >/dev/null
  cmake --build "$2" --target heaplab-bench >/dev/null
}
build "$work/src" "$work/base"
build . "$work/cur"
for ((r = 0; r < rounds; r++)); do
  for side in base cur; do
    "$work/$side/bin/heaplab-bench" --benchmark_filter="$filter" --benchmark_format=csv 2>/dev/null |
      awk -F, -v side=$side 'NR == 1 { for (i = 1; i <= NF; i++) if ($i ~ /objects_per_second/) col = i; next }
                             col && $col != "" { print side "," $1 "," $col }' \
      >>"$work/results.csv" || true
  done
done
awk -F, '{ key = $2; gsub(/"/, "", key); v[$1 "|" key] = v[$1 "|" key] " " $3 }
  END { for (k in v) print k v[k] }' "$work/results.csv" | sort | while read -r key values; do
  best=$(tr ' ' '\n' <<<"$values" | grep -v '^$' | sort -g | tail -1)
  median=$(tr ' ' '\n' <<<"$values" | grep -v '^$' | sort -g | awk '{ a[NR] = $1 } END { print a[int((NR + 1) / 2)] }')
  printf '%-50s best %10.3e  median %10.3e  (%s rounds)\n' "$key" "$best" "$median" "$rounds"
done
