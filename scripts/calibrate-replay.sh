#!/usr/bin/env bash
# Runs `heaplab-cli calibrate` again against node runs it saved before (the calibration-logs of
# a `make fidelity` run, or of any calibrate with --logs), without running node: a stand-in
# node prints each saved log in the order calibrate asks for them. A model change can so be
# calibrated on the same node runs it is compared with (scripts/fidelity-resim.sh), in about a
# minute. Workloads and run count must be the ones the logs were saved with.
# Usage: scripts/calibrate-replay.sh LOG_DIR OUT.flags [build/bin/heaplab-cli] [calibrate options]
set -eu
[ $# -ge 2 ] || { sed -n 2,7p "$0" >&2; exit 2; }
src=$(cd "$1" && pwd)
out=$2
cli=${3:-build/bin/heaplab-cli}
shift $(($# < 3 ? $# : 3))
[ -f "$src/node-version.txt" ] || { echo "$src: no node-version.txt, not a calibrate log directory" >&2; exit 2; }
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
runs=$(find "$src" -name 'sessions-*.log' | wc -l)
[ "$runs" -gt 0 ] || { echo "$src: no sessions-N.log" >&2; exit 2; }
# calibrate's default workloads, in its order.
order="sessions lru-cache listener-leak request-churn large-objects oom-growth"
cat >"$work/node" <<SHIM
#!/bin/sh
case "\$1" in --version) cat "$src/node-version.txt"; exit 0;; esac
k=\$(cat "$work/counter" 2>/dev/null || echo 0); k=\$((k + 1)); echo \$k >"$work/counter"
set -- $order
w=\$(( (k - 1) / $runs + 1 )); r=\$(( (k - 1) % $runs + 1 ))
eval name=\\\${\$w}
cat "$src/\$name-\$r.log"; cat "$src/\$name-\$r.stderr" >&2
grep -q "FATAL ERROR" "$src/\$name-\$r.stderr" "$src/\$name-\$r.log" && exit 134
exit 0
SHIM
chmod +x "$work/node"
"$cli" calibrate --node "$work/node" --node-runs "$runs" --out "$out" --logs "$work/logs" "$@"
