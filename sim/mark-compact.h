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

  // V8's fragmentation rule (CollectEvacuationCandidates) for one paged space: pages whose free
  // share is at least the target percentage, fewest live bytes first, while the evacuated bytes
  // stay within the budget; none if that would release no page. `pages` carry their allocated
  // bytes; `excluded` is the page owning the linear allocation area.
  static std::vector<Page*> CollectEvacuationCandidates(const std::vector<Page*>& pages,
                                                        const Page* excluded,
                                                        double target_fragmentation_percent,
                                                        std::size_t max_evacuated_bytes);

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
