#!/usr/bin/env bash
# CLI tests for heaplab-cli: golden traces, determinism, shipped workloads and error paths.
# Usage: cli-test.sh CLI SOURCE_DIR TEST_NAME
set -u
cli=$1; src=$2; name=$3
cd "$src" || exit 1
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
fail() { echo "FAIL: $*"; exit 1; }

# expect_error EXIT_CODE PATTERN -- ARGS...: runs the CLI, checks exit code and stderr.
expect_error() {
  local code=$1 pattern=$2; shift 3
  "$cli" "$@" >"$tmp/out" 2>"$tmp/err"; local rc=$?
  [ "$rc" -eq "$code" ] || { cat "$tmp/err"; fail "exit $rc, expected $code for: $*"; }
  grep -qE -- "$pattern" "$tmp/err" || { cat "$tmp/err"; fail "stderr does not match '$pattern' for: $*"; }
  echo "ok: $* -> $(head -c 200 "$tmp/err" | head -1)"
}

case "$name" in
golden)
  for w in teaching-small request-churn; do
    args=(run "workloads/$w.js" --trace-gc)
    [ "$w" = request-churn ] && args+=(--duration=300)
    "$cli" "${args[@]}" >"$tmp/$w.txt" 2>&1 || fail "$w exited $?"
    diff -u "tests/cli/golden/$w.txt" "$tmp/$w.txt" || fail "$w differs from its golden file (update with tests/cli/update-golden.sh if intended)"
    echo "ok: golden $w"
  done ;;
deterministic)
  for w in workloads/*.js; do
    "$cli" run "$w" --trace-gc --trace-gc-nvp --duration=2000 --no-summary >"$tmp/a" 2>&1
    "$cli" run "$w" --trace-gc --trace-gc-nvp --duration=2000 --no-summary >"$tmp/b" 2>&1
    cmp -s "$tmp/a" "$tmp/b" || fail "$w: two runs differ"
    echo "ok: $w deterministic ($(grep -c 'ms: ' "$tmp/a") lines)"
  done ;;
shipped)
  for w in workloads/*.js; do
    "$cli" run "$w" --trace-gc --verify-heap >"$tmp/out" 2>"$tmp/err"; rc=$?
    if [ "$(basename "$w")" = oom-growth.js ]; then
      [ $rc -eq 134 ] || fail "$w: exit $rc, expected 134"
    else
      [ $rc -eq 0 ] || { cat "$tmp/err"; fail "$w: exit $rc"; }
    fi
    grep -q "ms: Scavenge" "$tmp/out" || fail "$w: no scavenge traced"
    echo "ok: $w (exit $rc, $(grep -c 'ms: ' "$tmp/out") GCs)"
  done ;;
oom)
  "$cli" run workloads/oom-growth.js --max-old-space-size=64 >"$tmp/out" 2>"$tmp/err"; rc=$?
  [ $rc -eq 134 ] || fail "exit $rc, expected 134"
  # Node 20 ends this leak so at 64 MB of old space (back-to-back mark-compacts) ...
  grep -qx "FATAL ERROR: Ineffective mark-compacts near heap limit Allocation failed - JavaScript heap out of memory" "$tmp/err" || { cat "$tmp/err"; fail "not V8's fatal message at 64 MB"; }
  grep -q "<--- Last few GCs --->" "$tmp/err" || fail "no last GCs"
  grep -q "out of memory after" "$tmp/out" || fail "summary lacks the OOM"
  # ... and so at 256 MB with a 1 MB semi-space: from-space, given back by the "(reduce)"
  # mark-compacts and committed again by the next GC, takes the heap over its limit.
  "$cli" run workloads/oom-growth.js --max-old-space-size=256 --max-semi-space-size=1 >"$tmp/out2" 2>"$tmp/err2"; rc=$?
  [ $rc -eq 134 ] || fail "256 MB: exit $rc, expected 134"
  grep -qx "FATAL ERROR: Reached heap limit Allocation failed - JavaScript heap out of memory" "$tmp/err2" || { cat "$tmp/err2"; fail "not V8's fatal message at 256 MB"; }
  echo "ok: OOM exit 134: $(grep FATAL "$tmp/err") / $(grep FATAL "$tmp/err2")" ;;
exports)
  "$cli" run workloads/teaching-small.js --events "$tmp/e.csv" --samples "$tmp/s.json" --no-summary >/dev/null 2>&1 || fail "run failed"
  head -1 "$tmp/e.csv" | grep -q "^seq,collector,reason" || fail "events CSV header"
  [ "$(wc -l < "$tmp/e.csv")" -ge 4 ] || fail "events CSV rows"
  grep -q '"time_ms"' "$tmp/s.json" || fail "samples JSON"
  "$cli" run workloads/teaching-small.js --events "$tmp/e.json" --samples "$tmp/s.csv" --no-summary >/dev/null 2>&1 || fail "run failed"
  grep -q '"collector": "scavenge"' "$tmp/e.json" || fail "events JSON"
  head -1 "$tmp/s.csv" | grep -q "^time_ms,new_used_bytes" || fail "samples CSV header"
  expect_error 2 "/nonexistent/dir/e.csv: no such folder /nonexistent/dir" -- run workloads/teaching-small.js --events /nonexistent/dir/e.csv
  # A folder that exists but cannot be written: the write says so (after the run).
  mkdir -p "$tmp/ro" && chmod 555 "$tmp/ro"
  if [ "$(id -u)" -ne 0 ]; then
    expect_error 2 "cannot write $tmp/ro/e.csv" -- run workloads/teaching-small.js --events "$tmp/ro/e.csv"
  fi
  echo "ok: exports" ;;
sweep)
  "$cli" sweep workloads/request-churn.js --max-semi-space-size 1,4,16 --duration=500 --csv "$tmp/sweep.csv" >"$tmp/out" 2>"$tmp/err" || fail "sweep exited $?"
  [ "$(grep -c '^\[' "$tmp/err")" -eq 3 ] || { cat "$tmp/err"; fail "progress lines"; }
  grep -q "best for p99:" "$tmp/out" || fail "no best"
  [ "$(wc -l < "$tmp/sweep.csv")" -eq 4 ] || fail "csv rows"
  echo "ok: sweep"; cat "$tmp/out" ;;
errors)
  expect_error 1 "^tests/cli/bad/syntax-error.js:3:[0-9]+: SyntaxError" -- run tests/cli/bad/syntax-error.js
  expect_error 1 "^tests/cli/bad/uncaught.js:3:[0-9]+: Error: boom in handler" -- run tests/cli/bad/uncaught.js
  expect_error 1 "^tests/cli/bad/negative-size.js:3:18: heap.alloc: size must be" -- run tests/cli/bad/negative-size.js
  expect_error 1 "^tests/cli/bad/unknown-object.js:3:[0-9]+: TypeError: slot value must be a heap object" -- run tests/cli/bad/unknown-object.js
  expect_error 1 "^tests/cli/bad/double-release.js:4:8: heap.release: global handle [0-9]+ was already disposed" -- run tests/cli/bad/double-release.js
  expect_error 1 "^tests/cli/bad/no-progress.js:4:[0-9]+: no simulated progress for 1 s" -- run tests/cli/bad/no-progress.js --watchdog=1
  expect_error 1 "^tests/cli/bad/dead-local.js:5:[0-9]+: .*local handle [0-9]+ is not alive" -- run tests/cli/bad/dead-local.js
  # A callback that never returns: the line that scheduled it (the stack the prelude passes).
  expect_error 1 "^tests/cli/bad/callback-loop.js:3:[0-9]+: no simulated progress for 1 s" -- run tests/cli/bad/callback-loop.js --watchdog=1
  # A loop that calls the API without progress ends at that call, by an exception, not an interrupt.
  expect_error 1 "^tests/cli/bad/random-loop.js:4:[0-9]+: no simulated progress for 1 s" -- run tests/cli/bad/random-loop.js --watchdog=1
  # allocMany's spec is read by the prelude; its errors stay the native ones, at the call.
  expect_error 1 "^tests/cli/bad/bad-spec.js:3:16: heap.allocMany: allocMany takes an object" -- run tests/cli/bad/bad-spec.js
  expect_error 1 "^tests/cli/bad/bad-range.js:3:8: heap.allocMany: size needs 0 <= min <= max" -- run tests/cli/bad/bad-range.js
  expect_error 2 "tests/cli/bad/bad-suggested-flag.js: workload\(\{flags\}\): invalid value '4096' for --max-semi-space-size: expected a number from 0 to 1024" -- run tests/cli/bad/bad-suggested-flag.js
  expect_error 1 "^tests/cli/bad/strict-mode.js:4:[0-9]+: ReferenceError: undeclared is not defined" -- run tests/cli/bad/strict-mode.js
  expect_error 2 "invalid value '-1' for --max-semi-space-size: expected a number from 0 to 1024 \(MB\)" -- run workloads/teaching-small.js --max-semi-space-size=-1
  expect_error 2 "invalid value 'lots' for --max-old-space-size" -- run workloads/teaching-small.js --max_old_space_size lots
  expect_error 2 "unrecognised option '--no-such-flag" -- run workloads/teaching-small.js --no-such-flag=3
  expect_error 2 "one of node20 \| legacy" -- run workloads/teaching-small.js --profile=node99
  expect_error 1 "^missing.js: cannot read workload" -- run missing.js
  expect_error 2 "missing WORKLOAD.js" -- run
  expect_error 2 "unknown command 'frobnicate'" -- frobnicate
  # Option values are checked before anything runs: no wrapped "-1", no run lost to a bad file.
  expect_error 2 "--seed: '-1' is not a whole number" -- run workloads/teaching-small.js --seed -1
  expect_error 2 "--duration: must be 0 or more" -- run workloads/teaching-small.js --duration=-5
  expect_error 2 "--from: '-3' is not a whole number" -- steps workloads/teaching-small.js --from -3
  expect_error 2 "--events: $tmp/x.txt: name it .csv or .json" -- run workloads/oom-growth.js --events "$tmp/x.txt"
  expect_error 2 "--samples: $tmp/no/x.csv: no such folder" -- run workloads/oom-growth.js --samples "$tmp/no/x.csv"
  expect_error 2 "--csv: $tmp/s.json: name it .csv" -- sweep workloads/teaching-small.js --max-semi-space-size 1,2 --csv "$tmp/s.json"
  [ ! -e "$tmp/x.txt" ] || fail "--events wrote a file it refused"
  "$cli" --help | grep -q "New space flags" || fail "--help lacks flag groups"
  "$cli" run --help | grep -q -- "--max-semi-space-size" || fail "run --help lacks flags"
  echo "ok: errors" ;;
script)
  # What node allocates for the script itself: its literal arguments (--script-objects) and
  # each callback's event-loop turn (--callback-bytes at once, --timer-callback-bytes after a
  # wait, plus --callback-warmup for the first 7000).
  cat >"$tmp/lit.js" <<'JS'
workload({});
const a0 = heap.stats().allocated;
// The first plain object of a site and field count also compiles the twin's literal factory:
// 650 + 68 F young garbage, 300 + 28 F young kept, 634 old kept, 1200 old garbage and 587 code
// bytes, each rounded up to 8; here F = 5 for "x" and for "y"; once per pair.
heap.alloc(64, { slots: 1, site: "x" });                                // {slots, site}: 40 B
heap.alloc(64, { slots: 1, site: "x" });                                // 40 B, no factory
heap.allocMany({ count: 2, size: { min: 64, max: 64 }, site: "y" });   // 48 B + {min, max} 40 B
// 56 B + {values} 32 B + [1, 2] (a 32-byte JSArray and 32 bytes of elements)
heap.allocMany({ count: 1, size: 64, kind: "string", lifetime: { values: [1, 2] } });
// A new arrow per heap.scope call is a 56-byte closure; passing the same function again is not.
for (let i = 0; i < 3; i++) heap.scope(() => 0);
const same = () => 0;
for (let i = 0; i < 3; i++) heap.scope(same);                          // 56 B, then none
// An object passed again (hoisted) was allocated once: node allocates 39 bytes per call less
// for heap.alloc(64, OPTS) than for a literal in the call, and 78 less for a hoisted spec.
const OPTS = { slots: 1, site: "x" };
for (let i = 0; i < 3; i++) heap.alloc(64, OPTS);                      // 40 B, then none
const SIZE = { min: 64, max: 64 };
for (let i = 0; i < 3; i++) heap.allocMany({ count: 1, size: SIZE, site: "y" });  // 48 B + 40 B once
sim.random();                                                          // 64 B while warm
sim.randomInt(1, 6);                                                   // 82 B while warm
sim.log("script", heap.stats().allocated - a0);
sim.requests({ rate: 1000, count: 100, handler: () => {} });
sim.after(500, () => sim.log("callbacks", heap.stats().allocated - a0));
JS
  "$cli" run "$tmp/lit.js" --no-summary 2>"$tmp/with" >/dev/null || fail "script run"
  "$cli" run "$tmp/lit.js" --no-summary --no-script-warmup 2>"$tmp/cold" >/dev/null || fail "run without the twin's warm-up"
  "$cli" run "$tmp/lit.js" --no-summary --no-script-objects --callback-bytes=0 --timer-callback-bytes=0 2>"$tmp/without" >/dev/null || fail "bare run"
  node -e '
    const fs = require("fs");
    const num = (f, k) => Number(fs.readFileSync(f, "utf8").match(new RegExp(k + " (\\d+)"))[1]);
    const [w, cold, wo] = [process.argv[1], process.argv[2], process.argv[3]];
    const r8 = (n) => Math.ceil(n / 8) * 8, F = 5;
    // Two literal factories of F fields (different sites), and the map of F fields once.
    const factory = r8(650 + 68 * F) + r8(300 + 28 * F) + r8(634) + r8(586 + 16 * F) + r8(587);
    // The script objects of a call and the warm-up garbage of the twin (--script-warmup: 33 per alloc
    // call, 147 per allocMany call, 138 per draw from a distribution, 64 per sim.random and 82
    // per randomInt while the code is cold) are one allocation, rounded up to 8 bytes.
    const calls = (warm) => r8(40 + warm * 33) + r8(40 + warm * 33) +
        r8(88 + warm * (147 + 2 * 138)) + r8(152 + warm * (147 + 138)) +
        r8(40 + warm * 33) + 2 * r8(warm * 33) +
        r8(88 + warm * (147 + 138)) + 2 * r8(48 + warm * (147 + 138)) + warm * (64 + r8(82));
    for (const [file, warm] of [[w, 1], [cold, 0]]) {
      const lit = num(file, "script") - num(wo, "script");
      const expected = calls(warm) + 2 * factory + r8(400 + 72 * F) + 4 * 56;
      if (lit !== expected) throw new Error("script objects (warm-up " + warm + "): " + lit + " bytes, expected " + expected);
    }
    const cb = (num(w, "callbacks") - num(w, "script")) - (num(wo, "callbacks") - num(wo, "script"));
    // 100 requests 1 ms apart run at once, the first 500 callbacks 1199 bytes over 395; the
    // after(500) callback is the 101st, reached after a 400 ms wait: 860 + 1840. The garbage of
    // a turn is one allocation, rounded up to 8 bytes.
    const expected_cb = 100 * r8(395 + 1199) + r8(860 + 1840);
    if (cb !== expected_cb) throw new Error("callback bytes: " + cb + ", expected " + expected_cb);
  ' "$tmp/with" "$tmp/cold" "$tmp/without" || fail "script model"
  echo "ok: script objects, the twin's warm-up and callback bytes"
  # --twin-loop-waits: callbacks 1.2 ms apart are waited for in Atomics.wait, so the marking
  # task gets a step per turn of the loop (8-11 over the 8-9 ms marking takes at these
  # speeds, as small changes to the heap move its end); with every gap idle it steps back to
  # back. The speeds are fixed here so that the shipped ones can be refitted.
  cat >"$tmp/waits.js" <<'JS'
workload({ durationMs: 400 });
heap.global(heap.allocMany({ count: 100000, size: 64, slots: 2, shape: "tree", site: "keep", old: true }));
heap.gc("incremental");
sim.every(1.2, () => { heap.alloc(32, { site: "tick" }); });
JS
  steps() { "$cli" run "$tmp/waits.js" --trace-gc-nvp --no-summary --marking-speed=6.2e5 \
    --concurrent-marking-speed=2e6 "$@" 2>&1 |
    sed -n 's/.*gc=mc.*incremental_steps_count=\([0-9]*\).*/\1/p'; }
  paced=$(steps); idle=$(steps --no-twin-loop-waits)
  [ -n "$paced" ] && [ "$paced" -le 12 ] && [ "$idle" -ge 20 ] ||
    fail "marking steps: $paced with the twin's waits (about one per callback, at most 12), $idle idle (20 or more)"
  echo "ok: the twin's waits between callbacks"
  # A closure is at least a 64-byte function and a context of 32 + 8 per slot (the twin's).
  cat >"$tmp/closure.js" <<'JS'
workload({});
const a0 = heap.stats().allocated;
heap.alloc(64, { slots: 2, kind: "closure" });
sim.log("closure", heap.stats().allocated - a0);
const a1 = heap.stats().allocated;
heap.alloc(200, { slots: 2, kind: "closure" });
sim.log("big", heap.stats().allocated - a1);
JS
  "$cli" run "$tmp/closure.js" --no-summary --no-script-objects 2>"$tmp/closure" >/dev/null || fail "closure run"
  grep -q "^closure 112$" "$tmp/closure" && grep -q "^big 200$" "$tmp/closure" ||
    { cat "$tmp/closure"; fail "closure sizes"; }
  echo "ok: closure sizes"
  # V8's other tracing, with node's prefixes: pretenuring decisions and the memory reducer.
  "$cli" run workloads/sessions.js --max-semi-space-size=16 --duration=9000 --no-summary \
    --trace-pretenuring-statistics --trace-gc-verbose --trace-mutator-utilization >"$tmp/trace" 2>&1 ||
    fail "trace run"
  grep -qE '^\[4242:0x5a5a000\] pretenuring: AllocationSite\(session/[0-9]+\): \(created, found, ratio\) \([0-9]+, [0-9]+, [0-9.]+\) [a-z\x27 ]+ => [a-z\x27 ]+$' "$tmp/trace" ||
    fail "no --trace-pretenuring-statistics line"
  grep -qE '^\[4242:0x5a5a000\] +[0-9]+ ms: Memory reducer: (low|high) alloc, foreground$' "$tmp/trace" ||
    fail "no memory reducer line"
  grep -qE '^\[4242:0x5a5a000\] +[0-9]+ ms: Young generation mutator utilization = [0-9.]+ \(mutator_speed=[0-9]+, gc_speed=[0-9]+\)$' "$tmp/trace" ||
    fail "no mutator utilization line"
  echo "ok: pretenuring, memory reducer and mutator utilization traces" ;;
compare)
  expect_error 2 "node was not found at /nonexistent/node" -- compare workloads/request-churn.js --node /nonexistent/node
  # The node side's series come from a run with the median mark-compact count: a stand-in node
  # prints 2, 3 and 1 mark-compacts in its three runs, so the run to show is the first, not the
  # second (the middle one by order).
  cat >"$tmp/fake-node" <<FAKE
#!/bin/sh
n=\$(cat "$tmp/fake-runs" 2>/dev/null || echo 0); n=\$((n + 1)); echo \$n >"$tmp/fake-runs"
mc() { echo "[1:0x1]  \$1 ms: Mark-Compact \$2 (12.0) -> \$3 (12.0) MB, 2.00 / 0.00 ms  (average mu = 1.000, current mu = 1.000) finalize incremental marking via task; GC in old space requested"; }
echo "[1:0x1]  5 ms: Scavenge 2.0 (3.0) -> 1.5 (3.0) MB, 0.50 / 0.00 ms  (average mu = 1.000, current mu = 1.000) allocation failure; "
case \$n in
1) mc 10 9.0 5.0; mc 20 9.5 6.0 ;;
2) mc 10 9.0 5.5; mc 20 9.5 6.5; mc 30 9.9 7.5 ;;
*) mc 10 9.0 4.0 ;;
esac
FAKE
  chmod +x "$tmp/fake-node"
  "$cli" compare workloads/teaching-small.js --node "$tmp/fake-node" --node-runs 3 --json "$tmp/r.json" \
    --out-dir "$tmp/r" >/dev/null 2>"$tmp/err" || { cat "$tmp/err"; fail "compare with a stand-in node exited $?"; }
  node -e '
    const j = JSON.parse(require("fs").readFileSync(process.argv[1], "utf8")).node;
    if (j.mark_compacts !== 2 || j.old_after_mark_compact_mb.join() !== "5,6" || !/node-1\.log$/.test(j.trace))
      throw new Error("representative run: " + JSON.stringify(j));
  ' "$tmp/r.json" || fail "the node series are not from the run with the median count"
  echo "ok: the node series come from the run with the median count"
  if ! command -v node >/dev/null; then echo "node is not on PATH: the node side is skipped"; echo "1 passed, 0 failed"; exit 0; fi
  "$cli" compare workloads/request-churn.js --duration=1500 --node-runs 1 --json "$tmp/c.json" --out-dir "$tmp/c" >"$tmp/out" 2>"$tmp/err" || { cat "$tmp/err"; fail "compare exited $?"; }
  grep -q "^scavenges" "$tmp/out" || fail "no side-by-side table"
  [ -s "$tmp/c/node-1.log" ] && [ -s "$tmp/c/heaplab.log" ] || fail "traces not written"
  node -e '
    const j = JSON.parse(require("fs").readFileSync(process.argv[1], "utf8"));
    const keys = ["scavenges","mark_compacts","scavenge_pause_ms","mark_compact_pause_ms","promoted_mb",
                  "old_after_mark_compact_mb","peak_heap_mb","oom","oom_message","oom_allocated_mb","wall_s"];
    for (const top of ["workload","flags","node","heaplab"]) if (!(top in j)) throw new Error("missing " + top);
    for (const side of ["node","heaplab"]) for (const k of keys) if (!(k in j[side])) throw new Error(side + " lacks " + k);
    for (const side of ["node","heaplab"]) for (const k of ["p50","p95","max"]) if (typeof j[side].scavenge_pause_ms[k] !== "number") throw new Error("pause " + k);
    if (!Number.isInteger(j.node.scavenges) || j.node.scavenges < 1) throw new Error("node scavenges");
    if (j.heaplab.oom !== false || j.heaplab.oom_message !== null) throw new Error("oom fields");
    // Paced by default: node lasts at least the 1.5 s of virtual time it simulated.
    if (j.paced !== true || j.node.wall_s < 1.4) throw new Error("node was not paced: " + j.node.wall_s + " s");
  ' "$tmp/c.json" || fail "compare JSON shape"
  # --no-pace: node runs as fast as it can (request-churn's 1.5 s take a fraction of that).
  "$cli" compare workloads/request-churn.js --duration=1500 --no-pace --node-runs 1 --json "$tmp/f.json" --out-dir "$tmp/f" >/dev/null 2>"$tmp/err" || { cat "$tmp/err"; fail "compare --no-pace exited $?"; }
  node -e '
    const j = JSON.parse(require("fs").readFileSync(process.argv[1], "utf8"));
    if (j.paced !== false || !(j.node.wall_s < 1.4)) throw new Error("--no-pace still paced: " + j.node.wall_s + " s");
  ' "$tmp/f.json" || fail "compare --no-pace"
  echo "ok: compare"; cat "$tmp/out" ;;
steps)
  # Step mode in the terminal: every lesson resolves its stops; a workload's steps are numbered
  # and explained; the same run twice prints the same steps.
  for l in workloads/lessons/*.lesson.json; do
    "$cli" steps "$l" >"$tmp/out" 2>"$tmp/err" || { cat "$tmp/err"; fail "$l exited $?"; }
    stops=$(grep -c '^== stop' "$tmp/out")
    [ "$stops" -ge 4 ] || fail "$l: $stops stops"
    echo "ok: $l ($stops stops)"
  done
  "$cli" steps workloads/teaching-small.js --count 100000 >"$tmp/a" || fail "steps exited $?"
  "$cli" steps workloads/teaching-small.js --count 100000 >"$tmp/b"
  cmp -s "$tmp/a" "$tmp/b" || fail "two step recordings differ"
  for k in scavenge-start copy promote scan slot-update scavenge-end marking-start grey blacken phase sweep-page mark-compact-end end; do
    grep -q "  $k\$" "$tmp/a" || fail "no $k step in teaching-small"
  done
  # Step views show the workload's objects only: no script literals before the root (#1).
  grep -q 'Copied object #1 (56-byte object, site "root")' "$tmp/a" || fail "step mode allocates script objects"
  # Second survival: every promotion of scavenge 2 is of an object copied in scavenge 1.
  grep -q 'this is its second survival' "$tmp/a" || fail "no second-survival promotion"
  "$cli" steps workloads/teaching-small.js --kind promote --count 3 | grep -c '^step' | grep -qx 3 || fail "--kind"
  "$cli" steps workloads/lessons/04-listener-leak.js --granularity collection --count 1000 >"$tmp/c"
  grep -q 'FATAL ERROR: Reached heap limit' "$tmp/c" || fail "the leak lesson does not end out of memory"
  # Errors name the file, the line and the key.
  printf '{\n  "title": "t",\n  "intro": "i",\n  "workload": "nope.js",\n  "stops": []\n}\n' >"$tmp/bad.lesson.json"
  expect_error 1 "bad.lesson.json:4: \"workload\": no such file" -- steps "$tmp/bad.lesson.json"
  printf '{"title": "t", "intro": "i", "workload": "%s", "stops": [{"kind": "copy", "nth": 99, "text": "x"}]}' "$(pwd)/workloads/lessons/01-semi-spaces.js" >"$tmp/late.lesson.json"
  expect_error 1 "late.lesson.json:1: stop 1 \(copy #99\) never happens" -- steps "$tmp/late.lesson.json"
  expect_error 2 "unknown step kind 'teleport'" -- steps workloads/teaching-small.js --kind teleport
  expect_error 1 "max-semi-space-size" -- steps workloads/teaching-small.js --max-semi-space-size=banana
  ;;
calibrate)
  # Real node on this machine: fit, report, write a profile the CLI then loads.
  HEAPLAB_CALIBRATION="" "$cli" calibrate --workloads workloads/sessions.js,workloads/request-churn.js \
    --duration 3000 --out "$tmp/cal.flags" --logs "$tmp/logs" >"$tmp/out" 2>"$tmp/err" || { cat "$tmp/err"; fail "calibrate exited $?"; }
  grep -q "^Pause p50, ms" "$tmp/out" || fail "no pause report"
  grep -q "^--scavenge-copy-speed=" "$tmp/cal.flags" || fail "no copy speed in the profile"
  grep -q "^# machine: " "$tmp/cal.flags" || fail "the profile does not say where it was fitted"
  # The saved runs say what they were: replayed (no node), they give the same profile.
  [ "$(cat "$tmp/logs/duration-ms.txt")" = 3000 ] || fail "the logs do not say the duration"
  [ "$(wc -l <"$tmp/logs/workloads.txt")" = 2 ] || fail "the logs do not list the workloads"
  bash scripts/calibrate-replay.sh "$tmp/logs" "$tmp/replay.flags" "$cli" >"$tmp/replay.out" 2>&1 ||
    { cat "$tmp/replay.out"; fail "the replay failed"; }
  diff <(grep -v '^#' "$tmp/cal.flags") <(grep -v '^#' "$tmp/replay.flags") ||
    fail "replaying the saved runs gave another profile"
  # The profile changes the simulated pauses; none (the default under ctest) does not.
  # (The fixed cost outweighs the rest of teaching-small's scavenges, about 1.1 ms.)
  printf -- '--scavenge-fixed-ms=70\n' >"$tmp/slow.flags"
  "$cli" run workloads/teaching-small.js --trace-gc --calibration "$tmp/slow.flags" --no-summary >"$tmp/a" || fail "run with profile"
  grep -qE "Scavenge .* 7[01]\.[0-9]{2} / 0.00 ms" "$tmp/a" || { cat "$tmp/a"; fail "profile not applied"; }
  HEAPLAB_CALIBRATION="$tmp/slow.flags" "$cli" run workloads/teaching-small.js --trace-gc --scavenge-fixed-ms=30 --no-summary >"$tmp/b"
  grep -qE "Scavenge .* 3[01]\.[0-9]{2} / 0.00 ms" "$tmp/b" || { cat "$tmp/b"; fail "command-line flags must win over the profile"; }
  printf '# a comment\n--max-old-space-size=64\n' >"$tmp/bad1.flags"
  expect_error 2 "bad1.flags:2: --max-old-space-size is not a calibrated speed" -- run workloads/teaching-small.js --calibration "$tmp/bad1.flags"
  printf -- '--marking-speed=fast\n' >"$tmp/bad2.flags"
  expect_error 2 "bad2.flags:1: invalid value 'fast' for --marking-speed" -- steps workloads/teaching-small.js --calibration "$tmp/bad2.flags"
  expect_error 2 "nope.flags: cannot read calibration profile" -- describe workloads/teaching-small.js --calibration "$tmp/nope.flags"
  expect_error 1 "node not found" -- calibrate --node /nonexistent/node --dry-run
  echo "ok: calibrate"; grep -A3 "^Pause p50" "$tmp/out" ;;
fidelity)
  # CI's fidelity check: two small workloads in real node and in HeapLab; the GC counts agree
  # within 10%, and so does the old-space size after each mark-compact; promoted bytes within 15%.
  for w in workloads/teaching-small.js workloads/lessons/02-promotion.js; do
    "$cli" compare "$w" --node-runs 1 --json "$tmp/c.json" --out-dir "$tmp/cmp" >"$tmp/out" 2>"$tmp/err" || { cat "$tmp/err"; fail "compare $w exited $?"; }
    node -e '
      const j = JSON.parse(require("fs").readFileSync(process.argv[1], "utf8"));
      const within = (a, b, tol) => Math.abs(a - b) <= tol * Math.max(a, b) + 1e-9;
      for (const k of ["scavenges", "mark_compacts"])
        if (!within(j.node[k], j.heaplab[k], 0.10)) throw new Error(k + ": node " + j.node[k] + ", heaplab " + j.heaplab[k]);
      const a = j.node.old_after_mark_compact_mb, b = j.heaplab.old_after_mark_compact_mb;
      if (a.length !== b.length) throw new Error("mark-compact series differ in length");
      a.forEach((v, i) => { if (!within(v, b[i], 0.10)) throw new Error("old after MC " + i + ": " + v + " vs " + b[i]); });
      // Little else is promoted: mostly what the running script keeps from its start.
      if (!within(j.node.promoted_mb, j.heaplab.promoted_mb, 0.15))
        throw new Error("promoted: node " + j.node.promoted_mb + " MB, heaplab " + j.heaplab.promoted_mb);
      console.log("ok: " + j.workload + ": scavenges " + j.node.scavenges + "/" + j.heaplab.scavenges +
                  ", mark-compacts " + j.node.mark_compacts + "/" + j.heaplab.mark_compacts +
                  ", promoted MB " + j.node.promoted_mb.toFixed(3) + "/" + j.heaplab.promoted_mb.toFixed(3));
    ' "$tmp/c.json" || { cat "$tmp/out"; fail "$w: outside the count tolerance"; }
  done ;;
report)
  # docs/fidelity.md's renderer: targets counted per row, and counted again after calibration
  # when a re-simulation with a local profile is given.
  mkdir -p "$tmp/rows" "$tmp/cal"
  side() { # scavenges, mark-compacts, scavenge p50, MC p50
    printf '{"scavenges": %s, "mark_compacts": %s, "scavenge_pause_ms": {"p50": %s, "p95": 0, "max": 0}, "mark_compact_pause_ms": {"p50": %s, "p95": 0, "max": 0}, "promoted_mb": 1, "old_after_mark_compact_mb": [], "peak_heap_mb": 1, "oom": false, "oom_message": null, "oom_allocated_mb": null, "wall_s": 0.1}' "$1" "$2" "$3" "$4"
  }
  row() { printf '{"workload": "workloads/w.js", "flags": ["--max-semi-space-size=1"], "node": %s, "heaplab": %s}' "$1" "$2"; }
  row "$(side 100 1 1.0 4.0)" "$(side 105 1 2.0 4.1)" >"$tmp/rows/001-w-semi1-olddefault.json"
  row "$(side 100 1 1.0 4.0)" "$(side 105 1 1.1 9.0)" >"$tmp/cal/001-w-semi1-olddefault.json"
  echo "--scavenge-fixed-cost-ms=0.2" >"$tmp/cal/calibration.flags"
  node scripts/fidelity-report.js "$tmp/rows" 3 "$tmp/cal" >"$tmp/report.md" || fail "the report failed"
  for want in '| scavenge count ±10% | 1 | 1 | 1 of 1 |' '| scavenge p50 ±30% | 0 | 1 | 1 of 1 |' \
      '| mark-compact p50 ±30% | 1 | 1 | 0 of 1 |' '--scavenge-fixed-cost-ms=0.2' \
      '| w | --max-semi-space-size=1 | 100 / 105 ✓ / 105 ✓ | 1 / 1 ✓ / 1 ✓ | 1.00 / 2.00 ✗ / 1.10 ✓ | 4.00 / 4.10 ✓ / 9.00 ✗ |'; do
    grep -qF -- "$want" "$tmp/report.md" || { cat "$tmp/report.md"; fail "no '$want' in the report"; }
  done
  node scripts/fidelity-report.js "$tmp/rows" 3 >"$tmp/plain.md" || fail "the report failed without a profile"
  ! grep -qE "^## After calibration|rows met after calibration" "$tmp/plain.md" ||
    fail "calibrated rows without a profile"
  echo "ok: the report counts the targets, and again after calibration" ;;
from-log)
  # A GC log replayed as a workload: under the log's own flags it runs about as the program
  # did, and under other flags it moves as the program does (HeapLab's own logs: the program
  # is known). Then real node logs (tests/data): an nvp log and a --trace-gc-verbose one.
  summary() { "$cli" run "$@" 2>&1 | awk '/^Scavenge /{s=$2} /^Mark-Compact /{m=$2} /^Old space /{o=$5} /^allocated /{a=$2; p=$7} /FATAL ERROR/{f=1} END{print s+0, m+0, a+0, p+0, o+0, f+0}'; }
  within() { awk -v a="$1" -v b="$2" -v t="$3" 'BEGIN{d=a-b; if(d<0)d=-d; m=(a>b?a:b); exit !(d<=t*m+1e-9)}'; }
  # replay W "FLAGS OF THE LOG" "FLAGS TO RUN" TOL_SCAVENGES TOL_MARK_COMPACTS TOL_PROMOTED TOL_OLD
  # The programs run with the scavenge speeds of before 2026-12-06 (no cost per object), under
  # which these tolerances were set. With the shipped speeds, listener-leak and timer-leak at
  # 16 MB scavenge half as often (17 and 25 times, as node does): the derived workloads'
  # lifetimes, fitted over a few long intervals, come out short for listener-leak (promoted
  # 16 MB against 19.5, the last mark-compact missed) and long for timer-leak replayed at 1 MB
  # (17.8 MB against 13.7). docs/fidelity.md keeps that open; node's own logs below run with
  # the shipped speeds.
  pinned="--scavenge-object-speed=1e12 --scavenge-copy-speed=8.2e5 --scavenge-promote-speed=1.03e6"
  replay() {
    local w=$1 a="$2 $pinned" b="$3 $pinned"
    # shellcheck disable=SC2086
    "$cli" run "workloads/$w.js" $a --trace-gc --no-summary >"$tmp/$w.log" 2>&1
    "$cli" from-log "$tmp/$w.log" -o "$tmp/$w-derived.js" 2>"$tmp/err" || { cat "$tmp/err"; fail "from-log $w"; }
    # The log ends at its last GC: the program is compared over the same time.
    local until
    until=$(awk '/ ms: /{for(i=1;i<=NF;i++) if($i=="ms:") t=$(i-1)} END{print t+1}' "$tmp/$w.log")
    # shellcheck disable=SC2086
    read -r s1 m1 a1 p1 o1 f1 <<<"$(summary "workloads/$w.js" $b --duration="$until")"
    # shellcheck disable=SC2086
    read -r s2 m2 a2 p2 o2 f2 <<<"$(summary "$tmp/$w-derived.js" $b)"
    echo "  $w ($a -> $b): scavenges $s1/$s2, mark-compacts $m1/$m2, allocated $a1/$a2, promoted $p1/$p2, old $o1/$o2, OOM $f1/$f2"
    within "$a1" "$a2" 0.1 || fail "$w: allocated $a2 MB, the program $a1"
    within "$s1" "$s2" "$4" || fail "$w: $s2 scavenges, the program $s1"
    # One mark-compact apart is allowed: the log ends at its last GC, often a mark-compact
    # that the derived run, a little behind, reaches just after its end.
    within "$m1" "$m2" "$5" || [ $((m1 - m2)) = 1 ] || fail "$w: $m2 mark-compacts, the program $m1"
    within "$p1" "$p2" "$6" || fail "$w: promoted $p2 MB, the program $p1"
    within "$o1" "$o2" "$7" || fail "$w: old space $o2 MB at the end, the program $o1"
    [ "$f1" = "$f2" ] || fail "$w: out of memory $f2, the program $f1"
  }
  replay listener-leak --max-semi-space-size=16 --max-semi-space-size=16 0.2 0.2 0.25 0.2
  replay timer-leak --max-semi-space-size=16 --max-semi-space-size=1 0.1 0.01 0.1 0.1
  replay timer-leak --max-semi-space-size=16 --max-semi-space-size=16 0.1 0.3 0.1 0.15
  replay request-churn --max-semi-space-size=16 --max-semi-space-size=1 0.15 0 0.5 0.15
  replay oom-growth "--max-semi-space-size=16 --max-old-space-size=128" "--max-semi-space-size=16 --max-old-space-size=128" 0.2 0.1 0.1 0.1
  replay reinit-leak --max-semi-space-size=16 --max-semi-space-size=16 0.25 0.01 0.1 0.3
  echo "ok: replays of HeapLab's logs"
  # Real node 20 logs: they parse, fit, and run. An nvp or verbose log's replay runs at the
  # scavenge speeds fitted to its own pauses (node's heuristics compare allocation with them).
  for log in tests/data/node20-listener-leak-semi16.nvp.log tests/data/node20-lru-cache-semi16.verbose.log; do
    grep -q 'flags: \["--scavenge-fixed-ms=.*--scavenge-copy-speed=' <("$cli" from-log "$log" 2>/dev/null) ||
      fail "$log: the replay does not carry the log's scavenge speeds"
  done
  for log in tests/data/node20-listener-leak-semi16.nvp.log tests/data/node20-lru-cache-semi16.verbose.log; do
    "$cli" from-log "$log" -o "$tmp/node.js" 2>"$tmp/err" || { cat "$tmp/err"; fail "from-log $log"; }
    read -r s m a _ <<<"$(summary "$tmp/node.js" --max-semi-space-size=16)"
    echo "  $log: $(head -1 "$tmp/err"); replayed: $s scavenges, $m mark-compacts, $a MB allocated"
    [ "$s" -gt 5 ] && [ "$m" -ge 2 ] || fail "$log: the replay ran $s scavenges and $m mark-compacts"
  done
  # The nvp log's program (listener-leak, 24 scavenges and 5 mark-compacts in node): its replay
  # allocates what node did and runs as many mark-compacts.
  "$cli" from-log tests/data/node20-listener-leak-semi16.nvp.log -o "$tmp/ll.js" 2>/dev/null
  read -r s m a _ <<<"$(summary "$tmp/ll.js" --max-semi-space-size=16)"
  within 73.6 "$a" 0.1 || fail "the nvp log's replay allocated $a MB, node 73.6"
  within 5 "$m" 0.2 || fail "the nvp log's replay ran $m mark-compacts, node 5"
  within 24 "$s" 0.35 || fail "the nvp log's replay ran $s scavenges, node 24"
  echo "ok: node's logs"
  # Bad input: each error names the file (and the line).
  expect_error 1 "no-such.log" -- from-log "$tmp/no-such.log"
  printf '[1:0x1]       5 ms: Scavenge 4.0 (4.2) -> 3.4 (5.2) MB, 0.5 / 0.0 ms task;\n' >"$tmp/short.log"
  expect_error 1 "short.log: the log has 1 scavenges" -- from-log "$tmp/short.log"
  printf 'hello\n[1:0x1]       5 ms: Scavenge 4.0 (4.2) -> banana\n' >"$tmp/bad.log"
  expect_error 1 "bad.log:2:" -- from-log "$tmp/bad.log"
  expect_error 2 "Usage: heaplab-cli from-log" -- from-log
  "$cli" from-log --help | grep -q "Usage: heaplab-cli from-log" || fail "from-log --help"
  echo "ok: from-log's errors" ;;
*) fail "unknown test $name" ;;
esac
echo "1 passed, 0 failed"
