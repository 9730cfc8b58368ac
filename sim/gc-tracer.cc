#include "sim/gc-tracer.h"

#include <algorithm>

namespace heaplab {

void GCTracer::RecordMutatorUtilization(double mc_end_ms, double mc_duration_ms) {
  const double total = mc_end_ms - previous_mc_end_ms_;
  // Back-to-back mark-compacts leave no mutator time; rounding must not make it negative (a
  // "current mu = -0.000" on the trace line).
  const double mutator = std::max(0.0, total - mc_duration_ms);
  if (average_mc_duration_ == 0 && average_mutator_duration_ == 0) {
    average_mc_duration_ = mc_duration_ms;
    average_mutator_duration_ = mutator;
  } else {
    average_mc_duration_ = (average_mc_duration_ + mc_duration_ms) / 2;
    average_mutator_duration_ = (average_mutator_duration_ + mutator) / 2;
  }
  current_mu_ = total > 0 ? mutator / total : 0;
  previous_mc_end_ms_ = mc_end_ms;
}

double GCTracer::AverageMarkCompactMutatorUtilization() const {
  if (average_mc_duration_ == 0 && average_mutator_duration_ == 0) return 1.0;
  return average_mutator_duration_ / (average_mutator_duration_ + average_mc_duration_);
}

void GCTracer::AddIncrementalMarkingStep(double bytes, double ms) {
  if (bytes <= 0) return;
  incremental_bytes_ += bytes;
  incremental_ms_ += ms;
}

void GCTracer::RecordIncrementalMarkingSpeed() {
  if (incremental_bytes_ > 0 && incremental_ms_ > 0) {
    const double speed = incremental_bytes_ / incremental_ms_;
    recorded_incremental_speed_ =
        recorded_incremental_speed_ == 0 ? speed : (recorded_incremental_speed_ + speed) / 2;
  }
  incremental_bytes_ = 0;  // GCTracer::ResetIncrementalMarkingCounters
  incremental_ms_ = 0;
}

double GCTracer::IncrementalMarkingSpeedInBytesPerMillisecond() const {
  if (recorded_incremental_speed_ != 0) return recorded_incremental_speed_;
  if (incremental_ms_ != 0) return incremental_bytes_ / incremental_ms_;
  return kConservativeSpeedInBytesPerMillisecond;
}

double GCTracer::CombinedMarkCompactSpeedInBytesPerMillisecond() const {
  constexpr double kMinimumSpeed = 0.5;
  double speed = AverageSpeed(mark_compacts_);
  if (speed > 0) return speed;
  const double speed1 = IncrementalMarkingSpeedInBytesPerMillisecond();
  const double speed2 = AverageSpeed(final_incremental_);
  if (speed1 < kMinimumSpeed || speed2 < kMinimumSpeed) return AverageSpeed(mark_compacts_);
  return speed1 * speed2 / (speed1 + speed2);
}

void GCTracer::SampleAllocation(double time_ms,
                                std::size_t new_space_counter_bytes,
                                std::size_t old_generation_counter_bytes) {
  if (!allocation_sampled_) {
    allocation_sampled_ = true;
    allocation_time_ms_ = time_ms;
    new_space_counter_ = new_space_counter_bytes;
    old_generation_counter_ = old_generation_counter_bytes;
    return;
  }
  const double duration = time_ms - allocation_time_ms_;
  const double new_bytes = static_cast<double>(new_space_counter_bytes - new_space_counter_);
  const double old_bytes =
      static_cast<double>(old_generation_counter_bytes - old_generation_counter_);
  allocation_time_ms_ = time_ms;
  new_space_counter_ = new_space_counter_bytes;
  old_generation_counter_ = old_generation_counter_bytes;
  if (duration <= 0) return;
  Push(new_space_allocations_, new_bytes, duration);
  Push(old_generation_allocations_, old_bytes, duration);
}

double GCTracer::CurrentOldGenerationAllocationThroughputInBytesPerMillisecond() const {
  return AverageSpeed(old_generation_allocations_, kThroughputTimeFrameMs);
}

double GCTracer::CurrentNewSpaceAllocationThroughputInBytesPerMillisecond() const {
  return AverageSpeed(new_space_allocations_, kThroughputTimeFrameMs);
}

void GCTracer::Push(Ring& ring, double bytes, double ms) {
  ring.emplace_back(bytes, ms);
  if (ring.size() > kRingBufferMaxSize) ring.pop_front();
}

double GCTracer::AverageSpeed(const Ring& ring, double time_frame_ms) {
  double bytes = 0, ms = 0;
  for (auto it = ring.rbegin(); it != ring.rend(); ++it) {
    if (time_frame_ms > 0 && ms >= time_frame_ms) break;
    bytes += it->first;
    ms += it->second;
  }
  if (ms == 0) return 0;
  return std::clamp(bytes / ms, 1.0, 1024.0 * 1024 * 1024);
}

double GCTracer::Throughput(const Ring& ring) {
  double bytes = 0, ms = 0;
  for (const auto& [b, d] : ring) {
    bytes += b;
    ms += d;
  }
  return ms > 0 ? bytes / ms : 0;
}

void GCTracer::AddSurvivalRatio(double percent) {
  survival_ratios_.push_back(percent);
  if (survival_ratios_.size() > kRingBufferMaxSize) survival_ratios_.pop_front();
}

double GCTracer::AverageSurvivalRatio() const {
  if (survival_ratios_.empty()) return 0;
  double sum = 0;
  for (double r : survival_ratios_)
    sum += r;
  return sum / static_cast<double>(survival_ratios_.size());
}

}  // namespace heaplab
