#include "sim/memory-reducer.h"

#include "tests/sim/test-util.h"

namespace heaplab {
namespace {

using testing::ExpectHealthy;
using testing::RecordingSink;
using testing::RetainList;
using testing::TestFlags;
using Id = MemoryReducer::Id;
using Type = MemoryReducer::EventType;

MemoryReducer::Event MarkCompact(double t, std::size_t committed, bool more = false) {
  MemoryReducer::Event e;
  e.type = Type::kMarkCompact;
  e.time_ms = t;
  e.committed_memory = committed;
  e.next_gc_likely_to_collect_more = more;
  return e;
}

MemoryReducer::Event Timer(double t, bool low_allocation, bool can_start = true) {
  MemoryReducer::Event e;
  e.type = Type::kTimer;
  e.time_ms = t;
  e.should_start_incremental_gc = low_allocation;
  e.can_start_incremental_gc = can_start;
  return e;
}

TEST(MemoryReducer, StateMachineFollowsV8) {
  MemoryReducer::State s;
  // A mark-compact arms it only once committed memory grew by 10 MB since its last run.
  EXPECT_EQ(MemoryReducer::Step(s, MarkCompact(1000, 9 * MB)).id, Id::kDone);
  s = MemoryReducer::Step(s, MarkCompact(1000, 12 * MB));
  ASSERT_EQ(s.id, Id::kWait);
  EXPECT_EQ(s.next_gc_start_ms, 9000);
  // Too early, or allocating fast: keep waiting.
  EXPECT_EQ(MemoryReducer::Step(s, Timer(5000, true)).id, Id::kWait);
  EXPECT_EQ(MemoryReducer::Step(s, Timer(9100, false)).next_gc_start_ms, 17100);
  // Another mark-compact while waiting pushes the start 8 s further.
  EXPECT_EQ(MemoryReducer::Step(s, MarkCompact(4000, 12 * MB)).next_gc_start_ms, 12000);
  // Quiet and due: run the first memory-reducing GC.
  s = MemoryReducer::Step(s, Timer(9100, true));
  ASSERT_EQ(s.id, Id::kRun);
  EXPECT_EQ(s.started_gcs, 1);
  // After the first, always a second one 500 ms later.
  s = MemoryReducer::Step(s, MarkCompact(9200, 11 * MB));
  ASSERT_EQ(s.id, Id::kWait);
  EXPECT_EQ(s.next_gc_start_ms, 9700);
  s = MemoryReducer::Step(s, Timer(9800, true));
  ASSERT_EQ(s.id, Id::kRun);
  // A third only if the second freed committed memory; else done, remembering the size.
  EXPECT_EQ(MemoryReducer::Step(s, MarkCompact(9900, 11 * MB, true)).id, Id::kWait);
  s = MemoryReducer::Step(s, MarkCompact(9900, 11 * MB, false));
  ASSERT_EQ(s.id, Id::kDone);
  EXPECT_EQ(s.committed_memory_at_last_run, 11 * MB);
  // Armed again only when committed memory passes max(1.1 × 11 MB, 11 MB + 10 MB).
  EXPECT_EQ(MemoryReducer::Step(s, MarkCompact(20000, 20 * MB)).id, Id::kDone);
  EXPECT_EQ(MemoryReducer::Step(s, MarkCompact(20000, 21 * MB)).id, Id::kWait);
}

TEST(MemoryReducer, QuietHeapGetsMemoryReducingMarkCompactsAfterEightSeconds) {
  HeapFlags f = TestFlags();
  Heap heap(f);
  RecordingSink sink;
  heap.set_sink(&sink);
  // 14 MB kept alive, then a full GC: committed old generation over 10 MB arms the reducer.
  RetainList(heap, 14);
  heap.CollectGarbage(AllocationSpace::kOld, GarbageCollectionReason::kTesting);
  const double mc_end = heap.now_ms();
  ASSERT_EQ(heap.memory_reducer().state().id, Id::kWait);
  EXPECT_DOUBLE_EQ(heap.memory_reducer().timer_due_ms(), mc_end + 8100);
  const std::size_t mcs = sink.Count(GarbageCollector::kMarkCompactor);
  // The program goes quiet: a little allocation every 100 ms for 12 s.
  for (int t = 0; t < 120; ++t) {
    heap.Allocate(64, 0, ObjectKind::kObject);
    heap.AdvanceTime(100);
    heap.RunPendingTasks();
  }
  // Two memory-reducing mark-compacts, the first just after 8.1 s, the second ~0.6 s later.
  std::vector<const GCEvent*> reducing;
  for (const auto& e : sink.events)
    if (e.collector == GarbageCollector::kMarkCompactor && e.reduce_memory) reducing.push_back(&e);
  ASSERT_EQ(sink.Count(GarbageCollector::kMarkCompactor), mcs + 2);
  ASSERT_EQ(reducing.size(), 2u);
  EXPECT_GE(reducing[0]->start_ms, mc_end + 8100);
  EXPECT_LT(reducing[0]->start_ms, mc_end + 8700);
  EXPECT_GE(reducing[1]->start_ms - reducing[0]->start_ms, 600);
  EXPECT_LT(reducing[1]->start_ms - reducing[0]->start_ms, 1300);
  // Memory-reducing GCs grow the limit by the minimal factor.
  EXPECT_DOUBLE_EQ(reducing[1]->growing_factor, 1.1);
  EXPECT_EQ(heap.memory_reducer().state().id, Id::kDone);
  ExpectHealthy(heap);
}

TEST(MemoryReducer, BusyProgramIsLeftAlone) {
  Heap heap(TestFlags());
  RecordingSink sink;
  heap.set_sink(&sink);
  RetainList(heap, 14);
  heap.CollectGarbage(AllocationSpace::kOld, GarbageCollectionReason::kTesting);
  // 2 MB of garbage per 100 ms: the allocation rate is never low.
  for (int t = 0; t < 120; ++t) {
    for (int i = 0; i < 2048; ++i)
      heap.Allocate(1024, 0, ObjectKind::kObject);
    heap.AdvanceTime(100);
    heap.RunPendingTasks();
  }
  for (const auto& e : sink.events)
    EXPECT_FALSE(e.collector == GarbageCollector::kMarkCompactor && e.reduce_memory);
  EXPECT_EQ(heap.memory_reducer().state().id, Id::kWait);
}

TEST(HeapLimits, SlowYoungAllocationLowersTheLimitAfterAScavenge) {
  // Heap::RecomputeLimits after a young GC: once the size is configured (a mark-compact ran)
  // and young allocation is slow, the limit drops to what the current speeds give, here the
  // minimum growth: old size + 8 MB + new-space capacity (node: "factor 1.1 ... new limit").
  Heap heap(TestFlags());
  RecordingSink sink;
  heap.set_sink(&sink);
  RetainList(heap, 9);
  heap.CollectGarbage(AllocationSpace::kOld, GarbageCollectionReason::kTesting);
  const std::size_t after_mc = heap.old_generation_allocation_limit();
  // Slow allocation: 20 KB per 100 ms, with scavenges forced now and then.
  for (int t = 0; t < 30; ++t) {
    for (int i = 0; i < 20; ++i)
      heap.Allocate(1024, 0, ObjectKind::kObject);
    heap.AdvanceTime(100);
    if (t % 10 == 9) heap.CollectGarbage(AllocationSpace::kNew, GarbageCollectionReason::kTesting);
  }
  const std::size_t lowered = heap.old_generation_allocation_limit();
  EXPECT_LT(lowered, after_mc);
  EXPECT_EQ(lowered, heap.OldGenerationSizeOfObjects() + 8 * MB + heap.new_space().Capacity());
}

}  // namespace
}  // namespace heaplab
