#include <gtest/gtest.h>

#include "sim/heap-controller.h"

namespace heaplab {
namespace {

TEST(HeapController, MaxGrowingFactor) {
  EXPECT_DOUBLE_EQ(MaxGrowingFactor(4096 * MB), 4.0);
  EXPECT_DOUBLE_EQ(MaxGrowingFactor(2048 * MB), 4.0);
  EXPECT_DOUBLE_EQ(MaxGrowingFactor(64 * MB), 1.3);
  EXPECT_DOUBLE_EQ(MaxGrowingFactor(128 * MB), 1.3);  // node20-observed §6.4: 1.3 at old128
  EXPECT_DOUBLE_EQ(MaxGrowingFactor(256 * MB), 1.3);
  EXPECT_NEAR(MaxGrowingFactor(1152 * MB), 1.65, 1e-12);
}

TEST(HeapController, DynamicGrowingFactor) {
  struct Row {
    double gc, mutator, max, expected;
  };
  for (Row r :
       {Row{0, 100, 4.0, 4.0}, Row{100, 0, 4.0, 4.0},
        Row{10, 1, 4.0, 4.0},                                 // b < 0: grow as much as allowed
        Row{100, 1, 4.0, 3.0 / 2.03}, Row{1e6, 1, 4.0, 1.1},  // clamped to kMinGrowingFactor
        Row{100, 1, 1.3, 1.3}}) {
    EXPECT_NEAR(DynamicGrowingFactor(r.gc, r.mutator, r.max), r.expected, 1e-9)
        << r.gc << " " << r.mutator;
  }
}

TEST(HeapController, AllocationLimitMatchesObservedFormula) {
  // node20-observed §6.4: Y = min(max(X*F, X + 8 MB) + new_space_capacity, (X + max_old)/2).
  const std::size_t cap = 16 * 1006 * KB;  // usable capacity of a 16 MB semi-space
  struct Row {
    std::size_t old_kb;
    double factor;
    std::size_t max_mb;
    HeapGrowingMode mode;
  };
  for (Row r : {Row{34020, 4.0, 4096, HeapGrowingMode::kDefault},
                Row{1000, 4.0, 4096, HeapGrowingMode::kDefault},  // the 8 MB step wins
                Row{60000, 1.3, 128, HeapGrowingMode::kDefault},  // half-way cap
                Row{20000, 1.3, 128, HeapGrowingMode::kDefault},
                Row{50000, 4.0, 4096, HeapGrowingMode::kMinimal}}) {
    const double x = static_cast<double>(r.old_kb * KB);
    const double f = r.mode == HeapGrowingMode::kMinimal ? 1.1 : r.factor;
    const double expected = std::min(std::max(x * f, x + 8.0 * MB) + static_cast<double>(cap),
                                     (x + static_cast<double>(r.max_mb * MB)) / 2);
    EXPECT_EQ(
        CalculateAllocationLimit(r.old_kb * KB, 512 * KB, r.max_mb * MB, cap, r.factor, r.mode),
        static_cast<std::size_t>(expected))
        << r.old_kb;
  }
  // The observed line "old size: 34020 KB, new limit: 152190 KB (4.0)" within KB rounding.
  std::size_t limit = CalculateAllocationLimit(34020 * KB, 512 * KB, 4096 * MB, cap, 4.0,
                                               HeapGrowingMode::kDefault);
  EXPECT_NEAR(static_cast<double>(limit / KB), 152190.0, 20.0);
  EXPECT_EQ(MinimumAllocationLimitGrowingStep(HeapGrowingMode::kConservative), 2 * MB);
  EXPECT_EQ(MinimumAllocationLimitGrowingStep(HeapGrowingMode::kDefault), 8 * MB);
}

}  // namespace
}  // namespace heaplab
