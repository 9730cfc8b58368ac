// A steady LRU cache: 20 000 entries of ~2 KB stay alive; each request looks up a key, and a
// miss (30%) evicts the oldest entry and inserts a new one. The live set is constant (~45 MB).
//
// What to look for: entries survive two scavenges and get promoted, so old space fills with
// entries that die there later; mark-compacts reclaim them. With the default 4 GB limit the
// heap grows to several times the live set before a mark-compact (growing factor 4.0); try
// --max-old-space-size=128 to see many more, smaller mark-compacts. Pretenuring usually moves
// the entry site to old space after a few scavenges at the maximum semi-space.
workload({
  description: "Steady LRU cache: constant live set, promotion and old-space churn",
  flags: [],
  durationMs: 20000,
});

const kEntries = 20000;
const ring = heap.global(heap.allocMany({ count: kEntries, size: 48, slots: 2, shape: "array", site: "lru-node" }));
let next = 0;

function makeEntry() {
  const value = heap.allocMany({ count: 8, size: { min: 128, max: 384 }, slots: 1, shape: "list", site: "lru-value" });
  const entry = heap.alloc(48, { slots: 2, site: "lru-entry" });
  entry.set(0, value);
  return entry;
}
for (let i = 0; i < kEntries; i++) heap.scope(() => ring.set(i, makeEntry()));

sim.requests({
  rate: 1000,
  handler: () => {
    heap.allocMany({ count: 20, size: { min: 32, max: 128 }, slots: 1, site: "request" });
    if (sim.random() < 0.3) {
      ring.set(next, makeEntry());  // the evicted entry becomes garbage
      next = (next + 1) % kEntries;
    }
    sim.work(0.3);
  },
});
