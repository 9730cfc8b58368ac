#include <gtest/gtest.h>

#include "sim/heap-config.h"

namespace heaplab {
namespace {

HeapConfiguration At24GB(std::vector<std::string> args) {
  HeapFlags f;
  f.physical_memory = 24 * 1024;
  EXPECT_FALSE(ParseFlags(f, args));
  return ConfigureHeap(f);
}

// node20-observed §1.2: v8.getHeapStatistics().heap_size_limit on the 24 GB machine.
struct LimitRow {
  std::vector<std::string> flags;
  std::size_t heap_size_limit_mb;
};

class HeapSizeLimit : public ::testing::TestWithParam<LimitRow> {};

TEST_P(HeapSizeLimit, MatchesNode20) {
  const auto& row = GetParam();
  EXPECT_EQ(At24GB(row.flags).heap_size_limit_bytes, row.heap_size_limit_mb * MB);
}

INSTANTIATE_TEST_SUITE_P(
    Node20Observed,
    HeapSizeLimit,
    ::testing::Values(LimitRow{{}, 4144},
                      LimitRow{{"--max-semi-space-size=1"}, 4099},
                      LimitRow{{"--max-semi-space-size=4"}, 4108},
                      LimitRow{{"--max-semi-space-size=16"}, 4144},
                      LimitRow{{"--max-semi-space-size=32"}, 4192},
                      LimitRow{{"--max-semi-space-size=64"}, 4288},
                      LimitRow{{"--max-old-space-size=64"}, 112},
                      LimitRow{{"--max-old-space-size=256"}, 304},
                      LimitRow{{"--max-semi-space-size=1", "--max-old-space-size=64"}, 67}));

TEST(HeapConfig, DefaultsFromPhysicalMemory) {
  // v8-facts §1 worked examples (HeapSizeFromPhysicalMemory).
  EXPECT_EQ(HeapSizeFromPhysicalMemory(16 * GB), 4144 * MB);
  EXPECT_EQ(HeapSizeFromPhysicalMemory(24 * GB), 4144 * MB);
  EXPECT_EQ(HeapSizeFromPhysicalMemory(8 * GB), 2096 * MB);
  EXPECT_EQ(HeapSizeFromPhysicalMemory(2 * GB), 1048 * MB);
  EXPECT_EQ(HeapSizeFromPhysicalMemory(512 * MB), 259 * MB);
  HeapConfiguration c = At24GB({});
  EXPECT_EQ(c.max_semi_space_bytes, 16 * MB);
  EXPECT_EQ(c.max_old_generation_bytes, 4096 * MB);
  EXPECT_EQ(c.initial_semi_space_bytes, 1 * MB);
  EXPECT_EQ(c.initial_old_generation_bytes, 512 * MB);
  HeapFlags small;
  small.physical_memory = 2048;
  EXPECT_EQ(ConfigureHeap(small).max_old_generation_bytes, 1024 * MB);
  EXPECT_EQ(ConfigureHeap(small).max_semi_space_bytes, 8 * MB);
}

TEST(HeapConfig, SemiSpaceFlagRoundsUpToPowerOfTwo) {
  struct Row {
    int flag_mb;
    std::size_t semi_mb;
  };
  for (Row r : {Row{1, 1}, Row{2, 2}, Row{3, 4}, Row{5, 8}, Row{9, 16}, Row{16, 16}, Row{17, 32},
                Row{33, 64}, Row{64, 64}, Row{100, 128}}) {
    auto c = At24GB({"--max-semi-space-size=" + std::to_string(r.flag_mb)});
    EXPECT_EQ(c.max_semi_space_bytes, r.semi_mb * MB) << r.flag_mb;
  }
  // The minimum semi-space is capped by the maximum.
  auto c = At24GB({"--min-semi-space-size=16", "--max-semi-space-size=4"});
  EXPECT_EQ(c.initial_semi_space_bytes, 4 * MB);
  c = At24GB({"--min-semi-space-size=16"});
  EXPECT_EQ(c.initial_semi_space_bytes, 16 * MB);
}

TEST(HeapConfig, MaxHeapSizeSplitsIntoGenerations) {
  auto c = At24GB({"--max-heap-size=512"});
  EXPECT_EQ(c.heap_size_limit_bytes, c.max_old_generation_bytes + 3 * c.max_semi_space_bytes);
  EXPECT_LE(c.heap_size_limit_bytes, 512 * MB);
  c = At24GB({"--max-heap-size=512", "--max-semi-space-size=8"});
  EXPECT_EQ(c.max_old_generation_bytes, 512 * MB - 24 * MB);
}

TEST(HeapConfig, LegacyProfile) {
  auto c = At24GB({"--profile=legacy"});
  EXPECT_TRUE(c.has_map_space);
  EXPECT_EQ(c.max_regular_object_size_bytes, 507136u);
  EXPECT_EQ(c.max_semi_space_bytes, 16 * MB);
  EXPECT_EQ(c.max_old_generation_bytes, 1400 * MB);
  auto n = At24GB({});
  EXPECT_FALSE(n.has_map_space);
  EXPECT_EQ(n.max_regular_object_size_bytes, 131072u);
}

TEST(HeapConfig, ReadsThisMachine) {
  EXPECT_GT(ReadPhysicalMemoryBytes(), 64 * MB);
}

}  // namespace
}  // namespace heaplab
