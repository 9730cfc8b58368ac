// The twin's warm-up garbage (sim/twin-warmup.h): per-call bytes that step down as node tiers
// the twin's functions up, and their sums over a run of calls.
#include <gtest/gtest.h>

#include "sim/event-loop.h"
#include "sim/twin-warmup.h"

namespace heaplab {
namespace {

TEST(TwinWarmup, EachCallStepsDownToNothing) {
  // Node through the twin, paced: a {min, max} draw leaves 138 bytes for the first 800 draws of
  // the run, then 90, 64 and 25, and nothing from the 3600th.
  EXPECT_EQ(TwinWarmupBytes(TwinCall::kDraw, 0), 138u);
  EXPECT_EQ(TwinWarmupBytes(TwinCall::kDraw, 799), 138u);
  EXPECT_EQ(TwinWarmupBytes(TwinCall::kDraw, 800), 90u);
  EXPECT_EQ(TwinWarmupBytes(TwinCall::kDraw, 3599), 25u);
  EXPECT_EQ(TwinWarmupBytes(TwinCall::kDraw, 3600), 0u);
  EXPECT_EQ(TwinWarmupBytes(TwinCall::kNormalDraw, 0), 230u);
  EXPECT_EQ(TwinWarmupBytes(TwinCall::kNormalDraw, 4000), 0u);
  // sim.random() keeps 16 bytes (its boxed result) long after its first tier.
  EXPECT_EQ(TwinWarmupBytes(TwinCall::kRandom, 1199), 64u);
  EXPECT_EQ(TwinWarmupBytes(TwinCall::kRandom, 18999), 16u);
  EXPECT_EQ(TwinWarmupBytes(TwinCall::kRandom, 19000), 0u);
  EXPECT_EQ(TwinWarmupBytes(TwinCall::kRandomInt, 1599), 35u);
  EXPECT_EQ(TwinWarmupBytes(TwinCall::kAllocMany, 299), 147u);
  EXPECT_EQ(TwinWarmupBytes(TwinCall::kAllocMany, 300), 0u);
  EXPECT_EQ(TwinWarmupBytes(TwinCall::kAlloc, 2399), 33u);
  EXPECT_EQ(TwinWarmupBytes(TwinCall::kAlloc, 2400), 0u);
}

TEST(TwinWarmup, ARunOfCallsSumsItsSteps) {
  for (TwinCall call : {TwinCall::kDraw, TwinCall::kNormalDraw, TwinCall::kRandom,
                        TwinCall::kRandomInt, TwinCall::kAllocMany, TwinCall::kAlloc}) {
    // Runs that start anywhere and cross steps sum as calls one at a time do.
    for (std::uint64_t first : {0u, 1u, 299u, 799u, 800u, 1500u, 3590u, 18990u, 50000u}) {
      for (std::uint64_t count : {0u, 1u, 8u, 37u, 1000u, 5000u}) {
        std::size_t one_by_one = 0;
        for (std::uint64_t k = first; k < first + count; ++k)
          one_by_one += TwinWarmupBytes(call, k);
        EXPECT_EQ(TwinWarmupBytes(call, first, count), one_by_one)
            << static_cast<int>(call) << " " << first << " " << count;
      }
    }
  }
  // The whole warm-up of a kind: 800 x 138 + 1600 x 90 + 800 x 64 + 400 x 25.
  EXPECT_EQ(TwinWarmupBytes(TwinCall::kDraw, 0, 100000), 110400u + 144000u + 51200u + 10000u);
}

TEST(TwinWarmup, TurboFanCompilesAtTheLastStepOnly) {
  // The draw functions are optimized where their garbage ends (the 3600th draw); the earlier
  // steps are unoptimized tiers, no TurboFan job.
  EXPECT_EQ(TwinTierUps(TwinCall::kDraw, 0, 800), 0u);
  EXPECT_EQ(TwinTierUps(TwinCall::kDraw, 700, 2000), 0u);
  EXPECT_EQ(TwinTierUps(TwinCall::kDraw, 3599, 1), 0u);
  EXPECT_EQ(TwinTierUps(TwinCall::kDraw, 3600, 1), 1u);  // the first optimized call
  EXPECT_EQ(TwinTierUps(TwinCall::kDraw, 3590, 37), 1u);
  EXPECT_EQ(TwinTierUps(TwinCall::kDraw, 3601, 1000), 0u);
  EXPECT_EQ(TwinTierUps(TwinCall::kAllocMany, 300, 1), 1u);
  EXPECT_EQ(TwinTierUps(TwinCall::kRandom, 0, 100000), 1u);  // once, at the 19 000th
  // Summed over a run, once per kind, wherever the runs of calls fall.
  for (TwinCall call : {TwinCall::kDraw, TwinCall::kNormalDraw, TwinCall::kRandom,
                        TwinCall::kRandomInt, TwinCall::kAllocMany, TwinCall::kAlloc}) {
    std::size_t compiles = 0;
    for (std::uint64_t first = 0; first < 30000; first += 37)
      compiles += TwinTierUps(call, first, 37);
    EXPECT_EQ(compiles, 1u) << static_cast<int>(call);
  }
}

TEST(TwinWarmup, TheEventLoopTiersUpAtEachStep) {
  // Each step of the loop's tables is a job (node --trace-opt: processImmediate, hrMs,
  // initAsyncResource, Immediate... optimized one after another over the first 2400 turns).
  EXPECT_EQ(TierStepsReached(EventLoopWarmupSteps(EventLoopTurn::kImmediate), 0, 7001), 8u);
  EXPECT_EQ(TierStepsReached(EventLoopWarmupSteps(EventLoopTurn::kTimer), 0, 7001), 6u);
  EXPECT_EQ(TierStepsReached(EventLoopWarmupSteps(EventLoopTurn::kImmediate), 500, 1), 1u);
  EXPECT_EQ(TierStepsReached(EventLoopWarmupSteps(EventLoopTurn::kImmediate), 499, 1), 0u);
}

}  // namespace
}  // namespace heaplab
