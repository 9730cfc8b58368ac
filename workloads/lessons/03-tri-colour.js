// Lesson 3: tri-colour marking and the write barrier. An old-space graph is marked
// incrementally; between two marking steps the program moves an object it reached through a
// not-yet-scanned holder into an object marking has finished with, and the write barrier keeps
// marking correct.
workload({
  description: "Lesson 3: incremental tri-colour marking and the write barrier",
  flags: ["--max-semi-space-size=1"],
});

let app = null;
heap.scope(() => {
  app = heap.global(heap.alloc(48, { slots: 4, site: "app", old: true }));
  const holder = heap.alloc(32, { slots: 1, site: "holder", old: true });
  holder.set(0, heap.alloc(40, { site: "late", old: true }));
  app.set(0, holder);  // scanned last: the worklist is a stack
  app.set(1, heap.allocMany({ count: 15, size: 64, slots: 2, shape: "tree", site: "config", old: true }));
  app.set(3, heap.allocMany({ count: 6, size: 48, slots: 1, shape: "list", site: "routes", old: true }));
  heap.allocMany({ count: 12, size: 80, site: "stale", old: true });  // unreachable: stays white
});

heap.gc("incremental");
heap.markStep(0.00002);  // each tiny step marks one object, then the program runs again
heap.markStep(0.00002);
heap.markStep(0.00002);
// `app` is black now; `late` is still white, reachable only through the unscanned holder.
// Move it: store it into app, and clear the holder's slot.
const holder = app.get(0);
app.set(2, holder.get(0));  // the marking barrier greys `late`
holder.clear(0);
while (!heap.markStep(0.00002)) {}
heap.gc("full");
