#include <gtest/gtest.h>

#include "sim/flags.h"

namespace heaplab {
namespace {

std::optional<std::string> Parse(HeapFlags& f, std::vector<std::string> args) {
  return ParseFlags(f, args);
}

TEST(Flags, AcceptsBothSpellingsAsNodeDoes) {
  HeapFlags a, b, c;
  EXPECT_FALSE(Parse(a, {"--max-semi-space-size=16"}));
  EXPECT_FALSE(Parse(b, {"--max_semi_space_size", "16"}));
  EXPECT_FALSE(Parse(c, {"--max-semi-space-size", "16"}));
  EXPECT_EQ(a.max_semi_space_size, 16);
  EXPECT_EQ(a, b);
  EXPECT_EQ(a, c);
}

TEST(Flags, BooleansAndNegation) {
  HeapFlags f;
  EXPECT_FALSE(Parse(f, {"--no-incremental-marking", "--no_allocation_site_pretenuring",
                         "--trace-gc", "--verify-heap"}));
  EXPECT_FALSE(f.incremental_marking);
  EXPECT_FALSE(f.allocation_site_pretenuring);
  EXPECT_TRUE(f.trace_gc);
  EXPECT_TRUE(f.verify_heap);
  EXPECT_FALSE(Parse(f, {"--incremental-marking=true"}));
  EXPECT_TRUE(f.incremental_marking);
}

TEST(Flags, BadValuesNameTheFlagAndItsRange) {
  HeapFlags f;
  auto err = Parse(f, {"--max-semi-space-size=-1"});
  ASSERT_TRUE(err);
  EXPECT_NE(err->find("--max-semi-space-size"), std::string::npos) << *err;
  EXPECT_NE(err->find("0 to 1024"), std::string::npos) << *err;
  err = Parse(f, {"--page-promotion-threshold=abc"});
  ASSERT_TRUE(err);
  EXPECT_NE(err->find("--page-promotion-threshold"), std::string::npos);
  err = Parse(f, {"--profile=node99"});
  ASSERT_TRUE(err);
  EXPECT_NE(err->find("node20 | legacy"), std::string::npos) << *err;
  err = Parse(f, {"--no-such-flag=1"});
  ASSERT_TRUE(err);
  EXPECT_NE(err->find("--no-such-flag"), std::string::npos) << *err;
  err = Parse(f, {"--max-old-space-size"});
  ASSERT_TRUE(err);
  EXPECT_NE(err->find("missing value"), std::string::npos) << *err;
  EXPECT_EQ(f, HeapFlags{});  // nothing half-applied
}

TEST(Flags, MaxHeapSizeCombination) {
  HeapFlags f;
  auto err =
      Parse(f, {"--max-heap-size=100", "--max-semi-space-size=2", "--max-old-space-size=50"});
  ASSERT_TRUE(err);
  EXPECT_NE(err->find("--max-heap-size"), std::string::npos);
}

TEST(Flags, UnknownArgumentsGoToRestWhenAsked) {
  HeapFlags f;
  std::vector<std::string> rest;
  std::vector<std::string> args = {"app.js", "--max-old-space-size=64", "--seed=3"};
  EXPECT_FALSE(ParseFlags(f, args, &rest));
  EXPECT_EQ(f.max_old_space_size, 64);
  EXPECT_EQ(rest, (std::vector<std::string>{"app.js", "--seed=3"}));
}

TEST(Flags, TableRoundTripsEveryFlag) {
  HeapFlags f;
  for (const FlagInfo& info : AllFlags()) {
    std::string v = GetFlag(f, info);
    EXPECT_FALSE(SetFlag(f, info, v)) << info.name;
    EXPECT_FALSE(info.help.empty()) << info.name;
    EXPECT_FALSE(info.group.empty()) << info.name;
  }
  EXPECT_EQ(f, HeapFlags{});
  EXPECT_TRUE(NonDefaultFlags(f).empty());
  f.max_semi_space_size = 4;
  f.incremental_marking = false;
  EXPECT_EQ(NonDefaultFlags(f),
            (std::vector<std::string>{"--max-semi-space-size=4", "--no-incremental-marking"}));
}

}  // namespace
}  // namespace heaplab
