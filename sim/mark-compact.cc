#include "sim/mark-compact.h"

#include <algorithm>
#include <cstdio>
#include <limits>
#include <string>

#include "sim/heap.h"

namespace heaplab {

std::vector<Page*> MarkCompactCollector::CollectEvacuationCandidates(
    const std::vector<Page*>& pages,
    const Page* excluded,
    double target_fragmentation_percent,
    std::size_t max_evacuated_bytes,
    CandidateTrace* trace) {
  const double area = static_cast<double>(kPageAreaSize);
  const double free_bytes_threshold = target_fragmentation_percent * area / 100.0;
  std::vector<std::pair<std::size_t, Page*>> eligible;
  for (Page* p : pages) {
    if (p == excluded || p->IsFlagSet(Page::kNeverEvacuate) || p->IsFlagSet(Page::kPromotedWhole))
      continue;
    const double free_bytes = area - static_cast<double>(p->allocated_bytes);
    if (free_bytes >= free_bytes_threshold) eligible.emplace_back(p->allocated_bytes, p);
  }
  std::stable_sort(eligible.begin(), eligible.end(),
                   [](const auto& a, const auto& b) { return a.first < b.first; });
  std::size_t total_live = 0;
  std::size_t count = 0;
  for (const auto& [live, page] : eligible) {
    // Sorted by live bytes, so once one is over the budget every later one is too; V8 goes on
    // through them all (and prints each).
    if (total_live + live <= max_evacuated_bytes) {
      total_live += live;
      ++count;
    }
    if (trace) {
      char line[256];
      std::snprintf(line, sizeof line,
                    "compaction-selection-page: space=%s free_bytes_page=%zu "
                    "fragmentation_limit_kb=%zu fragmentation_limit_percent=%d "
                    "sum_compaction_kb=%zu compaction_limit_kb=%zu",
                    trace->space_name.c_str(), (kPageAreaSize - live) / KB,
                    static_cast<std::size_t>(free_bytes_threshold) / KB,
                    static_cast<int>(target_fragmentation_percent), total_live / KB,
                    max_evacuated_bytes / KB);
      trace->page_lines.push_back(line);
    }
  }
  if (trace) trace->total_live_bytes = total_live;
  // "Avoid (compact -> expand) cycles": compact only if at least one page is released.
  const std::size_t new_pages = (total_live + kPageAreaSize - 1) / kPageAreaSize;
  if (count <= new_pages) return {};
  std::vector<Page*> out;
  for (std::size_t i = 0; i < count; ++i)
    out.push_back(eligible[i].second);
  return out;
}

void MarkCompactCollector::StartMarking(Heap& heap, bool incremental) {
  auto reset_live = [](const std::vector<Page*>& pages) {
    for (Page* p : pages) {
      p->live_bytes = 0;
      p->progress_bar_bytes = 0;
    }
  };
  reset_live(heap.old_space_->pages());
  reset_live(heap.code_space_->pages());
  if (heap.map_space_) reset_live(heap.map_space_->pages());
  reset_live(heap.lo_space_->pages());
  reset_live(heap.code_lo_space_->pages());
  reset_live(heap.new_lo_space_->pages());
  reset_live(heap.new_space_->to_space());

  // ComputeEvacuationHeuristics (kTargetMsPerArea = 0.5; 70% without compaction-speed samples).
  double target = 70;
  std::size_t max_evacuated = 4 * MB;
  if (heap.ShouldReduceMemory()) {
    target = 20;
    max_evacuated = 12 * MB;
  } else if (heap.ShouldOptimizeForMemoryUsage()) {
    target = 20;
    max_evacuated = 6 * MB;
  } else if (heap.compaction_speed_ > 0) {
    const double estimated_ms_per_area =
        1 + static_cast<double>(kPageAreaSize) / heap.compaction_speed_;
    target = std::max(20.0, 100 - 100 * 0.5 / estimated_ms_per_area);
  }
  heap.evacuation_candidates_.clear();
  const bool trace = heap.flags_.trace_fragmentation || heap.flags_.trace_fragmentation_verbose;
  for (PagedSpace* space : {heap.old_space_.get(), heap.code_space_.get(), heap.map_space_.get()}) {
    if (space == nullptr) continue;
    CandidateTrace lines;
    if (trace) lines.space_name = std::string(ToKey(space->identity())) + "_space";
    const std::vector<Page*> candidates = CollectEvacuationCandidates(
        space->pages(), space->linear_area_page(), target, max_evacuated, trace ? &lines : nullptr);
    // MarkCompactCollector::CollectEvacuationCandidates prints as PrintIsolate does.
    if (heap.flags_.trace_fragmentation_verbose)
      for (std::string& line : lines.page_lines)
        heap.Trace(false, std::move(line));
    if (heap.flags_.trace_fragmentation) {
      char line[160];
      std::snprintf(line, sizeof line,
                    "compaction-selection: space=%s reduce_memory=%d pages=%zu "
                    "total_live_bytes=%zu",
                    lines.space_name.c_str(), heap.ShouldReduceMemory() ? 1 : 0, candidates.size(),
                    lines.total_live_bytes / KB);
      heap.Trace(false, line);
    }
    for (Page* p : candidates) {
      p->SetFlag(Page::kEvacuationCandidate);
      space->EvictFromFreeList(p);  // nothing new lands on a page about to be emptied
      heap.evacuation_candidates_.push_back(p->id);
      if (heap.observer_) heap.observer_->OnEvacuationCandidate(p->id);
    }
  }
  if (heap.observer_) heap.observer_->OnMarkingStart(incremental);
  heap.MarkRoots();
  // MarkCompactCollector::StartMarking publishes the roots for the concurrent markers.
  heap.marking_worklist_.Publish(MarkingWorklist::kMainThread);
}

void MarkCompactCollector::CollectGarbage(GCEvent& ev) {
  const bool was_incremental = heap_.marking_phase_ != MarkingPhase::kStopped;
  if (was_incremental && heap_.flags_.trace_incremental_marking) {
    // IncrementalMarking::Stop, as the atomic pause begins.
    const std::size_t size_mb = heap_.OldGenerationSizeOfObjects() / MB;
    const std::size_t limit_mb = heap_.old_generation_allocation_limit_ / MB;
    heap_.TraceIncrementalMarking(
        Format("Stopping: old generation %zuMB, limit %zuMB, overshoot %zuMB", size_mb, limit_mb,
               size_mb > limit_mb ? size_mb - limit_mb : 0));
    heap_.TraceIncrementalMarking("Black allocation finished");
  }
  if (!was_incremental) {
    heap_.marking_phase_ = MarkingPhase::kMarking;
    heap_.marking_start_ms_ = heap_.now_ms_;
    heap_.incremental_steps_ = 0;
    heap_.incremental_ms_ = 0;
    heap_.incremental_longest_step_ms_ = 0;
    heap_.incremental_start_ms_ = 0;
    heap_.marked_bytes_this_cycle_ = 0;
    heap_.concurrent_marked_this_cycle_ = 0;
    StartMarking(heap_, false);
  }
  ev.reduce_memory = heap_.reduce_memory_;
  for (std::uint32_t id : heap_.evacuation_candidates_)
    candidates_.push_back(heap_.allocator_.page(id));

  // MarkLiveObjects: re-scan the roots and drain the worklist in the pause.
  if (heap_.observer_) heap_.observer_->OnMarkCompactPhase(HeapObserver::Phase::kFinishMarking);
  // The concurrent markers stop and publish their segments; the pause marks what they held.
  heap_.marking_worklist_.PublishAll();
  heap_.MarkRoots();
  const Heap::MarkingWork pause_work =
      heap_.MarkFromWorklist(std::numeric_limits<std::size_t>::max(), Heap::MarkingBudget::kCost);
  ev.marked_bytes = heap_.marked_bytes_this_cycle_;

  heap_.evacuating_ = true;
  if (heap_.observer_) heap_.observer_->OnMarkCompactPhase(HeapObserver::Phase::kEvacuation);
  EvacuateYoungGeneration(ev);
  EvacuateCandidates(ev);
  heap_.evacuating_ = false;
  if (heap_.observer_) heap_.observer_->OnMarkCompactPhase(HeapObserver::Phase::kUpdatePointers);
  UpdatePointers(ev);
  for (Page* p : candidates_)
    heap_.paged_space(p->owner)->ReleasePage(p);
  heap_.new_space_->ResetToSpace();
  if (heap_.observer_) heap_.observer_->OnMarkCompactPhase(HeapObserver::Phase::kSweeping);
  Sweep(ev);

  heap_.remembered_set_.clear();  // the young generation is empty
  heap_.marking_worklist_.Clear();
  heap_.evacuation_candidates_.clear();
  heap_.marking_phase_ = MarkingPhase::kStopped;
  heap_.marking_task_posted_ = false;
  if (heap_.observer_) heap_.observer_->OnMarkCompactEnd();

  // Pause: the marking left for the atomic pause, evacuation, and pointer updating. Sweeping
  // runs on background threads (--concurrent-sweeping) and is not in the pause.
  const HeapFlags& f = heap_.flags_;
  // MarkCompactCollector::MarkLiveObjects drains the worklist with parallel markers (the main
  // thread and the concurrent-marking job's tasks), which share work a segment at a time: what
  // was marked while the shared pool held segments runs up to --marking-parallel-speedup times
  // faster; a list is marked by one thread.
  const double mark_speedup = ParallelSpeedup(
      pause_work.cost == 0
          ? 0.0
          : static_cast<double>(pause_work.shareable_cost) / static_cast<double>(pause_work.cost),
      std::min(f.marking_parallel_speedup, static_cast<double>(kConcurrentMarkingTasks + 1)));
  const double mark_ms = static_cast<double>(pause_work.cost) / f.marking_speed / mark_speedup;
  // Copying (young objects promoted one by one, and compaction candidates) at
  // --evacuation-speed; a young page moved whole only has its objects visited and their slots
  // recorded (EvacuateNewSpacePageVisitor<NEW_TO_OLD>: RecordMigratedSlotVisitor per object).
  const double evacuate_ms =
      static_cast<double>(ev.promoted_bytes - ev.page_moved_bytes + ev.evacuated_bytes) /
          f.evacuation_speed +
      static_cast<double>(ev.page_moved_slots) / f.scavenge_slot_speed +
      static_cast<double>(ev.page_moved_objects) / f.moved_page_object_speed;
  const double update_ms = static_cast<double>(ev.slots_updated) / f.pointer_update_speed;
  // MC_EVACUATE_REBALANCE: SemiSpaceNewSpace::EnsureCurrentCapacity gives new space a fresh page
  // for each page that page promotion moved to old space (MemoryAllocator::AllocatePage, the
  // marking bitmap cleared, the area made a filler).
  const double rebalance_ms = static_cast<double>(ev.pages_promoted) / f.new_space_rebalance_speed;
  ev.background_ms = static_cast<double>(ev.swept_pages * kPageSize) / f.sweeping_speed;
  // MarkCompactCollector::Finish starts the concurrent sweepers (Sweeper::StartSweeperTasks);
  // where they and the main thread outnumber the cores, they take its core for a while: node 20
  // on 2 cores spends 1-5 ms in the finish phase in about half its mark-compacts that leave
  // pages to sweep, and none with --no-concurrent-sweeping or --v8-pool-size=1. The delay does
  // not grow with the heap (r17, mark-compacts leaving 4 MB or more: mean 1.5 ms, as much for
  // listener-leak's 10-30 MB heaps as for lru-cache's 43 MB): it is the contention in full
  // once there are kSweeperContentionBytes of pages to sweep. Below, the sweepers are done
  // within their sweeping time (teaching-small's 2.8 MB heap: 0.0-0.3 ms).
  const double finish_ms = ev.swept_pages * kPageSize >= kSweeperContentionBytes
                               ? f.sweeper_contention_ms
                               : std::min(ev.background_ms, f.sweeper_contention_ms);
  ev.pause_ms =
      f.mark_compact_fixed_ms + mark_ms + evacuate_ms + update_ms + rebalance_ms + finish_ms;
  ev.phases = {{"mark", mark_ms},
               {"mark.roots", 0},
               {"mark.main", mark_ms},
               {"evacuate", evacuate_ms + update_ms + rebalance_ms},
               {"evacuate.copy", evacuate_ms},
               {"evacuate.rebalance", rebalance_ms},
               {"evacuate.update_pointers", update_ms},
               {"sweep", 0},
               {"background.sweep", ev.background_ms},
               // The concurrent markers' time: their bytes at --concurrent-marking-speed.
               {"background.mark", f.concurrent_marking_speed > 0
                                       ? static_cast<double>(heap_.concurrent_marked_this_cycle_) /
                                             f.concurrent_marking_speed
                                       : 0},
               {"finish", finish_ms},
               {"clear", 0}};
  // GCTracer prints the incremental part for every mark-compact that finalized marking.
  ev.incremental = was_incremental;
  ev.incremental_steps = heap_.incremental_steps_;
  ev.incremental_ms = heap_.incremental_ms_;
  ev.incremental_longest_step_ms = heap_.incremental_longest_step_ms_;
  ev.incremental_start_ms = heap_.incremental_start_ms_;
  ev.marking_walltime_ms = heap_.now_ms_ + ev.pause_ms - heap_.marking_start_ms_;
  if (ev.evacuated_bytes > 0 && evacuate_ms > 0)
    heap_.compaction_speed_ = static_cast<double>(ev.evacuated_bytes) / evacuate_ms;
  // The heap records the speed sample once the new limits are computed.
  ev.end_object_size_bytes = heap_.SizeOfObjects();
}

void MarkCompactCollector::EvacuateYoungGeneration(GCEvent& ev) {
  SemiSpaceNewSpace& ns = *heap_.new_space_;
  const HeapFlags& f = heap_.flags_;
  for (Page* page : std::vector<Page*>(ns.to_space())) {
    std::size_t live = 0;
    for (const HeapObject& o : page->objects)
      if (o.is_object() && o.mark_color() == MarkColor::kBlack) live += o.size_bytes;
    if (live == 0) {
      ev.objects_died_in_new += page->object_count;
      continue;
    }
    page->live_bytes = live;
    // Page promotion (--page-promotion): a mostly-live page moves whole (Page::ConvertNewToOld).
    // EvacuateNewSpacePageVisitor<NEW_TO_OLD> looks for mementos only under --minor-mc, so the
    // objects of a moved page count as created but never as found: a mark-compact that moves
    // pages digests a low found ratio and can decide "don't tenure" for good (node's
    // --trace-pretenuring-statistics on oom-growth: "(1792, 196, 0.109375) maybe tenure =>
    // don't tenure" at the mark-compact after new space reached its maximum).
    // Not when reducing memory (ShouldMovePage's MemoryReductionMode::kNone: a memory-reducing
    // mark-compact copies every survivor, so it packs them), and only if the old generation
    // can take the page. A moved page costs no copying: its objects' slots are visited to
    // record them (RecordMigratedSlotVisitor).
    if (f.page_promotion && !ev.reduce_memory &&
        live * 100 >= static_cast<std::size_t>(f.page_promotion_threshold) * page->area_bytes &&
        heap_.CanExpandOldGeneration(live)) {
      for (const HeapObject& o : page->objects) {
        if (!o.is_object()) continue;
        if (o.mark_color() != MarkColor::kBlack) {
          ++ev.objects_died_in_new;
          continue;
        }
        ++ev.objects_promoted;
        ++ev.page_moved_objects;
        ev.page_moved_slots += o.slot_count;
      }
      ev.page_moved_bytes += live;
      ns.ReplacePromotedPage(page);
      page->top_bytes = 0;
      heap_.old_space_->AddPromotedPage(page);
      ev.promoted_bytes += live;
      ++ev.pages_promoted;
      continue;
    }
    for (std::uint32_t i = 0; i < page->objects.size(); ++i) {
      const HeapObject o = page->objects[i];
      if (!o.is_object()) continue;
      if (o.mark_color() != MarkColor::kBlack) {
        ++ev.objects_died_in_new;
        continue;
      }
      if (!ns.IsBelowAgeMark(page, o.offset_bytes())) heap_.RecordMementoFound(o);
      ObjectRef from = MakeRef(page->id, i);
      ObjectRef to = heap_.MigrateObject(from, AllocationSpace::kOld, true);
      if (to == kNullRef)
        heap_.FatalProcessOutOfMemory("MarkCompactCollector: young object promotion failed");
      ev.promoted_bytes += o.size_bytes;
      ++ev.objects_promoted;
      if (heap_.observer_) heap_.observer_->OnObjectCopied(from, to, true);
    }
  }
  // Young large objects: the live ones move to the large-object space by page. As for a moved
  // page, nothing is copied; the object's slots are visited to record them (a page in
  // kPageNewToOld mode), so a 1.25 MB array costs its slots, not its bytes.
  for (Page* p : std::vector<Page*>(heap_.new_lo_space_->pages())) {
    if (p->objects[0].mark_color() == MarkColor::kBlack) {
      heap_.new_lo_space_->RemovePage(p);
      heap_.lo_space_->AdoptPage(p);
      ev.promoted_bytes += p->objects[0].size_bytes;
      ev.page_moved_bytes += p->objects[0].size_bytes;
      ev.page_moved_slots += p->objects[0].slot_count;
      ++ev.page_moved_objects;
      ++ev.objects_promoted;
    } else {
      heap_.new_lo_space_->FreePage(p);
      ++ev.large_objects_freed;
      ++ev.objects_died_in_new;
    }
  }
}

void MarkCompactCollector::EvacuateCandidates(GCEvent& ev) {
  for (Page* page : candidates_) {
    for (std::uint32_t i = 0; i < page->objects.size(); ++i) {
      const HeapObject o = page->objects[i];
      if (!o.is_object() || o.forwarded || o.mark_color() != MarkColor::kBlack) continue;
      ObjectRef from = MakeRef(page->id, i);
      ObjectRef to = heap_.MigrateObject(from, page->owner, true);
      if (to == kNullRef) heap_.FatalProcessOutOfMemory("MarkCompactCollector: evacuation failed");
      ev.evacuated_bytes += o.size_bytes;
      if (heap_.observer_) heap_.observer_->OnObjectCopied(from, to, false);
    }
    ++ev.evacuation_candidates;
  }
}

void MarkCompactCollector::UpdatePointers(GCEvent& ev) {
  // UpdatePointersAfterEvacuation: every slot of every live object, and every root, that still
  // names a moved object gets its forwarding reference.
  // Only pages that objects moved off can hold forwarding references; checking the page first
  // leaves the target's record untouched for the slots (nearly all) that name unmoved objects.
  auto forward = [&](ObjectRef v) -> ObjectRef {
    if (v == kNullRef) return v;
    const Page* target_page = heap_.page_of(v);
    if (!target_page->IsFlagSet(Page::kHasForwarded)) return v;
    const HeapObject& t = target_page->objects[RefIndex(v)];
    return t.forwarded ? t.forwarding() : v;
  };
  auto update_roots = [&](std::vector<ObjectRef>& roots) {
    for (ObjectRef& r : roots) {
      ObjectRef nr = forward(r);
      if (nr != r) {
        r = nr;
        ++ev.slots_updated;
      }
    }
  };
  update_roots(heap_.strong_roots_);
  update_roots(heap_.globals_);
  update_roots(heap_.locals_);
  for (AllocationSite& site : heap_.sites_)  // the sites' maps are strong roots too
    site.map = forward(site.map);
  // Nothing copied (no compaction, young objects only moved by page): no slot can name a
  // forwarded object, so the slots are counted without reading them (a heap of large arrays
  // has millions).
  const bool copied = ev.evacuated_bytes > 0 || ev.promoted_bytes > ev.page_moved_bytes;
  auto update_pages = [&](const std::vector<Page*>& pages) {
    for (Page* p : pages) {
      if (p->IsFlagSet(Page::kEvacuationCandidate)) continue;
      for (std::uint32_t i = 0; i < p->objects.size(); ++i) {
        const HeapObject& o = p->objects[i];
        if (!o.is_object() || o.forwarded || o.mark_color() != MarkColor::kBlack) continue;
        if (!copied) {
          ev.slots_visited += o.slot_count;
          continue;
        }
        ObjectRef* slots = p->slots.data() + o.slots_begin;
        for (std::uint32_t s = 0; s < o.slot_count; ++s) {
          ++ev.slots_visited;
          ObjectRef nv = forward(slots[s]);
          if (nv != slots[s]) {
            const ObjectRef old_value = slots[s];
            slots[s] = nv;
            ++ev.slots_updated;
            if (heap_.observer_)
              heap_.observer_->OnSlotUpdated(MakeRef(p->id, i), s, old_value, nv);
          }
        }
      }
    }
  };
  update_pages(heap_.old_space_->pages());
  update_pages(heap_.code_space_->pages());
  if (heap_.map_space_) update_pages(heap_.map_space_->pages());
  update_pages(heap_.lo_space_->pages());
  update_pages(heap_.code_lo_space_->pages());
}

void MarkCompactCollector::Sweep(GCEvent& ev) {
  for (PagedSpace* space :
       {heap_.old_space_.get(), heap_.code_space_.get(), heap_.map_space_.get()}) {
    if (space == nullptr) continue;
    for (Page* p : std::vector<Page*>(space->pages())) {
      std::size_t freed = 0;
      std::size_t free_bytes = space->SweepPage(p, &freed);
      ++ev.swept_pages;
      ev.swept_free_bytes += free_bytes;
      if (heap_.observer_) heap_.observer_->OnPageSwept(p->id, free_bytes);
      if (p->object_count == 0) space->ReleasePage(p);  // empty pages go back to the OS
    }
  }
  // SweepLargeSpace: unmarked large objects are freed with their pages.
  for (LargeObjectSpace* lo : {heap_.lo_space_.get(), heap_.code_lo_space_.get()}) {
    for (Page* p : std::vector<Page*>(lo->pages())) {
      HeapObject& o = p->objects[0];
      if (o.mark_color() == MarkColor::kBlack) {
        o.set_color(MarkColor::kWhite);
        p->live_bytes = 0;
      } else {
        lo->FreePage(p);
        ++ev.large_objects_freed;
      }
    }
  }
}

}  // namespace heaplab
