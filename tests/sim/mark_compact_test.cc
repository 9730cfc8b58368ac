#include <map>
#include <memory>
#include <numeric>
#include <string>
#include <tuple>
#include <vector>

#include "sim/mark-compact.h"
#include "sim/trace-format.h"

#include "tests/sim/test-util.h"

namespace heaplab {
namespace {

using testing::BareOptions;
using testing::ExpectHealthy;
using testing::FragmentOldSpace;
using testing::RecordingSink;
using testing::RetainList;
using testing::TestFlags;

class BarrierRecorder : public HeapObserver {
 public:
  void OnGreyed(ObjectRef o, bool by_barrier) override {
    if (by_barrier) barrier_hits.push_back(o);
  }
  std::vector<ObjectRef> barrier_hits;
};

TEST(MarkCompact, WriteBarrierKeepsNewlyLinkedObjectAlive) {
  Heap heap(TestFlags(), BareOptions());
  BarrierRecorder rec;
  heap.set_observer(&rec);
  RecordingSink sink;
  heap.set_sink(&sink);
  auto r = heap.CreateGlobal(heap.Allocate(32, 2, ObjectKind::kObject, 0, AllocationType::kOld));
  heap.StartIncrementalMarking();
  ASSERT_TRUE(heap.IsMarking());
  ASSERT_TRUE(heap.AdvanceIncrementalMarkingForTesting(100));  // r is black now
  EXPECT_EQ(heap.object(heap.Global(r)).mark_color(), MarkColor::kBlack);

  heap.OpenHandleScope();
  auto n = heap.CreateLocal(heap.Allocate(56, 0, ObjectKind::kObject));  // young, white
  EXPECT_EQ(heap.object(heap.Local(n)).mark_color(), MarkColor::kWhite);
  heap.WriteSlot(heap.Global(r), 0, heap.Local(n));  // a black object now points to it
  ASSERT_EQ(rec.barrier_hits.size(), 1u);
  EXPECT_EQ(rec.barrier_hits[0], heap.Local(n));
  EXPECT_EQ(heap.object(heap.Local(n)).mark_color(), MarkColor::kGrey);
  heap.CloseHandleScope();  // only the black object keeps it

  heap.CollectGarbage(AllocationSpace::kOld, GarbageCollectionReason::kTesting);
  ASSERT_EQ(sink.events.size(), 1u);
  EXPECT_TRUE(sink.events[0].incremental);
  ObjectRef kept = heap.ReadSlot(heap.Global(r), 0);
  ASSERT_TRUE(heap.IsValidObject(kept));
  EXPECT_EQ(heap.object(kept).size_bytes, 56u);
  EXPECT_EQ(heap.space_of(kept), AllocationSpace::kOld);  // a full GC empties new space
  EXPECT_EQ(heap.new_space().Size(), 0u);
  ExpectHealthy(heap);
}

// The twin keeps held objects in an array and globals in a Set: storing into them during
// marking runs the marking barrier, where a V8 global handle is only found by the final pause's
// root scan.
TEST(MarkCompact, AGlobalInAContainerIsGreyedByTheMarkingBarrier) {
  Heap heap(TestFlags(), BareOptions());
  BarrierRecorder rec;
  heap.set_observer(&rec);
  heap.CreateGlobal(heap.Allocate(32, 2, ObjectKind::kObject, 0, AllocationType::kOld));
  heap.StartIncrementalMarking();
  ASSERT_TRUE(heap.IsMarking());
  const ObjectRef plain = heap.Allocate(56, 0, ObjectKind::kObject);
  const ObjectRef held = heap.Allocate(56, 0, ObjectKind::kObject);
  heap.CreateGlobal(plain);
  EXPECT_TRUE(rec.barrier_hits.empty());
  EXPECT_EQ(heap.object(plain).mark_color(), MarkColor::kWhite);
  heap.CreateGlobalInContainer(held);
  ASSERT_EQ(rec.barrier_hits.size(), 1u);
  EXPECT_EQ(rec.barrier_hits[0], held);
  EXPECT_EQ(heap.object(held).mark_color(), MarkColor::kGrey);
  // Not marking: no barrier.
  heap.CollectGarbage(AllocationSpace::kOld, GarbageCollectionReason::kTesting);
  heap.CreateGlobalInContainer(heap.Allocate(56, 0, ObjectKind::kObject));
  EXPECT_EQ(rec.barrier_hits.size(), 1u);
  ExpectHealthy(heap);
}

TEST(MarkCompact, CompactionUpdatesEveryReferenceAndLargeObjectsNeverMove) {
  Heap heap(TestFlags(), BareOptions());
  RecordingSink sink;
  heap.set_sink(&sink);
  // A large object whose slots point at the survivors; its own address must never change.
  auto big =
      heap.CreateGlobal(heap.Allocate(200 * KB, 64, ObjectKind::kArray, 0, AllocationType::kOld));
  const ObjectRef big_ref = heap.Global(big);
  const std::uint64_t big_address = heap.address_of(big_ref);
  ASSERT_EQ(heap.space_of(big_ref), AllocationSpace::kLargeObject);

  // Fill ~12 old pages with 1 KB objects, then keep one in 64 alive: every page is then ~98%
  // free, a fragmentation evacuation candidate.
  heap.OpenHandleScope();
  std::vector<std::uint32_t> all;
  for (int i = 0; i < 3000; ++i)
    all.push_back(
        heap.CreateLocal(heap.Allocate(1024, 2, ObjectKind::kObject, 0, AllocationType::kOld)));
  std::vector<std::uint32_t> survivors;  // global handles of the survivors
  std::map<std::uint32_t, std::uint64_t> address_before;
  for (std::size_t i = 0; i < all.size(); i += 64) {
    survivors.push_back(heap.CreateGlobal(heap.Local(all[i])));
    address_before[survivors.back()] = heap.address_of(heap.Local(all[i]));
  }
  // Link survivors into a ring and from the large object; unique sizes are not needed:
  // we check identity through the links.
  for (std::size_t i = 0; i < survivors.size(); ++i) {
    heap.WriteSlot(heap.Global(survivors[i]), 0,
                   heap.Global(survivors[(i + 1) % survivors.size()]));
    heap.WriteSlot(big_ref, static_cast<std::uint32_t>(i), heap.Global(survivors[i]));
  }
  heap.CloseHandleScope();
  // V8 picks candidates when marking starts, from the bytes allocated on each page: the first
  // full GC frees the dead objects (sweeping), the next one sees the fragmentation and compacts.
  heap.CollectGarbage(AllocationSpace::kOld, GarbageCollectionReason::kTesting);
  ASSERT_EQ(sink.events.size(), 1u);
  EXPECT_EQ(sink.events[0].evacuation_candidates, 0u);
  std::size_t pages_before = heap.old_space().pages().size();
  heap.CollectGarbage(AllocationSpace::kOld, GarbageCollectionReason::kTesting);
  ASSERT_EQ(sink.events.size(), 2u);
  const GCEvent& e = sink.events[1];
  EXPECT_GT(e.evacuation_candidates, 0u);
  EXPECT_GT(e.evacuated_bytes, 0u);
  EXPECT_LT(heap.old_space().pages().size(), pages_before);
  std::size_t moved = 0;
  for (std::size_t i = 0; i < survivors.size(); ++i) {
    ObjectRef s = heap.Global(survivors[i]);
    moved += heap.address_of(s) != address_before[survivors[i]];
    // Ring links and large-object slots name the same (moved) objects as the handles.
    EXPECT_EQ(heap.ReadSlot(s, 0), heap.Global(survivors[(i + 1) % survivors.size()]));
    EXPECT_EQ(heap.ReadSlot(big_ref, static_cast<std::uint32_t>(i)), s);
  }
  EXPECT_GT(moved, 0u);
  EXPECT_EQ(heap.Global(big), big_ref);
  EXPECT_EQ(heap.address_of(big_ref), big_address);
  ExpectHealthy(heap);
}

TEST(MarkCompact, FreesUnreachableAndBuildsFreeLists) {
  Heap heap(TestFlags(), BareOptions());
  RecordingSink sink;
  heap.set_sink(&sink);
  heap.OpenHandleScope();
  std::vector<std::uint32_t> keep;
  for (int i = 0; i < 2000; ++i) {
    auto h = heap.CreateLocal(heap.Allocate(128, 1, ObjectKind::kObject, 0, AllocationType::kOld));
    if (i % 2 == 0) keep.push_back(heap.CreateGlobal(heap.Local(h)));
  }
  heap.CloseHandleScope();
  const std::size_t before = heap.old_space().ObjectBytes();
  // The linear allocation area's rest counts as used until the mark-compact frees it.
  EXPECT_EQ(heap.old_space().Size(), kPageAreaSize);  // 2000 x 128 bytes on one page
  heap.CollectGarbage(AllocationSpace::kOld, GarbageCollectionReason::kTesting);
  EXPECT_EQ(heap.old_space().Size(), before / 2);
  EXPECT_GE(heap.old_space().Available(), 1000u * 128);  // the gaps are on the free list
  EXPECT_GT(sink.events[0].swept_pages, 0u);
  // New old-space objects fill the gaps instead of new pages.
  const std::size_t pages = heap.old_space().pages().size();
  for (int i = 0; i < 500; ++i)
    heap.Allocate(128, 0, ObjectKind::kObject, 0, AllocationType::kOld);
  EXPECT_EQ(heap.old_space().pages().size(), pages);
  ExpectHealthy(heap);
}

TEST(FreeList, EntriesOfAReleasedPageStayDeadWhenItsIdIsReused) {
  // Free-list entries are dropped lazily, by page epoch. A page id freed by a large page goes
  // to a brand-new Page object when no freed one is kept warm; its epoch must not restart
  // where the id's earlier regular page left entries (sessions.js hit this: a free-list entry
  // overlapping the linear allocation area).
  MemoryAllocator allocator;
  PagedSpace old_space(AllocationSpace::kOld, &allocator);
  Page* first = old_space.Expand();  // a regular page, id 1
  const std::uint32_t id = first->id;
  old_space.FreeLinearAllocationArea();  // its whole area goes on the free list
  ASSERT_GT(old_space.free_list().available_bytes(), 0u);
  old_space.ReleasePage(first);  // its Page object is kept warm for reuse
  EXPECT_EQ(old_space.free_list().available_bytes(), 0u);
  Page* large = allocator.AllocateLargePage(AllocationSpace::kLargeObject, 200 * KB);
  ASSERT_EQ(large->id, id);                                     // the id, in a new Page object
  Page* other = allocator.AllocatePage(AllocationSpace::kOld);  // takes the warm Page object
  ASSERT_NE(other->id, id);
  allocator.FreePage(large);                                     // large pages are not kept
  Page* reused = allocator.AllocatePage(AllocationSpace::kOld);  // the id, in a new Page object
  ASSERT_EQ(reused->id, id);
  // The first page's entry must not come back to life on the new page.
  std::uint32_t offset = 0;
  EXPECT_EQ(old_space.TryAllocate(64, &offset), nullptr);
}

// 900 live 1 KB young objects (new space mostly live) under `f`, collected by `collect`; the
// first object's place before the GC and the GC events.
struct PromotionRun {
  std::unique_ptr<Heap> heap;
  RecordingSink sink;
  std::vector<std::uint32_t> keep;
  ObjectRef first = kNullRef;
};
std::unique_ptr<PromotionRun> RunPromotion(const HeapFlags& f, bool reduce_memory) {
  auto run = std::make_unique<PromotionRun>();
  run->heap = std::make_unique<Heap>(f, BareOptions());
  run->heap->set_sink(&run->sink);
  for (int i = 0; i < 900; ++i)
    run->keep.push_back(run->heap->CreateGlobal(run->heap->Allocate(1024, 0, ObjectKind::kObject)));
  run->first = run->heap->Global(run->keep[0]);
  if (reduce_memory)
    run->heap->CollectAllAvailableGarbage(GarbageCollectionReason::kTesting);
  else
    run->heap->CollectGarbage(AllocationSpace::kOld, GarbageCollectionReason::kTesting);
  return run;
}

TEST(MarkCompact, PagePromotionMovesMostlyLivePagesWhole) {
  auto moved = RunPromotion(TestFlags(), false);
  const GCEvent& mc = moved->sink.events[0];
  EXPECT_GT(mc.pages_promoted, 0u);
  EXPECT_EQ(moved->heap->Global(moved->keep[0]), moved->first);  // moved with its page
  EXPECT_EQ(moved->heap->space_of(moved->first), AllocationSpace::kOld);

  HeapFlags g = TestFlags();
  g.page_promotion = false;
  auto copied = RunPromotion(g, false);
  const GCEvent& copy = copied->sink.events[0];
  EXPECT_EQ(copy.pages_promoted, 0u);
  EXPECT_NE(copied->heap->Global(copied->keep[0]), copied->first);
  EXPECT_EQ(copy.promoted_bytes, 900u * 1024);
  // A moved page costs only the recording of its slots; copying the same bytes costs the
  // evacuation speed (node: 2.2 MB promoted in 0.8 ms of evacuate.copy, 8 MB in 9 ms when a
  // memory-reducing mark-compact copies them all).
  EXPECT_LT(mc.phase_ms("evacuate.copy"), 0.5 * copy.phase_ms("evacuate.copy"));
  EXPECT_NEAR(copy.phase_ms("evacuate.copy"), 900.0 * 1024 / TestFlags().evacuation_speed, 1e-9);
  // Each object on a moved page is visited to record its slots; the last page, partly filled,
  // is copied.
  EXPECT_GT(mc.page_moved_objects, 0u);
  EXPECT_LT(mc.page_moved_objects, mc.objects_promoted);
  EXPECT_NEAR(mc.phase_ms("evacuate.copy"),
              static_cast<double>(900 * 1024 - mc.page_moved_bytes) / TestFlags().evacuation_speed +
                  static_cast<double>(mc.page_moved_slots) / TestFlags().scavenge_slot_speed +
                  static_cast<double>(mc.page_moved_objects) / TestFlags().moved_page_object_speed,
              1e-9);
  // New space gets a fresh page for each page moved out of it (MC_EVACUATE_REBALANCE); copying
  // moves none, so there is nothing to refill.
  EXPECT_NEAR(mc.phase_ms("evacuate.rebalance"),
              static_cast<double>(mc.pages_promoted) / TestFlags().new_space_rebalance_speed, 1e-9);
  EXPECT_EQ(copy.phase_ms("evacuate.rebalance"), 0);
  EXPECT_NEAR(mc.phase_ms("evacuate"),
              mc.phase_ms("evacuate.copy") + mc.phase_ms("evacuate.update_pointers") +
                  mc.phase_ms("evacuate.rebalance"),
              1e-9);
  {
    HeapFlags slow = TestFlags();
    slow.new_space_rebalance_speed /= 2;
    auto refilled_slowly = RunPromotion(slow, false);
    const GCEvent& r = refilled_slowly->sink.events[0];
    ASSERT_EQ(r.pages_promoted, mc.pages_promoted);
    EXPECT_NEAR(r.pause_ms - mc.pause_ms, mc.phase_ms("evacuate.rebalance"), 1e-9);
  }

  // A memory-reducing mark-compact moves no page (ShouldMovePage's MemoryReductionMode::kNone):
  // it copies every survivor.
  auto reducing = RunPromotion(TestFlags(), true);
  ASSERT_FALSE(reducing->sink.events.empty());
  EXPECT_TRUE(reducing->sink.events[0].reduce_memory);
  EXPECT_EQ(reducing->sink.events[0].pages_promoted, 0u);
  EXPECT_NE(reducing->heap->Global(reducing->keep[0]), reducing->first);
  ExpectHealthy(*moved->heap);
  ExpectHealthy(*copied->heap);
  ExpectHealthy(*reducing->heap);
}

TEST(MarkCompact, EvacuationCandidateRule) {
  // CollectEvacuationCandidates on hand-made pages (allocated bytes only matter).
  std::vector<std::unique_ptr<Page>> owned;
  std::vector<Page*> pages;
  for (std::size_t live_kb : {10, 200, 30, 251, 20, 5}) {
    owned.push_back(std::make_unique<Page>());
    owned.back()->id = static_cast<std::uint32_t>(owned.size());
    owned.back()->allocated_bytes = live_kb * KB;
    pages.push_back(owned.back().get());
  }
  // 70% free needed: pages with <= 75.45 KB allocated; fewest live first; 4 MB budget.
  auto c = MarkCompactCollector::CollectEvacuationCandidates(pages, nullptr, 70, 4 * MB);
  std::vector<std::size_t> kb;
  for (Page* p : c)
    kb.push_back(p->allocated_bytes / KB);
  EXPECT_EQ(kb, (std::vector<std::size_t>{5, 10, 20, 30}));
  // A 40 KB budget stops after 5+10+20 KB.
  c = MarkCompactCollector::CollectEvacuationCandidates(pages, nullptr, 70, 40 * KB);
  EXPECT_EQ(c.size(), 3u);
  // One candidate releases nothing (it needs a new page as large as itself): none.
  c = MarkCompactCollector::CollectEvacuationCandidates({pages[0], pages[1]}, nullptr, 70, 4 * MB);
  EXPECT_TRUE(c.empty());
  // The page of the linear allocation area is never a candidate.
  c = MarkCompactCollector::CollectEvacuationCandidates(pages, pages[5], 70, 4 * MB);
  EXPECT_EQ(c.size(), 3u);
  // --trace-fragmentation-verbose: every eligible page, as V8 prints it, over the budget too;
  // the live total counts the pages taken.
  MarkCompactCollector::CandidateTrace trace;
  trace.space_name = "old_space";
  c = MarkCompactCollector::CollectEvacuationCandidates(pages, nullptr, 70, 40 * KB, &trace);
  ASSERT_EQ(trace.page_lines.size(), 4u);
  EXPECT_EQ(trace.page_lines[0],
            "compaction-selection-page: space=old_space free_bytes_page=246 "
            "fragmentation_limit_kb=176 fragmentation_limit_percent=70 sum_compaction_kb=5 "
            "compaction_limit_kb=40");
  EXPECT_NE(trace.page_lines[3].find("free_bytes_page=221 "), std::string::npos);
  EXPECT_NE(trace.page_lines[3].find("sum_compaction_kb=35 "), std::string::npos);
  EXPECT_EQ(trace.total_live_bytes, 35 * KB);
}

TEST(MarkCompact, TraceFragmentationPrintsNodesLinesWhenMarkingStarts) {
  HeapFlags f = TestFlags();
  f.trace_fragmentation = true;
  f.trace_fragmentation_verbose = true;
  Heap heap(f, BareOptions());
  RecordingSink sink;
  heap.set_sink(&sink);
  FragmentOldSpace(heap);
  sink.messages.clear();
  heap.CollectGarbage(AllocationSpace::kOld, GarbageCollectionReason::kTesting);
  const auto pages = sink.MessagesWith("compaction-selection-page: space=old_space ");
  const auto totals = sink.MessagesWith("compaction-selection: ");
  ASSERT_FALSE(pages.empty());
  ASSERT_EQ(totals.size(), 2u);  // old and code space
  EXPECT_EQ(totals[0].rfind("compaction-selection: space=old_space reduce_memory=0 pages=", 0), 0u)
      << totals[0];
  EXPECT_EQ(totals[1].rfind("compaction-selection: space=code_space reduce_memory=0 pages=0 ", 0),
            0u)
      << totals[1];
  EXPECT_EQ(sink.events.back().evacuation_candidates,
            std::stoul(totals[0].substr(totals[0].find("pages=") + 6)));
}

// IncrementalMarkingJob::Task reposts itself while marking runs, so an idle event loop
// finalizes marking as soon as the concurrent markers are done (node: "finalize incremental
// marking via task", walltime since start of marking 8 ms in large-objects). A busy main
// thread (sim.work) runs no task: marking then waits for the next step or idle time.
double PhaseMs(const GCEvent& e, std::string_view name) {
  for (const PhaseTime& p : e.phases)
    if (p.name == name) return p.ms;
  return -1;
}

// Builds `count` live 1 KB old objects reachable from a global: a list (each holds the next)
// or wide (one array holds them all). Returns the bytes that marking will find.
std::size_t BuildOldGraph(Heap& heap, int count, bool list) {
  std::size_t bytes = 0;
  if (list) {
    auto head = heap.CreateGlobal(kNullRef);
    for (int i = 0; i < count; ++i) {
      ObjectRef o = heap.Allocate(1024, 1, ObjectKind::kObject, 0, AllocationType::kOld);
      heap.WriteSlot(o, 0, heap.Global(head));
      heap.SetGlobal(head, o);
      bytes += 1024;
    }
    return bytes;
  }
  const auto n = static_cast<std::uint32_t>(count);
  auto array =
      heap.CreateGlobal(heap.Allocate(16 + 8 * n, n, ObjectKind::kArray, 0, AllocationType::kOld));
  bytes += heap.object(heap.Global(array)).size_bytes;
  for (std::uint32_t i = 0; i < n; ++i) {
    heap.WriteSlot(heap.Global(array), i,
                   heap.Allocate(1024, 1, ObjectKind::kObject, 0, AllocationType::kOld));
    bytes += 1024;
  }
  return bytes;
}

// A heap, bare (no start-up snapshot) unless `options` say otherwise, whose GC events `sink`
// records.
struct RecordingHeap {
  explicit RecordingHeap(HeapFlags f = TestFlags(), HeapOptions options = BareOptions())
      : flags(f), heap(flags, options) {
    heap.set_sink(&sink);
  }
  HeapFlags flags;
  Heap heap;
  RecordingSink sink;
};

// The same, with concurrent markers that mark 1 MB per ms.
struct ConcurrentMarkingHeap : RecordingHeap {
  ConcurrentMarkingHeap() : RecordingHeap(Flags()) {}
  static HeapFlags Flags() {
    HeapFlags f = TestFlags();
    f.concurrent_marking_speed = 1e6;
    return f;
  }
};

// V8 finalizes marking when the main thread's worklist and the shared pool are empty
// (IncrementalMarking::ShouldFinalize); a concurrent marker walking a list keeps the rest of
// the list in its private segment, so the task finalizes early and the pause marks the rest.
// A wide graph is published 64 entries at a time and marked concurrently to the end.
TEST(MarkCompact, TaskFinalizesWhileAMarkerWalksAListAndThePauseMarksTheRest) {
  for (bool list : {true, false}) {
    SCOPED_TRACE(list ? "list" : "wide");
    ConcurrentMarkingHeap h;
    const HeapFlags& flags = h.flags;
    Heap& heap = h.heap;
    const RecordingSink& sink = h.sink;
    const std::size_t live = BuildOldGraph(heap, 4000, list);
    heap.StartIncrementalMarking();
    const double start_ms = heap.now_ms();
    heap.AdvanceTime(1);       // the markers take the roots; about 1 MB is marked
    heap.AdvanceIdleTime(20);  // the marking task runs at once
    ASSERT_EQ(sink.events.size(), 1u);
    const GCEvent& mc = sink.events[0];
    EXPECT_EQ(mc.reason, GarbageCollectionReason::kFinalizeMarkingViaTask);
    EXPECT_EQ(mc.marked_bytes, live);
    const double pause_mark_ms = PhaseMs(mc, "mark");
    const double rest_ms = static_cast<double>(live - 1'000'000) / flags.marking_speed;
    // --trace-gc-nvp's background.mark: the concurrent markers' bytes at their speed.
    const double background_ms = PhaseMs(mc, "background.mark");
    if (list) {
      EXPECT_NEAR(mc.start_ms, start_ms + 1, 0.2);  // finalized by the first task
      EXPECT_NEAR(pause_mark_ms, rest_ms, 0.1 * rest_ms);
      EXPECT_NEAR(background_ms, 1, 0.1);
    } else {
      // Idle, the marking task's 64 KB steps mark beside the markers (IncrementalMarkingJob):
      // the ~3 MB left after the busy millisecond go at both speeds together.
      const double both_ms = static_cast<double>(live - 1'000'000) /
                             (flags.concurrent_marking_speed + flags.marking_speed);
      EXPECT_NEAR(mc.start_ms, start_ms + 1 + both_ms, 0.3);
      EXPECT_GT(mc.incremental_steps, 15);
      EXPECT_LT(pause_mark_ms, 0.2);  // what the markers held in their private segments
      EXPECT_NEAR(background_ms, 1 + both_ms, 0.3);
    }
    ExpectHealthy(heap);
  }
}

// IncrementalMarking::Step: the work the concurrent markers did counts against the schedule,
// but every step still processes at least kMinStepSizeInBytes (64 KB), as node's "Step in task
// V8: 64KB (64KB)" lines show while the marker is megabytes ahead of schedule.
TEST(MarkCompact, EveryMarkingStepProcessesAtLeast64KB) {
  ConcurrentMarkingHeap h;
  const HeapFlags& flags = h.flags;
  Heap& heap = h.heap;
  const RecordingSink& sink = h.sink;
  BuildOldGraph(heap, 4000, false);
  heap.StartIncrementalMarking();
  heap.AdvanceTime(1);  // busy: the markers are about 1 MB ahead of any schedule
  heap.OpenHandleScope();
  for (int i = 0; i < 4; ++i)  // 4 x 64 KB of young allocation: four allocation steps
    heap.Allocate(64 * KB, 0, ObjectKind::kObject);
  heap.CloseHandleScope();
  heap.CollectGarbage(AllocationSpace::kOld, GarbageCollectionReason::kTesting);
  ASSERT_EQ(sink.events.size(), 1u);
  const GCEvent& mc = sink.events[0];
  // The four allocation steps; marking's start is not a step (node's "(+ 0.1 ms in 1 steps"
  // after one "Step in task" line).
  EXPECT_EQ(mc.incremental_steps, 4);
  // Each 1 KB object's one slot holds no reference: a step's 64 KB cost a little less.
  const double object_cost = 1024 - (1 - flags.marking_null_slot_cost) * kTaggedSize;
  EXPECT_GE(mc.incremental_ms, 4 * 64.0 * object_cost / flags.marking_speed);
  ExpectHealthy(heap);
}

// One incremental cycle over `objects` live 1 KB old objects with the concurrent markers on:
// marking starts, the markers run 1 ms, four 64 KB young allocations make a step each, and the
// atomic pause ends it.
GCEvent FourAllocationStepsCycle(double step_overhead_ms, int objects) {
  HeapFlags f = ConcurrentMarkingHeap::Flags();
  f.marking_step_overhead_ms = step_overhead_ms;
  RecordingHeap h(f);
  BuildOldGraph(h.heap, objects, false);
  h.heap.StartIncrementalMarking();
  h.heap.AdvanceTime(1);
  h.heap.OpenHandleScope();
  for (int i = 0; i < 4; ++i)
    h.heap.Allocate(64 * KB, 0, ObjectKind::kObject);
  h.heap.CloseHandleScope();
  h.heap.CollectGarbage(AllocationSpace::kOld, GarbageCollectionReason::kTesting);
  EXPECT_EQ(h.sink.events.size(), 1u);
  ExpectHealthy(h.heap);
  return h.sink.events.at(0);
}

// Each incremental step costs --marking-step-overhead-ms of main-thread time beyond its
// marking, which the GCTracer's incremental marking speed sees too.
TEST(MarkCompact, EachMarkingStepPaysItsOverhead) {
  const GCEvent without = FourAllocationStepsCycle(0, 4000);
  const GCEvent with = FourAllocationStepsCycle(0.5, 4000);
  ASSERT_EQ(without.incremental_steps, 4);
  ASSERT_EQ(with.incremental_steps, 4);
  // The four allocation steps pay it; marking's start (the roots) is not an
  // IncrementalMarking::Step.
  EXPECT_NEAR(with.incremental_ms - without.incremental_ms, 4 * 0.5, 1e-9);
  EXPECT_NEAR(with.incremental_longest_step_ms - without.incremental_longest_step_ms, 0.5, 1e-9);
}

// The concurrent markers run on their own threads while the main thread steps: the four
// allocation steps' 4 x 0.5 ms of overhead give them 2 ms more to mark, about 2 MB at 1 MB/ms.
// (Until 2026-12-06 only a task step's time in an idle period counted for them, so in a busy
// workload the main thread's steps did most of the marking: 79 steps of 64 KB in a timer-leak
// cycle, against node's 2-23 with its markers marking for 16 ms.)
TEST(MarkCompact, TheConcurrentMarkersMarkWhileTheMainThreadSteps) {
  EXPECT_NEAR(PhaseMs(FourAllocationStepsCycle(0.5, 8000), "background.mark") -
                  PhaseMs(FourAllocationStepsCycle(0, 8000), "background.mark"),
              4 * 0.5, 0.1);
}

// Records the bytes each incremental step marks.
struct StepBytes : HeapObserver {
  void OnIncrementalStep(std::size_t bytes) override { marked.push_back(bytes); }
  std::vector<std::size_t> marked;
};

// --trace-incremental-marking prints node's lines: the start with the old generation's size,
// limit and slack, each allocation step's schedule, speed, the markers' bytes and the step, and
// the stop as the pause begins, in that order.
TEST(MarkCompact, TraceIncrementalMarkingPrintsNodesLines) {
  HeapFlags f = ConcurrentMarkingHeap::Flags();
  f.trace_incremental_marking = true;
  RecordingHeap h(f);
  Heap& heap = h.heap;
  BuildOldGraph(heap, 4000, false);
  const std::size_t size_mb = heap.OldGenerationSizeOfObjects() / MB;
  h.sink.messages.clear();
  heap.StartIncrementalMarking(false, GarbageCollectionReason::kTask);
  heap.AdvanceTime(1);
  heap.OpenHandleScope();
  for (int i = 0; i < 4; ++i)  // four allocation steps
    heap.Allocate(64 * KB, 0, ObjectKind::kObject);
  heap.CloseHandleScope();
  heap.CollectGarbage(AllocationSpace::kOld, GarbageCollectionReason::kTesting);
  std::vector<std::string> lines;
  for (const TraceMessage& m : h.sink.messages)
    if (m.text.rfind("[IncrementalMarking] ", 0) == 0) {
      EXPECT_TRUE(m.timestamped);
      lines.push_back(m.text.substr(21));
    }
  ASSERT_GE(lines.size(), 4u + 4 * 5 + 2);
  EXPECT_EQ(lines[0].rfind(Format("Start (task): (size/limit/slack) v8: %zuMB / ", size_mb), 0), 0u)
      << lines[0];
  EXPECT_EQ(lines[1], "Start marking");
  EXPECT_EQ(lines[2], "Black allocation started");
  EXPECT_EQ(lines[3], "Running");
  int steps = 0;
  for (std::size_t i = 4; i + 1 < lines.size(); ++i) {
    if (lines[i].rfind("Step in v8 V8: ", 0) != 0) continue;
    ++steps;
    // Each step: its schedule, the speed, the markers' bytes, where it stands, then the step.
    ASSERT_GE(i, 8u);
    EXPECT_EQ(lines[i - 4].rfind("Scheduled ", 0), 0u) << lines[i - 4];
    EXPECT_NE(lines[i - 4].find(" to mark based on allocation (progress="), std::string::npos);
    EXPECT_EQ(lines[i - 3].rfind("Marking speed ", 0), 0u) << lines[i - 3];
    EXPECT_EQ(lines[i - 2].rfind("Marked ", 0), 0u) << lines[i - 2];
    EXPECT_NE(lines[i - 2].find("KB on background threads"), std::string::npos);
    EXPECT_EQ(lines[i - 1].rfind("Marker is ", 0), 0u) << lines[i - 1];
    EXPECT_NE(lines[i].find("KB (64KB), embedder: 0.000000ms (0.000000ms) in 0."),
              std::string::npos)
        << lines[i];
  }
  EXPECT_EQ(steps, 4);
  EXPECT_EQ(h.sink.events.back().incremental_steps, 4);  // the start is not a step
  // Node prints the start's time as incremental.sweep_array_buffers (MC_INCREMENTAL_START).
  EXPECT_GT(h.sink.events.back().incremental_start_ms, 0);
  EXPECT_NE(FormatTraceGCNvpLine(h.sink.events.back(), TraceContext{})
                .find(Format(" incremental.sweep_array_buffers=%.2f ",
                             h.sink.events.back().incremental_start_ms)),
            std::string::npos);
  EXPECT_EQ(lines[lines.size() - 2].rfind("Stopping: old generation ", 0), 0u)
      << lines[lines.size() - 2];
  EXPECT_EQ(lines.back(), "Black allocation finished");
  // Off: no such line.
  ConcurrentMarkingHeap quiet;
  BuildOldGraph(quiet.heap, 400, false);
  quiet.heap.StartIncrementalMarking();
  quiet.heap.CollectGarbage(AllocationSpace::kOld, GarbageCollectionReason::kTesting);
  EXPECT_TRUE(quiet.sink.MessagesWith("[IncrementalMarking]").empty());
}

// Starting the concurrent markers takes the main thread's core for
// --marking-start-contention-ms: the clock moves on, the markers mark meanwhile, and the time
// is the start's (nvp's incremental.sweep_array_buffers, node's MC_INCREMENTAL_START), not a step.
TEST(MarkCompact, StartingTheMarkersTakesTheMainThreadsCoreAWhile) {
  auto start = [](double contention_ms) {
    HeapFlags f = ConcurrentMarkingHeap::Flags();
    f.marking_start_contention_ms = contention_ms;
    f.trace_incremental_marking = true;
    RecordingHeap h(f);
    BuildOldGraph(h.heap, 8000, false);
    const double before_ms = h.heap.now_ms();
    h.heap.StartIncrementalMarking(false, GarbageCollectionReason::kTask);
    const double start_ms = h.heap.now_ms() - before_ms;
    h.heap.AdvanceIdleTime(1);  // the first task step reports the markers' bytes
    h.heap.CollectGarbage(AllocationSpace::kOld, GarbageCollectionReason::kTesting);
    EXPECT_EQ(h.sink.events.size(), 1u);
    const auto marked = h.sink.MessagesWith("on background threads");
    EXPECT_FALSE(marked.empty());
    const std::string first = marked.empty() ? "" : marked.front();
    const std::size_t at = first.find("Marked ");
    const double first_kb = at == std::string::npos ? -1 : std::stod(first.substr(at + 7));
    ExpectHealthy(h.heap);
    return std::tuple{start_ms, h.sink.events.at(0).incremental_start_ms, first_kb};
  };
  const auto [start0, nvp0, kb0] = start(0);
  const auto [start2, nvp2, kb2] = start(2);
  EXPECT_NEAR(start2 - start0, 2, 1e-9);
  EXPECT_NEAR(nvp2 - nvp0, 2, 1e-9);
  EXPECT_LT(kb0, 64);  // the first step comes before the markers have marked much
  // 2 ms at 1 MB/ms: about 2 MB marked before the first step.
  EXPECT_NEAR(kb2, 2e3 * 1e6 / 1e3 / KB, 100);
}

// --trace-gc-nvp's incremental_marking_throughput is GCTracer's recorded speed of the main
// thread's steps, averaged over the cycles, not everything the cycle marked over the steps'
// time: node prints 0.2-1.6 MB/ms while its concurrent markers mark megabytes (r17), and 128
// KB/ms (kConservativeSpeedInBytesPerMillisecond) before any cycle had steps.
TEST(MarkCompact, TheTracedMarkingThroughputIsTheTracersStepSpeed) {
  HeapFlags f = ConcurrentMarkingHeap::Flags();
  f.marking_step_overhead_ms = 0;
  RecordingHeap h(f);
  Heap& heap = h.heap;
  StepBytes steps;
  heap.set_observer(&steps);
  heap.CollectGarbage(AllocationSpace::kOld, GarbageCollectionReason::kTesting);
  ASSERT_EQ(h.sink.events.size(), 1u);
  EXPECT_EQ(h.sink.events[0].incremental_marking_speed_bytes_per_ms,
            GCTracer::kConservativeSpeedInBytesPerMillisecond);
  EXPECT_NE(FormatTraceGCNvpLine(h.sink.events[0], TraceContext{})
                .find(" incremental_marking_throughput=131072 "),
            std::string::npos);

  BuildOldGraph(heap, 4000, false);
  heap.StartIncrementalMarking();
  heap.AdvanceTime(1);  // the markers mark about 1 MB on their own
  heap.OpenHandleScope();
  for (int i = 0; i < 4; ++i)  // four allocation steps
    heap.Allocate(64 * KB, 0, ObjectKind::kObject);
  heap.CloseHandleScope();
  heap.CollectGarbage(AllocationSpace::kOld, GarbageCollectionReason::kTesting);
  ASSERT_EQ(h.sink.events.size(), 2u);
  const GCEvent& mc = h.sink.events[1];
  ASSERT_TRUE(mc.incremental);
  double step_bytes = 0;
  for (std::size_t b : steps.marked)
    step_bytes += static_cast<double>(b);
  ASSERT_GT(step_bytes, 0);
  // The steps' bytes over their time: about one thread's marking speed.
  const double speed = mc.incremental_marking_speed_bytes_per_ms;
  EXPECT_EQ(speed, heap.tracer().IncrementalMarkingSpeedInBytesPerMillisecond());
  EXPECT_NEAR(speed, h.flags.marking_speed, 0.05 * h.flags.marking_speed);
  // Far below the cycle's marked bytes over the steps' time, which the markers' work inflates.
  EXPECT_LT(speed, 0.5 * static_cast<double>(mc.marked_bytes) / mc.incremental_ms);
  EXPECT_NE(FormatTraceGCNvpLine(mc, TraceContext{})
                .find(" incremental_marking_throughput=" + Format("%.f", speed) + " "),
            std::string::npos);
}

// Test flags without concurrent markers: the main thread marks alone.
HeapFlags MainThreadMarkingFlags() {
  HeapFlags flags = TestFlags();
  flags.concurrent_marking_speed = 0;
  return flags;
}

// IncrementalMarking's schedule accumulates: each allocation step adds progress (1/256 of the
// initial old generation, at least 64 KB) and the old generation's allocation since the last
// one, and a step on allocation may fall 1 MB behind (kScheduleMarginInBytes), still marking
// 64 KB at least; the marking task's steps have no margin.
TEST(MarkCompact, AllocationStepsMayFallOneMegabyteBehindTheSchedule) {
  StepBytes steps;
  const HeapFlags flags = MainThreadMarkingFlags();
  Heap heap(flags, BareOptions());
  BuildOldGraph(heap, 8000, false);  // 8 MB: progress is 32 KB, so 64 KB per step
  heap.StartIncrementalMarking();
  heap.set_observer(&steps);
  // 12 x 256 KB of old allocation, 12 observer steps: the schedule grows by 320 KB each.
  for (int i = 0; i < 12 * 64; ++i)
    heap.Allocate(4 * KB, 0, ObjectKind::kObject, 0, AllocationType::kOld);
  ASSERT_EQ(steps.marked.size(), 12u);
  // Objects are marked whole (1 KB and a little), so a step passes its budget by under 2 KB.
  for (int i = 0; i < 4; ++i)
    EXPECT_NEAR(static_cast<double>(steps.marked[i]), 64.0 * KB, 2.0 * KB)
        << i;  // within the margin
  for (int i = 4; i < 12; ++i)
    EXPECT_NEAR(static_cast<double>(steps.marked[i]), 320.0 * KB, 4.0 * KB) << i;
  const std::size_t by_allocation =
      std::accumulate(steps.marked.begin(), steps.marked.end(), std::size_t{0});
  EXPECT_NEAR(static_cast<double>(by_allocation), static_cast<double>(12 * 320 * KB - 1 * MB),
              2.0 * KB);  // 1 MB behind the schedule
  // The marking task, 10 ms on, schedules 10/500 of the initial 8 MB and marks what the
  // allocation steps left: the 1 MB margin and its own share, up to 1 ms of marking.
  heap.AdvanceTime(10);
  steps.marked.clear();
  heap.RunPendingTasks();
  ASSERT_EQ(steps.marked.size(), 1u);
  const double task_bytes = std::min(1.0 * MB + 0.02 * 8000 * 1024, flags.marking_speed * 1.0);
  EXPECT_NEAR(static_cast<double>(steps.marked[0]), task_bytes, 4.0 * KB);
  heap.set_observer(nullptr);
  ExpectHealthy(heap);
}

// An array too large for a regular page has a progress bar (Factory::AllocateRawArray): marking
// scans it kMaxRegularHeapObjectSize (128 KB) at a time and pushes it back after each chunk
// (MarkingVisitorBase::VisitFixedArrayWithProgressBar), so a 64 KB step visits one chunk, not
// the whole megabyte. The array is black from its first chunk on, ahead of its unscanned slots.
TEST(MarkCompact, ALargeArrayIsMarkedAChunkAtATime) {
  StepBytes steps;
  RecordingHeap h(MainThreadMarkingFlags());
  Heap& heap = h.heap;
  constexpr std::uint32_t kSlots = 128 * 1024;  // 1 MB of slots, and a 16-byte header
  const auto array = heap.CreateGlobal(
      heap.Allocate(16 + 8 * kSlots, kSlots, ObjectKind::kArray, 0, AllocationType::kOld));
  ASSERT_EQ(heap.space_of(heap.Global(array)), AllocationSpace::kLargeObject);
  heap.WriteSlot(heap.Global(array), 0,
                 heap.Allocate(64, 0, ObjectKind::kObject, 0, AllocationType::kOld));
  heap.WriteSlot(heap.Global(array), kSlots - 1,
                 heap.Allocate(64, 0, ObjectKind::kObject, 0, AllocationType::kOld));
  const ObjectRef first = heap.ReadSlot(heap.Global(array), 0);
  const ObjectRef last = heap.ReadSlot(heap.Global(array), kSlots - 1);

  heap.StartIncrementalMarking();
  heap.set_observer(&steps);
  ASSERT_FALSE(heap.AdvanceIncrementalMarkingForTesting(0.001));  // a budget of 1 KB
  ASSERT_EQ(steps.marked.size(), 1u);
  EXPECT_EQ(steps.marked[0], 128u * KB);  // one chunk
  EXPECT_EQ(heap.object(heap.Global(array)).mark_color(), MarkColor::kBlack);
  EXPECT_EQ(heap.object(first).mark_color(), MarkColor::kGrey);
  EXPECT_EQ(heap.object(last).mark_color(), MarkColor::kWhite);
  ExpectHealthy(heap);  // black ahead of its slots, which the verifier allows

  while (!heap.AdvanceIncrementalMarkingForTesting(0.001)) {
  }
  heap.set_observer(nullptr);
  const std::size_t array_bytes =
      std::accumulate(steps.marked.begin(), steps.marked.end(), std::size_t{0}) - 2 * 64;
  EXPECT_EQ(array_bytes, 16 + 8 * kSlots);  // every byte once
  // Nine chunks, the last one the header's 16 bytes, each in a step (the children, pushed
  // under the array, go with one: a step's budget is spent only by a chunk).
  EXPECT_EQ(steps.marked.size(), 9u);
  EXPECT_EQ(heap.object(last).mark_color(), MarkColor::kBlack);
  heap.CollectGarbage(AllocationSpace::kOld, GarbageCollectionReason::kTesting);
  EXPECT_TRUE(heap.IsValidObject(heap.ReadSlot(heap.Global(array), kSlots - 1)));
  ExpectHealthy(heap);
}

// A slot that holds no reference is a load and a check: marking it costs
// --marking-null-slot-cost of a word. Node's concurrent markers scan a large array of nulls
// about twice as fast per byte as its objects (--trace-concurrent-marking, large-objects).
TEST(MarkCompact, SlotsWithoutAReferenceCostAShareOfAWordToMark) {
  constexpr std::uint32_t kSlots = 64 * 1024;
  auto pause_mark_ms = [&](std::uint32_t slots) {
    RecordingHeap h;
    h.heap.CreateGlobal(h.heap.Allocate(16 + 8 * kSlots, slots,
                                        slots > 0 ? ObjectKind::kArray : ObjectKind::kString, 0,
                                        AllocationType::kOld));
    h.heap.CollectGarbage(AllocationSpace::kOld, GarbageCollectionReason::kTesting);
    EXPECT_EQ(h.sink.events.size(), 1u);
    return h.sink.events.empty() ? 0.0 : PhaseMs(h.sink.events[0], "mark");
  };
  const HeapFlags flags = TestFlags();
  const double array_ms = pause_mark_ms(kSlots);  // the same bytes, all slots null
  const double string_ms = pause_mark_ms(0);      // no slots
  EXPECT_NEAR(string_ms, (16 + 8.0 * kSlots) / flags.marking_speed, 1e-6);
  EXPECT_NEAR(string_ms - array_ms,
              kSlots * 8.0 * (1 - flags.marking_null_slot_cost) / flags.marking_speed, 1e-6);
}

// A young large object that survives a mark-compact moves to the large-object space with its
// page: nothing is copied, its slots are visited to record them (node's evacuate.copy is
// 0.1-0.4 ms in large-objects' mark-compacts that promote a 1.25 MB array).
TEST(MarkCompact, AYoungLargeObjectIsPromotedByPageWithoutCopying) {
  RecordingHeap h;
  const HeapFlags& flags = h.flags;
  Heap& heap = h.heap;
  const RecordingSink& sink = h.sink;
  constexpr std::uint32_t kSlots = 160000;
  auto rows = heap.CreateGlobal(heap.Allocate(16 + 8 * kSlots, kSlots, ObjectKind::kArray));
  ASSERT_EQ(heap.page_of(heap.Global(rows))->owner, AllocationSpace::kNewLargeObject);
  heap.CollectGarbage(AllocationSpace::kOld, GarbageCollectionReason::kTesting);
  ASSERT_EQ(sink.events.size(), 1u);
  const GCEvent& mc = sink.events[0];
  EXPECT_EQ(heap.page_of(heap.Global(rows))->owner, AllocationSpace::kLargeObject);
  EXPECT_EQ(mc.promoted_bytes, 16 + 8 * kSlots);
  EXPECT_EQ(mc.page_moved_bytes, mc.promoted_bytes);
  EXPECT_EQ(mc.page_moved_objects, 1u);
  EXPECT_NEAR(PhaseMs(mc, "evacuate.copy"),
              kSlots / flags.scavenge_slot_speed + 1 / flags.moved_page_object_speed, 1e-6);
  EXPECT_EQ(PhaseMs(mc, "evacuate.rebalance"), 0);  // a large page is not new space's
  ExpectHealthy(heap);
}

// Pointer updating after a mark-compact that copied nothing (no compaction candidate, young
// objects only moved by page) counts every live slot without reading it, and one that copied
// reads them all and updates those naming moved objects.
TEST(MarkCompact, PointerUpdatingReadsSlotsOnlyWhenSomethingWasCopied) {
  RecordingHeap h;
  Heap& heap = h.heap;
  const RecordingSink& sink = h.sink;
  auto array = heap.CreateGlobal(
      heap.Allocate(16 + 8 * 1000, 1000, ObjectKind::kArray, 0, AllocationType::kOld));
  heap.CollectGarbage(AllocationSpace::kOld, GarbageCollectionReason::kTesting);
  ASSERT_EQ(sink.events.size(), 1u);
  EXPECT_EQ(sink.events[0].slots_updated, 0u);
  const std::size_t all_slots = sink.events[0].slots_visited;
  EXPECT_GE(all_slots, 1000u);
  // A young object stored in the array is copied to old space by the next mark-compact: its
  // slot is updated, and the count of slots read is the same.
  heap.OpenHandleScope();
  heap.WriteSlot(heap.Global(array), 7, heap.Allocate(64, 0, ObjectKind::kObject));
  heap.CloseHandleScope();
  heap.CollectGarbage(AllocationSpace::kOld, GarbageCollectionReason::kTesting);
  ASSERT_EQ(sink.events.size(), 2u);
  EXPECT_GT(sink.events[1].promoted_bytes, sink.events[1].page_moved_bytes);
  EXPECT_EQ(sink.events[1].slots_updated, 1u);
  EXPECT_EQ(sink.events[1].slots_visited, all_slots);
  ExpectHealthy(heap);
}

// The atomic pause marks with parallel markers that share work a segment at a time: a wide
// graph runs --marking-parallel-speedup times faster, a list on one thread.
TEST(MarkCompact, PauseMarkingIsParallelForAWideGraphButNotForAList) {
  double mark_ms[2] = {0, 0};
  for (bool list : {true, false}) {
    HeapFlags flags = TestFlags();
    flags.marking_parallel_speedup = 2;
    Heap heap(flags, BareOptions());
    RecordingSink sink;
    heap.set_sink(&sink);
    const std::size_t live = BuildOldGraph(heap, 4000, list);
    heap.CollectGarbage(AllocationSpace::kOld, GarbageCollectionReason::kTesting);
    ASSERT_EQ(sink.events.size(), 1u);
    EXPECT_EQ(sink.events[0].marked_bytes, live);
    mark_ms[list] = PhaseMs(sink.events[0], "mark");
    const double one_thread_ms = static_cast<double>(live) / flags.marking_speed;
    if (list)
      EXPECT_NEAR(mark_ms[list], one_thread_ms, 0.01 * one_thread_ms);
    else
      EXPECT_NEAR(mark_ms[list], one_thread_ms / 2, 0.1 * one_thread_ms / 2);
  }
  EXPECT_GT(mark_ms[true], 1.8 * mark_ms[false]);
}

TEST(MarkCompact, IdleTimeFinalizesMarkingViaTaskWhenConcurrentMarkingIsDone) {
  ConcurrentMarkingHeap h;
  const HeapFlags& flags = h.flags;
  Heap& heap = h.heap;
  const RecordingSink& sink = h.sink;
  auto head = heap.CreateGlobal(kNullRef);
  for (int i = 0; i < 4000; ++i) {  // about 4 MB of live old objects in a list
    ObjectRef o = heap.Allocate(1024, 1, ObjectKind::kObject, 0, AllocationType::kOld);
    heap.WriteSlot(o, 0, heap.Global(head));
    heap.SetGlobal(head, o);
  }
  heap.StartIncrementalMarking();
  ASSERT_TRUE(heap.IsMarking());
  const double start_ms = heap.now_ms();

  heap.AdvanceTime(50);  // busy: the markers finish, but no task runs
  EXPECT_TRUE(sink.events.empty());
  EXPECT_TRUE(heap.IsMarking());
  heap.AdvanceIdleTime(100);  // the first task finalizes at once
  ASSERT_EQ(sink.events.size(), 1u);
  EXPECT_EQ(sink.events[0].reason, GarbageCollectionReason::kFinalizeMarkingViaTask);
  EXPECT_NEAR(sink.events[0].start_ms, start_ms + 50, 1);
  EXPECT_GE(heap.now_ms(), start_ms + 150);

  heap.StartIncrementalMarking();
  const double restart_ms = heap.now_ms();
  // Idle from the start: the task's first step takes the list's head and walks 64 KB of it,
  // then shares the rest with an idle marker (IncrementalMarking::Step ends with
  // ShareWorkIfGlobalPoolIsEmpty); the main thread's worklist and the shared pool are then
  // empty, so the next task finalizes and the pause marks what the marker still holds.
  heap.AdvanceIdleTime(100);
  ASSERT_EQ(sink.events.size(), 2u);
  EXPECT_EQ(sink.events[1].reason, GarbageCollectionReason::kFinalizeMarkingViaTask);
  EXPECT_LT(sink.events[1].start_ms, restart_ms + 1);
  EXPECT_GT(PhaseMs(sink.events[1], "mark"), 3e6 / flags.marking_speed);
  EXPECT_GE(heap.now_ms(), restart_ms + 100);
  EXPECT_FALSE(heap.IsMarking());
  ExpectHealthy(heap);
}

// Node's start-up heap hangs off hundreds of roots, and its concurrent markers share it: the
// atomic pause of a mark-compact finalized by the marking task marks 0.1-0.3 ms. (A start-up
// heap as one tree under one root had a marker walk most of it privately and the pause mark
// the rest, 2-3 ms.)
TEST(MarkCompact, TheStartupHeapIsMarkedBeforeThePause) {
  RecordingHeap h(ConcurrentMarkingHeap::Flags(), HeapOptions{});
  Heap& heap = h.heap;
  const RecordingSink& sink = h.sink;
  heap.StartIncrementalMarking();
  heap.AdvanceTime(0.3);  // the markers take segments of the roots' trees
  heap.AdvanceIdleTime(20);
  ASSERT_EQ(sink.events.size(), 1u);
  const GCEvent& mc = sink.events[0];
  EXPECT_EQ(mc.reason, GarbageCollectionReason::kFinalizeMarkingViaTask);
  EXPECT_GE(mc.marked_bytes, 2315136u);
  // What the markers hold privately when the task finalizes: a segment or two of small trees
  // (one tree under one root: 1.9 ms).
  EXPECT_LT(PhaseMs(mc, "mark"), 0.5);
  ExpectHealthy(heap);
}

// MarkCompactCollector::Finish starts the concurrent sweepers; where they outnumber the cores
// they delay the end of the pause by --sweeper-contention-ms once there are 4 MB of pages to
// sweep (node's finish phase does not grow with the heap beyond that); below, by their own
// sweeping time at most.
TEST(MarkCompact, StartingTheSweepersDelaysThePauseByTheContentionOnceFourMegabytesAreSwept) {
  // A mark-compact of a `mb` list, half of it garbage, at contention `contention_ms`.
  auto collect = [](double contention_ms, std::uint32_t mb) {
    HeapFlags flags = TestFlags();
    flags.sweeper_contention_ms = contention_ms;
    RecordingHeap h(flags);
    RetainList(h.heap, mb, UINT32_MAX, 2);
    h.heap.CollectGarbage(AllocationSpace::kOld, GarbageCollectionReason::kTesting);
    EXPECT_FALSE(h.sink.events.empty());
    return h.sink.events.empty() ? GCEvent{} : h.sink.events.back();
  };
  const GCEvent none = collect(0, 8), brief = collect(0.05, 8);
  const GCEvent big = collect(3, 8), small = collect(3, 1);
  ASSERT_EQ(big.reason, GarbageCollectionReason::kTesting);
  ASSERT_GE(big.swept_pages * kPageSize, kSweeperContentionBytes);
  ASSERT_LT(small.swept_pages * kPageSize, kSweeperContentionBytes);
  EXPECT_EQ(PhaseMs(none, "finish"), 0);
  EXPECT_NEAR(PhaseMs(brief, "finish"), 0.05, 1e-9);
  // Not capped by the sweepers' own work: 8 MB of pages take them well under 3 ms.
  ASSERT_LT(PhaseMs(big, "background.sweep"), 1.0);
  EXPECT_NEAR(PhaseMs(big, "finish"), 3.0, 1e-9);
  EXPECT_NEAR(big.pause_ms - none.pause_ms, 3.0, 1e-9);
  EXPECT_GT(PhaseMs(small, "background.sweep"), 0);
  EXPECT_NEAR(PhaseMs(small, "finish"), PhaseMs(small, "background.sweep"), 1e-9);
  // --trace-gc-nvp prints it as node's finish phase.
  const std::string nvp = FormatTraceGCNvpLine(brief, TraceContext{});
  EXPECT_NE(nvp.find(" finish=0.05 "), std::string::npos) << nvp;
}

}  // namespace
}  // namespace heaplab
