// The full collector: tri-colour marking, evacuation (young generation and fragmented pages),
// pointer updating and sweeping (src/heap/mark-compact.{h,cc}).
#pragma once

#include <cstdint>
#include <vector>

#include "sim/gc-event.h"

namespace heaplab {

class Heap;
class Page;

class MarkCompactCollector {
 public:
  explicit MarkCompactCollector(Heap& heap) : heap_(heap) {}

  // MarkCompactCollector::StartMarking (+ StartCompaction): clears live bytes, chooses
  // evacuation candidates and greys the roots.
  static void StartMarking(Heap& heap, bool incremental);

  // What CollectEvacuationCandidates saw, for --trace-fragmentation(-verbose).
  struct CandidateTrace {
    std::string space_name;               // "old_space", as V8 names it
    std::vector<std::string> page_lines;  // "compaction-selection-page: ..." per page considered
    std::size_t total_live_bytes = 0;     // of the pages counted (even when none are taken)
  };
  // V8's fragmentation rule (CollectEvacuationCandidates) for one paged space: pages whose free
  // share is at least the target percentage, fewest live bytes first, while the evacuated bytes
  // stay within the budget; none if that would release no page. `pages` carry their allocated
  // bytes; `excluded` is the page owning the linear allocation area. `trace`, when given, gets
  // V8's lines.
  static std::vector<Page*> CollectEvacuationCandidates(const std::vector<Page*>& pages,
                                                        const Page* excluded,
                                                        double target_fragmentation_percent,
                                                        std::size_t max_evacuated_bytes,
                                                        CandidateTrace* trace = nullptr);

  // MarkCompactCollector::CollectGarbage: the atomic pause. Finishes marking from the roots,
  // evacuates the young generation (whole pages above --page-promotion-threshold) and the
  // candidates, updates every pointer, and sweeps. Fills `event`.
  void CollectGarbage(GCEvent& event);

 private:
  void EvacuateYoungGeneration(GCEvent& ev);
  void EvacuateCandidates(GCEvent& ev);
  void UpdatePointers(GCEvent& ev);
  void Sweep(GCEvent& ev);

  Heap& heap_;
  std::vector<Page*> candidates_;
};

}  // namespace heaplab
