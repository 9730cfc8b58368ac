#!/usr/bin/env node
// Renders docs/fidelity.md from the `heaplab-cli compare --json` files of scripts/fidelity.sh:
// one row per workload and flag set, real node against HeapLab, each cell marked against the
// targets of the fidelity issue, a tally per target, and the reasons for the misses
// (scripts/fidelity-notes.md, kept by hand).
// With CALIBRATED_DIR, the same rows re-simulated with a profile that `heaplab-cli calibrate`
// fitted on this machine (scripts/fidelity.sh makes it), every target is also counted "after
// calibration", as the issue states the pause target.
// Usage: node scripts/fidelity-report.js DIR [NODE_RUNS [CALIBRATED_DIR]] > docs/fidelity.md
"use strict";
const fs = require("fs");
const path = require("path");

const dir = process.argv[2];
const runs = process.argv[3] || "1";
const calibratedDir = process.argv[4] || null;
if (!dir) {
  console.error("usage: fidelity-report.js DIR [NODE_RUNS [CALIBRATED_DIR]]");
  process.exit(2);
}
const files = fs.readdirSync(dir).filter((f) => f.endsWith(".json")).sort();
if (files.length === 0) {
  console.error(`${dir}: no compare JSON files`);
  process.exit(1);
}

const within = (a, b, tol) => Math.abs(a - b) <= tol * Math.max(Math.abs(a), Math.abs(b)) + 1e-9;
const f1 = (v) => (v === null || v === undefined ? "–" : v < 10 ? v.toFixed(2) : v.toFixed(1));
const mark = (ok) => (ok === null ? "" : ok ? " ✓" : " ✗");

// The targets. Each returns true (met), false (missed) or null (not applicable).
const targets = {
  "scavenge count ±10%": (n, h) => within(n.scavenges, h.scavenges, 0.1),
  "mark-compact count ±10%": (n, h) => within(n.mark_compacts, h.mark_compacts, 0.1),
  "promoted ±15%": (n, h) => within(n.promoted_mb, h.promoted_mb, 0.15),
  "old after MC ±10%": (n, h) => {
    const a = n.old_after_mark_compact_mb, b = h.old_after_mark_compact_mb;
    if (a.length === 0 && b.length === 0) return null;
    if (a.length !== b.length) return false;
    return a.every((v, i) => within(v, b[i], 0.1));
  },
  "OOM verdict and message": (n, h) => n.oom === h.oom && (n.oom_message || "") === (h.oom_message || ""),
  "OOM point ±5%": (n, h) => (n.oom && h.oom ? within(n.oom_allocated_mb, h.oom_allocated_mb, 0.05) : null),
  "scavenge p50 ±30%": (n, h) =>
    n.scavenges > 0 && h.scavenges > 0 ? within(n.scavenge_pause_ms.p50, h.scavenge_pause_ms.p50, 0.3) : null,
  "mark-compact p50 ±30%": (n, h) =>
    n.mark_compacts > 0 && h.mark_compacts > 0
      ? within(n.mark_compact_pause_ms.p50, h.mark_compact_pause_ms.p50, 0.3)
      : null,
  // Node's speed is its unpaced run (nothing waits); a paced run lasts the virtual duration.
  "wall time ≤ node": (n, h) => h.wall_s <= nodeSpeedWall(n),
};
function nodeSpeedWall(n) { return n.unpaced_wall_s === undefined ? n.wall_s : n.unpaced_wall_s; }
const tally = Object.fromEntries(Object.keys(targets).map((k) => [k, { met: 0, of: 0 }]));
// Every target again with HeapLab's side from CALIBRATED_DIR.
const calibratedTally = Object.fromEntries(Object.keys(targets).map((k) => [k, { met: 0, of: 0 }]));
const calibratedRows = [];

// Each target's verdict for node against one HeapLab side, counted into `into`.
function judge(n, h, into) {
  const r = {};
  for (const [k, fn] of Object.entries(targets)) {
    r[k] = fn(n, h);
    if (r[k] !== null) {
      into[k].of++;
      if (r[k]) into[k].met++;
    }
  }
  return r;
}

const rows = [];
for (const f of files) {
  const j = JSON.parse(fs.readFileSync(path.join(dir, f), "utf8"));
  const n = j.node, h = j.heaplab;
  const r = judge(n, h, tally);
  if (calibratedDir) {
    const c = JSON.parse(fs.readFileSync(path.join(calibratedDir, f), "utf8")).heaplab;
    const m = judge(n, c, calibratedTally);
    // node / shipped speeds / calibrated here, each HeapLab value marked against node's.
    const three = (value, key) =>
      `${value(n)} / ${value(h)}${mark(r[key])} / ${value(c)}${mark(m[key])}`;
    const p50 = (kind) => (s) => f1(s[kind].p50);
    calibratedRows.push(
      `| ${path.basename(j.workload, ".js")} | ${j.flags.join(" ")} ` +
        `| ${three((s) => s.scavenges, "scavenge count ±10%")} ` +
        `| ${three((s) => s.mark_compacts, "mark-compact count ±10%")} ` +
        `| ${three(p50("scavenge_pause_ms"), "scavenge p50 ±30%")} ` +
        `| ${three(p50("mark_compact_pause_ms"), "mark-compact p50 ±30%")} |`
    );
  }
  const series = (s) => (s.length === 0 ? "–" : s.length <= 3 ? s.map(f1).join(", ") : `${s.length}×, last ${f1(s[s.length - 1])}`);
  const oom = (s) => (s.oom ? `${s.oom_message.replace("FATAL ERROR: ", "").replace(" Allocation failed - JavaScript heap out of memory", "")} @ ${f1(s.oom_allocated_mb)} MB` : "no");
  rows.push(
    `| ${path.basename(j.workload, ".js")} | ${j.flags.join(" ")} ` +
      `| ${n.scavenges} / ${h.scavenges}${mark(r["scavenge count ±10%"])} ` +
      `| ${n.mark_compacts} / ${h.mark_compacts}${mark(r["mark-compact count ±10%"])} ` +
      `| ${f1(n.scavenge_pause_ms.p50)} / ${f1(h.scavenge_pause_ms.p50)}${mark(r["scavenge p50 ±30%"])} ` +
      `| ${f1(n.mark_compact_pause_ms.p50)} / ${f1(h.mark_compact_pause_ms.p50)}${mark(r["mark-compact p50 ±30%"])} ` +
      `| ${f1(n.promoted_mb)} / ${f1(h.promoted_mb)}${mark(r["promoted ±15%"])} ` +
      `| ${series(n.old_after_mark_compact_mb)} / ${series(h.old_after_mark_compact_mb)}${mark(r["old after MC ±10%"])} ` +
      `| ${oom(n)} / ${oom(h)}${mark(r["OOM verdict and message"])}${mark(r["OOM point ±5%"])} ` +
      `| ${f1(nodeSpeedWall(n))} / ${f1(h.wall_s)}${mark(r["wall time ≤ node"])} |`
  );
}

const out = [];
out.push("# Fidelity: HeapLab against real V8 (Node 20)");
out.push("");
out.push(
  "Generated by `make fidelity` (`scripts/fidelity.sh`, then `scripts/fidelity-report.js`); do not edit " +
    "the tables by hand. Each row runs one shipped workload in real node through the twin " +
    "(`tools/node-twin`) and in HeapLab with the same seed and virtual clock " +
    "(`heaplab-cli compare --json`), with the shipped default speeds (no local calibration profile). " +
    `Node ran ${runs} time(s) per row; with more than one run the node column is the median. ` +
    "Each cell is *node / HeapLab*; ✓ and ✗ mark the issue's targets, and a blank means the target " +
    "does not apply (no such GC, no OOM). Pauses are p50 in ms, sizes in MB, wall time in s. " +
    "Node runs *paced* (`--pace`, compare's default): the twin keeps the workload's virtual clock " +
    "in real time, waiting through idle time and keeping the main thread busy for `sim.work`, " +
    "because V8's concurrent marking, GC tasks and allocation-rate heuristics run on the wall " +
    "clock as HeapLab's run on its simulated one. The wall-time column is node's *unpaced* run " +
    "(nothing waits), that is, how fast node executes the same workload."
);
out.push("");
out.push(`Generated ${new Date().toISOString().slice(0, 10)} on ${require("os").cpus()[0].model}, ` +
  `${require("os").cpus().length} cores, node ${process.version}.`);
// scripts/fidelity-resim.sh leaves the date of the node runs it replayed.
const replayed = path.join(dir, "node-runs-from.txt");
if (fs.existsSync(replayed)) {
  out.push("");
  out.push(`HeapLab's side was re-simulated by \`scripts/fidelity-resim.sh\` with the current build ` +
    `against the node runs of the regeneration of ${fs.readFileSync(replayed, "utf8").trim()}: the node ` +
    "columns, node's wall time included, are from that regeneration.");
}
out.push("");
out.push("## Targets met");
out.push("");
if (calibratedDir) {
  out.push("| target | rows met | of | rows met after calibration on this machine (below) |");
  out.push("|---|---|---|---|");
  for (const [k, t] of Object.entries(tally))
    out.push(`| ${k} | ${t.met} | ${t.of} | ${calibratedTally[k].met} of ${calibratedTally[k].of} |`);
} else {
  out.push("| target | rows met | of |");
  out.push("|---|---|---|");
  for (const [k, t] of Object.entries(tally)) out.push(`| ${k} | ${t.met} | ${t.of} |`);
}
out.push("");
out.push("## Every workload and flag set");
out.push("");
out.push("| workload | flags | scavenges | mark-compacts | scavenge p50 | MC p50 | promoted MB | old after MC | out of memory | wall s |");
out.push("|---|---|---|---|---|---|---|---|---|---|");
out.push(...rows);
out.push("");
if (calibratedDir) {
  out.push("## After calibration on this machine");
  out.push("");
  out.push(
    "The issue sets the pause target *after calibration*. After the rows above, `make fidelity` runs " +
      "`heaplab-cli calibrate` on the same machine (node paced, the six calibration workloads, as many " +
      "node runs as the rows had) and re-simulates every row with the profile it fitted " +
      "(`scripts/fidelity-resim.sh`, the node runs above replayed). Only the speeds differ, but they " +
      "move more than pauses: V8's memory reducer and allocation-rate rules compare allocation with GC " +
      "speed. Each cell is *node / HeapLab with the shipped speeds / HeapLab calibrated here*; pauses " +
      "are p50 in ms. The profile:"
  );
  out.push("");
  const profile = path.join(calibratedDir, "calibration.flags");
  out.push("```");
  out.push(fs.existsSync(profile) ? fs.readFileSync(profile, "utf8").trimEnd() : "(not saved)");
  out.push("```");
  out.push("");
  out.push("| workload | flags | scavenges | mark-compacts | scavenge p50 | MC p50 |");
  out.push("|---|---|---|---|---|---|");
  out.push(...calibratedRows);
  out.push("");
}
const notes = path.join(__dirname, "fidelity-notes.md");
if (fs.existsSync(notes)) out.push(fs.readFileSync(notes, "utf8").trimEnd());
console.log(out.join("\n"));
