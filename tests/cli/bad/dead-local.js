workload({ description: "a local handle used after its scope closed" });
let escaped = null;
heap.scope(() => { escaped = heap.alloc(64, { slots: 1 }); });
heap.alloc(32);
escaped.set(0, null);
