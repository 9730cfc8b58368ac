// Steady growth to out-of-memory: a cache without eviction keeps 64 KB of records per step.
// Nothing is ever freed, so the old generation grows until the heap limit.
//
// What to look for: mark-compacts that free nothing, getting longer as the heap grows, the
// allocation limit approaching the maximum, memory-reducing "(reduce)" GCs near the end, and
// finally V8's fatal "... Allocation failed - JavaScript heap out of memory" (exit code 134).
// With the suggested --max-old-space-size=64 it comes within a second as "Ineffective
// mark-compacts near heap limit" (back-to-back mark-compacts that free nothing), as in node.
// At the 4 GB default (--max-old-space-size=0) and a 1 or 16 MB semi-space it comes after
// about 75 s as "Reached heap limit": the "(reduce)" mark-compacts give back from-space, old
// space takes that memory, and the next GC's commit of from-space crosses the heap limit.
workload({
  description: "Unbounded growth until 'JavaScript heap out of memory'",
  flags: ["--max-old-space-size=64"],
});

let head = heap.global(heap.alloc(32, { slots: 2, site: "cache-root" }));
const root = heap.global(head);
sim.every(1, () => {
  const batch = heap.allocMany({ count: 256, size: 256, slots: 1, shape: "list", site: "record" });
  const node = heap.alloc(32, { slots: 2, site: "cache-node" });
  node.set(0, batch);
  head.set(1, node);
  heap.release(head);
  head = heap.global(node);
  sim.work(0.5);
});
