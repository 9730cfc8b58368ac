#!/bin/sh
# Stands in for node when saved node runs are replayed (scripts/fidelity-resim.sh and
# scripts/calibrate-replay.sh). Each call prints the next saved run as node printed it (the
# line of REPLAY_LIST after the REPLAY_COUNTER-th: a path without its .log / .stderr) and fails
# as node did on an out-of-memory; `--version` prints the file REPLAY_VERSION names.
case "${1:-}" in --version) cat "${REPLAY_VERSION:?}"; exit 0 ;; esac
k=$(cat "$REPLAY_COUNTER" 2>/dev/null || echo 0)
k=$((k + 1))
echo "$k" >"$REPLAY_COUNTER"
run=$(sed -n "${k}p" "$REPLAY_LIST")
[ -n "$run" ] || { echo "replay-node: no saved run $k in $REPLAY_LIST" >&2; exit 2; }
cat "$run.log"
cat "$run.stderr" >&2
grep -q "FATAL ERROR" "$run.stderr" "$run.log" && exit 134
exit 0
