#!/usr/bin/env bash
# Regenerates the golden CLI outputs after an intended change of the simulator or its format.
set -eu
cd "$(dirname "$0")/../.."
cli=${1:-build/bin/heaplab-cli}
"$cli" run workloads/teaching-small.js --trace-gc > tests/cli/golden/teaching-small.txt 2>&1
"$cli" run workloads/request-churn.js --trace-gc --duration=300 > tests/cli/golden/request-churn.txt 2>&1
echo "golden files updated; review them with git diff"
