workload({ description: "uncaught exception" });
function handler() {
  throw new Error("boom in handler");
}
sim.after(5, handler);
