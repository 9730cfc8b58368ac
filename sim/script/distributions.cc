#include "sim/script/distributions.h"

#include <algorithm>
#include <cmath>
#include <numeric>

namespace heaplab {

std::mt19937_64 MakeRng(std::uint64_t seed) {
  return std::mt19937_64(seed * 0x9E3779B97F4A7C15ull + 1);
}

double UniformUnit(std::mt19937_64& rng) {
  // 53 random bits; std::uniform_real_distribution is not specified bit-for-bit.
  return static_cast<double>(rng() >> 11) * (1.0 / 9007199254740992.0);
}

double Distribution::Sample(std::mt19937_64& rng) const {
  switch (kind) {
    case Kind::kConstant:
      return std::max(0.0, a);
    case Kind::kUniform:
      return std::max(0.0, a + (b - a) * UniformUnit(rng));
    case Kind::kExponential:
      return -a * std::log(1.0 - UniformUnit(rng));
    case Kind::kNormal: {
      // Box-Muller with our own uniforms, for bit-identical results everywhere.
      const double u1 = 1.0 - UniformUnit(rng), u2 = UniformUnit(rng);
      const double z = std::sqrt(-2.0 * std::log(u1)) * std::cos(6.283185307179586 * u2);
      return std::max(0.0, a + b * z);
    }
    case Kind::kDiscrete: {
      const double total = std::accumulate(weights.begin(), weights.end(), 0.0);
      double x = UniformUnit(rng) * total;
      for (std::size_t i = 0; i < values.size(); ++i) {
        x -= weights[i];
        if (x < 0) return std::max(0.0, values[i]);
      }
      return values.empty() ? 0 : std::max(0.0, values.back());
    }
  }
  return 0;
}

double Distribution::Mean() const {
  switch (kind) {
    case Kind::kConstant:
      return a;
    case Kind::kUniform:
      return (a + b) / 2;
    case Kind::kExponential:
      return a;
    case Kind::kNormal:
      return a;
    case Kind::kDiscrete: {
      double total = std::accumulate(weights.begin(), weights.end(), 0.0), m = 0;
      for (std::size_t i = 0; i < values.size(); ++i)
        m += values[i] * weights[i];
      return total > 0 ? m / total : 0;
    }
  }
  return 0;
}

}  // namespace heaplab
