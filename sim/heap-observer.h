// Fine-grained hooks inside the collectors, for teaching views and step mode. The heap calls
// them only when an observer is installed (one predictable branch per event otherwise), so
// they cost nothing when unused. A view records the calls of one GC and replays them.
#pragma once

#include <cstdint>

#include "sim/heap-object.h"

namespace heaplab {

class HeapObserver {
 public:
  virtual ~HeapObserver() = default;

  // --- Scavenge (Cheney) ---
  // A scavenge starts; from-space is what was to-space.
  virtual void OnScavengeStart() {}
  // `from` was evacuated to `to`; `promoted` if it went to old space. `from` now forwards.
  virtual void OnObjectCopied(ObjectRef from, ObjectRef to, bool promoted) {
    (void)from, (void)to, (void)promoted;
  }
  // A slot (of `host`, index `slot`) was rewritten from `old_value` to `new_value`.
  virtual void OnSlotUpdated(ObjectRef host,
                             std::uint32_t slot,
                             ObjectRef old_value,
                             ObjectRef new_value) {
    (void)host, (void)slot, (void)old_value, (void)new_value;
  }
  // Cheney's scan pointer reached `object` in to-space and scans its slots.
  virtual void OnScanObject(ObjectRef object) { (void)object; }
  // A young large object survived and its page moved to the large-object space.
  virtual void OnLargePagePromoted(ObjectRef object) { (void)object; }
  virtual void OnScavengeEnd() {}

  // --- Marking ---
  virtual void OnMarkingStart(bool incremental) { (void)incremental; }
  // `object` turned grey (pushed on the worklist). `by_barrier` when the write barrier did it.
  virtual void OnGreyed(ObjectRef object, bool by_barrier) { (void)object, (void)by_barrier; }
  // `object` turned black: popped from the worklist, all its slots scanned.
  virtual void OnBlackened(ObjectRef object) { (void)object; }
  virtual void OnIncrementalStep(std::size_t bytes_marked) { (void)bytes_marked; }

  // --- Mark-compact ---
  // The phases of the atomic pause, in order (src/heap/mark-compact.cc CollectGarbage).
  enum class Phase : std::uint8_t { kFinishMarking, kEvacuation, kUpdatePointers, kSweeping };
  // The mark-compact pause enters `phase`.
  virtual void OnMarkCompactPhase(Phase phase) { (void)phase; }
  // A page was chosen for evacuation (compaction).
  virtual void OnEvacuationCandidate(std::uint32_t page_id) { (void)page_id; }
  // A page was swept: its dead objects freed and its gaps put on the free list.
  virtual void OnPageSwept(std::uint32_t page_id, std::size_t free_bytes) {
    (void)page_id, (void)free_bytes;
  }
  virtual void OnMarkCompactEnd() {}
};

}  // namespace heaplab
