#!/usr/bin/env bash
# Screenshots of the main window for docs/: each runs a workload offscreen to its end and grabs
# the window; then the heap map and every lesson in step mode. Usage: scripts/screenshots.sh [build/bin/heaplab]
set -eu
cd "$(dirname "$0")/.."
gui=${1:-build/bin/heaplab}
export QT_QPA_PLATFORM=offscreen
mkdir -p docs/screenshots
shot() {
  local name=$1; shift
  "$gui" "$@" --run --screenshot "docs/screenshots/$name.png" --quit 2>/dev/null
  echo "docs/screenshots/$name.png"
}
shot main-sessions workloads/sessions.js --duration=20000
shot lru-cache-old128 workloads/lru-cache.js --max-old-space-size=128 --duration=20000
shot oom workloads/oom-growth.js --max-old-space-size=64
shot large-objects workloads/large-objects.js --duration=10000
shot compare-semi-space workloads/sessions.js --duration=8000 \
  --compare "--max-semi-space-size=1 --no-allocation-site-pretenuring;--max-semi-space-size=64 --no-allocation-site-pretenuring"
# A real node log replayed as a workload (File > New workload from a node log), the log beside.
shot from-node-log --from-log tests/data/node20-listener-leak-semi16.nvp.log --max-semi-space-size=16
# The live heap map after a run (bottom tab), and the heap map alone as SVG.
shot heap-map-lru-cache workloads/lru-cache.js --duration=5000 --show-heap-map
# The V8 trace tab: node's --trace-incremental-marking lines beside the GC lines.
shot v8-trace workloads/large-objects.js --duration=2000 --trace-incremental-marking --show-trace
"$gui" workloads/teaching-small.js --run --export-heap-map docs/screenshots/heap-map-teaching-small.svg \
  --chart-size 1400x600 --quit 2>/dev/null
echo docs/screenshots/heap-map-teaching-small.svg
# Each lesson at a telling stop, in the step-mode window.
lesson() {
  local name=$1 file=$2 stop=$3
  "$gui" --lesson "workloads/lessons/$file" --lesson-stop "$stop" \
    --screenshot "docs/screenshots/lesson-$name.png" --quit 2>/dev/null
  echo "docs/screenshots/lesson-$name.png"
}
lesson 1-semi-spaces 01-semi-spaces.lesson.json 3
lesson 2-promotion 02-promotion.lesson.json 2
lesson 3-tri-colour 03-tri-colour.lesson.json 5
lesson 4-listener-leak 04-listener-leak.lesson.json 3
lesson 5-compaction 05-compaction.lesson.json 3
