workload({ description: "a loop that makes no simulated progress" });
heap.alloc(64);
let spins = 0;
while (true) { spins++; }
