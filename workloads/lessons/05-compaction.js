// Lesson 5: fragmentation and compaction. A burst of old-space objects, most of which die,
// leaves pages with a few survivors scattered among gaps. The next mark-compact evacuates
// those pages and updates every pointer to the moved objects.
workload({
  description: "Lesson 5: fragmented old-space pages, evacuated by mark-compact",
  flags: ["--max-semi-space-size=1"],
});

const index = heap.global(heap.alloc(336, { slots: 40, kind: "array", site: "index" }));
heap.scope(() => {
  let kept = 0;
  for (let i = 0; i < 480; i++) {
    const rec = heap.alloc(1024, { slots: 1, site: "record", old: true });
    if (i % 12 === 0) index.set(kept++, rec);  // one in twelve survives
  }
});
heap.gc("full");  // sweeps: the record pages are now mostly free-list gaps
heap.gc("full");  // chooses the fragmented pages as evacuation candidates and compacts them
