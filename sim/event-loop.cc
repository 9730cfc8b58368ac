#include "sim/event-loop.h"

#include <array>
#include <cmath>

#include "sim/twin-warmup.h"

namespace heaplab {

namespace {

// Measured with node 20 through the twin, paced, by a forced scavenge every 50 callbacks of an
// empty handler (`node --trace-gc-nvp`, the `allocated=` of each, --min-semi-space-size=16): the
// bytes per callback step down as the twin's loop and node's timer code tier up. Requests 1 ms
// apart (immediate turns), two runs alike to a few bytes: 1594 to the 499th callback, 1066 to
// the 1049th, 826, 762, 715, 666 to the 2349th, 602 to the 5249th, 546 to the 6999th, then 395.
// Requests 5 ms apart (timer turns): about 2700 to the 349th, 1930 to the 799th, 1330, 1150,
// 1050 to the 5249th, 1000 to the 6949th, then 843-883.
constexpr std::array kImmediateWarmup = {
    TierStep{500, 1199}, TierStep{1050, 671}, TierStep{1250, 431}, TierStep{1550, 367},
    TierStep{1750, 320}, TierStep{2350, 271}, TierStep{5250, 207}, TierStep{7000, 151},
};
constexpr std::array kTimerWarmup = {
    TierStep{350, 1840}, TierStep{800, 1070}, TierStep{1200, 470},
    TierStep{1550, 290}, TierStep{5250, 190}, TierStep{7000, 140},
};

}  // namespace

EventLoopWait TwinLoopWait(double gap_ms) {
  if (!(gap_ms > 0)) return {0, 0};
  const double idle_ms = gap_ms >= kTimerTurnIdleMs ? std::floor(gap_ms - 0.5) : 0.0;
  return {idle_ms, gap_ms - idle_ms};
}

std::span<const TierStep> EventLoopWarmupSteps(EventLoopTurn turn) {
  return turn == EventLoopTurn::kTimer ? std::span<const TierStep>(kTimerWarmup)
                                       : std::span<const TierStep>(kImmediateWarmup);
}

std::size_t EventLoopWarmupBytes(std::uint64_t callback_index, EventLoopTurn turn) {
  // The extra bytes of a turn, more for the first 7000 callbacks (TierStep tables).
  return TierStepBytes(EventLoopWarmupSteps(turn), callback_index, 1);
}

std::size_t EventLoopTurnBytes(const HeapFlags& flags,
                               std::uint64_t callback_index,
                               EventLoopTurn turn) {
  const std::int64_t base =
      turn == EventLoopTurn::kTimer ? flags.timer_callback_bytes : flags.callback_bytes;
  if (base <= 0) return 0;
  const std::size_t warmup = flags.callback_warmup ? EventLoopWarmupBytes(callback_index, turn) : 0;
  return static_cast<std::size_t>(base) + warmup;
}

}  // namespace heaplab
