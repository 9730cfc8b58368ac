workload({ description: "allocMany with a spec that is not an object" });
heap.allocMany({ count: 2, size: { min: 64, max: 128 } });
const n = heap.allocMany(5);
