// Objects re-created on every initialisation: a module's init() runs on every request (a
// mistake), builds a fresh configuration and registry, and pushes it into a module-level list
// that nobody trims. The third classic leak, besides listeners and timers.
//
// What to look for: each request promotes a whole registry; old space climbs steadily; the
// "old size after mark-compact" series rises without bound. Pretenuring soon allocates the
// registry straight into old space, which shortens scavenges but not the leak.
workload({
  description: "Re-initialisation leak: init() per request keeps every registry",
  flags: [],
  durationMs: 20000,
});

const registries = heap.global(heap.allocMany({ count: 0, size: 64 }) || heap.alloc(64, { slots: 1, site: "module" }));
let head = null;

function init() {
  const registry = heap.allocMany({ count: 60, size: { min: 48, max: 256 }, slots: 2, shape: "tree", site: "registry" });
  const node = heap.alloc(32, { slots: 2, site: "registry-list" });
  node.set(0, registry);
  if (head) node.set(1, head);
  if (head) heap.release(head);
  head = heap.global(node);
  registries.set(0, head);
}

sim.requests({
  rate: 200,
  handler: () => {
    init();
    heap.allocMany({ count: 40, size: { min: 32, max: 128 }, site: "request" });
    sim.work(0.5);
  },
});
