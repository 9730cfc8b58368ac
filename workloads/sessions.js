// Medium-lived sessions that stress promotion: every request creates a session that lives for
// about 1.5 s (exponentially distributed), longer than a scavenge cycle but much shorter than
// the program. Objects survive two scavenges, get promoted, and die in old space.
//
// What to look for: high promotion rate, old space filling with soon-dead sessions, frequent
// mark-compacts. Compare --max-semi-space-size=1, 16 and 64: a bigger new space lets sessions
// die before their second scavenge, so promotion and mark-compacts drop. Pretenuring (on by
// default) may decide the session site "tenure"; try --no-allocation-site-pretenuring.
workload({
  description: "Medium-lived sessions (~1.5 s): promotion pressure",
  flags: [],
  durationMs: 20000,
});

sim.requests({
  rate: 400,
  handler: () => {
    heap.allocMany({ count: 30, size: { min: 64, max: 512 }, slots: 2, shape: "tree", site: "session", lifetime: { mean: 1500 } });
    heap.allocMany({ count: 40, size: { min: 32, max: 128 }, site: "request" });
    sim.work(0.6);
  },
});
