// The young garbage of node's event loop for each callback a workload runs, as node runs a
// HeapLab workload through the twin (tools/node-twin/twin.js). Each callback has its own turn
// of the loop: a setImmediate when it is due at once, a setTimeout when the loop waits for it.
// Both leave node's own records behind (the Immediate or Timeout, the async context, the
// twin's loop), and more while that JavaScript still runs unoptimized.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>

#include "sim/flags.h"
#include "sim/twin-warmup.h"

namespace heaplab {

// How the loop reached a callback: at once (setImmediate) or after waiting (setTimeout).
enum class EventLoopTurn { kImmediate, kTimer };

// The twin waits with a timer when the next callback is due this many ms ahead or more.
inline constexpr double kTimerTurnIdleMs = 1.5;

// The turn kind for a callback due after idle_ms of idle time.
constexpr EventLoopTurn EventLoopTurnAfterIdle(double idle_ms) {
  return idle_ms >= kTimerTurnIdleMs ? EventLoopTurn::kTimer : EventLoopTurn::kImmediate;
}

// How the twin's paced loop spends the gap before a callback due `gap_ms` ahead: after the turn
// of the previous callback (where posted GC tasks run once), 1.5 ms ahead or more it waits in a
// setTimeout of floor(gap - 0.5) ms, the event loop idle; the rest of the gap, under a
// millisecond of it or all of a shorter gap, it is blocked in Atomics.wait, where no GC task
// runs (tools/node-twin/twin.js busyUntil).
struct EventLoopWait {
  double idle_ms;
  double blocked_ms;
};
EventLoopWait TwinLoopWait(double gap_ms);

// Extra young bytes of a turn while the loop's code tiers up, for the callback_index-th
// callback of the run (0-based); 0 from the 7000th on.
std::size_t EventLoopWarmupBytes(std::uint64_t callback_index, EventLoopTurn turn);

// The tier-ups of the loop's code for one kind of turn, in callback order: a turn of that kind
// at a step's `until` or later runs code optimized there (EventLoopWarmupBytes' steps).
std::span<const TierStep> EventLoopWarmupSteps(EventLoopTurn turn);

// Young bytes node allocates for the turn that runs the callback_index-th callback (0-based):
// --callback-bytes or --timer-callback-bytes, plus the warm-up under --callback-warmup; 0 when
// the turn's flag is 0.
std::size_t EventLoopTurnBytes(const HeapFlags& flags,
                               std::uint64_t callback_index,
                               EventLoopTurn turn);

}  // namespace heaplab
