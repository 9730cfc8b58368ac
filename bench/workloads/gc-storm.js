// Benchmark workload for the GUI's responsiveness: one scavenge per simulated millisecond,
// over 110 000 GCs, run as fast as possible. Each tick allocates a full 1 MB semi-space of 4 KB
// strings that die at once.
workload({
  description: "A storm of 110 000 scavenges (GUI responsiveness benchmark)",
  flags: ["--max-semi-space-size=1"],
  durationMs: 110000,
});
sim.every(1, () => {
  heap.allocMany({ count: 250, size: 4096, kind: "string", site: "storm" });
});
