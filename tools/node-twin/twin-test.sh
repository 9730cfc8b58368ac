#!/usr/bin/env bash
# Every shipped workload runs unchanged in real node through the twin, under --trace-gc, and
# the twin draws the same random numbers as HeapLab. Skips (passes) when node is absent.
set -u
cd "$(dirname "$0")/../.."
if ! command -v node >/dev/null; then echo "node is not on PATH: skipped"; echo "1 passed, 0 failed"; exit 0; fi
fail() { echo "FAIL: $*"; exit 1; }
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
for w in workloads/*.js; do
  node --trace-gc --max-old-space-size=64 tools/node-twin/twin.js "$w" --duration=2000 >"$tmp/out" 2>&1; rc=$?
  if [ "$(basename "$w")" = oom-growth.js ]; then
    [ $rc -eq 134 ] || fail "$w: exit $rc, expected 134"
    grep -q "FATAL ERROR: .* Allocation failed - JavaScript heap out of memory" "$tmp/out" || fail "$w: no fatal message"
  else
    [ $rc -eq 0 ] || { tail -5 "$tmp/out"; fail "$w: exit $rc"; }
  fi
  echo "ok: $w (exit $rc, $(grep -cE 'ms: (Scavenge|Mark-Compact)' "$tmp/out") GCs)"
done
# The same seeded randomness: the twin's first uniforms equal HeapLab's (mt19937_64, seed 1).
cat > "$tmp/rng.js" <<'JS'
workload({});
let s = "";
for (let i = 0; i < 5; i++) s += sim.random().toFixed(15) + " ";
console.log(s);
JS
node tools/node-twin/twin.js "$tmp/rng.js" > "$tmp/twin-rng" 2>&1 || fail "twin rng run"
"$1" run "$tmp/rng.js" --no-summary > /dev/null 2> "$tmp/sim-rng" || fail "heaplab rng run"
diff <(tr -s ' \n' ' ' < "$tmp/twin-rng") <(tr -s ' \n' ' ' < "$tmp/sim-rng") || fail "the twin's random numbers differ from HeapLab's"
echo "ok: same random numbers: $(cat "$tmp/twin-rng")"
echo "1 passed, 0 failed"
