#include "sim/heap-controller.h"

#include <algorithm>
#include <cmath>

namespace heaplab {

double MaxGrowingFactor(std::size_t max_old_generation_bytes) {
  constexpr double kMinSmallFactor = 1.3;
  constexpr double kMaxSmallFactor = 2.0;
  constexpr double kHighFactor = 4.0;
  const std::size_t max_size = std::max(max_old_generation_bytes, V8HeapTrait::kMinSize);
  if (max_size >= V8HeapTrait::kMaxSize) return kHighFactor;
  return kMinSmallFactor + (kMaxSmallFactor - kMinSmallFactor) *
                               static_cast<double>(max_size - V8HeapTrait::kMinSize) /
                               static_cast<double>(V8HeapTrait::kMaxSize - V8HeapTrait::kMinSize);
}

double DynamicGrowingFactor(double gc_speed, double mutator_speed, double max_factor) {
  if (gc_speed == 0 || mutator_speed == 0) return max_factor;
  const double speed_ratio = gc_speed / mutator_speed;
  const double mu = V8HeapTrait::kTargetMutatorUtilization;
  const double a = speed_ratio * (1 - mu);
  const double b = speed_ratio * (1 - mu) - mu;
  // The factor is a / b, but small (or negative) b means "grow as much as allowed".
  double factor = (a < b * max_factor) ? a / b : max_factor;
  factor = std::min(factor, max_factor);
  factor = std::max(factor, V8HeapTrait::kMinGrowingFactor);
  return factor;
}

double GrowingFactor(std::size_t max_old_generation_bytes, double gc_speed, double mutator_speed) {
  return DynamicGrowingFactor(gc_speed, mutator_speed, MaxGrowingFactor(max_old_generation_bytes));
}

std::size_t MinimumAllocationLimitGrowingStep(HeapGrowingMode mode) {
  constexpr std::size_t kRegularAllocationLimitGrowingStep = 8;
  constexpr std::size_t kLowMemoryAllocationLimitGrowingStep = 2;
  const std::size_t unit = std::max(kPageSize, MB);
  return unit * (mode == HeapGrowingMode::kConservative ? kLowMemoryAllocationLimitGrowingStep
                                                        : kRegularAllocationLimitGrowingStep);
}

std::size_t CalculateAllocationLimit(std::size_t old_gen_size_bytes,
                                     std::size_t min_size_bytes,
                                     std::size_t max_size_bytes,
                                     std::size_t new_space_capacity_bytes,
                                     double factor,
                                     HeapGrowingMode mode) {
  switch (mode) {
    case HeapGrowingMode::kConservative:
    case HeapGrowingMode::kSlow:
      factor = std::min(factor, V8HeapTrait::kConservativeGrowingFactor);
      break;
    case HeapGrowingMode::kMinimal:
      factor = V8HeapTrait::kMinGrowingFactor;
      break;
    case HeapGrowingMode::kDefault:
      break;
  }
  const double size = static_cast<double>(old_gen_size_bytes);
  const double factor_limit = size * factor;
  const double step_limit = size + static_cast<double>(MinimumAllocationLimitGrowingStep(mode));
  const double limit =
      std::max(factor_limit, step_limit) + static_cast<double>(new_space_capacity_bytes);
  const double halfway = (size + static_cast<double>(max_size_bytes)) / 2.0;
  const double result = std::max(std::min(limit, halfway), static_cast<double>(min_size_bytes));
  return static_cast<std::size_t>(result);
}

}  // namespace heaplab
