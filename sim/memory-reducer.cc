#include "sim/memory-reducer.h"

#include <algorithm>

namespace heaplab {

MemoryReducer::State MemoryReducer::Step(const State& state, const Event& event) {
  State next = state;
  switch (state.id) {
    case Id::kDone:
      if (event.type == EventType::kTimer) return state;
      if (event.type == EventType::kPossibleGarbage)
        return State{Id::kWait, 0, event.time_ms + event.start_delay_ms, state.last_gc_time_ms, 0};
      // A mark-compact arms the reducer once committed memory grew enough since its last run.
      if (static_cast<double>(event.committed_memory) <
          std::max(static_cast<double>(state.committed_memory_at_last_run) * kCommittedMemoryFactor,
                   static_cast<double>(state.committed_memory_at_last_run + kCommittedMemoryDelta)))
        return state;
      next = State{Id::kWait, 0, event.time_ms + kLongDelayMs, event.time_ms, 0};
      return next;
    case Id::kWait:
      if (event.type == EventType::kPossibleGarbage) return state;
      if (event.type == EventType::kMarkCompact) {
        next.next_gc_start_ms = event.time_ms + kLongDelayMs;
        next.last_gc_time_ms = event.time_ms;
        return next;
      }
      if (state.started_gcs >= kMaxNumberOfGCs)
        return State{Id::kDone, 0, 0, state.last_gc_time_ms, event.committed_memory};
      if (event.can_start_incremental_gc &&
          (event.should_start_incremental_gc ||
           (state.last_gc_time_ms != 0 &&
            event.time_ms > state.last_gc_time_ms + kWatchdogDelayMs))) {
        if (state.next_gc_start_ms <= event.time_ms)
          return State{Id::kRun, state.started_gcs + 1, 0, 0, 0};
        return state;
      }
      next.next_gc_start_ms = event.time_ms + kLongDelayMs;
      return next;
    case Id::kRun:
      if (event.type != EventType::kMarkCompact) return state;
      if (state.started_gcs < kMaxNumberOfGCs &&
          (event.next_gc_likely_to_collect_more || state.started_gcs == 1))
        return State{Id::kWait, state.started_gcs, event.time_ms + kShortDelayMs, event.time_ms, 0};
      return State{Id::kDone, 0, 0, event.time_ms, event.committed_memory};
  }
  return state;
}

void MemoryReducer::NotifyMarkCompact(double now_ms,
                                      std::size_t committed_before,
                                      std::size_t committed_after,
                                      bool high_fragmentation) {
  const Id old_id = state_.id;
  Event e;
  e.type = EventType::kMarkCompact;
  e.time_ms = now_ms;
  e.committed_memory = committed_after;
  e.next_gc_likely_to_collect_more =
      committed_before > committed_after + (1u << 20) || high_fragmentation;
  state_ = Step(state_, e);
  if (old_id != Id::kWait && state_.id == Id::kWait)
    ScheduleTimer(now_ms, state_.next_gc_start_ms - now_ms);
}

void MemoryReducer::NotifyPossibleGarbage(double now_ms, double start_delay_ms) {
  const Id old_id = state_.id;
  Event e;
  e.type = EventType::kPossibleGarbage;
  e.time_ms = now_ms;
  e.start_delay_ms = start_delay_ms;
  state_ = Step(state_, e);
  if (old_id != Id::kWait && state_.id == Id::kWait)
    ScheduleTimer(now_ms, state_.next_gc_start_ms - now_ms);
}

bool MemoryReducer::NotifyTimer(const Event& event) {
  timer_due_ms_ = -1;
  if (state_.id != Id::kWait) return false;
  state_ = Step(state_, event);
  if (state_.id == Id::kRun) return true;
  if (state_.id == Id::kWait) ScheduleTimer(event.time_ms, state_.next_gc_start_ms - event.time_ms);
  return false;
}

void MemoryReducer::ScheduleTimer(double now_ms, double delay_ms) {
  timer_due_ms_ = now_ms + std::max(0.0, delay_ms) + kTimerSlackMs;
}

}  // namespace heaplab
