// The one flag table of HeapLab, in the manner of V8's src/flags/flag-definitions.h.
// Each row is expanded into a field of HeapFlags, a FlagInfo for parsing, help and ranges, and
// (by the front ends) a command-line option and a settings-form control. Names use V8's
// spellings with underscores; front ends show them with dashes.
//
// HEAPLAB_BOOL(name, default, group, help)
// HEAPLAB_INT(name, default, min, max, unit, group, help)
// HEAPLAB_DOUBLE(name, default, min, max, unit, group, help)
// HEAPLAB_CHOICE(name, default, choices ("a|b"), group, help)
#define HEAPLAB_FLAG_LIST(BOOL, INT, DOUBLE, CHOICE)                                             \
  CHOICE(profile, "node20", "node20|legacy", "Profile",                                          \
         "Heap layout and defaults: node20 (V8 11.3, no map space, large objects over 128 KB) "  \
         "or legacy (the older layout many articles describe: a map space, large objects over "  \
         "507136 bytes, a 16 MB semi-space and a 1.4 GB old space)")                             \
  INT(physical_memory, 0, 0, 1048576, "MB", "Profile",                                           \
      "Simulated physical memory in MB from which V8 derives its heap limits "                   \
      "(Heap::HeapSizeFromPhysicalMemory); 0 = this machine's, read as Node reads it")           \
  INT(max_semi_space_size, 0, 0, 1024, "MB", "New space",                                        \
      "Max size of a semi-space in MB; new space is two of them. 0 = derived from the heap "     \
      "size. V8 rounds the value up to a power of two (Heap::ConfigureHeap)")                    \
  INT(min_semi_space_size, 0, 0, 1024, "MB", "New space",                                        \
      "Initial (minimum) size of a semi-space in MB. 0 = 1 MB. New space starts here and "       \
      "doubles when the bytes survived since the last growth exceed its capacity")               \
  INT(semi_space_growth_factor, 2, 1, 64, "x", "New space",                                      \
      "Factor by which a semi-space grows (SemiSpaceNewSpace::Grow); V8 forces at least 2")      \
  INT(max_old_space_size, 0, 0, 16384, "MB", "Old generation",                                   \
      "Max size of the old generation in MB (old, code and large-object spaces). 0 = derived "   \
      "from physical memory. Reaching it ends the process with 'JavaScript heap out of "         \
      "memory'")                                                                                 \
  INT(initial_old_space_size, 0, 0, 16384, "MB", "Old generation",                               \
      "First allocation limit of the old generation in MB. 0 = 512 MB (at most half the "        \
      "maximum), lowered after every GC by the young survival ratio until the first "            \
      "mark-compact; a value here fixes it, and no full GC runs below it (Heap::ConfigureHeap)") \
  INT(max_heap_size, 0, 0, 16384, "MB", "Old generation",                                        \
      "Max size of the whole heap in MB; sets the old generation to this minus three "           \
      "semi-spaces. Cannot be combined with both semi-space and old-space maxima")               \
  BOOL(incremental_marking, true, "Old generation",                                              \
       "Mark the old generation incrementally (and concurrently) once free space under the "     \
       "allocation limit drops to one new-space capacity; otherwise every full GC is atomic")    \
  BOOL(memory_reducer_for_small_heaps, true, "Old generation",                                   \
       "Before the first mark-compact, arm the memory reducer once the old generation has "      \
       "grown 1 MB past its start-up capacity (Heap::NotifyOldGenerationExpansion): after "      \
       "--gc-memory-reducer-start-delay-ms, if allocation is slow, memory-reducing "             \
       "mark-compacts run and shrink new space")                                                 \
  INT(gc_memory_reducer_start_delay_ms, 8000, 0, 3600000, "ms", "Old generation",                \
      "Delay before the memory reducer's first run when old-generation growth arms it")          \
  BOOL(allocation_site_pretenuring, true, "Young generation",                                    \
       "Track survival per allocation site and allocate a site's objects directly in old "       \
       "space once at least 85% of them survive their first scavenge")                           \
  INT(unoptimized_literal_allocations, 3600, 0, 1000000000, "allocations", "Young generation",   \
      "Allocations an object or array literal makes from unoptimized code before optimized "     \
      "code takes over (per site and object size, as each JS literal has one size). "            \
      "Unoptimized code always allocates young with a memento; optimized code follows the "      \
      "site's pretenuring decision and leaves no memento, and is deoptimized when the decision " \
      "flips. V8 11.3 optimizes the twin's literal functions after 3 590 calls when calls are "  \
      "spaced (its 67 584-byte interrupt budget over a 19-byte function, then a concurrent "     \
      "compile); paced, reinit-leak's literals are optimized at 3 460-3 570 allocations. 0 = "   \
      "no tiers: every allocation leaves a memento and follows the decision")                    \
  INT(reoptimized_literal_allocations, 500, 0, 1000000000, "allocations", "Young generation",    \
      "Allocations a literal makes from unoptimized code again after a pretenuring decision "    \
      "deoptimized its code, before it is optimized again. Node's --trace-pretenuring-"          \
      "statistics on reinit-leak: 300-500 more mementos per literal after the tenure decision, " \
      "then none (its feedback is warm; the first optimization took thousands)")                 \
  BOOL(script_objects, true, "Workload",                                                         \
       "Allocate the workload script's own objects in new space, as V8 does when node runs it "  \
       "through the twin: its source text and the twin's state (about 52 KB), alive from the "   \
       "start; and each object literal passed to heap.alloc or heap.allocMany (options, "        \
       "size and lifetime distributions) is a JSObject of 24 bytes plus 8 per property, and "    \
       "each array literal a JSArray with its elements; the literals die at once. The first "    \
       "plain object of each site and field count also compiles the twin's literal factory: "    \
       "650 + 68 F bytes of young garbage, 300 + 28 F young and 634 old kept, 1200 old garbage " \
       "and 587 of code")                                                                        \
  INT(callback_bytes, 395, 0, 1048576, "bytes", "Workload",                                      \
      "Young garbage node's event loop leaves per callback run at once (a setImmediate turn: "   \
      "due less than 1.5 ms ahead): the Immediate, the async context and the twin's loop. "      \
      "Measured through the twin, paced, once its code is optimized; 0 = none")                  \
  INT(timer_callback_bytes, 860, 0, 1048576, "bytes", "Workload",                                \
      "Young garbage node's event loop leaves per callback it waited for (a setTimeout turn: "   \
      "due 1.5 ms ahead or more): the Timeout, its list and the async context. Measured "        \
      "through the twin, paced, once its code is optimized; 0 = none")                           \
  BOOL(twin_loop_waits, true, "Workload",                                                        \
       "Spend the gaps between callbacks as the twin's paced loop does in node: a callback due " \
       "1.5 ms ahead or more is waited for in a setTimeout of the whole milliseconds less half " \
       "a millisecond, the event loop idle (GC tasks run); the rest, and all of a shorter gap, " \
       "blocked in Atomics.wait, where no GC task runs. Off, every gap is idle, as in a "        \
       "service whose event loop sleeps until its next event")                                   \
  BOOL(callback_warmup, true, "Workload",                                                        \
       "The event loop's first 7000 callbacks leave more garbage while its JavaScript (node's "  \
       "timers, the twin's loop) runs unoptimized: 1199 bytes more per callback for the first "  \
       "500, stepping down to 151 more until the 7000th (1840 to 140 for setTimeout turns), "    \
       "as measured through the twin, paced")                                                    \
  BOOL(script_warmup, true, "Workload",                                                          \
       "With --script-objects, the twin's own JavaScript leaves more young garbage while node "  \
       "runs it unoptimized, as measured through the twin, paced: 138 bytes per draw from a "    \
       "size or lifetime distribution for the first 800 draws of the run, stepping down to 25 "  \
       "until the 3600th (normal distributions 230, then 105 until the 4000th); sim.random() "   \
       "64 bytes per call for the first 1200 and 16 until the 19 000th; randomInt 82, then 35 "  \
       "until the 1600th; 147 bytes per allocMany call for the first 300; 33 per alloc call "    \
       "for the first 2400")                                                                     \
  BOOL(optimizing_compiles, true, "Workload",                                                    \
       "TurboFan optimizes the twin's JavaScript as node runs it, and each job's preparation "   \
       "publishes pending allocations (Heap::PublishPendingAllocations): the young bytes new "   \
       "space's linear allocation area holds then are never counted by the minor-GC task's "     \
       "allocation observer, so the task comes late, or not before new space is full (an "       \
       "allocation-failure scavenge). A job comes at each literal factory's 3550th call (with "  \
       "--script-objects), at each step of --callback-warmup and at the last step of each of "   \
       "--script-warmup's kinds of call")                                                        \
  BOOL(page_promotion, true, "Young generation",                                                 \
       "In a full GC, move a new-space page whole to old space when enough of it is live")       \
  INT(page_promotion_threshold, 70, 0, 100, "%", "Young generation",                             \
      "Live bytes, in percent of a page's area, above which a full GC promotes the page whole")  \
  BOOL(trace_gc, false, "Tracing", "Print one line per garbage collection, as Node prints it")   \
  BOOL(trace_gc_nvp, false, "Tracing",                                                           \
       "Print one name=value line per garbage collection, as Node prints it")                    \
  BOOL(trace_gc_verbose, false, "Tracing",                                                       \
       "Print the size of every space after each garbage collection, and what the memory "       \
       "reducer decides")                                                                        \
  BOOL(trace_mutator_utilization, false, "Tracing",                                              \
       "Print the mutator utilization each time a heuristic asks whether allocation is slow "    \
       "(the memory reducer, new-space shrinking)")                                              \
  BOOL(trace_pretenuring_statistics, false, "Tracing",                                           \
       "Print each literal's pretenuring feedback when a GC digests it, and a summary per GC")   \
  BOOL(trace_fragmentation, false, "Tracing",                                                    \
       "Print which pages of each old-generation space a mark-compact chooses to evacuate "      \
       "(compaction-selection), as node --trace-fragmentation does")                             \
  BOOL(trace_fragmentation_verbose, false, "Tracing",                                            \
       "Print every page a mark-compact considers for evacuation, with its free bytes "          \
       "(compaction-selection-page), as node --trace-fragmentation-verbose does")                \
  BOOL(trace_incremental_marking, false, "Tracing",                                              \
       "Print each incremental marking start, schedule, step and stop, as node "                 \
       "--trace-incremental-marking does")                                                       \
  BOOL(verify_heap, false, "Tracing",                                                            \
       "Verify the whole heap after every garbage collection (HeapVerifier)")                    \
  DOUBLE(mutator_speed, 400000, 1, 1e12, "bytes/ms", "Calibrated speeds",                        \
         "Simulated mutator time per allocated byte: allocating this many bytes advances the "   \
         "clock by 1 ms, on top of the time the workload spends itself")                         \
  DOUBLE(scavenge_fixed_ms, 0.25, 0, 1000, "ms", "Calibrated speeds",                            \
         "Fixed cost of a scavenge (roots, safepoint, task start)")                              \
  DOUBLE(scavenge_copy_speed, 2.29e6, 1, 1e12, "bytes/ms", "Calibrated speeds",                  \
         "Bytes one scavenge task copies inside new space per ms, beside each object's own "     \
         "cost (the mean of this machine's two calibrations with objects, 1.86-2.72 MB/ms)")     \
  DOUBLE(scavenge_promote_speed, 3.76e5, 1, 1e12, "bytes/ms", "Calibrated speeds",               \
         "Bytes one scavenge task promotes to old space per ms, beside each object's own cost "  \
         "(a young large object costs only its slot visits; the mean of the two calibrations, "  \
         "0.33-0.42 MB/ms)")                                                                     \
  DOUBLE(scavenge_object_speed, 1860, 1, 1e12, "objects/ms", "Calibrated speeds",                \
         "Objects one scavenge task evacuates per ms, on top of their bytes (Scavenger::"        \
         "ScavengeObject: the map, the forwarding check, the allocation and the worklist; the "  \
         "mean of the two calibrations, 1740-1990 per ms)")                                      \
  DOUBLE(scavenge_slot_speed, 4.8e5, 1, 1e12, "slots/ms", "Calibrated speeds",                   \
         "Slots a scavenge visits per ms (surviving objects' fields, remembered set). Node "     \
         "promotes a young 160 000-slot array in 0.33-0.35 ms more than a scavenge without one " \
         "(scavenge.parallel, large-objects at 1, 16 and 64 MB semi-spaces)")                    \
  DOUBLE(scavenge_page_speed, 1350, 1, 1e12, "pages/ms", "Calibrated speeds",                    \
         "Old-generation pages a scavenge walks per ms before it starts (V8 collects every "     \
         "chunk with an old-to-new remembered set). Node's scavenges that keep nothing take "    \
         "0.43 ms + 0.74 us per page (oom-growth at a 1 MB semi-space, 0.5 to 3.9 GB)")          \
  DOUBLE(scavenge_parallel_speedup, 2, 1, 8, "times", "Calibrated speeds",                       \
         "Most that parallel tasks speed up the shareable part of a scavenge: the cores node's " \
         "helpers get (this machine's core count; at most the scavenge's task count)")           \
  DOUBLE(mark_compact_fixed_ms, 1.2, 0, 1000, "ms", "Calibrated speeds",                         \
         "Fixed cost of the atomic pause of a mark-compact")                                     \
  DOUBLE(marking_speed, 1e6, 1, 1e12, "bytes/ms", "Calibrated speeds",                           \
         "Bytes one thread marks per ms (incremental steps; the atomic pause, whose shareable "  \
         "part parallel markers speed up)")                                                      \
  DOUBLE(marking_step_overhead_ms, 0, 0, 100, "ms", "Calibrated speeds",                         \
         "Main-thread time an incremental marking step costs beyond its marking (scheduling, "   \
         "the concurrent markers' bytes fetched, the worklist shared). Node's steps of about "   \
         "64 KB take 0.08-0.12 ms (median per workload, r17), 0.064 ms of it at the marking "    \
         "speed, but lru-cache's back-to-back steps run at 1.0-1.6 MB/ms; 0.02-0.035 ms meets "  \
         "2 more of r17's targets, and the replay of node's lru-cache log loses mark-compacts "  \
         "(docs/fidelity.md)")                                                                   \
  DOUBLE(marking_null_slot_cost, 0.5, 0, 1, "share", "Calibrated speeds",                        \
         "What marking a slot that holds no reference costs, as a share of a word that does: "   \
         "node's concurrent markers scan a large array of nulls at 2.7 MB/ms against 1.4 "       \
         "MB/ms for its objects (--trace-concurrent-marking, large-objects)")                    \
  DOUBLE(marking_parallel_speedup, 2, 1, 8, "times", "Calibrated speeds",                        \
         "Most that parallel markers speed up the shareable part of the atomic pause's "         \
         "marking: the cores node's helpers get (this machine's core count)")                    \
  DOUBLE(concurrent_marking_speed, 1.5e6, 0, 1e12, "bytes/ms", "Calibrated speeds",              \
         "Bytes marked per ms of wall time by the concurrent markers while the mutator runs")    \
  DOUBLE(evacuation_speed, 7.6e5, 1, 1e12, "bytes/ms", "Calibrated speeds",                      \
         "Bytes a mark-compact evacuates (promotes or compacts) per ms")                         \
  DOUBLE(moved_page_object_speed, 3e4, 1, 1e12, "objects/ms", "Calibrated speeds",               \
         "Objects per ms a mark-compact visits on the young pages it moves whole to old space, " \
         "to record their slots (EvacuateNewSpacePageVisitor<NEW_TO_OLD>), beside the slots "    \
         "themselves: node's evacuate.copy beyond its 0.2 ms floor and HeapLab's copying, over " \
         "the objects HeapLab moves (12 workload and flag sets, pooled)")                        \
  DOUBLE(new_space_rebalance_speed, 7.5, 0.01, 1e12, "pages/ms", "Calibrated speeds",            \
         "Semi-space pages a mark-compact allocates per ms to refill new space after page "      \
         "promotion moved pages to old space (MC_EVACUATE_REBALANCE: SemiSpace::"                \
         "EnsureCurrentCapacity). Node's evacuate.rebalance is near 0 where no page moves (a "   \
         "memory-reducing mark-compact) and 0.06-0.22 ms per page HeapLab moves, median 0.13 "   \
         "(15 workloads and flag sets)")                                                         \
  DOUBLE(pointer_update_speed, 4e5, 1, 1e12, "slots/ms", "Calibrated speeds",                    \
         "Slots updated per ms after evacuation")                                                \
  DOUBLE(sweeping_speed, 2e7, 1, 1e12, "bytes/ms", "Calibrated speeds",                          \
         "Bytes of pages swept per ms by the concurrent sweepers (not part of the pause)")       \
  DOUBLE(marking_start_contention_ms, 0, 0, 1000, "ms", "Calibrated speeds",                     \
         "How long starting the concurrent markers takes the main thread's core when marking "   \
         "starts (node's MC_INCREMENTAL_START, printed as incremental.sweep_array_buffers): "    \
         "the markers mark meanwhile, before the first step. Node's start takes 0.2-0.5 ms "     \
         "or 3-6 ms on this 2-core machine (r17); 2.5 ms gives node's mark-compact counts in "   \
         "2 more rows but large-objects' pauses half node's (docs/fidelity.md)")                 \
  DOUBLE(sweeper_contention_ms, 1.0, 0, 1000, "ms", "Calibrated speeds",                         \
         "How much starting the concurrent sweepers delays the end of a mark-compact's pause "   \
         "(node's MC finish phase): where the sweeper tasks and the main thread outnumber the "  \
         "cores they take the main thread's core, for this long once there are 4 MB of pages "   \
         "to sweep, for their sweeping time at most below that; 0 where cores are plenty")
