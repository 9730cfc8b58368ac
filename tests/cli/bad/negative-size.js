workload({ description: "negative size" });
const ok = heap.alloc(64);
const bad = heap.alloc(-5, { slots: 0 });
