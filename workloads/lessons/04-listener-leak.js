// Lesson 4: a listener leak fills old space until out-of-memory. Every request registers a
// closure that keeps its request context alive, and never removes it.
workload({
  description: "Lesson 4: a listener leak, collection by collection, until out of memory",
  flags: ["--max-old-space-size=16", "--max-semi-space-size=1"],
  durationMs: 60000,
});

const emitter = heap.global(heap.alloc(64, { slots: 1, site: "emitter" }));
let listeners = heap.global(heap.alloc(8 * 18, { slots: 16, kind: "array", site: "listeners" }));
let count = 0;
emitter.set(0, listeners);

sim.requests({
  rate: 2000,
  handler: () => {
    const ctx = heap.allocMany({ count: 8, size: { min: 64, max: 256 }, slots: 2, shape: "tree", site: "request-context" });
    heap.allocMany({ count: 20, size: { min: 32, max: 128 }, site: "scratch" });  // garbage
    const closure = heap.alloc(64, { slots: 1, kind: "closure", site: "listener" });
    closure.set(0, ctx);
    if (count === listeners.slots) {
      const n = Math.floor(count * 1.5) + 16;
      const bigger = heap.global(heap.alloc(8 * (n + 2), { slots: n, kind: "array", site: "listeners" }));
      for (let i = 0; i < count; i++) bigger.set(i, listeners.get(i));
      heap.release(listeners);
      listeners = bigger;
      emitter.set(0, listeners);
    }
    listeners.set(count++, closure);
    sim.work(0.2);
  },
});
