// Large arrays and strings in the large-object space: a report generator builds arrays of
// 160 000 elements (1.25 MB) and 200 KB strings. Objects over 128 KB never live in new space:
// they get their own pages in the (new) large-object space and are never moved.
//
// What to look for: the new large-object space filling between scavenges, each surviving large
// object promoted at its FIRST scavenge (by page, without copying), and large-object space
// freed only by mark-compacts. Promoted bytes are high although few objects survive.
workload({
  description: "Large arrays and strings (over 128 KB) in the large-object spaces",
  flags: [],
  durationMs: 15000,
});

const recent = heap.global(heap.alloc(8 * 10, { slots: 8, kind: "array", site: "recent-reports" }));
let slot = 0;

sim.requests({
  rate: 40,
  handler: () => {
    const rows = heap.alloc(8 * 160002, { slots: 160000, kind: "array", site: "report-rows" });
    heap.alloc(200 * 1024, { kind: "string", site: "report-text" });
    heap.allocMany({ count: 200, size: { min: 32, max: 96 }, site: "cells" });
    if (sim.random() < 0.5) {
      recent.set(slot, rows);  // some reports are kept for a while
      slot = (slot + 1) % 8;
    }
    sim.work(2);
  },
});
