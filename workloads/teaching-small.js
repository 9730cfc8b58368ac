// A small teaching heap of a few dozen objects: a root holds a linked list and a tree; a few
// temporaries die at once. Small enough to follow every object through a scavenge (Cheney's
// copy, forwarding, the age mark, promotion on the second survival) and a mark-compact.
//
// What to look for: in the trace, each scavenge copies only the rooted objects; the second
// scavenge promotes what the first one copied; the forced full GC empties new space.
workload({
  description: "A few dozen objects for stepping through the collectors",
  flags: ["--max-semi-space-size=1"],
});

const root = heap.global(heap.alloc(56, { slots: 4, site: "root" }));
root.set(0, heap.allocMany({ count: 8, size: 32, slots: 1, shape: "list", site: "list" }));
root.set(1, heap.allocMany({ count: 15, size: 40, slots: 2, shape: "tree", site: "tree" }));
heap.allocMany({ count: 12, size: 64, site: "temporary" });  // garbage
heap.gc("young");
root.set(2, heap.allocMany({ count: 5, size: 48, slots: 1, shape: "list", site: "late" }));
heap.gc("young");
root.clear(0);  // the list becomes garbage in old space
heap.gc("full");
