#include <gtest/gtest.h>

#include <sstream>

#include "sim/report.h"
#include "sim/trace-format.h"

namespace heaplab {
namespace {

std::size_t Bytes(double mb) {
  return static_cast<std::size_t>(mb * 1024 * 1024 + 0.5);
}

GCEvent Event(GarbageCollector c,
              double end_ms,
              double pause_ms,
              double b,
              double bc,
              double a,
              double ac,
              GarbageCollectionReason reason,
              CollectorReason cr,
              double avg_mu,
              double cur_mu,
              bool reduce = false) {
  GCEvent e;
  e.collector = c;
  e.start_ms = end_ms - pause_ms;
  e.pause_ms = pause_ms;
  auto old = static_cast<std::size_t>(AllocationSpace::kOld);
  e.before[old] = SpaceStats{Bytes(b), Bytes(bc), 0};
  e.after[old] = SpaceStats{Bytes(a), Bytes(ac), 0};
  e.reason = reason;
  e.collector_reason = cr;
  e.average_mu = avg_mu;
  e.current_mu = cur_mu;
  e.reduce_memory = reduce;
  return e;
}

TraceContext Ctx(std::uint32_t pid, std::uint64_t isolate) {
  TraceContext c;
  c.pid = pid;
  c.isolate_address = isolate;
  return c;
}

// The verbatim lines of node20-observed §7.
TEST(TraceFormat, ScavengeLinesMatchNode20) {
  EXPECT_EQ(FormatTraceGCLine(
                Event(GarbageCollector::kScavenger, 52, 5.73, 4.1, 4.2, 3.3, 5.2,
                      GarbageCollectionReason::kAllocationFailure, CollectorReason::kNone, 1, 1),
                Ctx(11075, 0xe639ca0)),
            "[11075:0xe639ca0]       52 ms: Scavenge 4.1 (4.2) -> 3.3 (5.2) MB, 5.73 / 0.00 ms  "
            "(average mu = 1.000, current mu = 1.000) allocation failure; ");
  EXPECT_EQ(
      FormatTraceGCLine(Event(GarbageCollector::kScavenger, 2590, 27.45, 61.4, 81.5, 59.9, 90.5,
                              GarbageCollectionReason::kTask, CollectorReason::kNone, 0.935, 0.940),
                        Ctx(12038, 0x21c7cd70)),
      "[12038:0x21c7cd70]     2590 ms: Scavenge 61.4 (81.5) -> 59.9 (90.5) MB, 27.45 / 0.00 "
      "ms  (average mu = 0.935, current mu = 0.940) task; ");
  EXPECT_EQ(FormatTraceGCLine(Event(GarbageCollector::kScavenger, 1756, 8.91, 227.6, 231.4, 227.5,
                                    231.4, GarbageCollectionReason::kAllocationFailure,
                                    CollectorReason::kNone, 0.584, 0.522, true),
                              Ctx(11738, 0x1b397d40)),
            "[11738:0x1b397d40]     1756 ms: Scavenge (reduce) 227.6 (231.4) -> 227.5 (231.4) MB, "
            "8.91 / 0.00 ms  (average mu = 0.584, current mu = 0.522) allocation failure; ");
}

TEST(TraceFormat, MarkCompactLinesMatchNode20) {
  GCEvent e = Event(GarbageCollector::kMarkCompactor, 325, 5.31, 33.5, 64.3, 31.1, 64.5,
                    GarbageCollectionReason::kFinalizeMarkingViaTask,
                    CollectorReason::kOldSpaceRequested, 1, 1);
  e.incremental = true;
  e.incremental_ms = 1.1;
  e.incremental_steps = 15;
  e.incremental_longest_step_ms = 0.2;
  e.marking_walltime_ms = 34;
  EXPECT_EQ(FormatTraceGCLine(e, Ctx(11166, 0x13843ca0)),
            "[11166:0x13843ca0]      325 ms: Mark-Compact 33.5 (64.3) -> 31.1 (64.5) MB, 5.31 / "
            "0.00 ms  (+ 1.1 ms in 15 steps since start of marking, biggest step 0.2 ms, walltime "
            "since start of marking 34 ms) (average mu = 1.000, current mu = 1.000) finalize "
            "incremental marking via task; GC in old space requested");
  EXPECT_EQ(FormatTraceGCLine(Event(GarbageCollector::kMarkCompactor, 1653, 78.63, 87.3, 148.7,
                                    65.4, 127.0, GarbageCollectionReason::kTask,
                                    CollectorReason::kScavengeMightNotSucceed, 0.600, 0.389),
                              Ctx(11231, 0x36062d40)),
            "[11231:0x36062d40]     1653 ms: Mark-Compact 87.3 (148.7) -> 65.4 (127.0) MB, 78.63 "
            "/ 0.00 ms  (average mu = 0.600, current mu = 0.389) task; scavenge might not succeed");
  GCEvent r = Event(GarbageCollector::kMarkCompactor, 3262, 49.62, 97.0, 147.2, 73.9, 84.5,
                    GarbageCollectionReason::kFinalizeMarkingViaTask,
                    CollectorReason::kOldSpaceRequested, 0.622, 0.566, true);
  r.incremental = true;
  r.incremental_ms = 45.0;
  r.incremental_steps = 26;
  r.incremental_longest_step_ms = 6.5;
  r.marking_walltime_ms = 130;
  EXPECT_EQ(FormatTraceGCLine(r, Ctx(11231, 0x36062d40)),
            "[11231:0x36062d40]     3262 ms: Mark-Compact (reduce) 97.0 (147.2) -> 73.9 (84.5) MB, "
            "49.62 / 0.00 ms  (+ 45.0 ms in 26 steps since start of marking, biggest step 6.5 ms, "
            "walltime since start of marking 130 ms) (average mu = 0.622, current mu = 0.566) "
            "finalize incremental marking via task; GC in old space requested");
  EXPECT_EQ(FormatTraceGCLine(
                Event(GarbageCollector::kMarkCompactor, 696, 4.81, 6.1, 19.7, 3.0, 19.7,
                      GarbageCollectionReason::kTesting, CollectorReason::kOldSpaceRequested, 1, 1),
                Ctx(11075, 0xe639ca0)),
            "[11075:0xe639ca0]      696 ms: Mark-Compact 6.1 (19.7) -> 3.0 (19.7) MB, 4.81 / 0.00 "
            "ms  (average mu = 1.000, current mu = 1.000) testing; GC in old space requested");
}

TEST(TraceFormat, LegacyWording) {
  TraceContext ctx = Ctx(1, 0x10);
  ctx.legacy = true;
  std::string l = FormatTraceGCLine(
      Event(GarbageCollector::kMarkCompactor, 100, 12.345, 10, 20, 5, 20,
            GarbageCollectionReason::kAllocationFailure, CollectorReason::kOldSpaceRequested, 1, 1),
      ctx);
  EXPECT_NE(l.find("Mark-sweep 10.0 (20.0) -> 5.0 (20.0) MB, 12.3 / 0.0 ms"), std::string::npos)
      << l;
}

std::vector<std::string> Keys(const std::string& line) {
  std::vector<std::string> keys;
  std::istringstream in(line.substr(line.find("ms: ") + 4));
  std::string tok;
  while (in >> tok)
    keys.push_back(tok.substr(0, tok.find('=')));
  return keys;
}

std::vector<std::string> Split(const std::string& s) {
  std::vector<std::string> out;
  std::istringstream in(s);
  std::string t;
  while (in >> t)
    out.push_back(t);
  return out;
}

TEST(TraceFormat, NvpKeysInNode20Order) {
  // node20-observed §8, verbatim key lists.
  const auto scavenge_keys = Split(
      "pause mutator gc reduce_memory time_to_safepoint heap.prologue heap.epilogue "
      "heap.epilogue.reduce_new_space heap.external.prologue heap.external.epilogue "
      "heap.external_weak_global_handles fast_promote complete.sweep_array_buffers scavenge "
      "scavenge.free_remembered_set scavenge.roots scavenge.weak "
      "scavenge.weak_global_handles.identify scavenge.weak_global_handles.process "
      "scavenge.parallel scavenge.update_refs scavenge.sweep_array_buffers "
      "background.scavenge.parallel background.unmapper unmapper incremental.steps_count "
      "incremental.steps_took scavenge_throughput total_size_before total_size_after "
      "holes_size_before holes_size_after allocated promoted new_space_survived "
      "nodes_died_in_new nodes_copied_in_new nodes_promoted promotion_ratio "
      "average_survival_ratio promotion_rate new_space_survive_rate_ "
      "new_space_allocation_throughput unmapper_chunks");
  const auto mc_keys = Split(
      "pause mutator gc reduce_memory time_to_safepoint heap.prologue "
      "heap.embedder_tracing_epilogue heap.epilogue heap.epilogue.reduce_new_space "
      "heap.external.prologue heap.external.epilogue heap.external.weak_global_handles clear "
      "clear.external_string_table clear.string_forwarding_table clear.weak_global_handles "
      "clear.dependent_code clear.maps clear.slots_buffer clear.weak_collections clear.weak_lists "
      "clear.weak_references clear.join_job complete.sweep_array_buffers complete.sweeping "
      "epilogue evacuate evacuate.candidates evacuate.clean_up evacuate.copy evacuate.prologue "
      "evacuate.epilogue evacuate.rebalance evacuate.update_pointers "
      "evacuate.update_pointers.to_new_roots evacuate.update_pointers.slots.main "
      "evacuate.update_pointers.weak finish finish.sweep_array_buffers mark "
      "mark.finish_incremental mark.roots mark.full_closure_parallel mark.full_closure "
      "mark.ephemeron.marking mark.ephemeron.linear mark.embedder_prologue mark.embedder_tracing "
      "prologue sweep sweep.code sweep.map sweep.new sweep.new_lo sweep.old incremental "
      "incremental.finalize incremental.finalize.external.prologue "
      "incremental.finalize.external.epilogue incremental.layout_change "
      "incremental.sweep_array_buffers incremental.sweeping incremental.embedder_prologue "
      "incremental.embedder_tracing incremental_wrapper_tracing_longest_step "
      "incremental_longest_step incremental_steps_count incremental_marking_throughput "
      "incremental_walltime_duration background.mark background.sweep background.evacuate.copy "
      "background.evacuate.update_pointers background.unmapper unmapper total_size_before "
      "total_size_after holes_size_before holes_size_after allocated promoted new_space_survived "
      "nodes_died_in_new nodes_copied_in_new nodes_promoted promotion_ratio "
      "average_survival_ratio promotion_rate new_space_survive_rate "
      "new_space_allocation_throughput unmapper_chunks compaction_speed");
  ASSERT_EQ(scavenge_keys.size(), 44u);
  ASSERT_EQ(mc_keys.size(), 92u);
  GCEvent s = Event(GarbageCollector::kScavenger, 52, 4.4, 4, 4, 3, 4,
                    GarbageCollectionReason::kAllocationFailure, CollectorReason::kNone, 1, 1);
  std::string line = FormatTraceGCNvpLine(s, Ctx(11843, 0x32bc2c60));
  EXPECT_EQ(line.rfind("[11843:0x32bc2c60]       52 ms: pause=4.4 mutator=0.0 gc=s ", 0), 0u)
      << line;
  EXPECT_EQ(Keys(line), scavenge_keys);
  GCEvent m = Event(GarbageCollector::kMarkCompactor, 277, 3, 4, 4, 3, 4,
                    GarbageCollectionReason::kFinalizeMarkingViaTask,
                    CollectorReason::kOldSpaceRequested, 1, 1);
  EXPECT_EQ(Keys(FormatTraceGCNvpLine(m, Ctx(1, 2))), mc_keys);
  // The phases the simulator times are printed under their V8 names.
  m.phases = {{"evacuate", 2.5}, {"evacuate.copy", 1.25}, {"evacuate.rebalance", 0.75}};
  const std::string timed = FormatTraceGCNvpLine(m, Ctx(1, 2));
  for (const char* kv : {" evacuate=2.50 ", " evacuate.copy=1.25 ", " evacuate.rebalance=0.75 "})
    EXPECT_NE(timed.find(kv), std::string::npos) << kv << " in " << timed;
  // incremental_walltime_duration runs from the start of marking to the end of the pause, as
  // "walltime since start of marking" does in the --trace-gc line.
  m.incremental = true;
  m.incremental_steps = 15;
  m.marking_walltime_ms = 34;
  EXPECT_NE(FormatTraceGCNvpLine(m, Ctx(1, 2)).find(" incremental_walltime_duration=34 "),
            std::string::npos)
      << FormatTraceGCNvpLine(m, Ctx(1, 2));
}

TEST(TraceFormat, VerboseBlockShape) {
  GCEvent e = Event(GarbageCollector::kScavenger, 10, 1, 4, 4, 3, 4,
                    GarbageCollectionReason::kAllocationFailure, CollectorReason::kNone, 1, 1);
  e.heap_limit_bytes = 4144 * 1024 * 1024ull;
  std::string v = FormatTraceGCVerbose(e, Ctx(11921, 0x23047d40), false);
  EXPECT_NE(v.find("[11921:0x23047d40] Read-only space,        used:     48 KB, available:      0 "
                   "KB, committed:      0 KB\n"),
            std::string::npos)
      << v;
  EXPECT_NE(v.find("[11921:0x23047d40] New space,              used:"), std::string::npos);
  EXPECT_NE(v.find("[11921:0x23047d40] Code large object space,     used:"), std::string::npos);
  EXPECT_EQ(v.find("Map space"), std::string::npos);
  EXPECT_NE(FormatTraceGCVerbose(e, Ctx(1, 1), true).find("Map space,"), std::string::npos);
}

// Heap::RecomputeLimits prints its factor and limit under --trace-gc-verbose whenever it runs:
// after every mark-compact, and after a scavenge when young allocation is slow (node: "4585 ms:
// [HeapController] factor 1.1 ... Limit: old size: 8270 KB, new limit: 32569 KB (1.1)" before
// the Scavenge line, the limit not applied when it is not lower).
TEST(TraceFormat, RecomputedLimitsArePrintedBeforeTheirGCLine) {
  RunRecorder::TraceOptions o;
  o.trace_gc = true;
  o.trace_gc_verbose = true;
  o.context = Ctx(7, 0x10);
  std::ostringstream out;
  RunRecorder rec(o, &out);
  GCEvent s = Event(GarbageCollector::kScavenger, 4585, 3.2, 15.2, 28.5, 11.4, 44.5,
                    GarbageCollectionReason::kTask, CollectorReason::kNone, 1, 1);
  rec.OnGCEvent(s);  // limits not recomputed: no controller lines
  EXPECT_EQ(out.str().find("[HeapController]"), std::string::npos) << out.str();
  s.growing_factor = 1.1;
  s.gc_speed = 1128043;
  s.mutator_speed = 1910;
  s.old_generation_size_bytes = 8270 * 1024;
  s.recomputed_limit_bytes = 32569 * 1024;
  out.str("");
  rec.OnGCEvent(s);
  const std::string text = out.str();
  EXPECT_EQ(text.rfind("[7:0x10]     4585 ms: [HeapController] factor 1.1 based on mu=0.970, "
                       "speed_ratio=591 (gc=1128043, mutator=1910)\n",
                       0),
            0u)
      << text;
  EXPECT_NE(text.find("[HeapController] Limit: old size: 8270 KB, new limit: 32569 KB (1.1)\n"),
            std::string::npos);
  EXPECT_LT(text.find("[GlobalMemoryController] Limit:"), text.find("ms: Scavenge"));
}

}  // namespace
}  // namespace heaplab
