#!/usr/bin/env bash
# Re-runs only HeapLab's side of the last `make fidelity` (build/fidelity), against the node
# traces saved there, and prints the targets-met table: a quick check of a model change
# without running node again (about 2 minutes instead of 25–60). The node side, wall
# time included, is the saved one. The result goes to build/fidelity-resim, or RESIM_OUT (its
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
shim="$out/replay-node.sh"
# Stands in for node: prints the saved trace and stderr, and fails as node did on OOM.
cat >"$shim" <<'SHIM'
#!/bin/sh
cat "$REPLAY_DIR/node-1.log"
cat "$REPLAY_DIR/node-1.stderr" >&2
grep -q "FATAL ERROR" "$REPLAY_DIR/node-1.stderr" "$REPLAY_DIR/node-1.log" && exit 134
exit 0
SHIM
chmod +x "$shim"
for json in "$src"/[0-9]*.json; do
  base=$(basename "$json" .json)
  n=$((10#${base%%-*}))
  rest=${base#*-}
  old=${rest##*-old}
  rest=${rest%-old*}
  semi=${rest##*-semi}
  name=${rest%-semi*}
  REPLAY_DIR="$src/traces-$n" "$cli" compare "workloads/$name.js" --max-semi-space-size="$semi" \
    --max-old-space-size="${old/default/0}" --node "$shim" --node-runs 1 --json "$out/$base.json" \
    --out-dir "$out/traces-$n" >"$out/$n.out" 2>"$out/$n.err"
done
# The saved node side (its wall time above all) replaces the replay's.
node -e '
const fs = require("fs");
for (const f of fs.readdirSync(process.argv[2]).filter((f) => /^\d+-.*\.json$/.test(f))) {
  const a = JSON.parse(fs.readFileSync(process.argv[2] + "/" + f, "utf8"));
  const b = JSON.parse(fs.readFileSync(process.argv[1] + "/" + f, "utf8"));
  b.node = a.node;
  fs.writeFileSync(process.argv[1] + "/" + f, JSON.stringify(b));
}' "$out" "$src"
# The report says whose node runs these are (the date fidelity.sh wrote).
cat "$src/generated.txt" > "$out/node-runs-from.txt" 2>/dev/null || echo "an unknown date" > "$out/node-runs-from.txt"
node scripts/fidelity-report.js "$out" 1 >"$out/fidelity.md"
sed -n '/^## Targets met/,/^## Every/p' "$out/fidelity.md" | grep '^|'
