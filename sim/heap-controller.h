// Heap growing: the old-generation allocation limit after a mark-compact
// (src/heap/heap-controller.{h,cc} MemoryController<V8HeapTrait>, heap.cc RecomputeLimits).
// Pure functions, tested against tables.
#pragma once

#include <cstddef>

#include "sim/globals.h"

namespace heaplab {

// heap-controller.h BaseControllerTrait / V8HeapTrait, Node 20 (kHeapLimitMultiplier = 2).
struct V8HeapTrait {
  static constexpr std::size_t kMinSize = 128 * MB * kHeapLimitMultiplier;
  static constexpr std::size_t kMaxSize = 1024 * MB * kHeapLimitMultiplier;
  static constexpr double kMinGrowingFactor = 1.1;
  static constexpr double kMaxGrowingFactor = 4.0;
  static constexpr double kConservativeGrowingFactor = 1.3;
  static constexpr double kTargetMutatorUtilization = 0.97;
};

// Heap::HeapGrowingMode.
enum class HeapGrowingMode { kSlow, kConservative, kMinimal, kDefault };

// MemoryController::MaxGrowingFactor: 4.0 for max heaps >= 2 GB, else linear from 1.3 at
// 256 MB to 2.0 at 2 GB.
double MaxGrowingFactor(std::size_t max_old_generation_bytes);
// MemoryController::DynamicGrowingFactor: the factor that keeps mutator utilization at 0.97
// given the GC and mutator speeds (bytes/ms); max_factor when either speed is unknown (0).
double DynamicGrowingFactor(double gc_speed, double mutator_speed, double max_factor);
// MemoryController::GrowingFactor: DynamicGrowingFactor(gc, mutator, MaxGrowingFactor(max)).
double GrowingFactor(std::size_t max_old_generation_bytes, double gc_speed, double mutator_speed);
// Heap::MinimumAllocationLimitGrowingStep: 8 MB, or 2 MB when conserving memory.
std::size_t MinimumAllocationLimitGrowingStep(HeapGrowingMode mode);
// MemoryController::CalculateAllocationLimit: max(size*factor, size + step) + new-space
// capacity, capped half way to the maximum, and at least min_size. The mode adjusts the factor
// first (kSlow/kConservative: at most 1.3; kMinimal: 1.1). node20-observed §6.4 fits this.
std::size_t CalculateAllocationLimit(std::size_t old_gen_size_bytes,
                                     std::size_t min_size_bytes,
                                     std::size_t max_size_bytes,
                                     std::size_t new_space_capacity_bytes,
                                     double factor,
                                     HeapGrowingMode mode);

}  // namespace heaplab
