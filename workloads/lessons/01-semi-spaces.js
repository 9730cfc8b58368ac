// Lesson 1: why new space is split in two. A request builds a small tree that stays reachable
// and a pile of temporaries that die at once; one scavenge copies the few live objects into
// the empty semi-space and forgets the other one whole.
workload({
  description: "Lesson 1: a few live objects among many dead ones, and one scavenge",
  flags: ["--max-semi-space-size=1"],
});

const session = heap.global(heap.alloc(48, { slots: 3, site: "session" }));
session.set(0, heap.allocMany({ count: 7, size: 40, slots: 2, shape: "tree", site: "user" }));
heap.allocMany({ count: 30, size: { min: 32, max: 96 }, site: "temporary" });  // dies
session.set(1, heap.alloc(64, { kind: "string", site: "token" }));
heap.allocMany({ count: 20, size: 48, site: "temporary" });  // dies
heap.gc("young");
