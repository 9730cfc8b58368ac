// The Scavenger: V8's young-generation copying collector (src/heap/scavenger.{h,cc}).
#pragma once

#include <cstddef>
#include <vector>

#include "sim/gc-event.h"
#include "sim/globals.h"
#include "sim/heap-object.h"
#include "sim/spaces.h"

namespace heaplab {

class Heap;
class Page;
struct HeapFlags;

inline constexpr int kMaxScavengerTasks = 8;  // scavenger.h

// ScavengerCollector::NumberOfScavengeTasks: one per MB of new-space capacity plus one, at most
// kMaxScavengerTasks (8) and node's worker threads plus the main thread (node's default
// --v8-pool-size is 4); one when old space could not take a page per task.
int NumberOfScavengeTasks(std::size_t new_space_capacity_bytes, bool old_space_can_take_pages);

// Objects in one worklist segment (Scavenger::kCopiedListSegmentSize): a task shares work with
// the others a segment at a time, so helpers get work only while more than this is queued.
inline constexpr std::size_t kScavengeSegmentObjects = 256;

// How many times faster than one thread a scavenge runs when `shareable` (0..1) of its work was
// done while helpers could take it: Amdahl's law with min(--scavenge-parallel-speedup, tasks)
// threads on the shareable part.
double ScavengeParallelSpeedup(double shareable, int tasks, const HeapFlags& flags);

// One scavenge: a Cheney breadth-first copy of the live young objects from from-space into
// to-space, promoting objects below the age mark (their second survival) and, when to-space is
// full, earlier. Young large objects are promoted by page. Roots and the old-to-new remembered
// set are the starting points.
class ScavengerCollector {
 public:
  explicit ScavengerCollector(Heap& heap) : heap_(heap) {}
  // ScavengerCollector::CollectGarbage: runs the scavenge and fills `event`'s work counters,
  // pause and phases.
  void CollectGarbage(GCEvent& event);

 private:
  // Scavenger::EvacuateObjectDefault: the new reference of young object `ref` (copied,
  // promoted, or its own for a surviving large object). Precondition: `ref` is young.
  ObjectRef Evacuate(ObjectRef ref);
  // Evacuates the young targets of `host`'s slots; records old-to-new slots when `host` is old.
  void ScavengeObjectSlots(ObjectRef host, bool host_is_old);
  bool IsFromSpaceOrNewLarge(ObjectRef ref) const;
  // The task that promotes an object (its compaction space): the main thread's for work it
  // keeps, the tasks in turn, a segment each, for work published while more than a segment
  // was queued (`shareable`).
  CompactionSpace& PromotingTask(bool shareable);

  Heap& heap_;
  std::vector<ObjectRef> promotion_list_;  // promoted objects whose slots still need a visit
  std::vector<Page*> surviving_large_pages_;
  std::size_t copied_bytes_ = 0;
  std::size_t promoted_bytes_ = 0;        // large objects included, as V8 counts them
  std::size_t promoted_large_bytes_ = 0;  // of which young large objects, moved by page
  std::size_t promoted_large_objects_ = 0;
  std::size_t copied_objects_ = 0;
  std::size_t promoted_objects_ = 0;
  std::size_t slots_visited_ = 0;
  std::size_t slots_updated_ = 0;
  std::size_t scanned_objects_ = 0;  // objects whose slots were visited (scan and promotion list)
  std::size_t shareable_bytes_ = 0;  // evacuated while more than a segment was queued
  std::size_t shareable_copied_bytes_ = 0;  // of which copied within new space
  // True while the start-up heap's roots are visited: what they reach directly is copied by the
  // main thread alone.
  bool main_thread_only_ = false;
  std::size_t shareable_objects_ = 0;  // evacuated while more than a segment was queued
  // Each task's part of old space (Scavenger::allocator_'s compaction spaces): a task that
  // promotes takes a page with room from old space or adds one, so a scavenge whose work was
  // shared adds up to a page per task (node --trace-gc-verbose: a script's second scavenge,
  // promoting 62 KB, commits one or two new old-space pages from run to run).
  std::vector<CompactionSpace> task_spaces_;
};

}  // namespace heaplab
