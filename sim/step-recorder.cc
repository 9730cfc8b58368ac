#include "sim/step-recorder.h"

#include "sim/heap.h"

namespace heaplab {

std::string_view ToString(StepKind kind) {
  switch (kind) {
    case StepKind::kScavengeStart:
      return "scavenge-start";
    case StepKind::kCopy:
      return "copy";
    case StepKind::kPromote:
      return "promote";
    case StepKind::kLargePromote:
      return "large-promote";
    case StepKind::kScan:
      return "scan";
    case StepKind::kSlotUpdate:
      return "slot-update";
    case StepKind::kScavengeEnd:
      return "scavenge-end";
    case StepKind::kMarkingStart:
      return "marking-start";
    case StepKind::kGrey:
      return "grey";
    case StepKind::kBarrierGrey:
      return "barrier-grey";
    case StepKind::kBlacken:
      return "blacken";
    case StepKind::kIncrementalStep:
      return "incremental-step";
    case StepKind::kEvacuationCandidate:
      return "evacuation-candidate";
    case StepKind::kPhase:
      return "phase";
    case StepKind::kEvacuate:
      return "evacuate";
    case StepKind::kSweepPage:
      return "sweep-page";
    case StepKind::kMarkCompactEnd:
      return "mark-compact-end";
    case StepKind::kCollection:
      return "collection";
    case StepKind::kEnd:
      return "end";
  }
  return "?";
}

namespace {

double ToMB(std::size_t bytes) {
  return static_cast<double>(bytes) / (1024.0 * 1024.0);
}

}  // namespace

StepRecorder::StepRecorder(const Heap& heap,
                           StepGranularity granularity,
                           std::function<bool(std::size_t)> capture)
    : heap_(heap), granularity_(granularity), capture_(std::move(capture)), history_(1) {}

const std::vector<AddressRecord>& StepRecorder::history(std::uint32_t id) const {
  static const std::vector<AddressRecord> kNone;
  return id < history_.size() ? history_[id] : kNone;
}

std::uint32_t StepRecorder::Identify(ObjectRef ref) {
  auto [it, inserted] = identity_.emplace(ref, 0);
  if (inserted) {
    it->second = static_cast<std::uint32_t>(history_.size());
    history_.push_back({{steps_.size(), heap_.address_of(ref), heap_.space_of(ref)}});
  }
  return it->second;
}

HeapSnapshot StepRecorder::Snapshot() {
  SnapshotOptions options;
  // One snapshot per GC of a long run: keep them small (per-page totals past 20000 objects).
  if (!fine()) options.max_detailed_objects = 20000;
  if (fine()) {
    options.identify = [this](ObjectRef ref) {
      auto it = identity_.find(ref);
      return it == identity_.end() ? 0u : it->second;
    };
  }
  return TakeHeapSnapshot(heap_, options);
}

void StepRecorder::Add(Step step) {
  // Scavenges may run while marking is in progress: only marking's own steps count.
  const bool marking_step =
      step.kind == StepKind::kMarkingStart || step.kind == StepKind::kGrey ||
      step.kind == StepKind::kBarrierGrey || step.kind == StepKind::kBlacken ||
      step.kind == StepKind::kIncrementalStep || step.kind == StepKind::kEvacuationCandidate;
  step.mark_compact = step.mark_compact || in_mark_compact_ || (marking_ && marking_step);
  steps_.push_back(std::move(step));
  const std::size_t index = steps_.size() - 1;
  if (capture_ && capture_(index)) snapshots_.emplace(index, Snapshot());
}

void StepRecorder::RecordEnd(const std::string& text) {
  if (fine()) IdentifyAll();
  Add({StepKind::kEnd, heap_.gc_count(), kNullRef, kNullRef, 0, 0, text});
}

void StepRecorder::IdentifyAll() {
  // Page by page in id order: the same heap gets the same numbering on every replay.
  const MemoryAllocator& a = heap_.memory_allocator();
  for (std::uint32_t id = 1; id < a.page_id_limit(); ++id) {
    const Page* p = a.page(id);
    if (p == nullptr) continue;
    for (std::uint32_t i = 0; i < p->objects.size(); ++i)
      if (p->objects[i].is_object() && !p->objects[i].forwarded) Identify(MakeRef(id, i));
  }
}

void StepRecorder::ForgetDeadIdentities() {
  std::erase_if(identity_, [&](const auto& entry) {
    return !heap_.IsValidObject(entry.first) || heap_.object(entry.first).forwarded;
  });
}

std::string StepRecorder::Describe(ObjectRef ref) const {
  auto it = identity_.find(ref);
  const HeapObject& o = heap_.object(ref);
  std::string s = it != identity_.end() ? Format("object #%u", it->second) : "an object";
  // Each allocation site's map (hidden class) is a strong root with no site of its own.
  if (o.site == 0) {
    for (std::size_t i = 1; i < heap_.site_id_limit(); ++i) {
      if (heap_.site(static_cast<std::uint32_t>(i)).map == ref)
        return s + Format(" (the %u-byte map, or hidden class, of site \"%s\")", o.size_bytes,
                          heap_.site(static_cast<std::uint32_t>(i)).name.c_str());
    }
  }
  s += Format(" (%u-byte %s", o.size_bytes, std::string(ToString(o.object_kind())).c_str());
  if (o.site != 0) s += ", site \"" + heap_.site(o.site).name + "\"";
  return s + ")";
}

void StepRecorder::OnScavengeStart() {
  scavenge_copied_ = scavenge_promoted_ = 0;
  size_before_gc_ = heap_.SizeOfObjects();
  if (!fine()) return;
  IdentifyAll();
  Add({StepKind::kScavengeStart, heap_.gc_count() + 1, kNullRef, kNullRef, 0, 0,
       Format("Scavenge %llu starts. The semi-spaces flip: to-space, full of new objects, "
              "becomes from-space and the empty one becomes to-space. The roots are visited "
              "first; each young object they name is copied.",
              static_cast<unsigned long long>(heap_.scavenge_count() + 1))});
}

void StepRecorder::OnObjectCopied(ObjectRef from, ObjectRef to, bool promoted) {
  const bool young_from = heap_.space_of(from) == AllocationSpace::kNew;
  const bool survived_before =
      young_from &&
      heap_.new_space().IsBelowAgeMark(heap_.page_of(from), heap_.object(from).offset_bytes());
  if (!in_mark_compact_) (promoted ? scavenge_promoted_ : scavenge_copied_) += 1;
  if (!fine()) return;
  const std::uint32_t id = Identify(from);
  identity_.erase(from);
  identity_[to] = id;
  history_[id].push_back({steps_.size(), heap_.address_of(to), heap_.space_of(to)});
  const std::string what = Describe(to);
  const std::string where = FormatAddress(heap_.address_of(to));
  Step step{
      promoted ? StepKind::kPromote : StepKind::kCopy, heap_.gc_count() + 1, to, from, 0, 0, {}};
  // EvacuationAllocator: copies up to 8 KB go to the task's 32 KB buffer, bigger ones alone.
  const bool buffered = heap_.object(to).size_bytes <= kMaxLabObjectSize;
  if (in_mark_compact_ && promoted) {
    step.text = "Mark-compact empties new space: live " + what + " moves to old space at " + where +
                ". Its old place forwards to the new one until pointers are updated.";
  } else if (in_mark_compact_) {
    step.kind = StepKind::kEvacuate;
    step.text = "Compaction: live " + what + " leaves its fragmented page for " + where + " in " +
                std::string(ToString(heap_.space_of(to))) +
                ". The old place forwards to the new one until pointers are updated.";
  } else if (promoted && survived_before) {
    step.text = "Promoted " + what + " to old space at " + where +
                ": it sat below the age mark, so this is its second survival. Its from-space "
                "copy now holds a forwarding address.";
  } else if (promoted) {
    step.text = "To-space has no room left for " + what +
                (buffered ? " (copies up to 8 KB go to 32 KB buffers, and no page has one left)"
                          : " (no page has that much left)") +
                ", so it is promoted early, on its first survival, to old space at " + where +
                ". Its from-space copy now holds a forwarding address.";
  } else {
    step.text = "Copied " + what + " from from-space to to-space at " + where +
                ": its first survival, so it stays young. " +
                (buffered ? "It went to the GC task's 32 KB copy buffer. "
                          : "Over 8 KB, it was allocated on its own, not in a copy buffer. ") +
                "The old copy now holds a forwarding address, so every other reference to it "
                "finds the new place.";
  }
  Add(std::move(step));
}

void StepRecorder::OnSlotUpdated(ObjectRef host,
                                 std::uint32_t slot,
                                 ObjectRef old_value,
                                 ObjectRef new_value) {
  if (!fine()) return;
  Add({StepKind::kSlotUpdate, heap_.gc_count() + 1, host, old_value, 0, slot,
       Format("Slot %u of ", slot) + Describe(host) + " named an old place (" +
           FormatAddress(heap_.address_of(old_value)) + "); it now names the new one (" +
           FormatAddress(heap_.address_of(new_value)) + ")."});
}

void StepRecorder::OnScanObject(ObjectRef object) {
  if (!fine()) return;
  Add({StepKind::kScan, heap_.gc_count() + 1, object, kNullRef, 0, 0,
       "Cheney's scan pointer reaches " + Describe(object) +
           " in to-space and visits its slots. Young objects they name are copied behind the "
           "allocation pointer, so the copy proceeds breadth-first with no stack."});
}

void StepRecorder::OnLargePagePromoted(ObjectRef object) {
  if (!in_mark_compact_) ++scavenge_promoted_;
  if (!fine()) return;
  Add({StepKind::kLargePromote, heap_.gc_count() + 1, object, kNullRef, RefPage(object), 0,
       Describe(object) +
           " is a young large object and survived: large objects are never copied; their "
           "whole page moves to the large-object space."});
}

void StepRecorder::OnScavengeEnd() {
  const auto n = static_cast<unsigned long long>(heap_.scavenge_count() + 1);
  if (fine()) {
    Add({StepKind::kScavengeEnd, heap_.gc_count() + 1, kNullRef, kNullRef, 0, 0,
         Format("Scavenge %llu ends: %zu objects copied within new space, %zu promoted. "
                "Everything left in from-space is garbage and is dropped at once, without "
                "sweeping. The unused ends of the helper tasks' copy buffers stay as gaps in "
                "to-space. The age mark moves to the top of to-space: what lies below it has "
                "survived once and will be promoted if it survives again.",
                n, scavenge_copied_, scavenge_promoted_)});
    ForgetDeadIdentities();
    return;
  }
  Add({StepKind::kCollection, heap_.gc_count() + 1, kNullRef, kNullRef, 0, 0,
       Format("Scavenge %llu: heap %.1f MB -> %.1f MB; %zu objects copied, %zu promoted.", n,
              ToMB(size_before_gc_), ToMB(heap_.SizeOfObjects()), scavenge_copied_,
              scavenge_promoted_)});
}

void StepRecorder::OnMarkingStart(bool incremental) {
  marking_incremental_ = incremental;
  marking_ = true;
  if (!fine()) return;
  IdentifyAll();
  Add({StepKind::kMarkingStart, heap_.gc_count() + 1, kNullRef, kNullRef, 0, 0,
       incremental
           ? std::string("Incremental marking starts: every object is white. The roots' "
                         "objects turn grey onto the worklist; marking then advances in small "
                         "steps between the program's work, paid for by its allocation.")
           : std::string("Mark-compact marks in one atomic pause: every object starts white; "
                         "the roots' objects turn grey onto the worklist.")});
}

void StepRecorder::OnGreyed(ObjectRef object, bool by_barrier) {
  if (!fine()) return;
  Identify(object);
  if (by_barrier) {
    Add({StepKind::kBarrierGrey, heap_.gc_count() + 1, object, kNullRef, 0, 0,
         "Write barrier: the program stored white " + Describe(object) +
             " into an object that marking had already finished (black). Marking would "
             "never see it, so the barrier turns it grey (Dijkstra's insertion barrier)."});
    return;
  }
  Add({StepKind::kGrey, heap_.gc_count() + 1, object, kNullRef, 0, 0,
       Describe(object) + " turns grey: reached, and pushed on the marking worklist. Its slots "
                          "are not scanned yet."});
}

void StepRecorder::OnBlackened(ObjectRef object) {
  if (!fine()) return;
  Add({StepKind::kBlacken, heap_.gc_count() + 1, object, kNullRef, 0, 0,
       Describe(object) + " turns black: popped from the worklist with all its slots scanned; "
                          "the white objects it names are now grey."});
}

void StepRecorder::OnIncrementalStep(std::size_t bytes_marked) {
  if (!fine()) return;
  IdentifyAll();
  Add({StepKind::kIncrementalStep, heap_.gc_count() + 1, kNullRef, kNullRef, 0, 0,
       Format("That was one incremental marking step: %zu bytes marked, paid for by the program's "
              "allocation; %zu objects wait on the worklist. The program runs again until the "
              "next step.",
              bytes_marked, heap_.marking_worklist().size())});
}

void StepRecorder::OnEvacuationCandidate(std::uint32_t page_id) {
  if (!fine()) return;
  const Page* p = heap_.memory_allocator().page(page_id);
  Add({StepKind::kEvacuationCandidate, heap_.gc_count() + 1, kNullRef, kNullRef, page_id, 0,
       Format("Page %u is fragmented (%zu of %zu bytes used) and becomes an evacuation "
              "candidate: after marking, its live objects are copied to other pages and the "
              "whole page is freed.",
              page_id, p->allocated_bytes, p->area_bytes)});
}

void StepRecorder::OnMarkCompactPhase(Phase phase) {
  if (phase == Phase::kFinishMarking) {
    in_mark_compact_ = true;
    size_before_gc_ = heap_.SizeOfObjects();
  }
  if (!fine()) return;
  std::string text;
  switch (phase) {
    case Phase::kFinishMarking: {
      IdentifyAll();
      text = marking_incremental_
                 ? "The atomic pause of mark-compact begins: the roots are scanned again and "
                   "the rest of the worklist is drained. Whatever is still white is garbage."
                 : "The atomic pause drains the worklist. Whatever is still white when it is "
                   "empty is garbage.";
      // The concurrent markers' private segments, not yet published (the pause publishes
      // them next).
      const MarkingWorklist& wl = heap_.marking_worklist();
      std::size_t held = 0;
      for (int m = 1; m < wl.local_count(); ++m)
        held += wl.LocalSize(m);
      if (marking_incremental_ && held > 0)
        text += Format(
            " Marking ended because the main thread's worklist and the shared pool were empty "
            "(V8's IncrementalMarking::ShouldFinalize), while the concurrent markers still held "
            "%zu grey %s in their private 64-entry segments, with everything reachable only "
            "through them: a marker walking a list pushes one object for each it pops, so it "
            "never fills a segment to share. The pause marks the rest now, on one thread if it "
            "is a list.",
            held, held == 1 ? "object" : "objects");
      break;
    }
    case Phase::kEvacuation:
      text =
          "Evacuation: live young objects move to old space, and live objects on "
          "evacuation candidates move to other pages.";
      break;
    case Phase::kUpdatePointers:
      text =
          "Pointer updating: every slot that still names a moved object's old place is "
          "rewritten with its forwarding address.";
      break;
    case Phase::kSweeping:
      text =
          "Sweeping: on each page the dead (white) objects are freed and the gaps between "
          "survivors go on the free list, where old-space allocation finds them later.";
      break;
  }
  Add({StepKind::kPhase, heap_.gc_count() + 1, kNullRef, kNullRef, 0, 0, std::move(text)});
}

void StepRecorder::OnPageSwept(std::uint32_t page_id, std::size_t free_bytes) {
  if (!fine()) return;
  const Page* p = heap_.memory_allocator().page(page_id);
  std::string text =
      p->object_count == 0
          ? Format("Page %u swept: nothing on it survived, so the whole page is released.", page_id)
          : Format(
                "Page %u swept: %u objects survive (their marks are cleared for the next "
                "cycle) and %zu bytes of gaps between them go on the free list.",
                page_id, p->object_count, free_bytes);
  Add({StepKind::kSweepPage, heap_.gc_count() + 1, kNullRef, kNullRef, page_id, 0,
       std::move(text)});
}

void StepRecorder::OnMarkCompactEnd() {
  in_mark_compact_ = false;
  marking_ = false;
  const auto n = static_cast<unsigned long long>(heap_.mark_compact_count() + 1);
  if (fine()) {
    ForgetDeadIdentities();
    Add({StepKind::kMarkCompactEnd, heap_.gc_count() + 1, kNullRef, kNullRef, 0, 0,
         Format("Mark-compact %llu ends: the heap holds %.2f MB of objects, down from %.2f MB. "
                "New space is empty; every survivor is in the old generation.",
                n, ToMB(heap_.SizeOfObjects()), ToMB(size_before_gc_)),
         true});
    return;
  }
  Add({StepKind::kCollection, heap_.gc_count() + 1, kNullRef, kNullRef, 0, 0,
       Format("Mark-compact %llu: heap %.1f MB -> %.1f MB; old generation %.1f MB of %.1f MB "
              "allowed.",
              n, ToMB(size_before_gc_), ToMB(heap_.SizeOfObjects()),
              ToMB(heap_.OldGenerationSizeOfObjects()), ToMB(heap_.max_old_generation_size())),
       true});
}

}  // namespace heaplab
