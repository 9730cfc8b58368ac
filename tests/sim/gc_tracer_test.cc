#include "sim/gc-tracer.h"

#include <cmath>

#include <gtest/gtest.h>

namespace heaplab {
namespace {

TEST(GCTracer, BackToBackMarkCompactsGiveZeroNotNegativeUtilization) {
  GCTracer tracer;
  tracer.RecordMutatorUtilization(100.0, 10.0);
  // The next mark-compact starts the instant the previous one ended: total 0.1 + 0.2 ms of
  // pause against 0.30000000000000004 ms elapsed in floating point.
  tracer.RecordMutatorUtilization(100.0 + (0.1 + 0.2), 0.30000000000000004);
  EXPECT_EQ(tracer.CurrentMarkCompactMutatorUtilization(), 0.0);
  EXPECT_FALSE(std::signbit(tracer.CurrentMarkCompactMutatorUtilization()));
  EXPECT_GE(tracer.AverageMarkCompactMutatorUtilization(), 0.0);
}

}  // namespace
}  // namespace heaplab
