// Seeded random distributions for workload scripts (sizes, lifetimes, arrival times).
#pragma once

#include <cstdint>
#include <optional>
#include <random>
#include <string>
#include <vector>

namespace heaplab {

// A distribution as a script describes it: a constant, {min,max} (uniform),
// {mean} (exponential), {mean, sd} (normal, clamped at 0) or {values, weights} (discrete).
struct Distribution {
  enum class Kind { kConstant, kUniform, kExponential, kNormal, kDiscrete } kind = Kind::kConstant;
  double a = 0;  // constant value, min, or mean
  double b = 0;  // max or standard deviation
  std::vector<double> values;
  std::vector<double> weights;

  // Draws one value with `rng`. Never negative.
  double Sample(std::mt19937_64& rng) const;
  // The mean of the distribution (for summaries and checks).
  double Mean() const;
};

// The deterministic generator every workload uses (std::mt19937_64, fixed seeding).
std::mt19937_64 MakeRng(std::uint64_t seed);
// A uniform double in [0, 1) from `rng`, identical on every platform.
double UniformUnit(std::mt19937_64& rng);

}  // namespace heaplab
