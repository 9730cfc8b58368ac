#include "sim/gc-event.h"

namespace heaplab {

std::size_t TotalUsed(const SpaceStatsArray& s) {
  std::size_t t = 0;
  for (const auto& x : s)
    t += x.used_bytes;
  return t;
}

std::size_t TotalCommitted(const SpaceStatsArray& s) {
  std::size_t t = 0;
  for (const auto& x : s)
    t += x.committed_bytes;
  return t;
}

double GCEvent::phase_ms(std::string_view name) const {
  for (const auto& p : phases)
    if (p.name == name) return p.ms;
  return 0;
}

}  // namespace heaplab
