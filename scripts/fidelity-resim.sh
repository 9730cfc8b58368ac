#!/usr/bin/env bash
# Re-runs only HeapLab's side of the last `make fidelity` (build/fidelity), against the node
# traces saved there, and prints the targets-met table: a quick check of a model change
# without running node again (about 3 minutes instead of 60). The saved node runs are replayed
# through compare, so a change to compare's handling of node's runs shows too; node's wall
# times are the saved ones. The result goes to build/fidelity-resim, or RESIM_OUT (its
# fidelity.md says whose node runs it replayed); docs/fidelity.md is not touched.
# Usage: scripts/fidelity-resim.sh [build/bin/heaplab-cli]
set -eu
cd "$(dirname "$0")/.."
cli=${1:-build/bin/heaplab-cli}
src=${FIDELITY_DIR:-build/fidelity}
out=${RESIM_OUT:-build/fidelity-resim}  # another directory lets two trials run side by side
[ -d "$src" ] || { echo "no $src: run make fidelity first" >&2; exit 2; }
rm -rf "$out"
mkdir -p "$out"
export HEAPLAB_CALIBRATION=${RESIM_CALIBRATION:-none}  # a profile to try, or the shipped speeds
shim="$PWD/scripts/replay-node.sh"  # prints the saved runs in turn, as node printed them
for json in "$src"/[0-9]*.json; do
  base=$(basename "$json" .json)
  n=$((10#${base%%-*}))
  rest=${base#*-}
  old=${rest##*-old}
  rest=${rest%-old*}
  semi=${rest##*-semi}
  name=${rest%-semi*}
  # Every saved node run is replayed, so compare's medians and its choice of the run whose
  # series stand for all are made again.
  runs=$(ls "$src/traces-$n"/node-*.log | wc -l)
  rm -f "$out/counter"
  for ((i = 1; i <= runs; i++)); do echo "$src/traces-$n/node-$i"; done >"$out/runs"
  REPLAY_LIST="$out/runs" REPLAY_COUNTER="$out/counter" "$cli" compare "workloads/$name.js" \
    --max-semi-space-size="$semi" --max-old-space-size="${old/default/0}" --node "$shim" \
    --node-runs "$runs" --json "$out/$base.json" \
    --out-dir "$out/traces-$n" >"$out/$n.out" 2>"$out/$n.err"
done
# A profile tried here goes with the result, so that the report can show it.
[ "$HEAPLAB_CALIBRATION" = none ] || cp "$HEAPLAB_CALIBRATION" "$out/calibration.flags"
# The saved node runs' wall times replace the replay's.
node -e '
const fs = require("fs");
for (const f of fs.readdirSync(process.argv[2]).filter((f) => /^\d+-.*\.json$/.test(f))) {
  const a = JSON.parse(fs.readFileSync(process.argv[2] + "/" + f, "utf8"));
  const b = JSON.parse(fs.readFileSync(process.argv[1] + "/" + f, "utf8"));
  for (const k of ["wall_s", "unpaced_wall_s"]) if (k in a.node) b.node[k] = a.node[k];
  fs.writeFileSync(process.argv[1] + "/" + f, JSON.stringify(b));
}' "$out" "$src"
# The report says whose node runs these are (the date fidelity.sh wrote).
cat "$src/generated.txt" > "$out/node-runs-from.txt" 2>/dev/null || echo "an unknown date" > "$out/node-runs-from.txt"
# As many node runs per row as the replayed regeneration saved (the report's header says so).
saved_runs=$(ls "$src"/traces-1/node-*.log 2>/dev/null | wc -l)
# A regeneration that fitted a profile on its machine is re-simulated with that profile too, so
# that the report keeps its pauses after calibration.
calibrated=
if [ -z "${RESIM_CALIBRATION:-}" ] && [ -f "$src/calibration.flags" ]; then
  RESIM_CALIBRATION="$src/calibration.flags" RESIM_OUT="$out/calibrated" FIDELITY_DIR="$src" \
    bash scripts/fidelity-resim.sh "$cli" >/dev/null
  calibrated="$out/calibrated"
fi
node scripts/fidelity-report.js "$out" "${saved_runs:-1}" $calibrated >"$out/fidelity.md"
sed -n '/^## Targets met/,/^## Every/p' "$out/fidelity.md" | grep '^|'
