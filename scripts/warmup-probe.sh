#!/usr/bin/env bash
# Measures, in real node through the twin and in HeapLab, the young bytes per request of small
# paced probes: an empty handler (the event loop's turn, --callback-bytes and --callback-warmup)
# and handlers that add one kind of call (the twin's own warm-up, --script-warmup). Each probe
# runs a request every 1 ms (every 5 ms for the waited-for turns) with a 16 MB new space and a
# forced scavenge every 50 requests; node's `allocated=` of each scavenge over 50 is the bytes
# per request of that window. The output lists, per probe, the windows where the value changes
# ("request:bytes"), node's line above HeapLab's. This is how the tables in sim/event-loop.cc
# and sim/twin-warmup.cc were measured; run it again after a change to the twin or to node.
# Usage: scripts/warmup-probe.sh [build/bin/heaplab-cli] [probe ...]
# Probes: empty, timer, draws, normal, values, random, randomint, constsize.
set -eu
cd "$(dirname "$0")/.."
cli=${1:-build/bin/heaplab-cli}
shift || true
probes=${*:-empty timer draws normal values random randomint constsize}
command -v node >/dev/null || { echo "warmup-probe: node is not on PATH" >&2; exit 2; }
[ -x "$cli" ] || { echo "warmup-probe: no $cli (build first)" >&2; exit 2; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# probe NAME RATE BODY: writes $tmp/NAME.js, a paced handler doing BODY.
probe() {
  cat >"$tmp/$1.js" <<JS
workload({ description: "warm-up probe $1", flags: [], durationMs: ${4:-6000} });
let n = 0;
sim.requests({ rate: $2, handler: () => {
  if (n++ % 50 === 0) heap.gc("young");
  $3
}});
JS
}
many() { echo "heap.allocMany({ count: 8, size: $1, slots: 1, shape: \"list\", site: \"m\" });"; }
probe empty 1000 ";" 9000
probe timer 200 ";" 40000
probe draws 1000 "$(many '{ min: 128, max: 384 }')"
probe normal 1000 "$(many '{ mean: 256, sd: 40 }')"
probe values 1000 "$(many '{ values: [128, 256, 384] }')"
probe constsize 1000 "$(many 256)"
probe random 1000 "for (let i = 0; i < 8; i++) sim.random();"
probe randomint 1000 "for (let i = 0; i < 8; i++) sim.randomInt(0, 100);"

# Bytes per request of each window, printed where they change (request index:bytes).
windows() {
  node -e '
    let text = ""; process.stdin.on("data", (d) => (text += d)).on("end", () => {
      const v = [...text.matchAll(/gc=s .*? allocated=(\d+)/g)].map((m) => Number(m[1]) / 50);
      let last = -1, out = [];
      v.slice(1).forEach((b, i) => { const r = Math.round(b); if (r !== last) out.push(`${i * 50}:${r}`); last = r; });
      console.log(out.join(" "));
    });'
}
flags="--min-semi-space-size=16 --max-semi-space-size=16"
for p in $probes; do
  [ -f "$tmp/$p.js" ] || { echo "warmup-probe: unknown probe $p" >&2; exit 2; }
  echo "== $p"
  # shellcheck disable=SC2086
  echo "node:     $(node $flags --expose-gc --trace-gc-nvp tools/node-twin/twin.js "$tmp/$p.js" --seed=1 --pace 2>&1 | windows)"
  # shellcheck disable=SC2086
  echo "heaplab:  $(HEAPLAB_CALIBRATION=none "$cli" run "$tmp/$p.js" $flags --trace-gc-nvp --no-summary 2>&1 | windows)"
done
