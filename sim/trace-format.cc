#include "sim/trace-format.h"

#include <cinttypes>

namespace heaplab {

namespace {

double ToMB(std::size_t bytes) {
  return static_cast<double>(bytes) / (1024.0 * 1024.0);
}
std::size_t ToKB(std::size_t bytes) {
  return bytes / 1024;
}

std::string TimePrefix(const TraceContext& ctx, double time_ms) {
  return IsolatePrefix(ctx) + Format("%8.0f ms: ", time_ms);
}

const SpaceStats& S(const SpaceStatsArray& a, AllocationSpace s) {
  return a[static_cast<std::size_t>(s)];
}

}  // namespace

std::string IsolatePrefix(const TraceContext& ctx) {
  return Format("[%u:0x%" PRIx64 "] ", ctx.pid, ctx.isolate_address);
}

std::string FormatTraceMessage(const TraceMessage& m, const TraceContext& ctx) {
  return (m.timestamped ? TimePrefix(ctx, m.time_ms) : IsolatePrefix(ctx)) + m.text;
}

std::string FormatTraceGCLine(const GCEvent& e, const TraceContext& ctx) {
  std::string name;
  if (e.collector == GarbageCollector::kScavenger)
    name = "Scavenge";
  else
    name = ctx.legacy ? "Mark-sweep" : "Mark-Compact";
  std::string incremental;
  if (e.collector == GarbageCollector::kMarkCompactor && e.incremental) {
    incremental = Format(
        " (+ %.1f ms in %d steps since start of marking, biggest step %.1f ms, walltime since "
        "start of marking %.f ms)",
        e.incremental_ms, e.incremental_steps, e.incremental_longest_step_ms,
        e.marking_walltime_ms);
  }
  const char* pause_fmt = ctx.legacy ? "%.1f / %.1f ms %s" : "%.2f / %.2f ms %s";
  std::string line = TimePrefix(ctx, e.end_ms());
  line += Format("%s%s %.1f (%.1f) -> %.1f (%.1f) MB, ", name.c_str(),
                 e.reduce_memory ? " (reduce)" : "", ToMB(TotalUsed(e.before)),
                 ToMB(TotalCommitted(e.before)), ToMB(TotalUsed(e.after)),
                 ToMB(TotalCommitted(e.after)));
  line += Format(pause_fmt, e.pause_ms, 0.0, incremental.c_str());
  line += Format(" (average mu = %.3f, current mu = %.3f) %s; %s", e.average_mu, e.current_mu,
                 std::string(ToString(e.reason)).c_str(),
                 std::string(ToString(e.collector_reason)).c_str());
  return line;
}

std::string FormatTraceGCNvpLine(const GCEvent& e, const TraceContext& ctx) {
  std::string l = TimePrefix(ctx, e.end_ms());
  auto kv = [&](const char* key, const std::string& value) {
    if (l.back() != ' ') l += ' ';
    l += key;
    l += '=';
    l += value;
  };
  auto ms = [&](const char* key, double v) { kv(key, Format("%.2f", v)); };
  auto num = [&](const char* key, std::size_t v) { kv(key, Format("%zu", v)); };
  auto pct = [&](const char* key, double v) { kv(key, Format("%.1f%%", v)); };
  const std::size_t before = TotalUsed(e.before), after = TotalUsed(e.after);
  const std::size_t young_before = S(e.before, AllocationSpace::kNew).used_bytes +
                                   S(e.before, AllocationSpace::kNewLargeObject).used_bytes;
  const double promotion_ratio = young_before ? 100.0 * static_cast<double>(e.promoted_bytes) /
                                                    static_cast<double>(young_before)
                                              : 0;
  const double survive_rate = young_before ? 100.0 * static_cast<double>(e.survived_bytes) /
                                                 static_cast<double>(young_before)
                                           : 0;
  const double throughput =
      e.mutator_ms > 0 ? static_cast<double>(e.allocated_bytes) / e.mutator_ms : 0;
  const std::size_t holes_before = 0, holes_after = 0;

  kv("pause", Format("%.1f", e.pause_ms));
  kv("mutator", Format("%.1f", e.mutator_ms));
  if (e.collector == GarbageCollector::kScavenger) {
    kv("gc", "s");
    num("reduce_memory", e.reduce_memory ? 1 : 0);
    for (const char* k :
         {"time_to_safepoint", "heap.prologue", "heap.epilogue", "heap.epilogue.reduce_new_space",
          "heap.external.prologue", "heap.external.epilogue", "heap.external_weak_global_handles",
          "fast_promote", "complete.sweep_array_buffers"})
      ms(k, 0);
    ms("scavenge", e.phase_ms("scavenge"));
    ms("scavenge.free_remembered_set", e.phase_ms("scavenge.free_remembered_set"));
    ms("scavenge.roots", e.phase_ms("scavenge.roots"));
    for (const char* k : {"scavenge.weak", "scavenge.weak_global_handles.identify",
                          "scavenge.weak_global_handles.process"})
      ms(k, 0);
    ms("scavenge.parallel", e.phase_ms("scavenge.parallel"));
    ms("scavenge.update_refs", e.phase_ms("scavenge.update_refs"));
    ms("scavenge.sweep_array_buffers", 0);
    ms("background.scavenge.parallel", e.phase_ms("background.scavenge.parallel"));
    for (const char* k : {"background.unmapper", "unmapper"})
      ms(k, 0);
    num("incremental.steps_count", 0);
    kv("incremental.steps_took", "0.0");
    num("scavenge_throughput",
        e.pause_ms > 0 ? static_cast<std::size_t>(
                             static_cast<double>(e.survived_bytes + e.promoted_bytes) / e.pause_ms)
                       : 0);
    num("total_size_before", before);
    num("total_size_after", after);
    num("holes_size_before", holes_before);
    num("holes_size_after", holes_after);
    num("allocated", e.allocated_bytes);
    num("promoted", e.promoted_bytes);
    num("new_space_survived", e.survived_bytes);
    num("nodes_died_in_new", e.objects_died_in_new);
    num("nodes_copied_in_new", e.objects_copied);
    num("nodes_promoted", e.objects_promoted);
    pct("promotion_ratio", promotion_ratio);
    pct("average_survival_ratio", e.average_survival_ratio_percent);
    pct("promotion_rate", e.promotion_rate_percent);
    pct("new_space_survive_rate_", survive_rate);
    kv("new_space_allocation_throughput", Format("%.1f", throughput));
    num("unmapper_chunks", 0);
    return l;
  }
  kv("gc", "mc");
  num("reduce_memory", e.reduce_memory ? 1 : 0);
  for (const char* k : {"time_to_safepoint", "heap.prologue", "heap.embedder_tracing_epilogue",
                        "heap.epilogue", "heap.epilogue.reduce_new_space", "heap.external.prologue",
                        "heap.external.epilogue", "heap.external.weak_global_handles"})
    ms(k, 0);
  ms("clear", e.phase_ms("clear"));
  for (const char* k :
       {"clear.external_string_table", "clear.string_forwarding_table", "clear.weak_global_handles",
        "clear.dependent_code", "clear.maps", "clear.slots_buffer", "clear.weak_collections",
        "clear.weak_lists", "clear.weak_references", "clear.join_job",
        "complete.sweep_array_buffers", "complete.sweeping", "epilogue"})
    ms(k, 0);
  ms("evacuate", e.phase_ms("evacuate"));
  ms("evacuate.candidates", 0);
  ms("evacuate.clean_up", 0);
  ms("evacuate.copy", e.phase_ms("evacuate.copy"));
  for (const char* k : {"evacuate.prologue", "evacuate.epilogue"})
    ms(k, 0);
  ms("evacuate.rebalance", e.phase_ms("evacuate.rebalance"));
  ms("evacuate.update_pointers", e.phase_ms("evacuate.update_pointers"));
  for (const char* k : {"evacuate.update_pointers.to_new_roots",
                        "evacuate.update_pointers.slots.main", "evacuate.update_pointers.weak"})
    ms(k, 0);
  // MarkCompactCollector::Finish: where the concurrent sweepers start (and may take the core).
  ms("finish", e.phase_ms("finish"));
  ms("finish.sweep_array_buffers", 0);
  ms("mark", e.phase_ms("mark"));
  ms("mark.finish_incremental", 0);
  ms("mark.roots", e.phase_ms("mark.roots"));
  ms("mark.full_closure_parallel", e.phase_ms("mark.main"));
  for (const char* k : {"mark.full_closure", "mark.ephemeron.marking", "mark.ephemeron.linear",
                        "mark.embedder_prologue", "mark.embedder_tracing", "prologue"})
    ms(k, 0);
  ms("sweep", e.phase_ms("sweep"));
  for (const char* k : {"sweep.code", "sweep.map", "sweep.new", "sweep.new_lo", "sweep.old"})
    ms(k, 0);
  ms("incremental", e.incremental_ms);
  for (const char* k : {"incremental.finalize", "incremental.finalize.external.prologue",
                        "incremental.finalize.external.epilogue", "incremental.layout_change"})
    ms(k, 0);
  // Node 20 prints MC_INCREMENTAL_START under this name: its value is the time from
  // --trace-incremental-marking's "Start" to "Running" (3.4-5.4 ms in large-objects).
  ms("incremental.sweep_array_buffers", e.incremental_start_ms);
  for (const char* k : {"incremental.sweeping", "incremental.embedder_prologue",
                        "incremental.embedder_tracing", "incremental_wrapper_tracing_longest_step"})
    ms(k, 0);
  ms("incremental_longest_step", e.incremental_longest_step_ms);
  num("incremental_steps_count", static_cast<std::size_t>(e.incremental_steps));
  // GCTracer::IncrementalMarkingSpeedInBytesPerMillisecond: the recorded speed of the main
  // thread's steps (128 KB/ms before any step, as node prints for a heap never marked
  // incrementally), not all the bytes the cycle marked.
  kv("incremental_marking_throughput", Format("%.f", e.incremental_marking_speed_bytes_per_ms));
  // GCTracer::PrintNVP: end_time - incremental_marking_start_time, the atomic pause included,
  // in whole milliseconds ("%.f").
  kv("incremental_walltime_duration", Format("%.f", e.incremental ? e.marking_walltime_ms : 0));
  ms("background.mark", e.phase_ms("background.mark"));
  ms("background.sweep", e.phase_ms("background.sweep"));
  for (const char* k : {"background.evacuate.copy", "background.evacuate.update_pointers",
                        "background.unmapper", "unmapper"})
    ms(k, 0);
  num("total_size_before", before);
  num("total_size_after", after);
  num("holes_size_before", holes_before);
  num("holes_size_after", holes_after);
  num("allocated", e.allocated_bytes);
  num("promoted", e.promoted_bytes);
  num("new_space_survived", e.survived_bytes);
  num("nodes_died_in_new", e.objects_died_in_new);
  num("nodes_copied_in_new", e.objects_copied);
  num("nodes_promoted", e.objects_promoted);
  pct("promotion_ratio", promotion_ratio);
  pct("average_survival_ratio", e.average_survival_ratio_percent);
  pct("promotion_rate", e.promotion_rate_percent);
  pct("new_space_survive_rate", survive_rate);
  kv("new_space_allocation_throughput", Format("%.1f", throughput));
  num("unmapper_chunks", 0);
  num("compaction_speed", e.evacuated_bytes > 0 && e.phase_ms("evacuate.copy") > 0
                              ? static_cast<std::size_t>(static_cast<double>(e.evacuated_bytes) /
                                                         e.phase_ms("evacuate.copy"))
                              : 0);
  return l;
}

std::string FormatHeapControllerLines(const GCEvent& e, const TraceContext& ctx) {
  const double mu = 0.970;  // kTargetMutatorUtilization, as V8 prints it
  const double ratio = e.mutator_speed > 0 ? e.gc_speed / e.mutator_speed : 0;
  std::string prefix = TimePrefix(ctx, e.end_ms());
  std::string out =
      prefix +
      Format(
          "[HeapController] factor %.1f based on mu=%.3f, speed_ratio=%.f (gc=%.f, mutator=%.f)\n",
          e.growing_factor, mu, ratio, e.gc_speed, e.mutator_speed);
  std::string limit =
      Format("Limit: old size: %zu KB, new limit: %zu KB (%.1f)\n",
             ToKB(e.old_generation_size_bytes), ToKB(e.recomputed_limit_bytes), e.growing_factor);
  out += prefix + "[HeapController] " + limit;
  out += prefix + "[GlobalMemoryController] " + limit;
  return out;
}

std::string FormatTraceGCVerbose(const GCEvent& e, const TraceContext& ctx, bool has_map_space) {
  const std::string p = IsolatePrefix(ctx);
  const SpaceStatsArray& a = e.after;
  const std::size_t committed = TotalCommitted(a);
  const std::size_t limit = e.heap_limit_bytes;
  const std::size_t allocator_available = limit > committed ? limit - committed : 0;
  constexpr std::size_t kReadOnlyUsed = 48 * 1024;
  std::string out;
  out += p + Format("Memory allocator,       used: %6zu KB, available: %6zu KB\n", ToKB(committed),
                    ToKB(allocator_available));
  out +=
      p + Format("Read-only space,        used: %6zu KB, available: %6zu KB, committed: %6zu KB\n",
                 ToKB(kReadOnlyUsed), std::size_t{0}, std::size_t{0});
  auto line = [&](const char* label, AllocationSpace s) {
    const SpaceStats& x = S(a, s);
    out += p + Format("%s used: %6zu KB, available: %6zu KB, committed: %6zu KB\n", label,
                      ToKB(x.used_bytes), ToKB(x.available_bytes), ToKB(x.committed_bytes));
  };
  line("New space,             ", AllocationSpace::kNew);
  line("New large object space,", AllocationSpace::kNewLargeObject);
  line("Old space,             ", AllocationSpace::kOld);
  line("Code space,            ", AllocationSpace::kCode);
  if (has_map_space) line("Map space,             ", AllocationSpace::kMap);
  line("Large object space,    ", AllocationSpace::kLargeObject);
  line("Code large object space,    ", AllocationSpace::kCodeLargeObject);
  std::size_t available = allocator_available;
  for (const auto& x : a)
    available += x.available_bytes;
  out +=
      p + Format("All spaces,             used: %6zu KB, available: %6zu KB, committed: %6zu KB\n",
                 ToKB(TotalUsed(a) + kReadOnlyUsed), ToKB(available), ToKB(committed));
  out += p + Format("Unmapper buffering %zu chunks of committed: %6zu KB\n", std::size_t{0},
                    std::size_t{0});
  out += p + Format("External memory reported: %6d KB\n", 0);
  out += p + Format("Backing store memory: %6d KB\n", 0);
  out += p + Format("External memory global %zu KB\n", std::size_t{0});
  out += p + Format("Total time spent in GC  : %.1f ms\n", e.total_gc_ms);
  return out;
}

std::string FormatOutOfMemoryReport(const OutOfMemoryEvent& oom,
                                    const std::deque<std::string>& last_gc_lines) {
  std::string out = "\n<--- Last few GCs --->\n\n";
  for (const auto& l : last_gc_lines)
    out += l + "\n";
  out += "\n\n<--- JS stacktrace --->\n\n";
  out += oom.message + "\n";
  return out;
}

}  // namespace heaplab
