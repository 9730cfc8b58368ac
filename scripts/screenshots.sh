#!/usr/bin/env bash
# Screenshots of the main window for docs/: each runs a workload offscreen to its end and grabs
# the window. Usage: scripts/screenshots.sh [build/bin/heaplab]
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
