// Lesson 2: promotion on the second survival. A cache keeps some objects; each scavenge copies
// them once within new space and promotes them to old space the next time.
workload({
  description: "Lesson 2: the age mark, and promotion on the second survival",
  flags: ["--max-semi-space-size=1"],
});

const cache = heap.global(heap.alloc(80, { slots: 8, kind: "array", site: "cache" }));
cache.set(0, heap.allocMany({ count: 4, size: 56, slots: 1, shape: "list", site: "entry-a" }));
heap.allocMany({ count: 20, size: 64, site: "temporary" });  // dies
heap.gc("young");  // first survival: copied, now below the age mark
cache.set(1, heap.allocMany({ count: 3, size: 56, slots: 1, shape: "list", site: "entry-b" }));
heap.allocMany({ count: 20, size: 64, site: "temporary" });  // dies
heap.gc("young");  // entry-a: second survival, promoted; entry-b: first survival, copied
heap.gc("young");  // entry-b: promoted
