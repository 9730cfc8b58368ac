// Short-lived request churn: an HTTP-like service handles 2000 requests per second. Each
// request builds a small parsed body, a response object and some strings, then throws them all
// away. Almost nothing survives a scavenge.
//
// What to look for: many short scavenges (well under 1 ms) and almost no promotion. New space
// grows only slowly because little survives; --max-semi-space-size above 8 changes nothing, and
// --max-semi-space-size=1 multiplies the number of scavenges. No mark-compact should happen.
workload({
  description: "Short-lived request churn: 2000 req/s, everything dies young",
  flags: [],
  durationMs: 10000,
});

const cache = heap.global(heap.alloc(64, { slots: 4, site: "config" }));  // long-lived config

sim.requests({
  rate: 2000,
  handler: (i) => {
    // A parsed JSON body: a tree of small objects.
    const body = heap.allocMany({ count: 40, size: { min: 32, max: 96 }, slots: 2, shape: "tree", site: "body" });
    // Headers and strings.
    heap.allocMany({ count: 30, size: { min: 24, max: 200 }, kind: "string", site: "headers" });
    const response = heap.alloc(80, { slots: 3, site: "response" });
    response.set(0, body);
    response.set(1, cache);
    sim.work(0.2);  // CPU time of the handler, in simulated ms
  },
});
