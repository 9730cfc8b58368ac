workload({ description: "syntax error" });
const x = heap.alloc(64, { slots: 1 });
let y = ;
