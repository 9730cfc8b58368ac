// What the simulator reports: GC events, periodic samples and the out-of-memory end, through
// the HeapSink interface. The simulator knows no implementation of it: the CLI's sink writes
// text/CSV/JSON, the GUI's fills a buffer.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "sim/globals.h"

namespace heaplab {

// One space's accounting at an instant (v8::HeapSpaceStatistics).
struct SpaceStats {
  std::size_t used_bytes = 0;       // bytes of objects
  std::size_t committed_bytes = 0;  // bytes of pages
  std::size_t available_bytes = 0;  // bytes still allocatable without a GC
  bool operator==(const SpaceStats&) const = default;
};
using SpaceStatsArray = std::array<SpaceStats, kNumberOfSpaces>;

// Bytes of objects in the young generation (new space and new large-object space).
inline std::size_t YoungGenerationBytes(const SpaceStatsArray& s) {
  return s[static_cast<std::size_t>(AllocationSpace::kNew)].used_bytes +
         s[static_cast<std::size_t>(AllocationSpace::kNewLargeObject)].used_bytes;
}

// Sum of used bytes over every space (Heap::SizeOfObjects).
std::size_t TotalUsed(const SpaceStatsArray& s);
// Sum of committed bytes over every space (Heap::CommittedMemory).
std::size_t TotalCommitted(const SpaceStatsArray& s);

// A named part of a GC's pause, with V8's --trace-gc-nvp key (e.g. "scavenge.parallel").
struct PhaseTime {
  std::string_view name;
  double ms = 0;
};

// Everything known about one garbage collection when it ends.
struct GCEvent {
  std::uint64_t sequence = 0;  // 0, 1, 2, ... over the run
  GarbageCollector collector = GarbageCollector::kScavenger;
  GarbageCollectionReason reason = GarbageCollectionReason::kAllocationFailure;
  CollectorReason collector_reason = CollectorReason::kNone;
  bool reduce_memory = false;
  double start_ms = 0;            // simulated time the pause began
  double pause_ms = 0;            // main-thread pause
  double mutator_ms = 0;          // mutator time since the previous GC ended
  std::vector<PhaseTime> phases;  // breakdown of pause_ms (and background work, marked so)
  SpaceStatsArray before{};
  SpaceStatsArray after{};
  std::size_t allocated_bytes = 0;  // allocated since the previous GC ended
  std::size_t promoted_bytes = 0;   // moved from the young to the old generation
  std::size_t survived_bytes = 0;   // copied within new space (scavenge only)
  std::size_t objects_copied = 0;
  std::size_t objects_promoted = 0;
  std::size_t objects_died_in_new = 0;
  std::size_t slots_visited = 0;
  std::size_t slots_updated = 0;
  // Mark-compact: work done.
  std::size_t marked_bytes = 0;
  std::size_t marked_objects = 0;
  std::size_t evacuated_bytes = 0;        // compaction of old-generation candidates
  std::size_t evacuation_candidates = 0;  // pages compacted
  std::size_t pages_promoted = 0;         // new-space pages moved whole
  // Live bytes on them and on promoted young large pages (part of promoted_bytes).
  std::size_t page_moved_bytes = 0;
  std::size_t page_moved_slots = 0;    // their objects' slots, recorded rather than copied
  std::size_t page_moved_objects = 0;  // their live objects, each visited to record its slots
  std::size_t swept_pages = 0;
  std::size_t swept_free_bytes = 0;
  std::size_t large_objects_freed = 0;
  double background_ms = 0;  // concurrent sweeping/marking attributed to this cycle
  // Incremental marking that this mark-compact finalized (not part of pause_ms).
  int incremental_steps = 0;
  double incremental_ms = 0;
  double incremental_longest_step_ms = 0;
  double incremental_start_ms = 0;  // starting the marking (IncrementalMarking::Start), no step
  double marking_walltime_ms = 0;   // from the start of marking to the end of this GC
  // GCTracer::IncrementalMarkingSpeedInBytesPerMillisecond once this mark-compact is recorded:
  // the main thread's steps' bytes over their time, averaged with the earlier cycles' (what
  // --trace-gc-nvp prints as incremental_marking_throughput).
  double incremental_marking_speed_bytes_per_ms = 0;
  bool incremental = false;
  // Mutator utilization as printed on the line (the values before this GC is recorded).
  double average_mu = 1.0;
  double current_mu = 1.0;
  // Heap growing: after a mark-compact, and after a scavenge when young allocation is slow
  // (Heap::RecomputeLimits; then `recomputed_limit_bytes` is the limit it computed, applied only
  // if lower than the one in force). 0 when the limits were not recomputed.
  double growing_factor = 0;
  std::size_t recomputed_limit_bytes = 0;
  std::size_t end_object_size_bytes = 0;       // all objects after a mark-compact
  std::size_t old_generation_size_bytes = 0;   // old generation after the GC
  std::size_t old_generation_limit_bytes = 0;  // allocation limit after the GC
  std::size_t heap_limit_bytes = 0;
  std::size_t new_space_capacity_bytes = 0;  // usable capacity of one semi-space, after
  double gc_speed = 0;                       // bytes/ms the limit was computed with
  double mutator_speed = 0;
  double total_gc_ms = 0;  // cumulative pause time including this GC
  // Heap::UpdateSurvivalStatistics, as --trace-gc-nvp prints them: the tracer's average young
  // survival including this GC, and promoted bytes against the previous GC's semi-space copies.
  double average_survival_ratio_percent = 0;
  double promotion_rate_percent = 0;

  double end_ms() const { return start_ms + pause_ms; }
  std::size_t size_before_bytes() const { return TotalUsed(before); }
  std::size_t size_after_bytes() const { return TotalUsed(after); }
  double phase_ms(std::string_view name) const;
};

// Periodic snapshot of every space, for occupancy charts.
struct HeapSample {
  double time_ms = 0;
  SpaceStatsArray spaces{};
  std::size_t old_generation_limit_bytes = 0;
  std::size_t heap_limit_bytes = 0;
  std::size_t max_old_generation_bytes = 0;
  std::size_t allocated_total_bytes = 0;  // since the start of the run
  std::size_t promoted_total_bytes = 0;
  bool marking = false;
};

// The fatal out-of-memory end of a run, as V8 reports it.
struct OutOfMemoryEvent {
  double time_ms = 0;
  std::string location;  // "Reached heap limit", "Ineffective mark-compacts near heap limit", ...
  std::string
      message;  // "FATAL ERROR: <location> Allocation failed - JavaScript heap out of memory"
  std::size_t allocated_total_bytes = 0;
  SpaceStatsArray spaces{};
};

// Receives what the simulator reports. All callbacks run on the simulating thread.
// A line of V8's tracing besides the GC lines: --trace-pretenuring-statistics, and the memory
// reducer's lines under --trace-gc-verbose. The text has no "[pid:isolate]" prefix and no
// newline.
struct TraceMessage {
  double time_ms = 0;
  bool timestamped = false;  // printed with "<time> ms: " (PrintWithTimestamp), else PrintIsolate
  std::string text;
};

class HeapSink {
 public:
  virtual ~HeapSink() = default;
  // Called once per GC, after the GC finished.
  virtual void OnGCEvent(const GCEvent& event) { (void)event; }
  // Called every sample interval of simulated time and after every GC.
  virtual void OnSample(const HeapSample& sample) { (void)sample; }
  // Called once when the heap runs out of memory; the run ends after it.
  virtual void OnOutOfMemory(const OutOfMemoryEvent& event) { (void)event; }
  // Called for each line of V8's other tracing the flags ask for, when V8 would print it.
  virtual void OnTraceMessage(const TraceMessage& message) { (void)message; }
};

}  // namespace heaplab
