workload({ description: "a timer callback that makes no simulated progress" });
heap.alloc(64);
sim.after(5, () => {
  while (true) {}
});
