// The memory reducer (src/heap/memory-reducer.h): after a mark-compact, or once the old
// generation has grown by 1 MB before the first one (--memory-reducer-for-small-heaps), it
// waits 8 s, and if the program then allocates little, starts up to three memory-reducing
// incremental mark-compacts (which shrink new space and grow the old generation's limit by the
// minimal factor). In node it is what runs "(reduce)" mark-compacts in a service that goes
// quiet.
#pragma once

#include <cstddef>

namespace heaplab {

class MemoryReducer {
 public:
  // MemoryReducer::kLongDelayMs, kShortDelayMs, kWatchdogDelayMs, kMaxNumberOfGCs.
  static constexpr double kLongDelayMs = 8000;
  static constexpr double kShortDelayMs = 500;
  static constexpr double kWatchdogDelayMs = 100000;
  static constexpr int kMaxNumberOfGCs = 3;
  // kCommittedMemoryFactor and kCommittedMemoryDelta: a mark-compact arms the reducer only if
  // committed old-generation memory grew by 10% and 10 MB since the reducer last ran.
  static constexpr double kCommittedMemoryFactor = 1.1;
  static constexpr std::size_t kCommittedMemoryDelta = 10u << 20;
  // MemoryReducer::ScheduleTimer adds this slack to every delay.
  static constexpr double kTimerSlackMs = 100;

  enum class Id { kDone, kWait, kRun };
  // MemoryReducer::State.
  struct State {
    Id id = Id::kDone;
    int started_gcs = 0;
    double next_gc_start_ms = 0;
    double last_gc_time_ms = 0;
    std::size_t committed_memory_at_last_run = 0;
  };
  enum class EventType { kTimer, kMarkCompact, kPossibleGarbage };
  // MemoryReducer::Event.
  struct Event {
    EventType type = EventType::kTimer;
    double time_ms = 0;
    std::size_t committed_memory = 0;
    bool next_gc_likely_to_collect_more = false;
    bool should_start_incremental_gc = false;  // low allocation rate (or optimizing for memory)
    bool can_start_incremental_gc = false;     // marking is stopped and may start
    double start_delay_ms = kLongDelayMs;      // kPossibleGarbage: the wait before the first run
  };

  // MemoryReducer::Step: the state machine's transition, a pure function.
  static State Step(const State& state, const Event& event);

  // After a mark-compact ended at `now_ms` (committed old-generation memory before and after
  // it). Arming the reducer posts its timer (timer_due_ms()).
  void NotifyMarkCompact(double now_ms,
                         std::size_t committed_before,
                         std::size_t committed_after,
                         bool high_fragmentation);
  // MemoryReducer::NotifyPossibleGarbage at `now_ms`: from kDone, waits `start_delay_ms`
  // (--gc-memory-reducer-start-delay-ms) and posts its timer.
  void NotifyPossibleGarbage(double now_ms, double start_delay_ms);
  // The timer fired. Returns true if a memory-reducing incremental marking must start now;
  // otherwise the timer may have been rescheduled (timer_due_ms()).
  bool NotifyTimer(const Event& event);

  const State& state() const { return state_; }
  // When the posted timer task runs, or < 0 when none is posted.
  double timer_due_ms() const { return timer_due_ms_; }

 private:
  void ScheduleTimer(double now_ms, double delay_ms);

  State state_;
  double timer_due_ms_ = -1;
};

}  // namespace heaplab
