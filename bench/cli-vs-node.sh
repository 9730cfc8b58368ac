#!/usr/bin/env bash
# Simulated bytes per wall-clock second of `heaplab-cli run` against real node allocating the
# same 2 GiB of short-lived 64-byte objects. Prints both rates and their ratio (target >= 1).
set -eu
cd "$(dirname "$0")/.."
cli=${1:-build/bin/heaplab-cli}
command -v node >/dev/null || { echo "node is not on PATH"; exit 1; }
bytes=$((8192 * 4096 * 64))
best_node=999999; best_sim=999999
for rep in 1 2 3; do
  t0=$(date +%s.%N); node --trace-gc bench/node/churn-2gb.js > /tmp/heaplab-node-trace.txt; t1=$(date +%s.%N)
  tn=$(echo "$t1 - $t0" | bc -l)
  t0=$(date +%s.%N); "$cli" run bench/workloads/churn-2gb.js --trace-gc --no-summary > /tmp/heaplab-sim-trace.txt; t1=$(date +%s.%N)
  ts=$(echo "$t1 - $t0" | bc -l)
  best_node=$(echo "if ($tn < $best_node) $tn else $best_node" | bc -l)
  best_sim=$(echo "if ($ts < $best_sim) $ts else $best_sim" | bc -l)
  echo "run $rep: node ${tn}s ($(grep -c Scavenge /tmp/heaplab-node-trace.txt) scavenges), heaplab ${ts}s ($(grep -c Scavenge /tmp/heaplab-sim-trace.txt) scavenges)"
done
node_rate=$(echo "$bytes / $best_node / 1048576" | bc -l)
sim_rate=$(echo "$bytes / $best_sim / 1048576" | bc -l)
printf "node:    %.0f MB/s (best of 3, whole process)\nheaplab: %.0f MB/s simulated (best of 3, whole process)\nratio heaplab/node: %.2f\n" \
  "$node_rate" "$sim_rate" "$(echo "$sim_rate / $node_rate" | bc -l)"
