// setInterval timers never cleared: every request starts a polling timer that holds its
// session state, and nobody calls clearInterval. The second classic leak: the timers are roots,
// so everything they reference stays alive, and each tick allocates a little more.
//
// What to look for: the number of live timers grows linearly, promotion is steady, and the
// time spent in each scavenge rises as the remembered set and the promoted volume grow.
workload({
  description: "Timer leak: setInterval per request, never cleared",
  flags: [],
  durationMs: 20000,
});

sim.requests({
  rate: 50,
  handler: () => {
    const state = heap.global(heap.allocMany({ count: 20, size: { min: 64, max: 512 }, slots: 2, shape: "tree", site: "session-state" }));
    const log = heap.global(heap.alloc(8 * 66, { slots: 64, kind: "array", site: "poll-log" }));
    let tick = 0;
    sim.every(100, () => {
      // Each tick allocates a poll result; a few are appended to the never-cleared log.
      const result = heap.allocMany({ count: 6, size: { min: 48, max: 160 }, slots: 1, shape: "list", site: "poll-result" });
      if (tick < 64 && tick % 4 === 0) log.set(tick, result);
      state.get(0);
      tick++;
      sim.work(0.05);
    });
    heap.allocMany({ count: 30, size: { min: 32, max: 128 }, site: "request" });
    sim.work(0.4);
  },
});
