#!/usr/bin/env bash
# Runs `heaplab-cli calibrate` again against node runs it saved before (the calibration-logs of
# a `make fidelity` run, or of any calibrate with --logs), without running node: the stand-in
# scripts/replay-node.sh prints each saved log in the order calibrate asks for them, for the
# workloads and duration calibrate recorded beside them (workloads.txt, duration-ms.txt). A
# model change can so be calibrated on the same node runs it is compared with
# (scripts/fidelity-resim.sh), in about a minute.
# Usage: scripts/calibrate-replay.sh LOG_DIR OUT.flags [build/bin/heaplab-cli] [calibrate options]
set -eu
[ $# -ge 2 ] || { sed -n 2,8p "$0" >&2; exit 2; }
root=$(cd "$(dirname "$0")/.." && pwd)
src=$(cd "$1" && pwd)
out=$2
cli=${3:-$root/build/bin/heaplab-cli}
shift $(($# < 3 ? $# : 3))
[ -f "$src/node-version.txt" ] || { echo "$src: no node-version.txt, not a calibrate log directory" >&2; exit 2; }
# The workloads calibrate saved logs for, in the order given to it again, and its duration:
# from the files it writes beside the logs (before 2026-12-05 it wrote none: the default six
# workloads and 4000 ms). A --duration among the options wins.
if [ -f "$src/workloads.txt" ]; then
  mapfile -t paths <"$src/workloads.txt"
else
  paths=()
  for w in sessions lru-cache listener-leak request-churn large-objects oom-growth; do
    paths+=("$root/workloads/$w.js")
  done
fi
first=$(basename "${paths[0]}" .js)
runs=$(find "$src" -name "$first-*.log" | wc -l)
[ "$runs" -gt 0 ] || { echo "$src: no $first-N.log" >&2; exit 2; }
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
duration=()
case " $* " in
  *" --duration"*) ;;
  *) [ -f "$src/duration-ms.txt" ] && duration=(--duration "$(cat "$src/duration-ms.txt")") ;;
esac
list=
for p in "${paths[@]}"; do
  w=$(basename "$p" .js)
  for ((r = 1; r <= runs; r++)); do echo "$src/$w-$r"; done
  list="$list${list:+,}$p"
done >"$work/runs"
REPLAY_LIST="$work/runs" REPLAY_COUNTER="$work/counter" REPLAY_VERSION="$src/node-version.txt" \
  "$cli" calibrate --node "$root/scripts/replay-node.sh" --node-runs "$runs" --workloads "$list" \
  --out "$out" --logs "$work/logs" "${duration[@]}" "$@"
