#!/usr/bin/env bash
# Regenerates docs/fidelity.md: every shipped workload at semi-spaces 1, 16 and 64 MB, each with
# the default and a small (64 MB) old space, run in real node (the twin) and in HeapLab by
# `heaplab-cli compare --json`, then tabulated against the targets by scripts/fidelity-report.js.
# Node runs paced (its wall clock follows the workload's virtual clock) for the GC figures, and
# once more unpaced for the speed target. About 25 minutes with one node run per row, an hour
# with NODE_RUNS=3 (oom-growth's default old space runs node to its 4 GB limit). Then it fits a
# calibration profile on this machine and re-simulates every row with it, for the pause target
# "after calibration" (about 10 minutes more).
# Usage: scripts/fidelity.sh [build/bin/heaplab-cli] [NODE_RUNS]   (make fidelity)
# To re-render the table from the last run only: node scripts/fidelity-report.js build/fidelity
# FIDELITY_ONLY=<workload> re-runs only that workload's rows (after a change to the twin's side
# of it) and keeps the other rows of FIDELITY_DIR as they are.
set -eu
cd "$(dirname "$0")/.."
cli=${1:-build/bin/heaplab-cli}
runs=${2:-1}
out=${FIDELITY_DIR:-build/fidelity}  # the compare JSON and traces stay here for a closer look
only=${FIDELITY_ONLY:-}
if [ -n "$only" ]; then
  [ -f "workloads/$only.js" ] || { echo "FIDELITY_ONLY: no workloads/$only.js" >&2; exit 2; }
  [ -d "$out" ] || { echo "FIDELITY_ONLY needs the earlier rows in $out" >&2; exit 2; }
else
  rm -rf "$out"
fi
mkdir -p "$out"
export HEAPLAB_CALIBRATION=none  # the shipped default speeds, not a local profile
n=0
for w in workloads/*.js; do
  name=$(basename "$w" .js)
  for semi in 1 16 64; do
    for old in default 64; do
      # 0 is V8's default (from physical memory); explicit, so that a workload's suggested
      # small old space (oom-growth's) does not replace it.
      flags=(--max-semi-space-size="$semi" --max-old-space-size="${old/default/0}")
      n=$((n + 1))
      [ -z "$only" ] || [ "$name" = "$only" ] || continue
      json="$out/$(printf %03d $n)-$name-semi$semi-old$old.json"
      echo "[$n] $name ${flags[*]}" >&2
      # Paced (node's clock follows the virtual clock, as HeapLab's does): every GC figure.
      if ! "$cli" compare "$w" "${flags[@]}" --node-runs "$runs" --json "$json" \
          --out-dir "$out/traces-$n" >"$out/$n.out" 2>"$out/$n.err"; then
        echo "compare failed for $w ${flags[*]}:" >&2
        cat "$out/$n.err" >&2
        exit 1
      fi
      # Unpaced, once: how fast node runs the workload when nothing waits, for the speed target.
      if ! "$cli" compare "$w" "${flags[@]}" --no-pace --node-runs 1 --json "$out/fast-$n.json" \
          --out-dir "$out/fast-traces-$n" >"$out/fast-$n.out" 2>"$out/fast-$n.err"; then
        echo "unpaced compare failed for $w ${flags[*]}:" >&2
        cat "$out/fast-$n.err" >&2
        exit 1
      fi
      node -e '
        const fs = require("fs");
        const j = JSON.parse(fs.readFileSync(process.argv[1], "utf8"));
        j.node.unpaced_wall_s = JSON.parse(fs.readFileSync(process.argv[2], "utf8")).node.wall_s;
        fs.writeFileSync(process.argv[1], JSON.stringify(j));' "$json" "$out/fast-$n.json"
      rm "$out/fast-$n.json"
    done
  done
done
date -u +%F > "$out/generated.txt"  # for scripts/fidelity-resim.sh
# The issue's pause target holds "after calibration": fit a profile on this machine and
# re-simulate every row with it (the node runs above are replayed). If that fails, the report
# goes without it rather than losing the hour of node runs above.
calibrated=
rm -rf "$out/calibrated" "$out/calibration.flags"
echo "calibrating on this machine" >&2
if "$cli" calibrate --node-runs "$runs" --out "$out/calibration.flags" \
    --logs "$out/calibration-logs" >"$out/calibrate.out" 2>&1 &&
  RESIM_CALIBRATION="$out/calibration.flags" RESIM_OUT="$out/calibrated" FIDELITY_DIR="$out" \
    bash scripts/fidelity-resim.sh "$cli" >/dev/null; then
  calibrated="$out/calibrated"
else
  echo "calibration failed (see $out/calibrate.out); the report has no calibrated pauses" >&2
fi
node scripts/fidelity-report.js "$out" "$runs" $calibrated > docs/fidelity.md.tmp
mv docs/fidelity.md.tmp docs/fidelity.md
echo "wrote docs/fidelity.md ($n rows)" >&2
