#include "sim/marking-worklist.h"

#include <algorithm>

#include <gtest/gtest.h>

namespace heaplab {
namespace {

constexpr int kMain = MarkingWorklist::kMainThread;
constexpr std::size_t kSegment = MarkingWorklist::kSegmentCapacity;

TEST(MarkingWorklist, WorkIsPrivateUntilASegmentFills) {
  MarkingWorklist wl(2);
  for (ObjectRef r = 1; r < kSegment; ++r)  // 63 entries: one short of a segment
    wl.Push(1, r);
  EXPECT_TRUE(wl.IsGlobalEmpty());
  EXPECT_FALSE(wl.IsLocalEmpty(1));
  ObjectRef got = 0;
  EXPECT_FALSE(wl.Pop(2, &got));  // the other marker cannot see it
  wl.Push(1, 64);
  wl.Push(1, 65);  // the 65th push publishes the full segment
  EXPECT_FALSE(wl.IsGlobalEmpty());
  ASSERT_TRUE(wl.Pop(2, &got));
  EXPECT_EQ(got, 64u);  // the published segment, newest entry first
  EXPECT_EQ(wl.size(), 65u - 1);
}

TEST(MarkingWorklist, PopSwapsInThePushSegmentSoAListStaysLocal) {
  // A marker walking a list pushes one entry per pop: it never fills a segment, so the shared
  // pool stays empty (what makes V8 finalize while a list is still being marked).
  MarkingWorklist wl(1);
  wl.Push(1, 1);
  ObjectRef r = 0;
  for (ObjectRef next = 2; next < 10000; ++next) {
    ASSERT_TRUE(wl.Pop(1, &r));
    EXPECT_EQ(r, next - 1);
    wl.Push(1, next);
    EXPECT_TRUE(wl.IsGlobalEmpty());
  }
  EXPECT_EQ(wl.size(), 1u);
}

TEST(MarkingWorklist, ShareWorkPublishesOnlyIntoAnEmptyPool) {
  MarkingWorklist wl(1);
  wl.Push(kMain, 1);
  wl.ShareWork(kMain);
  EXPECT_TRUE(wl.IsLocalEmpty(kMain));
  EXPECT_FALSE(wl.IsGlobalEmpty());
  wl.Push(kMain, 2);
  wl.ShareWork(kMain);  // the pool has work: keep ours
  EXPECT_FALSE(wl.IsLocalEmpty(kMain));
  ObjectRef r = 0;
  ASSERT_TRUE(wl.Pop(1, &r));  // the marker steals the shared segment
  EXPECT_EQ(r, 1u);
  EXPECT_TRUE(wl.IsGlobalEmpty());
  wl.PublishAll();
  EXPECT_TRUE(wl.IsLocalEmpty(kMain));
  EXPECT_FALSE(wl.IsGlobalEmpty());
}

TEST(MarkingWorklist, UpdateRewritesAndDropsSharedAndPrivateEntries) {
  MarkingWorklist wl(1);
  for (ObjectRef r = 1; r <= 3 * kSegment + 5; ++r)
    wl.Push(r % 2 == 0 ? kMain : 1, r);
  wl.Publish(kMain);
  // Drop multiples of 3, move the rest by 1000.
  wl.Update([](ObjectRef r, ObjectRef* out) {
    if (r % 3 == 0) return false;
    *out = r + 1000;
    return true;
  });
  std::vector<ObjectRef> all = wl.Entries();
  std::sort(all.begin(), all.end());
  std::vector<ObjectRef> want;
  for (ObjectRef r = 1; r <= 3 * kSegment + 5; ++r)
    if (r % 3 != 0) want.push_back(r + 1000);
  EXPECT_EQ(all, want);
  EXPECT_EQ(wl.size(), want.size());
  wl.Clear();
  EXPECT_TRUE(wl.empty());
  EXPECT_TRUE(wl.Entries().empty());
}

}  // namespace
}  // namespace heaplab
