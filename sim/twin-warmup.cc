#include "sim/twin-warmup.h"

#include <algorithm>
#include <span>

namespace heaplab {

namespace {

// Measured with node 20 through the twin, paced as compare runs it (--pace, a request every
// 1 ms, --min-semi-space-size=16, a forced scavenge every 50 requests, `node --trace-gc-nvp`'s
// allocated= per request against an empty handler's): 8 draws per request from a {min, max}
// size left 138 more bytes per draw for the first 800 draws, 90 until the 2400th, 64 until the
// 3200th and 25 until the 3600th, then none (a {values} size the same); {mean, sd} 275 to 219
// until the 1600th, then 90-124 until the 4000th. sim.random() left 64 bytes per call for the
// first 1200 calls, then 16 (the number it returns, boxed) until the 19 000th; randomInt 82
// until the 1200th and 35 until the 1600th. allocMany with a constant size left 147-149 bytes
// per call more for its first ~250-300 calls, heap.alloc 33 for its first ~2400 (unpaced).
constexpr TierStep kDrawSteps[] = {{800, 138}, {2400, 90}, {3200, 64}, {3600, 25}};
constexpr TierStep kNormalDrawSteps[] = {{1600, 230}, {4000, 105}};
constexpr TierStep kRandomSteps[] = {{1200, 64}, {19000, 16}};
constexpr TierStep kRandomIntSteps[] = {{1200, 82}, {1600, 35}};
constexpr TierStep kAllocManySteps[] = {{300, 147}};
constexpr TierStep kAllocSteps[] = {{2400, 33}};

std::span<const TierStep> StepsOf(TwinCall call) {
  switch (call) {
    case TwinCall::kDraw:
      return kDrawSteps;
    case TwinCall::kNormalDraw:
      return kNormalDrawSteps;
    case TwinCall::kRandom:
      return kRandomSteps;
    case TwinCall::kRandomInt:
      return kRandomIntSteps;
    case TwinCall::kAllocMany:
      return kAllocManySteps;
    case TwinCall::kAlloc:
      return kAllocSteps;
  }
  return {};
}

}  // namespace

std::size_t TwinWarmupBytes(TwinCall call, std::uint64_t index) {
  return TwinWarmupBytes(call, index, 1);
}

std::size_t TierStepBytes(std::span<const TierStep> steps,
                          std::uint64_t first_index,
                          std::uint64_t count) {
  std::size_t bytes = 0;
  std::uint64_t from = first_index;
  const std::uint64_t end = first_index + count;
  for (const TierStep& step : steps) {
    if (from >= end) break;
    if (from >= step.until) continue;
    const std::uint64_t to = std::min(end, step.until);
    bytes += static_cast<std::size_t>(to - from) * step.bytes;
    from = to;
  }
  return bytes;
}

std::size_t TwinWarmupBytes(TwinCall call, std::uint64_t first_index, std::uint64_t count) {
  return TierStepBytes(StepsOf(call), first_index, count);
}

std::size_t TierStepsReached(std::span<const TierStep> steps,
                             std::uint64_t first_index,
                             std::uint64_t count) {
  return static_cast<std::size_t>(std::count_if(steps.begin(), steps.end(), [&](const TierStep& s) {
    return s.until >= first_index && s.until < first_index + count;
  }));
}

std::size_t TwinTierUps(TwinCall call, std::uint64_t first_index, std::uint64_t count) {
  // The earlier steps are the interpreter's and baseline code's (node --trace-opt shows the
  // twin's draw functions optimized after 5000-7600 draws in listener-leak, none at 800).
  const std::span<const TierStep> steps = StepsOf(call);
  return steps.empty() ? 0 : TierStepsReached(steps.last(1), first_index, count);
}

}  // namespace heaplab
