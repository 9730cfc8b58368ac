// The event loop's garbage per callback (sim/event-loop.h) and the minor-GC task trigger that
// decides how full new space is when a task scavenge starts.
#include "sim/event-loop.h"

#include <gtest/gtest.h>

#include <optional>
#include <utility>

#include "tests/sim/test-util.h"

namespace heaplab {
namespace {

using testing::BareOptions;
using testing::RecordingSink;
using testing::TestFlags;

TEST(EventLoop, TurnKindFollowsTheTwinsWait) {
  // The twin waits with setTimeout when a callback is due 1.5 ms ahead or more.
  EXPECT_EQ(EventLoopTurnAfterIdle(0), EventLoopTurn::kImmediate);
  EXPECT_EQ(EventLoopTurnAfterIdle(1.49), EventLoopTurn::kImmediate);
  EXPECT_EQ(EventLoopTurnAfterIdle(1.5), EventLoopTurn::kTimer);
  EXPECT_EQ(EventLoopTurnAfterIdle(400), EventLoopTurn::kTimer);
}

TEST(EventLoop, TheTwinWaitsIdleInATimerAndBlockedForTheRest) {
  // busyUntil: under 1.5 ms ahead the twin blocks in Atomics.wait; from 1.5 ms a setTimeout of
  // floor(ahead - 0.5) ms, the loop idle, then the rest blocked.
  const auto wait = [](double gap) {
    const EventLoopWait w = TwinLoopWait(gap);
    return std::pair{w.idle_ms, w.blocked_ms};
  };
  EXPECT_EQ(wait(0), std::pair(0.0, 0.0));
  EXPECT_EQ(wait(-1), std::pair(0.0, 0.0));
  EXPECT_EQ(wait(0.2), std::pair(0.0, 0.2));
  EXPECT_EQ(wait(1.25), std::pair(0.0, 1.25));
  EXPECT_EQ(wait(1.5), std::pair(1.0, 0.5));
  EXPECT_EQ(wait(15.25), std::pair(14.0, 1.25));
  EXPECT_EQ(wait(100), std::pair(99.0, 1.0));
}

TEST(EventLoop, WarmupStepsDownToNothingAtTheSeven_thousandthCallback) {
  HeapFlags f;
  // Node through the twin, 1 ms apart: 1594 bytes per callback at first, 395 from the 7000th.
  EXPECT_EQ(EventLoopTurnBytes(f, 0, EventLoopTurn::kImmediate), 395u + 1199u);
  EXPECT_EQ(EventLoopTurnBytes(f, 499, EventLoopTurn::kImmediate), 395u + 1199u);
  EXPECT_EQ(EventLoopTurnBytes(f, 500, EventLoopTurn::kImmediate), 395u + 671u);
  EXPECT_EQ(EventLoopTurnBytes(f, 6999, EventLoopTurn::kImmediate), 395u + 151u);
  EXPECT_EQ(EventLoopTurnBytes(f, 7000, EventLoopTurn::kImmediate), 395u);
  // Waited-for callbacks: about 2700 at first, 860 from the 7000th.
  EXPECT_EQ(EventLoopTurnBytes(f, 0, EventLoopTurn::kTimer), 860u + 1840u);
  EXPECT_EQ(EventLoopTurnBytes(f, 1000, EventLoopTurn::kTimer), 860u + 470u);
  EXPECT_EQ(EventLoopTurnBytes(f, 1000000, EventLoopTurn::kTimer), 860u);
  // The warm-up never grows, and it ends.
  for (EventLoopTurn turn : {EventLoopTurn::kImmediate, EventLoopTurn::kTimer}) {
    std::size_t previous = EventLoopWarmupBytes(0, turn);
    for (std::uint64_t k = 1; k < 8000; ++k) {
      EXPECT_LE(EventLoopWarmupBytes(k, turn), previous) << k;
      previous = EventLoopWarmupBytes(k, turn);
    }
    EXPECT_EQ(previous, 0u);
  }
}

TEST(EventLoop, FlagsTurnTheGarbageOff) {
  HeapFlags f;
  f.callback_warmup = false;
  EXPECT_EQ(EventLoopTurnBytes(f, 0, EventLoopTurn::kImmediate), 395u);
  EXPECT_EQ(EventLoopTurnBytes(f, 0, EventLoopTurn::kTimer), 860u);
  f.callback_warmup = true;
  f.callback_bytes = 0;
  EXPECT_EQ(EventLoopTurnBytes(f, 0, EventLoopTurn::kImmediate), 0u);
  EXPECT_EQ(EventLoopTurnBytes(f, 0, EventLoopTurn::kTimer), 860u + 1840u);
  f.timer_callback_bytes = 0;
  EXPECT_EQ(EventLoopTurnBytes(f, 0, EventLoopTurn::kTimer), 0u);
}

TEST(EventLoop, TaskScavengeStartsAtEightyPercentOfTheWholeSemiSpace) {
  // Node's task scavenges at a 1 MB semi-space start with at least 0.8 x 1 MiB = 838861 bytes
  // in new space (838.9-850 KB in --trace-gc-nvp), not 0.8 x the 1006 KB objects can use.
  HeapFlags f = TestFlags();
  f.max_semi_space_size = 1;
  Heap heap(f, BareOptions());
  RecordingSink sink;
  heap.set_sink(&sink);
  const std::size_t trigger = 838861;
  while (sink.events.empty() && heap.new_space().Size() + 1024 < trigger) {
    heap.Allocate(1024, 0, ObjectKind::kObject);
    heap.RunPendingTasks();
  }
  ASSERT_TRUE(sink.events.empty()) << "a task scavenged below 80% of 1 MiB";
  while (sink.events.empty()) {
    heap.Allocate(1024, 0, ObjectKind::kObject);
    heap.RunPendingTasks();
  }
  const GCEvent& e = sink.events.front();
  EXPECT_EQ(e.collector, GarbageCollector::kScavenger);
  EXPECT_EQ(e.reason, GarbageCollectionReason::kTask);
  EXPECT_GE(YoungGenerationBytes(e.before), trigger);
  // The observer counts allocated bytes, not the page tails left unused when allocation moves
  // to a fresh page (under one 1024-byte object each, three pages crossed).
  EXPECT_LT(YoungGenerationBytes(e.before), trigger + 4 * 1024 + 64);
  testing::ExpectHealthy(heap);
}

// Allocates 1024-byte young objects, running posted tasks after each, until a GC happens or new
// space holds `until_bytes`; returns the first GC event, if any.
std::optional<GCEvent> AllocateUntil(Heap& heap, RecordingSink& sink, std::size_t until_bytes) {
  while (sink.events.empty() && heap.new_space().Size() + 1024 <= until_bytes) {
    heap.Allocate(1024, 0, ObjectKind::kObject);
    heap.RunPendingTasks();
  }
  if (sink.events.empty()) return std::nullopt;
  return sink.events.front();
}

TEST(EventLoop, BytesPublishedByAnOptimizingCompileDelayTheTaskScavenge) {
  // PipelineCompilationJob::PrepareJobImpl publishes pending allocations: the linear allocation
  // area starts anew at its top, and what it held (here the current page's objects) is never
  // counted by the minor-GC task's observer, so its step, and the task, come that much later.
  HeapFlags f = TestFlags();
  f.max_semi_space_size = 1;
  Heap heap(f, BareOptions());
  RecordingSink sink;
  heap.set_sink(&sink);
  ASSERT_FALSE(AllocateUntil(heap, sink, 600 * KB));
  const Page* page = heap.new_space().to_space()[heap.new_space().current_page_index()];
  const std::size_t lost = page->top_bytes;
  ASSERT_GT(lost, 64 * KB);
  heap.PublishPendingAllocations();
  const std::size_t trigger = 838861;
  const auto e = AllocateUntil(heap, sink, 1100 * KB);
  ASSERT_TRUE(e);
  EXPECT_EQ(e->reason, GarbageCollectionReason::kTask);
  EXPECT_GE(YoungGenerationBytes(e->before), trigger + lost);
  EXPECT_LT(YoungGenerationBytes(e->before), trigger + lost + 4 * 1024 + 64);
  testing::ExpectHealthy(heap);
}

TEST(EventLoop, ACompileThatHidesMostOfAPageLeavesTheScavengeToAllocationFailure) {
  // Published when the current page is nearly full, the observer's step would need more than
  // new space holds: no task is posted, and new space fills up (node's "allocation failure"
  // scavenges at a 1 MB semi-space come in the cycles with TurboFan jobs).
  HeapFlags f = TestFlags();
  f.max_semi_space_size = 1;
  Heap heap(f, BareOptions());
  RecordingSink sink;
  heap.set_sink(&sink);
  const std::size_t pages_before_last = 3 * kPageAreaSize;
  ASSERT_FALSE(AllocateUntil(heap, sink, pages_before_last - 2 * KB));
  heap.PublishPendingAllocations();
  const auto e = AllocateUntil(heap, sink, 2 * MB);
  ASSERT_TRUE(e);
  EXPECT_EQ(e->reason, GarbageCollectionReason::kAllocationFailure);
  // The next cycle counts afresh: its scavenge is a task's again.
  sink.events.clear();
  const auto next = AllocateUntil(heap, sink, 2 * MB);
  ASSERT_TRUE(next);
  EXPECT_EQ(next->reason, GarbageCollectionReason::kTask);
  testing::ExpectHealthy(heap);
}

}  // namespace
}  // namespace heaplab
