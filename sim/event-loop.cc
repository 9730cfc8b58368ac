#include "sim/event-loop.h"

#include <array>

namespace heaplab {

namespace {

// One step of the warm-up: callbacks before `until` leave `extra_bytes` more.
struct WarmupStep {
  std::uint64_t until;
  std::size_t extra_bytes;
};

// Measured with node 20 through the twin, paced, by a forced scavenge every 50 callbacks of an
// empty handler (`node --trace-gc-nvp`, the `allocated=` of each): the bytes per callback step
// down as the twin's loop and node's timer code tier up, at the same callback counts at 1 and
// at 3 ms intervals, for timers and requests alike. Immediate turns: 2090, 1210, 1050, 659, 611,
// 547, then 395 bytes; timer turns: 3146, 2090, 1260, 1011, then 859.
constexpr std::array kImmediateWarmup = {
    WarmupStep{300, 1695}, WarmupStep{800, 815},  WarmupStep{1100, 655},
    WarmupStep{1800, 264}, WarmupStep{2400, 216}, WarmupStep{7000, 152},
};
constexpr std::array kTimerWarmup = {
    WarmupStep{300, 2286},
    WarmupStep{850, 1231},
    WarmupStep{1250, 400},
    WarmupStep{7000, 152},
};

template <std::size_t N>
std::size_t Lookup(const std::array<WarmupStep, N>& steps, std::uint64_t callback_index) {
  for (const WarmupStep& step : steps)
    if (callback_index < step.until) return step.extra_bytes;
  return 0;
}

}  // namespace

std::size_t EventLoopWarmupBytes(std::uint64_t callback_index, EventLoopTurn turn) {
  return turn == EventLoopTurn::kTimer ? Lookup(kTimerWarmup, callback_index)
                                       : Lookup(kImmediateWarmup, callback_index);
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
