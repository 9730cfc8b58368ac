workload({ description: "a loop that only draws random numbers: no simulated progress" });
heap.alloc(64);
let x = 0;
for (;;) { x += sim.random(); }
