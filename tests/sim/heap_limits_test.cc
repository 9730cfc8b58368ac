#include <sstream>

#include "sim/heap-snapshot.h"
#include "sim/report.h"
#include "sim/trace-parser.h"
#include "tests/sim/test-util.h"

namespace heaplab {
namespace {

using testing::BareOptions;
using testing::ExpectHealthy;
using testing::RecordingSink;
using testing::RetainList;
using testing::TestFlags;

TEST(HeapLimits, IncrementalMarkingStartsNearTheLimitAndFinalizes) {
  HeapFlags f = TestFlags();
  f.max_old_space_size = 64;
  f.initial_old_space_size = 32;  // a fixed first limit, not lowered by survival
  Heap heap(f);
  RecordingSink sink;
  heap.set_sink(&sink);
  std::uint32_t head = RetainList(heap, 20);
  EXPECT_EQ(sink.Count(GarbageCollector::kMarkCompactor), 0u);
  // Growing further crosses limit - one new-space capacity: marking starts, then finishes.
  RetainList(heap, 25, head);
  ASSERT_GE(sink.Count(GarbageCollector::kMarkCompactor), 1u);
  const GCEvent* mc = nullptr;
  for (const auto& e : sink.events)
    if (e.collector == GarbageCollector::kMarkCompactor) {
      mc = &e;
      break;
    }
  ASSERT_NE(mc, nullptr);
  EXPECT_TRUE(mc->incremental);
  EXPECT_GT(mc->incremental_steps, 0);
  EXPECT_EQ(mc->reason, GarbageCollectionReason::kFinalizeMarkingViaStackGuard);
  EXPECT_EQ(mc->collector_reason, CollectorReason::kOldSpaceRequested);
  EXPECT_GT(mc->old_generation_limit_bytes, mc->old_generation_size_bytes);
  ExpectHealthy(heap);
}

TEST(HeapLimits, TheMutatorsNextTurnAfterAMarkCompactNearTheLimitRestartsMarking) {
  // The runtime's first old-space allocation after a mark-compact refills the linear area the
  // GC emptied, and PagedSpace::RawRefillLabMain starts marking if the limit is reached: node
  // restarts marking 0-9 ms after each mark-compact of oom-growth near its limit, with no
  // scavenge in between.
  HeapFlags f = TestFlags();
  f.max_old_space_size = 16;
  Heap heap(f, BareOptions());
  std::uint32_t head = RetainList(heap, 13);
  heap.CollectGarbage(AllocationSpace::kOld, GarbageCollectionReason::kTesting);
  ASSERT_FALSE(heap.IsMarking());
  ASSERT_LE(heap.OldGenerationSpaceAvailable(), heap.new_space().Capacity());
  // No turn of the mutator: a task finds nothing to start.
  heap.RunPendingTasks();
  EXPECT_FALSE(heap.IsMarking());
  // The next allocation (the mutator runs again) checks the limit; the task then starts marking.
  heap.Allocate(64, 0, ObjectKind::kObject);
  heap.RunPendingTasks();
  EXPECT_TRUE(heap.IsMarking());
  (void)head;
  ExpectHealthy(heap);
}

// Keeps every other 1 KB object of `mb` megabytes alive: young survival about 50%.
std::uint32_t RetainHalf(Heap& heap, std::size_t mb, std::uint32_t head) {
  return RetainList(heap, mb, head, 2);
}

TEST(HeapLimits, InitialLimitShrinksBySurvivalUntilTheFirstMarkCompact) {
  // Heap::ConfigureInitialOldGenerationSize: each GC multiplies the 512 MB initial limit by the
  // average survival ratio, down to the old generation's size plus 8 MB, so the first
  // mark-compact comes at a few MB of old space (node runs it at 8-12 MB), not at 512 MB.
  HeapFlags f = TestFlags();
  Heap heap(f);
  RecordingSink sink;
  heap.set_sink(&sink);
  const std::size_t initial = heap.old_generation_allocation_limit();
  EXPECT_EQ(initial, 512 * MB);
  std::uint32_t head = heap.CreateGlobal(kNullRef);
  RetainHalf(heap, 4, head);
  ASSERT_GE(sink.Count(GarbageCollector::kScavenger), 2u);
  EXPECT_EQ(sink.Count(GarbageCollector::kMarkCompactor), 0u);
  EXPECT_LT(heap.old_generation_allocation_limit(), initial / 2);
  // The scavenge lines report the lowered limit.
  std::size_t previous = initial;
  for (const auto& e : sink.events) {
    EXPECT_LE(e.old_generation_limit_bytes, previous);
    previous = e.old_generation_limit_bytes;
  }
  // Keep going: the limit bottoms out at old size + 8 MB and a mark-compact follows.
  RetainHalf(heap, 60, head);
  ASSERT_GE(sink.Count(GarbageCollector::kMarkCompactor), 1u);
  const GCEvent* first_mc = nullptr;
  for (const auto& e : sink.events)
    if (e.collector == GarbageCollector::kMarkCompactor) {
      first_mc = &e;
      break;
    }
  ASSERT_NE(first_mc, nullptr);
  EXPECT_LT(TotalUsed(first_mc->before), 64 * MB);
  // After it, the limit comes from the growing factor only: at the first mark-compact the
  // tracer has no mark-compact speed yet, so the factor is the maximum (4.0 above 2 GB).
  EXPECT_DOUBLE_EQ(first_mc->growing_factor, 4.0);
  ExpectHealthy(heap);
}

TEST(HeapLimits, ExplicitInitialOldSpaceSizeIsNotLowered) {
  HeapFlags f = TestFlags();
  f.initial_old_space_size = 300;
  Heap heap(f);
  RecordingSink sink;
  heap.set_sink(&sink);
  std::uint32_t head = heap.CreateGlobal(kNullRef);
  RetainHalf(heap, 8, head);
  ASSERT_GE(sink.Count(GarbageCollector::kScavenger), 2u);
  EXPECT_EQ(heap.old_generation_allocation_limit(), 300 * MB);
  EXPECT_EQ(sink.Count(GarbageCollector::kMarkCompactor), 0u);
}

TEST(HeapLimits, NoIncrementalMarkingMeansAtomicMarkCompacts) {
  HeapFlags f = TestFlags();
  f.max_old_space_size = 64;
  f.incremental_marking = false;
  Heap heap(f);
  RecordingSink sink;
  heap.set_sink(&sink);
  try {
    RetainList(heap, 80);
  } catch (const OutOfMemoryError&) {
  }
  ASSERT_GE(sink.Count(GarbageCollector::kMarkCompactor), 1u);
  for (const auto& e : sink.events)
    EXPECT_FALSE(e.incremental);
}

TEST(HeapLimits, AllocationAtTheOutOfMemoryIsCountedAsNodesLogCountsIt) {
  // compare sets node's figure (read off its --trace-gc-nvp log, the start-up heap included)
  // against HeapLab's: both must be counted the same way, from the same kind of log.
  HeapFlags f = TestFlags();
  f.max_old_space_size = 64;
  Heap heap(f);
  RunRecorder::TraceOptions options;
  options.trace_gc_nvp = true;
  std::ostringstream trace;
  RunRecorder recorder(options, &trace);
  heap.set_sink(&recorder);
  const std::size_t start_up_bytes = heap.SizeOfObjects();
  ASSERT_GT(start_up_bytes, 2 * MB);  // Node 20's snapshot and bootstrap objects
  EXPECT_THROW(RetainList(heap, 400), OutOfMemoryError);
  const RunSummary summary = Summarize(recorder, heap);
  ASSERT_TRUE(summary.out_of_memory);
  trace << recorder.oom()->message << "\n";  // as compare ends HeapLab's log
  TraceParseError error;
  const auto log = ParseTraceLog(trace.str(), &error);
  ASSERT_TRUE(log) << "line " << error.line << ": " << error.message;
  const RunSummary from_log = SummarizeTraceLog(*log);
  EXPECT_NEAR(summary.oom_allocated_mb, from_log.oom_allocated_mb, 0.01);
  // The start-up heap is in it, and what the workload allocated since.
  const double workload_mb = static_cast<double>(recorder.oom()->allocated_total_bytes) / MB;
  const double start_up_mb = static_cast<double>(start_up_bytes) / MB;
  EXPECT_NEAR(summary.oom_allocated_mb, workload_mb + start_up_mb, 0.5);
}

TEST(HeapLimits, OutOfMemoryWithV8sMessage) {
  HeapFlags f = TestFlags();
  f.max_old_space_size = 64;
  Heap heap(f);
  RecordingSink sink;
  heap.set_sink(&sink);
  std::string message;
  try {
    RetainList(heap, 200);
    FAIL() << "no out-of-memory";
  } catch (const OutOfMemoryError& e) {
    message = e.what();
  }
  EXPECT_TRUE(
      message ==
          "FATAL ERROR: Reached heap limit Allocation failed - JavaScript heap out of memory" ||
      message ==
          "FATAL ERROR: Ineffective mark-compacts near heap limit Allocation failed - JavaScript "
          "heap out of memory")
      << message;
  ASSERT_EQ(sink.oom.size(), 1u);
  EXPECT_EQ(sink.oom[0].message, message);
  EXPECT_TRUE(heap.is_out_of_memory());
  // About 64 MB of live data fits; the OOM comes when that is exhausted.
  EXPECT_GT(sink.oom[0].allocated_total_bytes, 50 * MB);
  EXPECT_LT(sink.oom[0].allocated_total_bytes, 90 * MB);
  // The heap stays readable, and further use reports the same end instead of crashing.
  EXPECT_GT(heap.SizeOfObjects(), 0u);
  EXPECT_THROW(heap.Allocate(64, 0, ObjectKind::kObject), OutOfMemoryError);
  // The last GCs before the end are mark-compacts near the limit.
  EXPECT_EQ(sink.events.back().collector, GarbageCollector::kMarkCompactor);
}

TEST(HeapLimits, LastResortGarbageIsMemoryReducing) {
  Heap heap(TestFlags(), BareOptions());
  RecordingSink sink;
  heap.set_sink(&sink);
  heap.CollectAllAvailableGarbage(GarbageCollectionReason::kLastResort);
  ASSERT_GE(sink.events.size(), 2u);
  EXPECT_TRUE(sink.events[0].reduce_memory);
  EXPECT_EQ(sink.events[0].growing_factor, 1.1);
}

// V8 11.3's SemiSpaceNewSpace::Shrink ends with from_space_.Uncommit(), and every GC commits it
// back before it starts (Heap::EnsureFromSpaceIsCommitted), after the tracer took the committed
// size before: node prints "Mark-Compact 252.8 (259.0) -> 252.8 (260.0) MB" at a 1 MB
// semi-space right after its memory-reducing mark-compacts.
TEST(HeapLimits, AShrinkUncommitsFromSpaceAndTheNextGCCommitsItBack) {
  Heap heap(TestFlags(), BareOptions());
  RecordingSink sink;
  heap.set_sink(&sink);
  const auto new_committed = [](const SpaceStatsArray& s) {
    return s[static_cast<std::size_t>(AllocationSpace::kNew)].committed_bytes;
  };
  heap.CollectGarbage(AllocationSpace::kNew, GarbageCollectionReason::kTesting);
  const std::size_t semi_space = heap.new_space().TotalCapacity();
  ASSERT_EQ(new_committed(sink.events.back().after), 2 * semi_space);  // to- and from-space
  heap.CollectAllAvailableGarbage(GarbageCollectionReason::kLastResort);
  EXPECT_EQ(heap.new_space().Committed(), semi_space);  // from-space given back
  EXPECT_FALSE(heap.new_space().IsFromSpaceCommitted());
  // The memory view draws no from-space while it is uncommitted.
  for (const PageSnapshot& p : TakeHeapSnapshot(heap).pages)
    EXPECT_NE(p.role, PageRole::kFromSpace);
  sink.events.clear();
  heap.CollectGarbage(AllocationSpace::kOld, GarbageCollectionReason::kTesting);
  ASSERT_EQ(sink.events.size(), 1u);
  ASSERT_FALSE(sink.events[0].reduce_memory);
  EXPECT_EQ(new_committed(sink.events[0].before), semi_space);
  EXPECT_EQ(new_committed(sink.events[0].after), 2 * semi_space);
  ExpectHealthy(heap);
}

// So a heap that grows to its limit through memory-reducing mark-compacts fills the memory
// from-space gave back, and the next GC's commit takes the heap over V8's MaxReserved (the
// heap size limit): node 20 at a 1 MB semi-space ends a steady leak with "Reached heap limit"
// at 256 MB, 1 GB and 4 GB of old space alike; at a 64 MB semi-space MaxReserved keeps 192 MB
// above the old generation and its 4 GB default ends with "Ineffective mark-compacts".
TEST(HeapLimits, TheRecommittedFromSpaceReachesTheHeapLimitAtASmallSemiSpace) {
  HeapFlags f = TestFlags();
  f.max_semi_space_size = 1;
  f.max_old_space_size = 256;
  f.verify_heap = false;  // 256 MB of 1 KB objects; the other tests verify the heap
  Heap heap(f);
  RecordingSink sink;
  heap.set_sink(&sink);
  EXPECT_THROW(RetainList(heap, 400), OutOfMemoryError);
  ASSERT_EQ(sink.oom.size(), 1u);
  EXPECT_EQ(sink.oom[0].message,
            "FATAL ERROR: Reached heap limit Allocation failed - JavaScript heap out of memory");
  // It ends after a mark-compact whose from-space commit took the heap over its limit.
  const GCEvent& last = sink.events.back();
  ASSERT_EQ(last.collector, GarbageCollector::kMarkCompactor);
  std::size_t before = 0, after = 0;
  for (const SpaceStats& s : last.before)
    before += s.committed_bytes;
  for (const SpaceStats& s : last.after)
    after += s.committed_bytes;
  EXPECT_LE(before, 259 * MB);  // MaxReserved: 256 MB + 3 semi-spaces
  EXPECT_GT(after, 259 * MB);
}

TEST(HeapLimits, UsageErrorsDoNotCorruptTheHeap) {
  Heap heap(TestFlags(), BareOptions());
  EXPECT_THROW(heap.Allocate(0, 0, ObjectKind::kObject), HeapUsageError);
  EXPECT_THROW(heap.Allocate(16, 4, ObjectKind::kObject), HeapUsageError);
  auto g = heap.CreateGlobal(heap.Allocate(64, 1, ObjectKind::kObject));
  EXPECT_THROW(heap.ReadSlot(heap.Global(g), 1), HeapUsageError);
  EXPECT_THROW(heap.WriteSlot(heap.Global(g), 0, 12345), HeapUsageError);
  heap.DisposeGlobal(g);
  EXPECT_THROW(heap.DisposeGlobal(g), HeapUsageError);
  EXPECT_THROW(heap.CloseHandleScope(), HeapUsageError);
  EXPECT_THROW(heap.AdvanceTime(-1), HeapUsageError);
  ExpectHealthy(heap);
}

// Node 20 running a one-line script (`node --trace-gc-nvp --trace-gc-verbose`): old space
// 2476 KB, code space 239 KB and one 256 KB large object at start; 63616 bytes of the start-up
// new space stay alive and are promoted by the second scavenge; a mark-compact then keeps
// 2587568 bytes of the old generation (old space 2319 KB after it, with what it promoted).
TEST(HeapLimits, StartupHeapMatchesNode20) {
  Heap heap(TestFlags());
  EXPECT_EQ(heap.old_space().Size(), 2536608u);
  EXPECT_EQ(heap.code_space().Size(), 244736u);
  EXPECT_EQ(heap.lo_space().SizeOfObjects(), 262160u);
  EXPECT_EQ(heap.lo_space().Committed(), 270336u);
  EXPECT_EQ(heap.old_space().pages().size(), 10u);
  EXPECT_EQ(heap.new_space().Committed(), 1 * MB);
  // gdb on node 20's Heap::NotifyOldGenerationExpansion: 2806592 bytes of old-generation
  // capacity after bootstrap (old space's cut pages and the large object), then a code-space
  // page of 245712. Old space has 7824 bytes free.
  EXPECT_EQ(heap.old_space().Capacity(), 2544432u);
  EXPECT_EQ(heap.old_space().Available(), 7824u);
  EXPECT_EQ(heap.code_space().Capacity(), 245712u);
  EXPECT_EQ(heap.OldGenerationCapacity(), 2806592u + 245712u);
  // Code space's linear allocation area counts as used: its 10 KB of objects grow, its size
  // does not (node reports 239 KB of code space for seconds of a run).
  EXPECT_EQ(heap.code_space().ObjectBytes(), 10240u);
  heap.Allocate(4096, 0, ObjectKind::kCode, 0, AllocationType::kOld);
  EXPECT_EQ(heap.code_space().ObjectBytes(), 10240u + 4096u);
  EXPECT_EQ(heap.code_space().Size(), 244736u);
  EXPECT_EQ(heap.code_space().pages().size(), 1u);
  ExpectHealthy(heap);

  heap.CollectGarbage(AllocationSpace::kNew, GarbageCollectionReason::kTesting);
  EXPECT_EQ(heap.new_space().Size(), 63616u);
  heap.CollectGarbage(AllocationSpace::kNew, GarbageCollectionReason::kTesting);
  EXPECT_EQ(heap.new_space().Size(), 0u);
  EXPECT_EQ(heap.old_space().Size(), 2536608u + 63616u);

  heap.CollectGarbage(AllocationSpace::kOld, GarbageCollectionReason::kTesting);
  EXPECT_EQ(heap.old_space().Size() + heap.code_space().Size() + heap.lo_space().SizeOfObjects(),
            2315136u + 63616u + 10240u + 262160u);  // the code object above was garbage
  ExpectHealthy(heap);
}

TEST(HeapLimits, MinorGCTaskAtEightyPercent) {
  Heap heap(TestFlags(), BareOptions());
  RecordingSink sink;
  heap.set_sink(&sink);
  for (int i = 0; i < 700; ++i)
    heap.Allocate(1024, 0, ObjectKind::kObject);  // < 80%
  heap.RunPendingTasks();
  EXPECT_EQ(sink.events.size(), 0u);
  for (int i = 0; i < 200; ++i)
    heap.Allocate(1024, 0, ObjectKind::kObject);  // > 80%
  heap.RunPendingTasks();
  ASSERT_EQ(sink.events.size(), 1u);
  EXPECT_EQ(sink.events[0].reason, GarbageCollectionReason::kTask);
}

}  // namespace
}  // namespace heaplab
