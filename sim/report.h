// What a run produced, for every front end: a recording sink (events, samples, trace text),
// the end-of-run summary, and the documented CSV/JSON export schemas (docs/cli.md).
#pragma once

#include <array>
#include <cstddef>
#include <deque>
#include <initializer_list>
#include <optional>
#include <ostream>
#include <string>
#include <vector>

#include "sim/gc-event.h"
#include "sim/trace-format.h"
#include "sim/trace-parser.h"

namespace heaplab {

class Heap;

// Records everything a heap reports and, when asked, writes Node-format trace text as it goes.
class RunRecorder : public HeapSink {
 public:
  struct TraceOptions {
    bool trace_gc = false;
    bool trace_gc_nvp = false;
    bool trace_gc_verbose = false;
    TraceContext context;
  };
  // `trace_out` receives trace lines (may be null: nothing is written).
  RunRecorder() = default;
  RunRecorder(TraceOptions trace, std::ostream* trace_out) : trace_(trace), out_(trace_out) {}

  void OnGCEvent(const GCEvent& event) override;
  void OnSample(const HeapSample& sample) override;
  void OnOutOfMemory(const OutOfMemoryEvent& event) override;
  void OnTraceMessage(const TraceMessage& message) override;

  const std::vector<GCEvent>& events() const { return events_; }
  const std::vector<HeapSample>& samples() const { return samples_; }
  const std::optional<OutOfMemoryEvent>& oom() const { return oom_; }
  // The last --trace-gc lines (V8's "Last few GCs" ring), newest last.
  const std::deque<std::string>& last_gc_lines() const { return last_lines_; }
  // Every --trace-gc line of the run (kept when trace_gc is on).
  const std::vector<std::string>& trace_lines() const { return trace_lines_; }

 private:
  TraceOptions trace_{};
  std::ostream* out_ = nullptr;
  std::vector<GCEvent> events_;
  std::vector<HeapSample> samples_;
  std::optional<OutOfMemoryEvent> oom_;
  std::deque<std::string> last_lines_;
  std::vector<std::string> trace_lines_;
};

// The trace heaplab-cli run writes for `heap`: its flags' --trace-gc, --trace-gc-nvp and
// --trace-gc-verbose, its pid and isolate address, and its profile's wording.
RunRecorder::TraceOptions TraceOptionsFor(const Heap& heap);

// The text heaplab-cli writes for one GC under `trace`, newline-terminated: the heap
// controller's lines (verbose, when the limits were recomputed), `trace_gc_line` (the event's
// FormatTraceGCLine), the nvp line and the verbose block, each as its flag asks.
std::string FormatGCEventTrace(const GCEvent& event,
                               const RunRecorder::TraceOptions& trace,
                               const std::string& trace_gc_line);

// Pause statistics of one kind of GC (nearest-rank percentiles).
struct PauseStats {
  std::size_t count = 0;
  double p50_ms = 0, p95_ms = 0, p99_ms = 0, max_ms = 0, total_ms = 0;
};
// Nearest-rank percentile `p` (0..100) of `values`; 0 when empty.
double Percentile(std::vector<double> values, double p);
// The median of `values` (the mean of the middle two for an even count); 0 when empty.
double Median(std::vector<double> values);
// Count, nearest-rank p50/p95/p99, max and total of `pauses_ms`.
PauseStats ComputePauseStats(const std::vector<double>& pauses_ms);
// The same for the events of one collector.
PauseStats ComputePauseStats(const std::vector<GCEvent>& events, GarbageCollector collector);

struct SpacePeak {
  std::size_t peak_used_bytes = 0, peak_committed_bytes = 0;
  std::size_t final_used_bytes = 0, final_committed_bytes = 0;
};

// Allocation as a GC log shows it: the heap's size before each GC less its size after the GC
// before, summed from the start of the process. V8's start-up heap counts (node's first
// scavenge reports it as allocated); growth inside a GC and allocation after the last one do
// not. Both sides of `compare` count the allocation at an OOM this way.
class TracedAllocation {
 public:
  // Adds one GC, its heap sizes in MB before and after it.
  void Add(double before_mb, double after_mb);
  // The allocation counted so far, in MB.
  double mb() const { return total_mb_; }

 private:
  double total_mb_ = 0;
  double previous_after_mb_ = 0;
};

struct RunSummary {
  PauseStats scavenge;
  PauseStats mark_compact;
  double duration_ms = 0;          // simulated
  double mutator_utilization = 1;  // 1 - total pause / duration
  double allocated_mb = 0;
  double promoted_mb = 0;
  double allocation_rate_mb_per_s = 0;
  double promotion_rate_mb_per_s = 0;
  double peak_heap_mb = 0;  // peak of used bytes over all spaces
  std::array<SpacePeak, kNumberOfSpaces> spaces{};
  std::vector<double> old_after_mark_compact_mb;
  bool out_of_memory = false;
  std::string oom_message;
  // MB allocated when the heap ran out, counted as node's log counts it (TracedAllocation):
  // the start-up heap included, so that HeapLab's figure and node's compare.
  double oom_allocated_mb = 0;
};

RunSummary Summarize(const RunRecorder& recorder, const Heap& heap);
// The same summary read off a real node log (--trace-gc or --trace-gc-nvp lines): counts and
// pauses per kind, peak heap, heap after each mark-compact, promoted bytes (nvp only),
// allocation recomputed from consecutive sizes, and the fatal end.
RunSummary SummarizeTraceLog(const TraceLog& log);
// The human-readable summary heaplab-cli prints at the end of a run.
std::string FormatSummary(const RunSummary& summary, bool has_map_space);

// Whether `path` can take a data export: it ends in one of `endings` (.csv or .json unless
// given) and its folder exists. Returns an error naming the file. Programs check it before a
// run, so no run is lost to it.
std::optional<std::string> CheckDataExportPath(const std::string& path,
                                               std::initializer_list<const char*> endings = {
                                                   ".csv", ".json"});
// Writes the events (CSV for .csv, JSON for .json; any other name is an error) atomically: a
// temporary file renamed into place. Returns an error message naming the file on failure.
std::optional<std::string> WriteEvents(const std::string& path, const std::vector<GCEvent>& events);
std::optional<std::string> WriteSamples(const std::string& path,
                                        const std::vector<HeapSample>& samples);
// Writes `text` to `path` atomically.
std::optional<std::string> WriteFileAtomically(const std::string& path, const std::string& text);

}  // namespace heaplab
