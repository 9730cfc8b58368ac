// Real-node twin of bench/workloads/churn-2gb.js: 33 554 432 objects of 64 bytes (map,
// properties, elements + 5 in-object fields). Each escapes into a ring so the optimiser cannot
// remove the allocation (node20-observed §6: escape analysis removed a third of a test's).
"use strict";
const ring = new Array(1024).fill(null);
const kObjects = 8192 * 4096;
const start = process.hrtime.bigint();
for (let i = 0; i < kObjects; i++) {
  ring[i & 1023] = { a: i, b: null, c: null, d: null, e: null };
}
const seconds = Number(process.hrtime.bigint() - start) / 1e9;
const v8 = require("v8");
console.log(JSON.stringify({ objects: kObjects, bytes: kObjects * 64, seconds, heap: v8.getHeapStatistics().total_heap_size }));
