#include "sim/scavenger.h"

#include <algorithm>

#include "sim/heap.h"

namespace heaplab {

int NumberOfScavengeTasks(std::size_t new_space_capacity_bytes, bool old_space_can_take_pages) {
  const int by_capacity = static_cast<int>(new_space_capacity_bytes / MB) + 1;
  const int tasks =
      std::max(1, std::min({by_capacity, kMaxScavengerTasks, kNodeWorkerThreads + 1}));
  return old_space_can_take_pages ? tasks : 1;
}

double ScavengeParallelSpeedup(double shareable, int tasks, const HeapFlags& flags) {
  return ParallelSpeedup(shareable,
                         std::min(flags.scavenge_parallel_speedup, static_cast<double>(tasks)));
}

bool ScavengerCollector::IsFromSpaceOrNewLarge(ObjectRef ref) const {
  const Page* p = heap_.page_of(ref);
  return p->IsFlagSet(Page::kFromSpace) || p->owner == AllocationSpace::kNewLargeObject;
}

ObjectRef ScavengerCollector::Evacuate(ObjectRef ref) {
  Page* page = heap_.page_of(ref);
  // Scavenger::HandleLargeObject: young large objects are never copied; the page moves.
  if (page->owner == AllocationSpace::kNewLargeObject) {
    if (!page->IsFlagSet(Page::kSurvivingLarge)) {
      page->SetFlag(Page::kSurvivingLarge);
      surviving_large_pages_.push_back(page);
      const HeapObject& o = page->objects[RefIndex(ref)];
      promoted_bytes_ += o.size_bytes;
      promoted_large_bytes_ += o.size_bytes;
      ++promoted_large_objects_;
      ++promoted_objects_;
      heap_.RecordMementoFound(o);
      promotion_list_.push_back(ref);
      if (heap_.observer_) heap_.observer_->OnLargePagePromoted(ref);
    }
    return ref;
  }
  if (!page->IsFlagSet(Page::kFromSpace)) return ref;  // already in to-space
  const HeapObject o = page->objects[RefIndex(ref)];
  if (o.forwarded) return o.forwarding();

  // SemiSpaceNewSpace::ShouldBePromoted: below the age mark means it survived once already.
  const bool survived_before = heap_.new_space_->IsBelowAgeMark(page, o.offset_bytes());
  if (!survived_before) heap_.RecordMementoFound(o);  // the memento is still behind it
  ObjectRef to = kNullRef;
  bool promoted = false;
  if (!survived_before) to = heap_.MigrateObject(ref, AllocationSpace::kNew, true);
  // Work queued beyond a segment is published to the global pool, where helpers take it
  // (Worklist::Local::Push; JobTask::GetMaxConcurrency counts the pool's segments).
  const bool shareable =
      !main_thread_only_ &&
      copied_objects_ + promoted_objects_ - scanned_objects_ > kScavengeSegmentObjects;
  if (to == kNullRef) {
    // Second survival, or to-space is full: promote ("A semi-space copy may fail due to
    // fragmentation. In that case, we try to promote the object.").
    to = heap_.MigrateObject(ref, AllocationSpace::kOld, true, &PromotingTask(shareable));
    promoted = to != kNullRef;
    if (to == kNullRef) to = heap_.MigrateObject(ref, AllocationSpace::kNew, true);
    if (to == kNullRef) heap_.FatalProcessOutOfMemory("Scavenger: semi-space copy");
  }
  if (shareable) {
    ++shareable_objects_;
    shareable_bytes_ += o.size_bytes;
    if (!promoted) shareable_copied_bytes_ += o.size_bytes;
  }
  if (promoted) {
    promoted_bytes_ += o.size_bytes;
    ++promoted_objects_;
    promotion_list_.push_back(to);
  } else {
    copied_bytes_ += o.size_bytes;
    ++copied_objects_;
  }
  if (heap_.observer_) heap_.observer_->OnObjectCopied(ref, to, promoted);
  return to;
}

CompactionSpace& ScavengerCollector::PromotingTask(bool shareable) {
  if (!shareable || task_spaces_.size() == 1) return task_spaces_.front();
  const std::size_t segment = shareable_objects_ / kScavengeSegmentObjects;
  return task_spaces_[(1 + segment) % task_spaces_.size()];
}

void ScavengerCollector::ScavengeObjectSlots(ObjectRef host, bool host_is_old) {
  Page* page = heap_.page_of(host);
  const std::uint32_t index = RefIndex(host);
  const std::uint32_t count = page->objects[index].slot_count;
  for (std::uint32_t i = 0; i < count; ++i) {
    // Re-read through the page each time: evacuation may grow this page's slot array.
    ObjectRef v = page->slots[page->objects[index].slots_begin + i];
    ++slots_visited_;
    if (v == kNullRef || !IsFromSpaceOrNewLarge(v)) {
      if (host_is_old && v != kNullRef && heap_.InYoungGeneration(v))
        heap_.remembered_set_.emplace_back(host, i);
      continue;
    }
    ObjectRef nv = Evacuate(v);
    if (nv != v) {
      page->slots[page->objects[index].slots_begin + i] = nv;
      ++slots_updated_;
      if (heap_.observer_) heap_.observer_->OnSlotUpdated(host, i, v, nv);
    }
    if (host_is_old && heap_.InYoungGeneration(nv)) heap_.remembered_set_.emplace_back(host, i);
  }
}

void ScavengerCollector::CollectGarbage(GCEvent& ev) {
  SemiSpaceNewSpace& ns = *heap_.new_space_;
  const std::size_t from_objects_before = [&] {
    std::size_t n = 0;
    for (const Page* p : ns.to_space())
      n += p->object_count;
    return n;
  }();
  // RememberedSet<OLD_TO_NEW>::IterateMemoryChunks first walks every old-generation chunk (old,
  // code and large-object pages) on the main thread, outside the scavenge's sub-scopes.
  const std::size_t old_generation_pages = heap_.OldGenerationPageCount();
  // ScavengerCollector::CollectGarbage picks the task count before the flip.
  const int tasks_wanted = NumberOfScavengeTasks(ns.TotalCapacity(), true);
  const int tasks = NumberOfScavengeTasks(ns.TotalCapacity(),
                                          heap_.CanPromoteYoungAndExpandOldGeneration(
                                              static_cast<std::size_t>(tasks_wanted) * kPageSize));
  task_spaces_.resize(static_cast<std::size_t>(tasks));
  ns.Flip();
  for (Page* p : ns.from_space())
    p->SetFlag(Page::kFromSpace);
  if (heap_.observer_) heap_.observer_->OnScavengeStart();

  // Roots (ScavengerCollector: ScavengeVisitor over strong roots and handles).
  std::size_t root_slots = 0;
  auto scavenge_roots = [&](std::vector<ObjectRef>& roots) {
    for (ObjectRef& r : roots) {
      ++root_slots;
      if (r != kNullRef && IsFromSpaceOrNewLarge(r)) r = Evacuate(r);
    }
  };
  // The start-up heap's young survivors are copied at one task's speed: node's first two
  // scavenges (the twin loaded, nothing of the workload's yet) copy 125 KB in 0.26-0.31 ms of
  // scavenge.parallel and promote it in 0.18-0.22, where a shared worklist would halve that.
  // V8's roots phase (RootScavengeVisitor) copies what roots reach on the main thread; here the
  // start-up heap's roots stand for the start-up objects node keeps young.
  main_thread_only_ = true;
  scavenge_roots(heap_.strong_roots_);
  main_thread_only_ = false;
  scavenge_roots(heap_.globals_);
  scavenge_roots(heap_.locals_);

  // The old-to-new remembered set. Entries whose slot no longer holds a young object drop out;
  // the rest are re-recorded by ScavengeObjectSlots-like handling below.
  auto old_set = std::move(heap_.remembered_set_);
  heap_.remembered_set_.clear();
  std::sort(old_set.begin(), old_set.end());
  old_set.erase(std::unique(old_set.begin(), old_set.end()), old_set.end());
  const std::size_t remembered_slots = old_set.size();
  for (auto [host, slot] : old_set) {
    Page* page = heap_.page_of(host);
    const HeapObject& h = page->objects[RefIndex(host)];
    if (!h.is_object() || h.forwarded || slot >= h.slot_count) continue;
    ObjectRef v = page->slots[h.slots_begin + slot];
    ++slots_visited_;
    if (v == kNullRef || !heap_.InYoungGeneration(v)) continue;
    ObjectRef nv = IsFromSpaceOrNewLarge(v) ? Evacuate(v) : v;
    if (nv != v) {
      page->slots[page->objects[RefIndex(host)].slots_begin + slot] = nv;
      ++slots_updated_;
      if (heap_.observer_) heap_.observer_->OnSlotUpdated(host, slot, v, nv);
    }
    if (heap_.InYoungGeneration(nv)) heap_.remembered_set_.emplace_back(host, slot);
  }

  // Cheney's loop: the scan pointer walks to-space in allocation order while evacuation
  // appends behind the allocation pointer; promoted objects are visited from their own list.
  std::size_t scan_page = 0;
  std::uint32_t scan_index = 0;
  for (;;) {
    bool progress = false;
    while (scan_page < ns.to_space().size()) {
      Page* p = ns.to_space()[scan_page];
      if (scan_index >= p->objects.size()) {
        if (scan_page >= ns.current_page_index()) break;  // caught up with allocation
        ++scan_page;
        scan_index = 0;
        continue;
      }
      ObjectRef host = MakeRef(p->id, scan_index++);
      ++scanned_objects_;
      if (heap_.observer_) heap_.observer_->OnScanObject(host);
      ScavengeObjectSlots(host, false);
      progress = true;
    }
    while (!promotion_list_.empty()) {
      ObjectRef host = promotion_list_.back();
      promotion_list_.pop_back();
      ++scanned_objects_;
      ScavengeObjectSlots(host, true);
      progress = true;
    }
    if (!progress) break;
  }

  // Scavenger::Finalize: each task's compaction space merges into old space.
  for (CompactionSpace& cs : task_spaces_)
    heap_.old_space_->MergeCompactionSpace(cs);

  // Young large objects: survivors move to the large-object space by page; the rest die
  // ("all remaining large objects must be dead", NewLargeObjectSpace::FreeDeadObjects).
  std::size_t large_freed = 0;
  for (Page* p : std::vector<Page*>(heap_.new_lo_space_->pages())) {
    if (p->IsFlagSet(Page::kSurvivingLarge)) {
      p->ClearFlag(Page::kSurvivingLarge);
      heap_.new_lo_space_->RemovePage(p);
      heap_.lo_space_->AdoptPage(p);
    } else {
      heap_.new_lo_space_->FreePage(p);
      ++large_freed;
    }
  }

  // IncrementalMarking::UpdateMarkingWorklistAfterYoungGenGC: follow forwarded entries, drop
  // the dead.
  // The concurrent markers were paused for the scavenge and published their segments.
  if (heap_.IsMarking()) {
    heap_.marking_worklist_.PublishAll();
    heap_.marking_worklist_.Update([this](ObjectRef r, ObjectRef* out) {
      const Page* p = heap_.allocator_.page(RefPage(r));
      if (p != nullptr && p->IsFlagSet(Page::kFromSpace)) {
        const HeapObject& o = p->objects[RefIndex(r)];
        if (!o.forwarded) return false;
        r = o.forwarding();
      } else if (p == nullptr || !heap_.IsValidObject(r)) {
        return false;
      }
      *out = r;
      return true;
    });
  }

  // The tasks' copy buffers: the last one's unused end is given back; the helpers' are not.
  // Node's new space holds its survivors, the rest of each page no 32 KB buffer fitted in, and
  // about 32 KB more after every scavenge whose copies were shared (--trace-gc-verbose's new
  // space "used" against --trace-gc-nvp's new_space_survived, 218 KB to 2.2 MB of survivors at
  // 2 and 16 MB semi-spaces), and only its survivors when they were not (5 KB).
  ns.FinalizeEvacuation(std::min(kLabSize, shareable_copied_bytes_));
  for (Page* p : ns.from_space())
    p->ClearFlag(Page::kFromSpace);
  ns.ResetFromSpace();
  ns.SetAgeMarkToTop();
  if (heap_.observer_) heap_.observer_->OnScavengeEnd();

  ev.survived_bytes = copied_bytes_;
  ev.promoted_bytes = promoted_bytes_;
  ev.objects_copied = copied_objects_;
  ev.objects_promoted = promoted_objects_;
  ev.objects_died_in_new = from_objects_before -
                           std::min(from_objects_before, copied_objects_ + promoted_objects_) +
                           large_freed;
  ev.slots_visited = slots_visited_ + root_slots;
  ev.slots_updated = slots_updated_;
  ev.large_objects_freed = large_freed;
  ev.page_moved_bytes = promoted_large_bytes_;

  // Pause: fixed cost plus the work done at the calibrated speeds.
  const HeapFlags& f = heap_.flags_;
  const double roots_ms =
      static_cast<double>(root_slots + remembered_slots) / f.scavenge_slot_speed;
  // A young large object is not copied: its page changes space, and its cost is the visit of
  // its slots (Scavenger::HandleLargeObject; a scavenge that promotes a 1.28 MB array of 160 000
  // slots takes node 0.33-0.35 ms more of scavenge.parallel than one that promotes none).
  // Each evacuated object costs its bytes and a per-object share (small objects cost node more
  // per byte: 1.0-2.3 ms/MB of scavenge.parallel for sessions' and lru-cache's 230-285-byte
  // survivors, 2.7-4.3 for timer-leak's and reinit-leak's 136-147-byte ones, r17).
  const double copy_ms =
      static_cast<double>(copied_bytes_) / f.scavenge_copy_speed +
      static_cast<double>(promoted_bytes_ - promoted_large_bytes_) / f.scavenge_promote_speed +
      static_cast<double>(copied_objects_ + promoted_objects_ - promoted_large_objects_) /
          f.scavenge_object_speed;
  const double slots_ms = static_cast<double>(slots_visited_) / f.scavenge_slot_speed;
  // The copying and slot visits run on `tasks` threads; the main thread waits for them all.
  const std::size_t evacuated_bytes = copied_bytes_ + promoted_bytes_ - promoted_large_bytes_;
  const double speedup = ScavengeParallelSpeedup(
      evacuated_bytes == 0
          ? 0.0
          : static_cast<double>(shareable_bytes_) / static_cast<double>(evacuated_bytes),
      tasks, f);
  const double parallel_ms = (copy_ms + slots_ms) / speedup;
  const double pages_ms = static_cast<double>(old_generation_pages) / f.scavenge_page_speed;
  ev.pause_ms = f.scavenge_fixed_ms + pages_ms + roots_ms + parallel_ms;
  ev.phases = {{"scavenge.roots", roots_ms},
               {"scavenge.parallel", parallel_ms},
               {"scavenge.update_refs", 0},
               {"scavenge.free_remembered_set", 0},
               {"scavenge", pages_ms + roots_ms + parallel_ms},
               {"background.scavenge.parallel", copy_ms + slots_ms - parallel_ms}};
  // GCTracer's minor-GC speed is over the bytes that survived (kForSurvivedObjects): node's
  // --trace-mutator-utilization prints gc_speed=2 700 bytes/ms for lru-cache's 1 MB
  // scavenges, which copy a few KB in 0.7 ms.
  heap_.tracer_.AddScavenge(static_cast<double>(copied_bytes_ + promoted_bytes_), ev.pause_ms);
}

}  // namespace heaplab
