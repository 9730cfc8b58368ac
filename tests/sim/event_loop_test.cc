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

// 0.8 x 1 MiB: where the minor-GC task is posted at a 1 MB semi-space.
constexpr std::size_t kTaskTriggerBytes = 838861;

// A heap of 1 MB semi-spaces whose GC events are recorded.
struct OneMegabyteSemiSpaces {
  OneMegabyteSemiSpaces() : heap(Flags(), BareOptions()) { heap.set_sink(&sink); }
  static HeapFlags Flags() {
    HeapFlags f = TestFlags();
    f.max_semi_space_size = 1;
    return f;
  }
  // Allocates 1024-byte young objects, running posted tasks after each, until a GC happens or
  // new space holds `until_bytes`; returns the first GC event, if any.
  std::optional<GCEvent> AllocateUntil(std::size_t until_bytes) {
    while (sink.events.empty() && heap.new_space().Size() + 1024 <= until_bytes) {
      heap.Allocate(1024, 0, ObjectKind::kObject);
      heap.RunPendingTasks();
    }
    if (sink.events.empty()) return std::nullopt;
    return sink.events.front();
  }
  Heap heap;
  RecordingSink sink;
};

TEST(EventLoop, TaskScavengeStartsAtEightyPercentOfTheWholeSemiSpace) {
  // Node's task scavenges at a 1 MB semi-space start with at least 0.8 x 1 MiB = 838861 bytes
  // in new space (838.9-850 KB in --trace-gc-nvp), not 0.8 x the 1006 KB objects can use.
  OneMegabyteSemiSpaces h;
  ASSERT_FALSE(h.AllocateUntil(kTaskTriggerBytes - 1)) << "a task scavenged below 80% of 1 MiB";
  const auto e = h.AllocateUntil(2 * MB);
  ASSERT_TRUE(e);
  EXPECT_EQ(e->collector, GarbageCollector::kScavenger);
  EXPECT_EQ(e->reason, GarbageCollectionReason::kTask);
  EXPECT_GE(YoungGenerationBytes(e->before), kTaskTriggerBytes);
  // The observer counts allocated bytes, not the page tails left unused when allocation moves
  // to a fresh page (under one 1024-byte object each, three pages crossed).
  EXPECT_LT(YoungGenerationBytes(e->before), kTaskTriggerBytes + 4 * 1024 + 64);
  testing::ExpectHealthy(h.heap);
}

TEST(EventLoop, BytesPublishedByAnOptimizingCompileDelayTheTaskScavenge) {
  // PipelineCompilationJob::PrepareJobImpl publishes pending allocations: the linear allocation
  // area starts anew at its top, and what it held (here the current page's objects) is never
  // counted by the minor-GC task's observer, so its step, and the task, come that much later.
  OneMegabyteSemiSpaces h;
  ASSERT_FALSE(h.AllocateUntil(600 * KB));
  const SemiSpaceNewSpace& new_space = h.heap.new_space();
  const std::size_t lost = new_space.to_space()[new_space.current_page_index()]->top_bytes;
  ASSERT_GT(lost, 64 * KB);
  h.heap.PublishPendingAllocations();
  const auto e = h.AllocateUntil(2 * MB);
  ASSERT_TRUE(e);
  EXPECT_EQ(e->reason, GarbageCollectionReason::kTask);
  EXPECT_GE(YoungGenerationBytes(e->before), kTaskTriggerBytes + lost);
  EXPECT_LT(YoungGenerationBytes(e->before), kTaskTriggerBytes + lost + 4 * 1024 + 64);
  testing::ExpectHealthy(h.heap);
}

TEST(EventLoop, ACompileThatHidesMostOfAPageLeavesTheScavengeToAllocationFailure) {
  // Published when the current page is nearly full, the observer's step would need more than
  // new space holds: no task is posted, and new space fills up (node's "allocation failure"
  // scavenges at a 1 MB semi-space come in the cycles with TurboFan jobs).
  OneMegabyteSemiSpaces h;
  ASSERT_FALSE(h.AllocateUntil(3 * kPageAreaSize - 2 * KB));
  h.heap.PublishPendingAllocations();
  const auto e = h.AllocateUntil(2 * MB);
  ASSERT_TRUE(e);
  EXPECT_EQ(e->reason, GarbageCollectionReason::kAllocationFailure);
  // The next cycle counts afresh: its scavenge is a task's again.
  h.sink.events.clear();
  const auto next = h.AllocateUntil(2 * MB);
  ASSERT_TRUE(next);
  EXPECT_EQ(next->reason, GarbageCollectionReason::kTask);
  testing::ExpectHealthy(h.heap);
}

}  // namespace
}  // namespace heaplab
