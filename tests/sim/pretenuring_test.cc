#include "tests/sim/test-util.h"

namespace heaplab {
namespace {

using testing::BareOptions;
using testing::ExpectHealthy;
using testing::TestFlags;

HeapFlags AtMaxSemiSpace() {
  HeapFlags f = TestFlags();
  f.max_semi_space_size = 1;  // new space starts at its maximum: tenure decisions can be made
  return f;
}

TEST(Pretenuring, SiteSwitchesOnAndBackOff) {
  Heap heap(AtMaxSemiSpace(), BareOptions());
  const std::uint32_t site = heap.RegisterAllocationSite("cache.js:12");
  // 200 objects of the site, all surviving their first scavenge: ratio 1.0 >= 0.85.
  std::vector<std::uint32_t> keep;
  for (int i = 0; i < 200; ++i)
    keep.push_back(heap.CreateGlobal(heap.Allocate(64, 1, ObjectKind::kObject, site)));
  EXPECT_EQ(heap.site(site).memento_create_count, 200u);
  heap.CollectGarbage(AllocationSpace::kNew, GarbageCollectionReason::kTesting);
  EXPECT_EQ(heap.site(site).decision, PretenureDecision::kTenure);
  ObjectRef o = heap.Allocate(64, 1, ObjectKind::kObject, site);
  EXPECT_EQ(heap.space_of(o), AllocationSpace::kOld);  // allocated straight into old space
  EXPECT_EQ(heap.site(site).pretenured_objects, 1u);

  // Now everything dies: a full GC finds < 10% of the heap survived and resets tenured sites.
  for (auto h : keep)
    heap.DisposeGlobal(h);
  for (int i = 0; i < 5000; ++i)
    heap.Allocate(64, 1, ObjectKind::kObject, site);
  heap.CollectGarbage(AllocationSpace::kOld, GarbageCollectionReason::kTesting);
  EXPECT_EQ(heap.site(site).decision, PretenureDecision::kUndecided);
  EXPECT_EQ(heap.space_of(heap.Allocate(64, 1, ObjectKind::kObject, site)), AllocationSpace::kNew);
  EXPECT_EQ(heap.site(site).tenure_changes, 2);
  ExpectHealthy(heap);
}

TEST(Pretenuring, DiesYoungSiteIsNotTenured) {
  Heap heap(AtMaxSemiSpace(), BareOptions());
  const std::uint32_t site = heap.RegisterAllocationSite("request.js:3");
  std::vector<std::uint32_t> keep;
  for (int i = 0; i < 1000; ++i) {
    ObjectRef o = heap.Allocate(64, 0, ObjectKind::kObject, site);
    if (i % 10 == 0) keep.push_back(heap.CreateGlobal(o));  // 10% survive
  }
  heap.CollectGarbage(AllocationSpace::kNew, GarbageCollectionReason::kTesting);
  EXPECT_EQ(heap.site(site).decision, PretenureDecision::kDontTenure);
  EXPECT_EQ(heap.space_of(heap.Allocate(64, 0, ObjectKind::kObject, site)), AllocationSpace::kNew);
}

TEST(Pretenuring, OnlyMaybeTenureBelowMaximumNewSpace) {
  Heap heap(TestFlags(), BareOptions());  // 1 MB of a 16 MB maximum
  const std::uint32_t site = heap.RegisterAllocationSite("s");
  for (int i = 0; i < 200; ++i)
    heap.CreateGlobal(heap.Allocate(64, 0, ObjectKind::kArray, site));
  heap.CollectGarbage(AllocationSpace::kNew, GarbageCollectionReason::kTesting);
  EXPECT_EQ(heap.site(site).decision, PretenureDecision::kMaybeTenure);
}

TEST(Pretenuring, StringsCarryNoMementosAndFlagTurnsItOff) {
  Heap heap(AtMaxSemiSpace(), BareOptions());
  const std::uint32_t site = heap.RegisterAllocationSite("s");
  for (int i = 0; i < 200; ++i)
    heap.CreateGlobal(heap.Allocate(64, 0, ObjectKind::kString, site));
  heap.CollectGarbage(AllocationSpace::kNew, GarbageCollectionReason::kTesting);
  EXPECT_EQ(heap.site(site).decision, PretenureDecision::kUndecided);

  HeapFlags off = AtMaxSemiSpace();
  off.allocation_site_pretenuring = false;
  Heap heap2(off, BareOptions());
  const std::uint32_t s2 = heap2.RegisterAllocationSite("s");
  for (int i = 0; i < 200; ++i)
    heap2.CreateGlobal(heap2.Allocate(64, 0, ObjectKind::kObject, s2));
  heap2.CollectGarbage(AllocationSpace::kNew, GarbageCollectionReason::kTesting);
  EXPECT_EQ(heap2.site(s2).decision, PretenureDecision::kUndecided);
  EXPECT_EQ(heap2.space_of(heap2.Allocate(64, 0, ObjectKind::kObject, s2)), AllocationSpace::kNew);
}

}  // namespace
}  // namespace heaplab
