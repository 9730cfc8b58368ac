workload({ description: "bad suggested flag", flags: ["--max-semi-space-size=4096"] });
heap.alloc(64);
