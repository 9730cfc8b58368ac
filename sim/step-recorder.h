// Step mode's recorder: a HeapObserver that turns every collector hook into a numbered step
// with one or two plain sentences in V8's terms, follows each object's identity across moves,
// and takes heap snapshots at the steps asked for. Replaying the same run with the same seed
// gives the same steps, so any step's heap can be rebuilt by running again (deterministic
// replay).
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <unordered_map>
#include <vector>

#include "sim/heap-observer.h"
#include "sim/heap-snapshot.h"

namespace heaplab {

class Heap;

enum class StepKind : std::uint8_t {
  kScavengeStart,
  kCopy,          // copied within new space (first survival), forwarding left behind
  kPromote,       // copied to old space (second survival or to-space overflow)
  kLargePromote,  // a young large object's page moved to the large-object space
  kScan,          // Cheney's scan pointer reached an object
  kSlotUpdate,    // a slot now names the object's new place
  kScavengeEnd,
  kMarkingStart,
  kGrey,         // pushed on the marking worklist
  kBarrierGrey,  // greyed by the write barrier
  kBlacken,      // popped and scanned
  kIncrementalStep,
  kEvacuationCandidate,
  kPhase,     // the mark-compact pause enters a phase
  kEvacuate,  // compaction moved an object off a fragmented page
  kSweepPage,
  kMarkCompactEnd,
  kCollection,  // collection granularity: one step per finished GC
  kEnd,         // the run ended (normally or out of memory)
};
std::string_view ToString(StepKind kind);

// How fine the steps are.
enum class StepGranularity : std::uint8_t {
  kObject,      // every copy, scan, slot update, colour change, page swept
  kCollection,  // one step per GC (for runs too long to step object by object)
};

struct Step {
  StepKind kind = StepKind::kEnd;
  std::uint64_t gc = 0;         // the GC this step belongs to (1-based; 0 before any)
  ObjectRef object = kNullRef;  // the object acted on (its place after the step)
  ObjectRef other = kNullRef;   // the other end: the from-place of a copy, a slot's old value
  std::uint32_t page_id = 0;    // for page steps
  std::uint32_t slot = 0;       // for slot updates
  std::string text;             // one or two sentences
  bool mark_compact = false;    // the step belongs to a mark-compact (else a scavenge)
};

// One place an object has lived.
struct AddressRecord {
  std::size_t step = 0;  // the step that put it there (0: before the first recorded step)
  std::uint64_t address = 0;
  AllocationSpace space = AllocationSpace::kNew;
};

class StepRecorder : public HeapObserver {
 public:
  // Records steps of `heap` (which the caller runs with this observer installed). Takes a
  // snapshot after each step i for which capture(i) is true.
  StepRecorder(const Heap& heap,
               StepGranularity granularity,
               std::function<bool(std::size_t)> capture);

  const std::vector<Step>& steps() const { return steps_; }
  // Snapshots taken, by step index.
  std::map<std::size_t, HeapSnapshot>& snapshots() { return snapshots_; }
  // Every place object `id` has lived, oldest first.
  const std::vector<AddressRecord>& history(std::uint32_t id) const;
  // The identity of the object now at `ref` (assigned on first sight).
  std::uint32_t Identify(ObjectRef ref);
  // Adds a final step (the run ended) with `text`, and captures it if asked.
  void RecordEnd(const std::string& text);
  // Snapshot of the heap now, with identities.
  HeapSnapshot Snapshot();

  void OnScavengeStart() override;
  void OnObjectCopied(ObjectRef from, ObjectRef to, bool promoted) override;
  void OnSlotUpdated(ObjectRef host,
                     std::uint32_t slot,
                     ObjectRef old_value,
                     ObjectRef new_value) override;
  void OnScanObject(ObjectRef object) override;
  void OnLargePagePromoted(ObjectRef object) override;
  void OnScavengeEnd() override;
  void OnMarkingStart(bool incremental) override;
  void OnGreyed(ObjectRef object, bool by_barrier) override;
  void OnBlackened(ObjectRef object) override;
  void OnIncrementalStep(std::size_t bytes_marked) override;
  void OnEvacuationCandidate(std::uint32_t page_id) override;
  void OnMarkCompactPhase(Phase phase) override;
  void OnPageSwept(std::uint32_t page_id, std::size_t free_bytes) override;
  void OnMarkCompactEnd() override;

 private:
  void Add(Step step);
  bool fine() const { return granularity_ == StepGranularity::kObject; }
  std::string Describe(ObjectRef ref) const;
  // Numbers every object not yet numbered, page by page (deterministic).
  void IdentifyAll();
  // Drops identities of refs that no longer hold an object.
  void ForgetDeadIdentities();

  const Heap& heap_;
  StepGranularity granularity_;
  std::function<bool(std::size_t)> capture_;
  std::vector<Step> steps_;
  std::map<std::size_t, HeapSnapshot> snapshots_;
  std::unordered_map<ObjectRef, std::uint32_t> identity_;
  std::vector<std::vector<AddressRecord>> history_;  // by identity; [0] unused
  bool in_mark_compact_ = false;
  bool marking_incremental_ = false;
  bool marking_ = false;  // between marking start and mark-compact end
  std::size_t scavenge_copied_ = 0;
  std::size_t scavenge_promoted_ = 0;
  std::size_t size_before_gc_ = 0;
};

}  // namespace heaplab
