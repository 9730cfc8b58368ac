// Event listeners added per request and never removed: every request registers a closure on a
// long-lived emitter and keeps its request context reachable through it. The first classic
// leak of a Node service.
//
// What to look for: steady promotion (each closure survives forever), old space rising in a
// staircase between mark-compacts that free almost nothing, and the listener array growing
// until it lands in the large-object space. With a small --max-old-space-size it ends in
// "JavaScript heap out of memory".
workload({
  description: "Listener leak: emitter.on() per request, never removed",
  flags: [],
  durationMs: 30000,
});

const emitter = heap.global(heap.alloc(64, { slots: 2, site: "emitter" }));
let listeners = heap.global(heap.alloc(8 * 18, { slots: 16, kind: "array", site: "listeners" }));
let count = 0;
emitter.set(0, listeners);

sim.requests({
  rate: 500,
  handler: () => {
    const ctx = heap.allocMany({ count: 12, size: { min: 64, max: 256 }, slots: 2, shape: "tree", site: "request-context" });
    heap.allocMany({ count: 25, size: { min: 32, max: 128 }, site: "scratch" });  // garbage
    const closure = heap.alloc(64, { slots: 2, kind: "closure", site: "listener" });
    closure.set(0, ctx);
    if (count === listeners.slots) {
      // Grow the backing store as V8 does (x1.5 + 16): copy, then the old one is garbage.
      const bigger = heap.global(heap.alloc(8 * (Math.floor(count * 1.5) + 18), { slots: Math.floor(count * 1.5) + 16, kind: "array", site: "listeners" }));
      for (let i = 0; i < count; i++) bigger.set(i, listeners.get(i));
      heap.release(listeners);
      listeners = bigger;
      emitter.set(0, listeners);
    }
    listeners.set(count++, closure);
    sim.work(0.5);
  },
});
