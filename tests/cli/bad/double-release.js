workload({ description: "root dropped twice" });
const g = heap.global(heap.alloc(64));
heap.release(g);
  heap.release(g);
