// Benchmark workload: 2 GiB of short-lived 64-byte objects (33 554 432 of them), as
// bench/node/churn-2gb.js allocates them in real node. Batches of 16384: 15360 die at once and,
// like node's ring of the last 1024 objects, 1024 stay reachable until the next batch.
workload({ description: "2 GiB of short-lived 64-byte objects (benchmark)" });
const kBatches = 2048;
let last = heap.global(heap.alloc(64, { slots: 5 }));
for (let i = 0; i < kBatches; i++) {
  heap.scope(() => {
    heap.allocMany({ count: 15360, size: 64, slots: 5, site: "churn" });
    const batch = heap.allocMany({ count: 1024, size: 64, slots: 5, shape: "list", site: "churn" });
    heap.release(last);
    last = heap.global(batch);
  });
}
