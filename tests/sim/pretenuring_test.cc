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
  HeapFlags f = AtMaxSemiSpace();
  f.unoptimized_literal_allocations = 0;  // no tiers: every allocation follows the decision
  Heap heap(f, BareOptions());
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

TEST(Pretenuring, AMarkCompactThatMovesPagesFindsNoMementosOnThem) {
  // V8's EvacuateNewSpacePageVisitor<NEW_TO_OLD> looks for mementos only under --minor-mc: the
  // objects of a page a mark-compact moves whole count as created, never as found, so the
  // digest sees a low ratio and decides "don't tenure" (node: "(1792, 196, 0.109375) maybe
  // tenure => don't tenure" on oom-growth). Objects copied one by one still find theirs.
  for (const bool page_promotion : {true, false}) {
    SCOPED_TRACE(page_promotion ? "page promotion" : "no page promotion");
    HeapFlags f = AtMaxSemiSpace();
    f.unoptimized_literal_allocations = 0;  // every allocation leaves a memento
    f.page_promotion = page_promotion;
    Heap heap(f, BareOptions());
    const std::uint32_t site = heap.RegisterAllocationSite("record");
    for (int i = 0; i < 2000; ++i)  // 528 KB with mementos: two full pages and a partial one
      heap.CreateGlobal(heap.Allocate(256, 1, ObjectKind::kObject, site));
    testing::RecordingSink sink;
    heap.set_sink(&sink);
    heap.CollectGarbage(AllocationSpace::kOld, GarbageCollectionReason::kTesting);
    ASSERT_EQ(sink.Count(GarbageCollector::kMarkCompactor), 1u);
    if (page_promotion) {
      EXPECT_GE(sink.events.back().pages_promoted, 2u);
      EXPECT_EQ(heap.site(site).decision, PretenureDecision::kDontTenure);
    } else {
      EXPECT_EQ(sink.events.back().pages_promoted, 0u);
      EXPECT_EQ(heap.site(site).decision, PretenureDecision::kTenure);
    }
    ExpectHealthy(heap);
  }
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

// Tiers: unoptimized code allocates a literal young with a memento whatever the decision;
// optimized code (after --unoptimized-literal-allocations per literal) follows it.
HeapFlags WithTiers(int unoptimized) {
  HeapFlags f = AtMaxSemiSpace();
  f.unoptimized_literal_allocations = unoptimized;
  return f;
}

TEST(PretenuringTiers, TenuredSiteAllocatesOldOnlyFromOptimizedCode) {
  Heap heap(WithTiers(300), BareOptions());
  const std::uint32_t site = heap.RegisterAllocationSite("cache.js:12");
  std::vector<std::uint32_t> keep;
  for (int i = 0; i < 200; ++i)
    keep.push_back(heap.CreateGlobal(heap.Allocate(64, 1, ObjectKind::kObject, site)));
  heap.CollectGarbage(AllocationSpace::kNew, GarbageCollectionReason::kTesting);
  ASSERT_EQ(heap.site(site).decision, PretenureDecision::kTenure);
  // The 64-byte literal has run 200 times unoptimized; 100 more stay young with mementos.
  for (int i = 0; i < 100; ++i)
    EXPECT_EQ(heap.space_of(heap.Allocate(64, 1, ObjectKind::kObject, site)),
              AllocationSpace::kNew);
  EXPECT_EQ(heap.site(site).memento_create_count, 100u);
  // Then its optimized code allocates in old space and leaves no memento.
  for (int i = 0; i < 50; ++i)
    EXPECT_EQ(heap.space_of(heap.Allocate(64, 1, ObjectKind::kObject, site)),
              AllocationSpace::kOld);
  EXPECT_EQ(heap.site(site).memento_create_count, 100u);
  EXPECT_EQ(heap.site(site).pretenured_objects, 50u);
  // Another size is another literal, with its own 300 unoptimized allocations.
  EXPECT_EQ(heap.space_of(heap.Allocate(72, 1, ObjectKind::kObject, site)), AllocationSpace::kNew);
  // Strings carry no memento: they follow the decision at once.
  EXPECT_EQ(heap.space_of(heap.Allocate(64, 0, ObjectKind::kString, site)), AllocationSpace::kOld);
  ExpectHealthy(heap);
}

// A memento is 16 bytes of new space right behind its object; a scavenge copies the object
// and leaves the memento behind. Optimized code allocates the bare object.
TEST(PretenuringTiers, MementosTakeNewSpaceAndAreLeftBehind) {
  Heap heap(WithTiers(30), BareOptions());
  const std::uint32_t site = heap.RegisterAllocationSite("s");
  std::vector<std::uint32_t> keep;
  const std::size_t start = heap.new_space().Size();
  for (int i = 0; i < 10; ++i)
    keep.push_back(heap.CreateGlobal(heap.Allocate(64, 1, ObjectKind::kObject, site)));
  EXPECT_EQ(heap.new_space().Size() - start, 10u * (64 + kAllocationMementoSize));
  // A run of 30 (allocMany): 20 more with mementos, then 10 from optimized code.
  ObjectRef run[30];
  std::size_t done = 0;
  while (done < 30) {
    const std::size_t n =
        heap.TryAllocateYoungRun(30 - done, 64, 1, ObjectKind::kObject, site, run + done);
    ASSERT_GT(n, 0u);
    done += n;
  }
  for (ObjectRef r : run)
    keep.push_back(heap.CreateGlobal(r));
  EXPECT_EQ(heap.new_space().Size() - start, 30u * (64 + kAllocationMementoSize) + 10u * 64);
  EXPECT_EQ(heap.site(site).memento_create_count, 30u);
  heap.CollectGarbage(AllocationSpace::kNew, GarbageCollectionReason::kTesting);
  EXPECT_EQ(heap.new_space().Size(), 40u * 64);
  ExpectHealthy(heap);
}

TEST(PretenuringTiers, OptimizedCodeLeavesNoMementosSoTheSiteStaysUndecided) {
  Heap heap(WithTiers(100), BareOptions());
  const std::uint32_t site = heap.RegisterAllocationSite("s");
  std::vector<std::uint32_t> keep;
  for (int i = 0; i < 400; ++i)
    keep.push_back(heap.CreateGlobal(heap.Allocate(64, 1, ObjectKind::kObject, site)));
  // Only the first 100 allocations left a memento: 100 created, all found.
  EXPECT_EQ(heap.site(site).memento_create_count, 100u);
  heap.CollectGarbage(AllocationSpace::kNew, GarbageCollectionReason::kTesting);
  EXPECT_EQ(heap.site(site).decision, PretenureDecision::kTenure);
  // The tenure decision deoptimized the literal's code: 100 more unoptimized allocations.
  EXPECT_EQ(heap.space_of(heap.Allocate(64, 1, ObjectKind::kObject, site)), AllocationSpace::kNew);
  for (int i = 0; i < 99; ++i)
    heap.Allocate(64, 1, ObjectKind::kObject, site);
  EXPECT_EQ(heap.space_of(heap.Allocate(64, 1, ObjectKind::kObject, site)), AllocationSpace::kOld);

  // With 99 created (under kPretenureMinimumCreated = 100) a site is never digested.
  Heap few(WithTiers(99), BareOptions());
  const std::uint32_t s2 = few.RegisterAllocationSite("s");
  for (int i = 0; i < 400; ++i)
    keep.push_back(few.CreateGlobal(few.Allocate(64, 1, ObjectKind::kObject, s2)));
  few.CollectGarbage(AllocationSpace::kNew, GarbageCollectionReason::kTesting);
  EXPECT_EQ(few.site(s2).decision, PretenureDecision::kUndecided);
}

TEST(PretenuringTiers, MaybeTenureSitesDeoptimizeWhenNewSpaceReachesItsMaximum) {
  HeapFlags f = TestFlags();
  f.max_semi_space_size = 2;  // 1 MB, growing to 2 MB
  f.unoptimized_literal_allocations = 300;
  Heap heap(f, BareOptions());
  const std::uint32_t site = heap.RegisterAllocationSite("s");
  std::vector<std::uint32_t> keep;
  auto allocate_kept = [&](int n) {
    for (int i = 0; i < n; ++i)
      keep.push_back(heap.CreateGlobal(heap.Allocate(256, 1, ObjectKind::kObject, site)));
  };
  allocate_kept(300);  // unoptimized: mementos; the literal is optimized after these
  heap.CollectGarbage(AllocationSpace::kNew, GarbageCollectionReason::kTesting);
  ASSERT_EQ(heap.site(site).decision, PretenureDecision::kMaybeTenure);
  allocate_kept(50);  // optimized, undecided code: young, no mementos
  EXPECT_EQ(heap.site(site).memento_create_count, 0u);
  // Grow new space: survivors since the last growth exceed its 1 MB capacity.
  allocate_kept(4000);
  while (!heap.new_space().IsAtMaximumCapacity())
    heap.CollectGarbage(AllocationSpace::kNew, GarbageCollectionReason::kTesting);
  // That GC deoptimized the maybe-tenure code: mementos again, and the next scavenge (new
  // space already at its maximum when it starts) tenures the site.
  const std::uint32_t created = heap.site(site).memento_create_count;
  allocate_kept(200);
  EXPECT_EQ(heap.site(site).memento_create_count, created + 200);
  heap.CollectGarbage(AllocationSpace::kNew, GarbageCollectionReason::kTesting);
  EXPECT_EQ(heap.site(site).decision, PretenureDecision::kTenure);
  ExpectHealthy(heap);
}

}  // namespace
}  // namespace heaplab
