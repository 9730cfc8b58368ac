#include "sim/gc-tracer.h"

#include <cmath>

#include <gtest/gtest.h>

#include "sim/heap.h"
#include "tests/sim/test-util.h"

namespace heaplab {
namespace {

TEST(GCTracer, BackToBackMarkCompactsGiveZeroNotNegativeUtilization) {
  GCTracer tracer;
  tracer.RecordMutatorUtilization(100.0, 10.0);
  // The next mark-compact starts the instant the previous one ended: total 0.1 + 0.2 ms of
  // pause against 0.30000000000000004 ms elapsed in floating point.
  tracer.RecordMutatorUtilization(100.0 + (0.1 + 0.2), 0.30000000000000004);
  EXPECT_EQ(tracer.CurrentMarkCompactMutatorUtilization(), 0.0);
  EXPECT_FALSE(std::signbit(tracer.CurrentMarkCompactMutatorUtilization()));
  EXPECT_GE(tracer.AverageMarkCompactMutatorUtilization(), 0.0);
}

// V8 11.3 records the incremental marking speed once per cycle (GCTracer::StopCycle's
// RecordIncrementalMarkingSpeed over the cycle's steps), averaged with the last cycle's; until
// the first cycle ends the speed is the current cycle's steps together.
TEST(GCTracer, IncrementalMarkingSpeedIsOneSamplePerCycle) {
  GCTracer tracer;
  EXPECT_EQ(tracer.IncrementalMarkingSpeedInBytesPerMillisecond(),
            GCTracer::kConservativeSpeedInBytesPerMillisecond);
  tracer.AddIncrementalMarkingStep(1000, 1);                                      // 1000 bytes/ms
  tracer.AddIncrementalMarkingStep(3000, 1);                                      // 3000 bytes/ms
  EXPECT_DOUBLE_EQ(tracer.IncrementalMarkingSpeedInBytesPerMillisecond(), 2000);  // 4000 / 2
  tracer.RecordIncrementalMarkingSpeed();
  EXPECT_DOUBLE_EQ(tracer.IncrementalMarkingSpeedInBytesPerMillisecond(), 2000);
  tracer.AddIncrementalMarkingStep(8000, 2);  // the next cycle: 4000 bytes/ms
  EXPECT_DOUBLE_EQ(tracer.IncrementalMarkingSpeedInBytesPerMillisecond(), 2000);
  tracer.RecordIncrementalMarkingSpeed();
  EXPECT_DOUBLE_EQ(tracer.IncrementalMarkingSpeedInBytesPerMillisecond(), 3000);  // (2000+4000)/2
  tracer.RecordIncrementalMarkingSpeed();  // a cycle without steps leaves the speed alone
  EXPECT_DOUBLE_EQ(tracer.IncrementalMarkingSpeedInBytesPerMillisecond(), 3000);
}

// A minor GC's speed is over the bytes that survived it, as node's --trace-mutator-utilization
// "gc_speed" shows (2 700 bytes/ms for lru-cache's 1 MB scavenges that copy a few KB): a
// scavenge of garbage only has no speed at all, so young allocation never looks slow after it.
TEST(GCTracer, ScavengeSpeedCountsOnlySurvivors) {
  Heap heap(testing::TestFlags(), testing::BareOptions());
  for (std::size_t done = 0; done < 400 * 1024; done += 64)
    heap.Allocate(64, 0, ObjectKind::kObject, 0);  // all garbage
  const std::uint32_t keep = heap.CreateGlobal(heap.Allocate(64 * 1024, 0, ObjectKind::kArray, 0));
  heap.CollectGarbage(AllocationSpace::kNew, GarbageCollectionReason::kTesting);
  ASSERT_EQ(heap.scavenge_count(), 1u);
  // 64 KB survived in a pause of at least the fixed cost; the 400 KB of garbage do not count.
  const double speed = heap.tracer().ScavengeSpeedInBytesPerMillisecond();
  EXPECT_GT(speed, 0.0);
  EXPECT_LE(speed, 64 * 1024 / heap.flags().scavenge_fixed_ms);
  heap.DisposeGlobal(keep);
}

}  // namespace
}  // namespace heaplab
