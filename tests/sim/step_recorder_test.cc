// Heap snapshots, retaining paths and the step recorder: what the teaching views show.
#include <algorithm>
#include <map>

#include "sim/heap-snapshot.h"
#include "sim/step-recorder.h"
#include "tests/sim/test-util.h"

namespace heaplab {
namespace {

using testing::BareOptions;
using testing::FragmentOldSpace;
using testing::RecordingSink;
using testing::TestFlags;

// A small program that exercises every collector mechanism: two scavenges (copy, then
// promotion), incremental marking with a write-barrier hit, and a mark-compact that sweeps and
// compacts fragmented old pages.
void TeachingProgram(Heap& heap) {
  const auto root = heap.CreateGlobal(heap.Allocate(48, 4, ObjectKind::kObject));
  ObjectRef prev = kNullRef;
  for (int i = 0; i < 6; ++i) {  // a list under slot 0
    ObjectRef n = heap.Allocate(32, 1, ObjectKind::kObject);
    heap.WriteSlot(n, 0, prev);
    prev = n;
    heap.WriteSlot(heap.Global(root), 0, prev);
  }
  for (int i = 0; i < 10; ++i)
    heap.Allocate(64, 0, ObjectKind::kString);  // garbage
  heap.CollectGarbage(AllocationSpace::kNew, GarbageCollectionReason::kTesting);
  heap.WriteSlot(heap.Global(root), 1, heap.Allocate(40, 0, ObjectKind::kArray));
  heap.CollectGarbage(AllocationSpace::kNew, GarbageCollectionReason::kTesting);  // promotes

  // Fragmented old pages: keep one 1 KB object in 64.
  heap.OpenHandleScope();
  std::vector<std::uint32_t> keep;
  for (int i = 0; i < 1200; ++i) {
    auto h = heap.CreateLocal(heap.Allocate(1024, 1, ObjectKind::kObject, 0, AllocationType::kOld));
    if (i % 64 == 0) keep.push_back(heap.CreateGlobal(heap.Local(h)));
  }
  heap.CloseHandleScope();
  // The first full GC sweeps them: the pages are now mostly free, ready for compaction.
  heap.CollectGarbage(AllocationSpace::kOld, GarbageCollectionReason::kTesting);

  // Incremental marking; once the root is black, storing a white (unreached) object into it
  // hits the marking barrier.
  const ObjectRef unreached = heap.Allocate(24, 0, ObjectKind::kObject, 0, AllocationType::kOld);
  heap.StartIncrementalMarking();
  while (!heap.AdvanceIncrementalMarkingForTesting(0.01)) {
  }
  heap.WriteSlot(heap.Global(root), 2, unreached);
  heap.CollectGarbage(AllocationSpace::kOld, GarbageCollectionReason::kTesting);
}

HeapSnapshot WithoutIds(HeapSnapshot s) {
  for (PageSnapshot& p : s.pages)
    for (ObjectSnapshot& o : p.objects)
      o.id = 0;
  return s;
}

TEST(HeapSnapshot, AgesFollowTheAgeMark) {
  Heap heap(TestFlags(), BareOptions());
  const auto a = heap.CreateGlobal(heap.Allocate(32, 0, ObjectKind::kObject));
  heap.CollectGarbage(AllocationSpace::kNew, GarbageCollectionReason::kTesting);
  const auto b = heap.CreateGlobal(heap.Allocate(48, 0, ObjectKind::kObject));
  HeapSnapshot s = TakeHeapSnapshot(heap);
  ASSERT_NE(s.Find(heap.Global(a)), nullptr);
  EXPECT_EQ(s.Find(heap.Global(a))->age, ObjectAge::kSurvived);
  EXPECT_EQ(s.Find(heap.Global(b))->age, ObjectAge::kNew);
  EXPECT_NE(s.age_mark_page_id, 0u);
  EXPECT_EQ(s.age_mark_page_id, RefPage(heap.Global(a)));
  heap.CollectGarbage(AllocationSpace::kNew, GarbageCollectionReason::kTesting);
  s = TakeHeapSnapshot(heap);
  EXPECT_EQ(s.Find(heap.Global(a))->age, ObjectAge::kOld);  // second survival: promoted
  EXPECT_EQ(s.Find(heap.Global(b))->age, ObjectAge::kSurvived);
  EXPECT_EQ(s.FindPage(RefPage(heap.Global(a)))->space, AllocationSpace::kOld);
}

TEST(HeapSnapshot, ForwardingIsVisibleDuringAScavenge) {
  Heap heap(TestFlags(), BareOptions());
  struct Probe : HeapObserver {
    const Heap* heap = nullptr;
    std::vector<std::pair<ObjectRef, HeapSnapshot>> seen;
    void OnObjectCopied(ObjectRef from, ObjectRef, bool) override {
      seen.emplace_back(from, TakeHeapSnapshot(*heap));
    }
  } probe;
  probe.heap = &heap;
  heap.set_observer(&probe);
  heap.CreateGlobal(heap.Allocate(32, 0, ObjectKind::kObject));
  heap.CollectGarbage(AllocationSpace::kNew, GarbageCollectionReason::kTesting);
  ASSERT_EQ(probe.seen.size(), 1u);
  const auto& [from, snap] = probe.seen[0];
  const ObjectSnapshot* o = snap.Find(from);
  ASSERT_NE(o, nullptr);
  EXPECT_TRUE(o->forwarded);
  EXPECT_EQ(snap.FindPage(RefPage(from))->role, PageRole::kFromSpace);
  const ObjectSnapshot* to = snap.Find(o->forwarding);
  ASSERT_NE(to, nullptr);
  EXPECT_EQ(snap.FindPage(RefPage(o->forwarding))->role, PageRole::kToSpace);
  EXPECT_EQ(to->size_bytes, 32u);
  // The root still names the old place; the path goes through its forwarding address.
  const auto path = FindRetainingPath(snap, o->forwarding);
  ASSERT_EQ(path.size(), 2u);
  EXPECT_EQ(path[0].object, from);
  EXPECT_EQ(path[0].slot, kForwardedSlot);
  EXPECT_EQ(path[1].object, o->forwarding);
}

TEST(HeapSnapshot, DuringAScavengeToSpaceHoldsSurvivorsAndTheAgeMarkSplitsFromSpace) {
  Heap heap(TestFlags(), BareOptions());
  struct Probe : HeapObserver {
    const Heap* heap = nullptr;
    std::vector<HeapSnapshot> seen;
    void OnObjectCopied(ObjectRef, ObjectRef, bool) override {
      seen.push_back(TakeHeapSnapshot(*heap));
    }
  } probe;
  probe.heap = &heap;
  // `old_one` survives once (below the age mark), then `young` is allocated above it.
  const auto old_one = heap.CreateGlobal(heap.Allocate(32, 0, ObjectKind::kObject));
  heap.CollectGarbage(AllocationSpace::kNew, GarbageCollectionReason::kTesting);
  // Young survivors fill to-space well past where the last age mark was.
  std::vector<std::uint32_t> more;
  for (int i = 0; i < 10; ++i)
    more.push_back(heap.CreateGlobal(heap.Allocate(1024, 0, ObjectKind::kObject)));
  const auto young = heap.CreateGlobal(heap.Allocate(48, 0, ObjectKind::kObject));
  const ObjectRef old_before = heap.Global(old_one), young_before = heap.Global(young);
  heap.set_observer(&probe);
  heap.CollectGarbage(AllocationSpace::kNew, GarbageCollectionReason::kTesting);
  heap.set_observer(nullptr);
  ASSERT_EQ(probe.seen.size(), 12u);
  // At the first copy (the root order decides which), each object not yet moved keeps its age
  // in from-space, and whatever reached to-space has survived this scavenge.
  for (const HeapSnapshot& snap : probe.seen) {
    for (const PageSnapshot& page : snap.pages) {
      if (page.space != AllocationSpace::kNew) continue;
      for (const ObjectSnapshot& o : page.objects) {
        if (page.role == PageRole::kToSpace) {
          EXPECT_EQ(o.age, ObjectAge::kSurvived);
        } else if (o.id == old_before) {
          EXPECT_EQ(o.age, ObjectAge::kSurvived);
        } else if (o.id == young_before) {
          EXPECT_EQ(o.age, ObjectAge::kNew);
        }
      }
    }
  }
  // The copy of `young` is in to-space in the last picture, as a survivor.
  const ObjectSnapshot* copied = probe.seen.back().Find(heap.Global(young));
  ASSERT_NE(copied, nullptr);
  EXPECT_EQ(copied->age, ObjectAge::kSurvived);
}

TEST(HeapSnapshot, AnEvacuationCandidatesFreeBytesShowAsEvicted) {
  Heap heap(TestFlags(), BareOptions());
  struct Probe : HeapObserver {
    const Heap* heap = nullptr;
    std::vector<HeapSnapshot> seen;
    void OnObjectCopied(ObjectRef, ObjectRef, bool) override {
      if (seen.empty()) seen.push_back(TakeHeapSnapshot(*heap));
    }
  } probe;
  probe.heap = &heap;
  // ~12 old pages of 1 KB objects, one in 64 kept: the first full GC frees the rest, the second
  // evacuates the pages (their free lists evicted when its marking starts).
  FragmentOldSpace(heap);
  const HeapSnapshot before = TakeHeapSnapshot(heap);
  for (const PageSnapshot& page : before.pages)
    for (const FreeRangeSnapshot& r : page.free_ranges)
      EXPECT_FALSE(r.evicted) << "page " << page.id;  // no candidates between GCs
  heap.set_observer(&probe);
  heap.CollectGarbage(AllocationSpace::kOld, GarbageCollectionReason::kTesting);
  heap.set_observer(nullptr);
  ASSERT_EQ(probe.seen.size(), 1u);
  int candidates = 0;
  for (const PageSnapshot& page : probe.seen[0].pages) {
    if (!page.evacuation_candidate) continue;
    ++candidates;
    // Objects and evicted ranges tile the page's area without overlapping.
    std::uint64_t covered = 0;
    std::vector<std::pair<std::uint32_t, std::uint32_t>> spans;
    for (const ObjectSnapshot& o : page.objects)
      spans.emplace_back(o.offset_bytes, o.offset_bytes + o.size_bytes);
    for (const FreeRangeSnapshot& r : page.free_ranges) {
      EXPECT_TRUE(r.evicted);
      spans.emplace_back(r.offset_bytes, r.offset_bytes + r.size_bytes);
    }
    std::sort(spans.begin(), spans.end());
    for (std::size_t i = 0; i < spans.size(); ++i) {
      if (i > 0) {
        EXPECT_LE(spans[i - 1].second, spans[i].first) << "page " << page.id;
      }
      covered += spans[i].second - spans[i].first;
    }
    EXPECT_EQ(covered, page.area_bytes) << "page " << page.id;
  }
  EXPECT_GT(candidates, 0);
}

TEST(HeapSnapshot, RetainingPathAnswersWhyAnObjectIsAlive) {
  Heap heap(TestFlags(), BareOptions());
  const auto root = heap.CreateGlobal(heap.Allocate(32, 2, ObjectKind::kObject));
  const ObjectRef mid = heap.Allocate(32, 3, ObjectKind::kObject);
  heap.WriteSlot(heap.Global(root), 1, mid);
  const ObjectRef leaf = heap.Allocate(16, 0, ObjectKind::kString);
  heap.WriteSlot(mid, 2, leaf);
  const ObjectRef garbage = heap.Allocate(16, 1, ObjectKind::kObject);
  heap.WriteSlot(garbage, 0, leaf);  // points at leaf, but nothing points at it
  const HeapSnapshot s = TakeHeapSnapshot(heap);
  const auto path = FindRetainingPath(s, leaf);
  ASSERT_EQ(path.size(), 3u);
  EXPECT_EQ(path[0].object, heap.Global(root));
  EXPECT_EQ(path[0].label, "global handle #" + std::to_string(root));
  EXPECT_EQ(path[0].slot, 1);
  EXPECT_EQ(path[1].object, mid);
  EXPECT_EQ(path[1].slot, 2);
  EXPECT_EQ(path[2].object, leaf);
  EXPECT_EQ(path[2].slot, -1);
  EXPECT_TRUE(FindRetainingPath(s, garbage).empty());
  const auto refs = FindReferencesTo(s, leaf);
  ASSERT_EQ(refs.size(), 2u);
  EXPECT_EQ(s.SlotsOf(*s.Find(mid)), (std::vector<ObjectRef>{kNullRef, kNullRef, leaf}));
}

TEST(HeapSnapshot, SweptPagesShowTheirFreeListAndBigHeapsAggregate) {
  Heap heap(TestFlags(), BareOptions());
  heap.OpenHandleScope();
  std::vector<std::uint32_t> keep;
  for (int i = 0; i < 600; ++i) {
    auto h = heap.CreateLocal(heap.Allocate(512, 0, ObjectKind::kObject, 0, AllocationType::kOld));
    if (i % 3 == 0) keep.push_back(heap.CreateGlobal(heap.Local(h)));
  }
  heap.CloseHandleScope();
  heap.CollectGarbage(AllocationSpace::kOld, GarbageCollectionReason::kTesting);
  const HeapSnapshot s = TakeHeapSnapshot(heap);
  std::size_t free_list_ranges = 0;
  for (const PageSnapshot& p : s.pages) {
    if (p.space != AllocationSpace::kOld) continue;
    std::uint64_t listed = 0;
    for (const FreeRangeSnapshot& r : p.free_ranges) {
      if (!r.linear_area) listed += r.size_bytes, ++free_list_ranges;
      // A gap never overlaps an object.
      for (const ObjectSnapshot& o : p.objects)
        EXPECT_TRUE(r.offset_bytes + r.size_bytes <= o.offset_bytes ||
                    o.offset_bytes + o.size_bytes <= r.offset_bytes);
    }
    EXPECT_EQ(listed, p.free_list_bytes);
  }
  EXPECT_GT(free_list_ranges, 100u);  // the gaps between survivors

  SnapshotOptions small;
  small.max_detailed_objects = 10;
  const HeapSnapshot agg = TakeHeapSnapshot(heap, small);
  EXPECT_TRUE(agg.aggregated);
  EXPECT_EQ(agg.object_count(), s.object_count());
  for (const PageSnapshot& p : agg.pages)
    EXPECT_TRUE(p.objects.empty());
}

// Runs TeachingProgram under a recorder capturing the steps `capture` accepts.
struct Recording {
  std::vector<Step> steps;
  std::map<std::size_t, HeapSnapshot> snapshots;
  std::vector<GCEvent> events;
  HeapSnapshot final_snapshot;
};

Recording Record(std::function<bool(std::size_t)> capture, bool observe = true) {
  Heap heap(TestFlags(), BareOptions());
  RecordingSink sink;
  heap.set_sink(&sink);
  StepRecorder recorder(heap, StepGranularity::kObject, std::move(capture));
  if (observe) heap.set_observer(&recorder);
  TeachingProgram(heap);
  recorder.RecordEnd("end");
  Recording r;
  r.steps = recorder.steps();
  r.snapshots = std::move(recorder.snapshots());
  r.events = sink.events;
  r.final_snapshot = TakeHeapSnapshot(heap);
  return r;
}

std::size_t CountKind(const std::vector<Step>& steps, StepKind kind) {
  std::size_t n = 0;
  for (const Step& s : steps)
    n += s.kind == kind;
  return n;
}

TEST(StepRecorder, RecordsEveryMechanismWithText) {
  const Recording r = Record(nullptr);
  for (StepKind k :
       {StepKind::kScavengeStart, StepKind::kCopy, StepKind::kPromote, StepKind::kScan,
        StepKind::kSlotUpdate, StepKind::kScavengeEnd, StepKind::kMarkingStart, StepKind::kGrey,
        StepKind::kBarrierGrey, StepKind::kBlacken, StepKind::kIncrementalStep,
        StepKind::kEvacuationCandidate, StepKind::kPhase, StepKind::kEvacuate, StepKind::kSweepPage,
        StepKind::kMarkCompactEnd, StepKind::kEnd})
    EXPECT_GT(CountKind(r.steps, k), 0u) << ToString(k);
  for (const Step& s : r.steps)
    EXPECT_FALSE(s.text.empty()) << ToString(s.kind);
  // The first scavenge copies the root and the 6-object list and promotes nothing; the second
  // promotes those 7 (their second survival) and copies the new array.
  const auto first_end = std::find_if(r.steps.begin(), r.steps.end(), [](const Step& s) {
    return s.kind == StepKind::kScavengeEnd;
  });
  EXPECT_EQ(first_end->gc, 1u);
  std::size_t copies1 = 0, promotes1 = 0, promotes2 = 0, copies2 = 0;
  for (const Step& s : r.steps) {
    if (s.gc == 1) copies1 += s.kind == StepKind::kCopy, promotes1 += s.kind == StepKind::kPromote;
    if (s.gc == 2) copies2 += s.kind == StepKind::kCopy, promotes2 += s.kind == StepKind::kPromote;
  }
  EXPECT_EQ(copies1, 7u);
  EXPECT_EQ(promotes1, 0u);
  EXPECT_EQ(promotes2, 7u);
  EXPECT_EQ(copies2, 1u);
  const auto barrier = std::find_if(r.steps.begin(), r.steps.end(),
                                    [](const Step& s) { return s.kind == StepKind::kBarrierGrey; });
  EXPECT_NE(barrier->text.find("Write barrier"), std::string::npos);
  const auto copy = std::find_if(r.steps.begin(), r.steps.end(),
                                 [](const Step& s) { return s.kind == StepKind::kCopy; });
  EXPECT_NE(copy->text.find("32 KB copy buffer"), std::string::npos) << copy->text;
}

// The text of the first early promotion in a scavenge, in a 1 MB new space (4 pages of
// 251.5 KB: 28 buffers), of young objects of `sizes` (in allocation order) that an old array
// reaches in `reach` order (indexes into `sizes`; all of them in allocation order if empty).
std::string EarlyPromotionText(const std::vector<std::size_t>& sizes,
                               std::vector<std::uint32_t> reach = {}) {
  HeapFlags f = TestFlags();
  f.max_semi_space_size = 1;
  Heap heap(f, BareOptions());
  StepRecorder recorder(heap, StepGranularity::kObject, nullptr);
  heap.set_observer(&recorder);
  const auto n = static_cast<std::uint32_t>(sizes.size());
  if (reach.empty())
    for (std::uint32_t i = 0; i < n; ++i)
      reach.push_back(i);
  const auto array =
      heap.CreateGlobal(heap.Allocate(8 * (n + 2), n, ObjectKind::kArray, 0, AllocationType::kOld));
  std::vector<ObjectRef> objects;
  for (std::size_t size : sizes)
    objects.push_back(heap.Allocate(size, 0, ObjectKind::kString));
  EXPECT_EQ(heap.gc_count(), 0u) << "the objects must fit in new space before the scavenge";
  for (std::uint32_t i = 0; i < n; ++i)
    heap.WriteSlot(heap.Global(array), i, objects[reach[i]]);
  heap.CollectGarbage(AllocationSpace::kNew, GarbageCollectionReason::kTesting);
  for (const Step& s : recorder.steps())
    if (s.kind == StepKind::kPromote) return s.text;
  return "";
}

TEST(StepRecorder, EarlyPromotionSaysWhyToSpaceHadNoRoom) {
  // 937.5 KB of 64-byte objects: more than the 896 KB of buffers a 1 MB to-space takes.
  const std::string small = EarlyPromotionText(std::vector<std::size_t>(15000, 64));
  EXPECT_NE(small.find("32 KB buffers"), std::string::npos) << small;
  EXPECT_NE(small.find("first survival"), std::string::npos) << small;
  // Allocation packs 100+100+50 KB per page; reached as 100,50,100,50,... the copies waste
  // more of each page's end, and the last 100 KB finds no page with room.
  std::vector<std::size_t> sizes;
  for (int page = 0; page < 4; ++page)
    sizes.insert(sizes.end(), {100 * KB, 100 * KB, 50 * KB});
  std::vector<std::uint32_t> reach;
  for (std::uint32_t page = 0; page < 4; ++page)
    reach.insert(reach.end(), {3 * page, 3 * page + 2});
  for (std::uint32_t page = 0; page < 4; ++page)
    reach.push_back(3 * page + 1);
  const std::string big = EarlyPromotionText(sizes, reach);
  EXPECT_NE(big.find("no page has that much left"), std::string::npos) << big;
}

// A concurrent marker walking a list keeps it private; the task finalizes marking and the step
// that opens the pause says why and how much the markers still held.
TEST(StepRecorder, ThePauseSaysWhatTheConcurrentMarkersStillHeld) {
  HeapFlags flags = TestFlags();
  flags.concurrent_marking_speed = 1e5;  // 100 KB per ms
  Heap heap(flags, BareOptions());
  auto head = heap.CreateGlobal(kNullRef);
  for (int i = 0; i < 500; ++i) {
    ObjectRef o = heap.Allocate(1024, 1, ObjectKind::kObject, 0, AllocationType::kOld);
    heap.WriteSlot(o, 0, heap.Global(head));
    heap.SetGlobal(head, o);
  }
  StepRecorder recorder(heap, StepGranularity::kObject, nullptr);
  heap.set_observer(&recorder);
  heap.StartIncrementalMarking();
  heap.AdvanceTime(1);      // a marker walks about 100 of the 500
  heap.AdvanceIdleTime(5);  // the first task finds the shared pool empty
  EXPECT_FALSE(heap.IsMarking());
  const auto& steps = recorder.steps();
  const auto pause = std::find_if(steps.begin(), steps.end(), [](const Step& s) {
    return s.kind == StepKind::kPhase && s.text.find("ShouldFinalize") != std::string::npos;
  });
  ASSERT_NE(pause, steps.end());
  EXPECT_NE(pause->text.find("held 1 grey object "), std::string::npos) << pause->text;
  // About 400 list objects turn black after that step, in the pause.
  std::size_t blackened_in_pause = 0;
  for (auto it = pause; it != steps.end(); ++it)
    blackened_in_pause += it->kind == StepKind::kBlacken;
  EXPECT_GT(blackened_in_pause, 350u);
  EXPECT_LT(blackened_in_pause, 450u);
}

TEST(StepRecorder, ObservingDoesNotChangeTheRun) {
  const Recording observed = Record(nullptr, true);
  const Recording plain = Record(nullptr, false);
  ASSERT_EQ(observed.events.size(), plain.events.size());
  for (std::size_t i = 0; i < plain.events.size(); ++i) {
    EXPECT_EQ(observed.events[i].pause_ms, plain.events[i].pause_ms);
    EXPECT_EQ(observed.events[i].promoted_bytes, plain.events[i].promoted_bytes);
  }
  EXPECT_EQ(observed.final_snapshot, plain.final_snapshot);
}

TEST(StepRecorder, HeapAfterNStepsEqualsRunningToThatPoint) {
  const Recording all = Record([](std::size_t) { return true; });
  ASSERT_EQ(all.snapshots.size(), all.steps.size());
  // The last step is the end of the run: its heap is the heap of a run without stepping.
  EXPECT_EQ(WithoutIds(all.snapshots.rbegin()->second), Record(nullptr, false).final_snapshot);
  // Any step, captured alone in a fresh run (a replay), equals the same step of the full
  // recording; stepping back (to an earlier step) and forward again lands on the same heap.
  for (std::size_t n : {std::size_t{0}, all.steps.size() / 7, all.steps.size() / 3,
                        all.steps.size() / 2, all.steps.size() - 2}) {
    const Recording one = Record([n](std::size_t i) { return i == n; });
    ASSERT_EQ(one.snapshots.size(), 1u);
    EXPECT_EQ(one.snapshots.begin()->second, all.snapshots.at(n)) << "step " << n;
    const Recording back = Record([n](std::size_t i) { return i + 1 == n || i == n; });
    if (n > 0) {
      EXPECT_EQ(back.snapshots.at(n - 1), all.snapshots.at(n - 1));
    }
    EXPECT_EQ(back.snapshots.at(n), all.snapshots.at(n));
  }
}

TEST(StepRecorder, IdentityFollowsAnObjectAcrossMoves) {
  Heap heap(TestFlags(), BareOptions());
  StepRecorder recorder(heap, StepGranularity::kObject, nullptr);
  heap.set_observer(&recorder);
  const auto g = heap.CreateGlobal(heap.Allocate(32, 0, ObjectKind::kObject));
  heap.CollectGarbage(AllocationSpace::kNew, GarbageCollectionReason::kTesting);
  heap.CollectGarbage(AllocationSpace::kNew, GarbageCollectionReason::kTesting);
  const std::uint32_t id = recorder.Identify(heap.Global(g));
  const auto& h = recorder.history(id);
  ASSERT_EQ(h.size(), 3u);  // allocated, copied to to-space, promoted
  EXPECT_EQ(h[0].space, AllocationSpace::kNew);
  EXPECT_EQ(h[1].space, AllocationSpace::kNew);
  EXPECT_EQ(h[2].space, AllocationSpace::kOld);
  EXPECT_EQ(h[2].address, heap.address_of(heap.Global(g)));
  EXPECT_EQ(recorder.Snapshot().Find(heap.Global(g))->id, id);
}

TEST(StepRecorder, CollectionGranularityHasOneStepPerGC) {
  Heap heap(TestFlags(), BareOptions());
  RecordingSink sink;
  heap.set_sink(&sink);
  StepRecorder recorder(heap, StepGranularity::kCollection, [](std::size_t) { return true; });
  heap.set_observer(&recorder);
  TeachingProgram(heap);
  EXPECT_EQ(recorder.steps().size(), sink.events.size());
  for (const Step& s : recorder.steps())
    EXPECT_EQ(s.kind, StepKind::kCollection);
  EXPECT_EQ(recorder.snapshots().size(), sink.events.size());
}

}  // namespace
}  // namespace heaplab
