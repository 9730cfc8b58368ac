workload({ description: "a size range with max below min" });
sim.requests({ rate: 10, handler: () => {
  heap.allocMany({ count: 2, size: { min: 64, max: 8 }, site: "r" });
} });
