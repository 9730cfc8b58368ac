#!/usr/bin/env bash
# Fails if any tracked C++ file is not formatted by .clang-format, if the simulator core
# (outside its script host) includes a Qt header, or if shellcheck warns about a tracked shell
# script (an apostrophe in a comment inside a single-quoted `node -e` script once ended the
# quote, and the check it held never ran).
set -euo pipefail
cd "$(dirname "$0")/.."
files=$(git ls-files '*.cc' '*.cpp' '*.h' 2>/dev/null || true)
status=0
if [ -n "$files" ]; then
  if ! clang-format --dry-run --Werror $files; then
    echo "check-format: run 'make format' to fix the files above." >&2
    status=1
  fi
fi
if grep -rlE '#include *<Q' sim --include='*.h' --include='*.cc' --include='*.cpp' | grep -v '^sim/script/'; then
  echo "check-format: Qt headers in the simulator core (only sim/script/ may use Qt)." >&2
  status=1
fi
scripts=$(git ls-files '*.sh' .ci/run 2>/dev/null || true)
if [ -n "$scripts" ] && ! shellcheck -S warning $scripts; then
  echo "check-format: shellcheck warns about the shell scripts above." >&2
  status=1
fi
[ $status -eq 0 ] && echo "format and layout checks: 3 passed, 0 failed"
exit $status
