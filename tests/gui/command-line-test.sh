#!/usr/bin/env bash
# heaplab's command line: help without a display, and every bad option or flag refused with an
# error that names it (exit 2) before any window opens.
# Usage: command-line-test.sh HEAPLAB
set -u
heaplab=$1
fail=0
# --help needs no display (no DISPLAY, no offscreen platform) and lists options and heap flags.
out=$(env -u DISPLAY -u WAYLAND_DISPLAY -u QT_QPA_PLATFORM "$heaplab" --help 2>&1)
rc=$?
if [ $rc -ne 0 ]; then echo "FAIL: --help exited $rc without a display: $out"; fail=1; fi
for want in "--export-charts DIR" "--chart-size WxH" "--lesson FILE.lesson.json" \
            "--max-semi-space-size MB" "--max-old-space-size MB" "--trace-gc"; do
  grep -qF -- "$want" <<<"$out" || { echo "FAIL: --help does not list '$want'"; fail=1; }
done
# Each bad line: the arguments, then the text the error must contain.
check() {
  local want=$1; shift
  local err rc
  err=$(QT_QPA_PLATFORM=offscreen "$heaplab" "$@" --quit 2>&1 >/dev/null)
  rc=$?
  if [ $rc -ne 2 ]; then echo "FAIL: heaplab $* exited $rc (want 2): $err"; fail=1; return; fi
  grep -qF -- "$want" <<<"$err" || { echo "FAIL: heaplab $*: error '$err' lacks '$want'"; fail=1; }
}
check "'--duration'" --duration abc
check "--duration" --duration=-5
check "--seed" --seed -1
check "--chart-size" --chart-size 12
check "--chart-size" --chart-size 800x
check "--max-semi-space-size" --max-semi-space-size=3x
check "--max-old-space-size" --max_old_space_size 99999
check "'--bogus'" --bogus
check "--step needs --lesson" --step 3
check "--lesson-stop" --lesson x.lesson.json --lesson-stop 0
check "one workload at a time" a.js b.js
check "--compare" --compare ";"
check "--calibration" --calibration
exit $fail
