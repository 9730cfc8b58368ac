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

// The memory-reducing ("(reduce)") mark-compacts the sink saw, in order.
std::vector<const GCEvent*> ReducingMarkCompacts(const RecordingSink& sink) {
  std::vector<const GCEvent*> reducing;
  for (const auto& e : sink.events)
    if (e.collector == GarbageCollector::kMarkCompactor && e.reduce_memory) reducing.push_back(&e);
  return reducing;
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
  f.memory_reducer_for_small_heaps = false;  // armed by the mark-compact alone
  f.trace_gc_verbose = true;
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
  const std::vector<const GCEvent*> reducing = ReducingMarkCompacts(sink);
  ASSERT_EQ(sink.Count(GarbageCollector::kMarkCompactor), mcs + 2);
  ASSERT_EQ(reducing.size(), 2u);
  EXPECT_GE(reducing[0]->start_ms, mc_end + 8100);
  EXPECT_LT(reducing[0]->start_ms, mc_end + 8700);
  EXPECT_GE(reducing[1]->start_ms - reducing[0]->start_ms, 600);
  EXPECT_LT(reducing[1]->start_ms - reducing[0]->start_ms, 1300);
  // Memory-reducing GCs grow the limit by the minimal factor.
  EXPECT_DOUBLE_EQ(reducing[1]->growing_factor, 1.1);
  EXPECT_EQ(heap.memory_reducer().state().id, Id::kDone);
  // --trace-gc-verbose: node's lines for each timer and each reducing GC.
  EXPECT_EQ(
      sink.MessagesWith("Memory reducer:"),
      (std::vector<std::string>{
          "Memory reducer: low alloc, foreground", "Memory reducer: started GC #1",
          "Memory reducer: finished GC #1 (will do more)", "Memory reducer: low alloc, foreground",
          "Memory reducer: started GC #2", "Memory reducer: finished GC #2 (done)"}));
  for (const TraceMessage& m : sink.messages)
    EXPECT_TRUE(m.timestamped);
  ExpectHealthy(heap);
}

TEST(MemoryReducer, BusyProgramIsLeftAlone) {
  HeapFlags f = TestFlags();
  f.memory_reducer_for_small_heaps = false;
  f.trace_gc_verbose = true;
  f.trace_mutator_utilization = true;
  Heap heap(f);
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
  const std::vector<std::string> reducer = sink.MessagesWith("Memory reducer:");
  ASSERT_GE(reducer.size(), 2u);
  EXPECT_EQ(reducer[0], "Memory reducer: high alloc, foreground");
  EXPECT_EQ(reducer[1], "Memory reducer: waiting for 8000 ms");
  // --trace-mutator-utilization: the young generation's figures behind "high alloc".
  const std::vector<std::string> mu = sink.MessagesWith("Young generation mutator utilization = ");
  ASSERT_FALSE(mu.empty());
  EXPECT_NE(mu.back().find("(mutator_speed="), std::string::npos);
}

TEST(MemoryReducer, PossibleGarbageArmsItOnlyFromDone) {
  MemoryReducer::Event e;
  e.type = Type::kPossibleGarbage;
  e.time_ms = 300;
  e.start_delay_ms = 8000;
  MemoryReducer::State s;
  s.last_gc_time_ms = 42;
  // MemoryReducer::Step: kDone waits --gc-memory-reducer-start-delay-ms, keeping the last GC time.
  const MemoryReducer::State armed = MemoryReducer::Step(s, e);
  ASSERT_EQ(armed.id, Id::kWait);
  EXPECT_EQ(armed.next_gc_start_ms, 8300);
  EXPECT_EQ(armed.last_gc_time_ms, 42);
  EXPECT_EQ(armed.started_gcs, 0);
  // Already waiting or running: nothing changes.
  e.time_ms = 5000;
  EXPECT_EQ(MemoryReducer::Step(armed, e).next_gc_start_ms, 8300);
  MemoryReducer::State running;
  running.id = Id::kRun;
  running.started_gcs = 1;
  EXPECT_EQ(MemoryReducer::Step(running, e).id, Id::kRun);
}

// Fills old space with `kb` KB kept alive, as pretenured 16 KB arrays, without any GC.
void GrowOldGeneration(Heap& heap, std::size_t kb) {
  const std::uint32_t head = heap.CreateGlobal(kNullRef);
  for (std::size_t i = 0; i < kb / 16; ++i) {
    const ObjectRef o = heap.Allocate(16 * 1024, 1, ObjectKind::kArray, 0, AllocationType::kOld);
    heap.WriteSlot(o, 0, heap.Global(head));
    heap.SetGlobal(head, o);
  }
}

TEST(MemoryReducer, OldGenerationGrowthBeforeTheFirstMarkCompactArmsIt) {
  // Heap::NotifyOldGenerationExpansion (--memory-reducer-for-small-heaps): 1 MB of old
  // generation past its start-up capacity, before any mark-compact, posts the reducer's timer
  // for 8 s later; a program that then goes quiet gets memory-reducing mark-compacts.
  Heap heap(TestFlags());
  RecordingSink sink;
  heap.set_sink(&sink);
  heap.AdvanceTime(300);
  const double start_ms = heap.now_ms();
  GrowOldGeneration(heap, 1024);
  ASSERT_EQ(sink.Count(GarbageCollector::kMarkCompactor), 0u);
  ASSERT_EQ(heap.memory_reducer().state().id, Id::kWait);
  const double armed_ms = heap.now_ms();
  EXPECT_GE(heap.memory_reducer().timer_due_ms(), start_ms + 8000 + 100);
  EXPECT_LE(heap.memory_reducer().timer_due_ms(), armed_ms + 8000 + 100);
  // Scavenges give the tracer its allocation samples (with none, no rate is low).
  for (int i = 0; i < 2; ++i) {
    heap.AdvanceTime(100);
    heap.CollectGarbage(AllocationSpace::kNew, GarbageCollectionReason::kTesting);
  }
  for (int t = 0; t < 100; ++t) {
    heap.Allocate(64, 0, ObjectKind::kObject);
    heap.AdvanceTime(100);
    heap.RunPendingTasks();
  }
  const std::vector<const GCEvent*> reducing = ReducingMarkCompacts(sink);
  ASSERT_EQ(reducing.size(), 2u);
  EXPECT_GE(reducing[0]->start_ms, armed_ms + 8100);
  EXPECT_LT(reducing[0]->start_ms, armed_ms + 8300);
  ExpectHealthy(heap);
}

TEST(MemoryReducer, ArmsWhenOldSpaceHasTakenFourPagesLikeNode20) {
  // Node 20's capacity after bootstrap leaves out code space, whose page comes after it: that
  // page and three of old space are 1018320 bytes, under the 1 MB; a fourth old-space page arms
  // the reducer (gdb on Heap::NotifyOldGenerationExpansion: armed at old space's fourth page in
  // timer-leak, listener-leak, sessions and reinit-leak).
  Heap heap(TestFlags());
  const std::uint32_t head = heap.CreateGlobal(kNullRef);
  auto grow_to_pages = [&](std::size_t pages) {
    while (heap.old_space().pages().size() < pages) {
      const ObjectRef o = heap.Allocate(8 * 1024, 1, ObjectKind::kArray, 0, AllocationType::kOld);
      heap.WriteSlot(o, 0, heap.Global(head));
      heap.SetGlobal(head, o);
    }
  };
  grow_to_pages(13);
  EXPECT_EQ(heap.memory_reducer().state().id, Id::kDone);
  grow_to_pages(14);
  EXPECT_EQ(heap.memory_reducer().state().id, Id::kWait);
  ExpectHealthy(heap);
}

TEST(MemoryReducer, SmallHeapRuleNeedsTheFlagAndNoMarkCompactYet) {
  {
    // Off: growth alone never arms it.
    HeapFlags f = TestFlags();
    f.memory_reducer_for_small_heaps = false;
    Heap heap(f);
    GrowOldGeneration(heap, 2048);
    EXPECT_EQ(heap.memory_reducer().state().id, Id::kDone);
    EXPECT_LT(heap.memory_reducer().timer_due_ms(), 0);
  }
  {
    // Less than 1 MB of growth (new pages, but under the threshold): not yet.
    Heap heap(TestFlags());
    const std::size_t capacity = heap.OldGenerationCapacity();
    GrowOldGeneration(heap, 512);
    EXPECT_GT(heap.OldGenerationCapacity(), capacity);
    EXPECT_EQ(heap.memory_reducer().state().id, Id::kDone);
  }
  {
    // After a mark-compact (which leaves the reducer done on a small heap), growth does not
    // arm it: only later mark-compacts can.
    Heap heap(TestFlags());
    heap.CollectGarbage(AllocationSpace::kOld, GarbageCollectionReason::kTesting);
    ASSERT_EQ(heap.memory_reducer().state().id, Id::kDone);
    GrowOldGeneration(heap, 2048);
    EXPECT_EQ(heap.memory_reducer().state().id, Id::kDone);
  }
  {
    // A bare heap (no start-up heap) has no bootstrap capacity to grow from.
    Heap heap(TestFlags(), testing::BareOptions());
    GrowOldGeneration(heap, 2048);
    EXPECT_EQ(heap.memory_reducer().state().id, Id::kDone);
  }
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
