// Where node allocates while it runs a workload through the twin: the inspector's sampling heap
// profiler, with the objects that GCs collected included, over the first PROF_MS milliseconds
// (default 400); prints the functions that allocated most (self bytes) to stderr.
// Usage: PROF_MS=400 node --expose-gc [V8 flags] tools/node-twin/heap-profile.js WORKLOAD.js [twin args]
"use strict";
const inspector = require("inspector");
const path = require("path");
const ms = Number(process.env.PROF_MS) || 400;
const session = new inspector.Session();
session.connect();
session.post("HeapProfiler.enable");
const sampling = {
  samplingInterval: 256,
  includeObjectsCollectedByMajorGC: true,
  includeObjectsCollectedByMinorGC: true,
};
session.post("HeapProfiler.startSampling", sampling, () => {
  setTimeout(() => {
    session.post("HeapProfiler.stopSampling", (err, result) => {
      if (err) throw new Error(String(err.message || err));
      const self = new Map();
      (function walk(node) {
        const f = node.callFrame;
        const key = `${f.functionName || "(anonymous)"} ${path.basename(f.url)}:${f.lineNumber + 1}`;
        if (node.selfSize) self.set(key, (self.get(key) || 0) + node.selfSize);
        for (const child of node.children) walk(child);
      })(result.profile.head);
      const total = [...self.values()].reduce((a, b) => a + b, 0);
      console.error(`sampled ${(total / 1024).toFixed(0)} KB in the first ${ms} ms`);
      for (const [k, v] of [...self.entries()].sort((a, b) => b[1] - a[1]).slice(0, 25))
        console.error(`${(v / 1024).toFixed(1).padStart(8)} KB  ${k}`);
      process.exit(0);
    });
  }, ms);
});
// The twin reads its arguments from process.argv[2...]: drop this script's own entry.
process.argv.splice(1, 1, path.join(__dirname, "twin.js"));
require("./twin.js");
