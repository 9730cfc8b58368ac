workload({ description: "unknown object" });
const a = heap.alloc(64, { slots: 2 });
a.set(0, { not: "a heap object" });
