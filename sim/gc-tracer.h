// GCTracer: speeds, allocation throughput and mutator utilization, computed as V8's
// src/heap/gc-tracer.{h,cc} computes them, on simulated time.
#pragma once

#include <cstddef>
#include <deque>
#include <utility>

namespace heaplab {

class GCTracer {
 public:
  // gc-tracer.h kConservativeSpeedInBytesPerMillisecond.
  static constexpr double kConservativeSpeedInBytesPerMillisecond = 128 * 1024;
  // kThroughputTimeFrameMs.
  static constexpr double kThroughputTimeFrameMs = 5000;
  // Ring buffers hold the last 10 samples (base::RingBuffer kSize).
  static constexpr std::size_t kRingBufferMaxSize = 10;

  // GCTracer::RecordMutatorUtilization after a mark-compact that ended at `mc_end_ms` and took
  // `mc_duration_ms` of main-thread time (pause plus incremental steps).
  void RecordMutatorUtilization(double mc_end_ms, double mc_duration_ms);
  // avg_mutator / (avg_mutator + avg_mc); 1.0 before the first mark-compact.
  double AverageMarkCompactMutatorUtilization() const;
  // The last mark-compact cycle's utilization; 1.0 before the first.
  double CurrentMarkCompactMutatorUtilization() const { return current_mu_; }

  // Speed samples (bytes, ms).
  void AddMarkCompact(double bytes, double ms) { Push(mark_compacts_, bytes, ms); }
  // A main-thread marking step of the current cycle.
  void AddIncrementalMarkingStep(double bytes, double ms);
  // GCTracer::RecordIncrementalMarkingSpeed at an incremental mark-compact's end: the cycle's
  // steps give one speed sample, averaged with the last; the cycle's counters restart.
  void RecordIncrementalMarkingSpeed();
  void AddFinalIncrementalMarkCompact(double bytes, double ms) {
    Push(final_incremental_, bytes, ms);
  }
  void AddScavenge(double bytes, double ms) { Push(scavenges_, bytes, ms); }
  // GCTracer::CombinedMarkCompactSpeedInBytesPerMillisecond.
  double CombinedMarkCompactSpeedInBytesPerMillisecond() const;
  double IncrementalMarkingSpeedInBytesPerMillisecond() const;
  double ScavengeSpeedInBytesPerMillisecond() const { return AverageSpeed(scavenges_); }

  // GCTracer::SampleAllocation: cumulative allocation counters at time `time_ms`.
  void SampleAllocation(double time_ms,
                        std::size_t new_space_counter_bytes,
                        std::size_t old_generation_counter_bytes);
  // Old-generation allocation bytes/ms over the last 5 s of samples; 0 without samples.
  double CurrentOldGenerationAllocationThroughputInBytesPerMillisecond() const;
  // New-space allocation bytes/ms over the last 5 s of samples; 0 without samples.
  double CurrentNewSpaceAllocationThroughputInBytesPerMillisecond() const;

  // GCTracer::NewSpaceAllocationThroughputInBytesPerMillisecond(0): over every kept sample;
  // 0 without samples or when nothing was allocated.
  double NewSpaceAllocationThroughputInBytesPerMillisecond() const {
    return Throughput(new_space_allocations_);
  }
  // GCTracer::OldGenerationAllocationThroughputInBytesPerMillisecond(0), likewise.
  double OldGenerationAllocationThroughputInBytesPerMillisecond() const {
    return Throughput(old_generation_allocations_);
  }

  // GCTracer::AddSurvivalRatio: a GC's young survival (promoted + copied) in percent of the
  // young generation at its start; the last 10 are kept.
  void AddSurvivalRatio(double percent);
  // GCTracer::AverageSurvivalRatio over the kept samples, in percent; 0 without samples.
  double AverageSurvivalRatio() const;
  // GCTracer::SurvivalEventsRecorded.
  bool SurvivalEventsRecorded() const { return !survival_ratios_.empty(); }

 private:
  using Ring = std::deque<std::pair<double, double>>;  // (bytes, ms)
  static void Push(Ring& ring, double bytes, double ms);
  // Σbytes/Σms clamped to [1, 1 GB/ms]; 0 without samples (GCTracer::AverageSpeed).
  static double AverageSpeed(const Ring& ring, double time_frame_ms = 0);
  // Σbytes/Σms without clamping; 0 without samples.
  static double Throughput(const Ring& ring);

  double average_mc_duration_ = 0;
  double average_mutator_duration_ = 0;
  double previous_mc_end_ms_ = 0;
  double current_mu_ = 1.0;
  double recorded_incremental_speed_ = 0;
  double incremental_bytes_ = 0;
  double incremental_ms_ = 0;
  Ring mark_compacts_, final_incremental_, scavenges_;
  Ring new_space_allocations_, old_generation_allocations_;  // (bytes, ms)
  std::deque<double> survival_ratios_;                       // percent
  bool allocation_sampled_ = false;
  double allocation_time_ms_ = 0;
  std::size_t new_space_counter_ = 0;
  std::size_t old_generation_counter_ = 0;
};

}  // namespace heaplab
