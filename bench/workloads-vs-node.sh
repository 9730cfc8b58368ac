#!/usr/bin/env bash
# Wall time of every shipped workload in HeapLab against real node running the same script
# through the twin, unpaced (`heaplab-cli compare --no-pace`: nothing waits on either side).
# Prints, per workload, the best of ROUNDS for each side and HeapLab's time as a share of
# node's (the fidelity target is <= 1.00). oom-growth runs with a 64 MB old space, where node
# reaches its limit in about a second instead of a minute.
# Usage: bench/workloads-vs-node.sh [build/bin/heaplab-cli] [ROUNDS] [--max-semi-space-size=N ...]
set -eu
cd "$(dirname "$0")/.."
cli=${1:-build/bin/heaplab-cli}
rounds=${2:-3}
shift $(($# > 2 ? 2 : $#))
command -v node >/dev/null || { echo "node is not on PATH"; exit 1; }
export HEAPLAB_CALIBRATION=none
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
printf "%-15s %9s %9s %7s\n" workload "node s" "heaplab s" ratio
for w in workloads/*.js; do
  name=$(basename "$w" .js)
  flags=("$@")
  [ "$name" = oom-growth ] && flags+=(--max-old-space-size=64)
  for ((r = 0; r < rounds; r++)); do
    "$cli" compare "$w" "${flags[@]}" --no-pace --node-runs 1 --json "$tmp/$name-$r.json" \
      --out-dir "$tmp/traces" >/dev/null 2>&1 || { echo "$name: compare failed"; exit 1; }
  done
  node -e '
    const fs = require("fs");
    const runs = process.argv.slice(2).map((f) => JSON.parse(fs.readFileSync(f, "utf8")));
    const best = (side) => Math.min(...runs.map((j) => j[side].wall_s));
    const n = best("node"), h = best("heaplab");
    console.log(process.argv[1].padEnd(15) + n.toFixed(2).padStart(9) + h.toFixed(2).padStart(10) +
                (h / n).toFixed(2).padStart(8));' "$name" "$tmp/$name"-*.json
done
