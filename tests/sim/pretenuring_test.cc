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
  EXPECT_EQ(heap.site(site).literal(64).memento_create_count, 200u);
  heap.CollectGarbage(AllocationSpace::kNew, GarbageCollectionReason::kTesting);
  EXPECT_EQ(heap.site(site).literal(64).decision, PretenureDecision::kTenure);
  ObjectRef o = heap.Allocate(64, 1, ObjectKind::kObject, site);
  EXPECT_EQ(heap.space_of(o), AllocationSpace::kOld);  // allocated straight into old space
  EXPECT_EQ(heap.site(site).pretenured_objects, 1u);

  // Now everything dies: a full GC finds < 10% of the heap survived and resets tenured sites.
  for (auto h : keep)
    heap.DisposeGlobal(h);
  for (int i = 0; i < 5000; ++i)
    heap.Allocate(64, 1, ObjectKind::kObject, site);
  heap.CollectGarbage(AllocationSpace::kOld, GarbageCollectionReason::kTesting);
  EXPECT_EQ(heap.site(site).literal(64).decision, PretenureDecision::kUndecided);
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
  EXPECT_EQ(heap.site(site).literal(64).decision, PretenureDecision::kDontTenure);
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
    // 653 KB with mementos: two full pages and a partial one of about 500 objects, so that
    // the objects copied one by one find the 100 mementos a digest needs.
    for (int i = 0; i < 2400; ++i)
      heap.CreateGlobal(heap.Allocate(256, 1, ObjectKind::kObject, site));
    testing::RecordingSink sink;
    heap.set_sink(&sink);
    heap.CollectGarbage(AllocationSpace::kOld, GarbageCollectionReason::kTesting);
    ASSERT_EQ(sink.Count(GarbageCollector::kMarkCompactor), 1u);
    if (page_promotion) {
      EXPECT_GE(sink.events.back().pages_promoted, 2u);
      EXPECT_EQ(heap.site(site).literal(256).decision, PretenureDecision::kDontTenure);
    } else {
      EXPECT_EQ(sink.events.back().pages_promoted, 0u);
      EXPECT_EQ(heap.site(site).literal(256).decision, PretenureDecision::kTenure);
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
  EXPECT_EQ(heap.site(site).literal(64).decision, PretenureDecision::kMaybeTenure);
}

TEST(Pretenuring, StringsCarryNoMementosAndFlagTurnsItOff) {
  Heap heap(AtMaxSemiSpace(), BareOptions());
  const std::uint32_t site = heap.RegisterAllocationSite("s");
  for (int i = 0; i < 200; ++i)
    heap.CreateGlobal(heap.Allocate(64, 0, ObjectKind::kString, site));
  heap.CollectGarbage(AllocationSpace::kNew, GarbageCollectionReason::kTesting);
  EXPECT_EQ(heap.site(site).literal(64).decision, PretenureDecision::kUndecided);

  HeapFlags off = AtMaxSemiSpace();
  off.allocation_site_pretenuring = false;
  Heap heap2(off, BareOptions());
  const std::uint32_t s2 = heap2.RegisterAllocationSite("s");
  for (int i = 0; i < 200; ++i)
    heap2.CreateGlobal(heap2.Allocate(64, 0, ObjectKind::kObject, s2));
  heap2.CollectGarbage(AllocationSpace::kNew, GarbageCollectionReason::kTesting);
  EXPECT_EQ(heap2.site(s2).literal(64).decision, PretenureDecision::kUndecided);
  EXPECT_EQ(heap2.space_of(heap2.Allocate(64, 0, ObjectKind::kObject, s2)), AllocationSpace::kNew);
}

// Tiers: unoptimized code allocates a literal young with a memento whatever the decision;
// optimized code (after --unoptimized-literal-allocations per literal) follows it.
HeapFlags WithTiers(int unoptimized, int reoptimized) {
  HeapFlags f = AtMaxSemiSpace();
  f.unoptimized_literal_allocations = unoptimized;
  f.reoptimized_literal_allocations = reoptimized;
  return f;
}
HeapFlags WithTiers(int unoptimized) {
  return WithTiers(unoptimized, unoptimized);
}

TEST(PretenuringTiers, TenuredSiteAllocatesOldOnlyFromOptimizedCode) {
  Heap heap(WithTiers(300), BareOptions());
  const std::uint32_t site = heap.RegisterAllocationSite("cache.js:12");
  std::vector<std::uint32_t> keep;
  for (int i = 0; i < 200; ++i)
    keep.push_back(heap.CreateGlobal(heap.Allocate(64, 1, ObjectKind::kObject, site)));
  heap.CollectGarbage(AllocationSpace::kNew, GarbageCollectionReason::kTesting);
  ASSERT_EQ(heap.site(site).literal(64).decision, PretenureDecision::kTenure);
  // The 64-byte literal has run 200 times unoptimized; 100 more stay young with mementos.
  for (int i = 0; i < 100; ++i)
    EXPECT_EQ(heap.space_of(heap.Allocate(64, 1, ObjectKind::kObject, site)),
              AllocationSpace::kNew);
  EXPECT_EQ(heap.site(site).literal(64).memento_create_count, 100u);
  // Then its optimized code allocates in old space and leaves no memento.
  for (int i = 0; i < 50; ++i)
    EXPECT_EQ(heap.space_of(heap.Allocate(64, 1, ObjectKind::kObject, site)),
              AllocationSpace::kOld);
  EXPECT_EQ(heap.site(site).literal(64).memento_create_count, 100u);
  EXPECT_EQ(heap.site(site).pretenured_objects, 50u);
  // Another size is another literal: undecided, with its own 300 unoptimized allocations.
  EXPECT_EQ(heap.site(site).literal(72).decision, PretenureDecision::kUndecided);
  EXPECT_EQ(heap.space_of(heap.Allocate(72, 1, ObjectKind::kObject, site)), AllocationSpace::kNew);
  // Strings are not literals: no allocation site, no memento, no decision to follow.
  EXPECT_EQ(heap.space_of(heap.Allocate(64, 0, ObjectKind::kString, site)), AllocationSpace::kNew);
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
  EXPECT_EQ(heap.site(site).literal(64).memento_create_count, 30u);
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
  EXPECT_EQ(heap.site(site).literal(64).memento_create_count, 100u);
  heap.CollectGarbage(AllocationSpace::kNew, GarbageCollectionReason::kTesting);
  EXPECT_EQ(heap.site(site).literal(64).decision, PretenureDecision::kTenure);
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
  EXPECT_EQ(few.site(s2).literal(64).decision, PretenureDecision::kUndecided);
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
  ASSERT_EQ(heap.site(site).literal(256).decision, PretenureDecision::kMaybeTenure);
  allocate_kept(50);  // optimized, undecided code: young, no mementos
  EXPECT_EQ(heap.site(site).literal(256).memento_create_count, 0u);
  // Grow new space in the loop below: survivors since the last growth (copied, then promoted)
  // exceed its 1 MB capacity.
  allocate_kept(3000);  // fits in the 1 MB new space: no scavenge yet
  ASSERT_FALSE(heap.new_space().IsAtMaximumCapacity());
  while (!heap.new_space().IsAtMaximumCapacity())
    heap.CollectGarbage(AllocationSpace::kNew, GarbageCollectionReason::kTesting);
  // That GC deoptimized the maybe-tenure code: mementos again, and the next scavenge (new
  // space already at its maximum when it starts) tenures the site.
  const std::uint32_t created = heap.site(site).literal(256).memento_create_count;
  allocate_kept(200);
  EXPECT_EQ(heap.site(site).literal(256).memento_create_count, created + 200);
  heap.CollectGarbage(AllocationSpace::kNew, GarbageCollectionReason::kTesting);
  EXPECT_EQ(heap.site(site).literal(256).decision, PretenureDecision::kTenure);
  ExpectHealthy(heap);
}

// V8 gives each literal its own AllocationSite: a named site's objects of two sizes are two
// literals with their own feedback and decisions.
TEST(Pretenuring, EachLiteralOfASiteDecidesForItself) {
  Heap heap(WithTiers(0), BareOptions());  // no tiers: every literal allocation has a memento
  const std::uint32_t site = heap.RegisterAllocationSite("session");
  for (int i = 0; i < 200; ++i) {
    heap.CreateGlobal(heap.Allocate(64, 1, ObjectKind::kObject, site));  // all survive
    heap.Allocate(128, 1, ObjectKind::kObject, site);                    // all die
  }
  // The dying literal needs 100 found mementos before it is digested at all.
  for (int i = 0; i < 1000; ++i) {
    ObjectRef o = heap.Allocate(128, 1, ObjectKind::kObject, site);
    if (i % 10 == 0) heap.CreateGlobal(o);
  }
  heap.CollectGarbage(AllocationSpace::kNew, GarbageCollectionReason::kTesting);
  EXPECT_EQ(heap.site(site).literal(64).decision, PretenureDecision::kTenure);
  EXPECT_EQ(heap.site(site).literal(128).decision, PretenureDecision::kDontTenure);
  EXPECT_EQ(heap.space_of(heap.Allocate(64, 1, ObjectKind::kObject, site)), AllocationSpace::kOld);
  EXPECT_EQ(heap.space_of(heap.Allocate(128, 1, ObjectKind::kObject, site)), AllocationSpace::kNew);
  EXPECT_EQ(heap.site(site).tenure_changes, 1);
  ExpectHealthy(heap);
}

// AllocationSite::IncrementMementoFoundCount enters a literal into the GC's feedback only once
// its found count reaches 100: below that, counts add up over scavenges (node digests each
// session literal every fifth or sixth scavenge at 100-156 mementos).
TEST(Pretenuring, FoundMementosAddUpOverScavengesUntilOneHundred) {
  Heap heap(WithTiers(0), BareOptions());  // no tiers: every literal allocation has a memento
  const std::uint32_t site = heap.RegisterAllocationSite("s");
  auto allocate_kept = [&](int n) {
    for (int i = 0; i < n; ++i)
      heap.CreateGlobal(heap.Allocate(64, 1, ObjectKind::kObject, site));
  };
  allocate_kept(60);
  heap.CollectGarbage(AllocationSpace::kNew, GarbageCollectionReason::kTesting);
  EXPECT_EQ(heap.site(site).literal(64).decision, PretenureDecision::kUndecided);
  EXPECT_EQ(heap.site(site).literal(64).memento_found_count, 60u);
  EXPECT_EQ(heap.site(site).literal(64).memento_create_count, 60u);
  allocate_kept(60);
  heap.CollectGarbage(AllocationSpace::kNew, GarbageCollectionReason::kTesting);
  EXPECT_EQ(heap.site(site).literal(64).decision, PretenureDecision::kTenure);
  EXPECT_EQ(heap.site(site).literal(64).memento_found_count, 0u);  // digested: reset
  ExpectHealthy(heap);
}

// After a decision deoptimized it, a literal is optimized again sooner than the first time
// (--reoptimized-literal-allocations).
TEST(PretenuringTiers, ADeoptimizedLiteralIsReoptimizedAfterItsOwnBudget) {
  Heap heap(WithTiers(100, 20), BareOptions());
  const std::uint32_t site = heap.RegisterAllocationSite("s");
  std::vector<std::uint32_t> keep;
  for (int i = 0; i < 150; ++i)  // 100 unoptimized with mementos, then 50 optimized
    keep.push_back(heap.CreateGlobal(heap.Allocate(64, 1, ObjectKind::kObject, site)));
  heap.CollectGarbage(AllocationSpace::kNew, GarbageCollectionReason::kTesting);
  ASSERT_EQ(heap.site(site).literal(64).decision, PretenureDecision::kTenure);
  EXPECT_TRUE(heap.site(site).literal(64).deoptimized);
  for (int i = 0; i < 20; ++i)
    EXPECT_EQ(heap.space_of(heap.Allocate(64, 1, ObjectKind::kObject, site)),
              AllocationSpace::kNew);
  EXPECT_EQ(heap.site(site).literal(64).memento_create_count, 20u);
  EXPECT_EQ(heap.space_of(heap.Allocate(64, 1, ObjectKind::kObject, site)), AllocationSpace::kOld);
  ExpectHealthy(heap);
}

// --trace-pretenuring-statistics prints what node prints, with the literal named by its site
// and size instead of an address.
TEST(Pretenuring, TraceStatisticsNameEachDigestedLiteral) {
  // 200 surviving objects of one literal, one scavenge: the trace messages it printed.
  auto messages_of = [](HeapFlags f) {
    Heap heap(f, BareOptions());
    testing::RecordingSink sink;
    heap.set_sink(&sink);
    const std::uint32_t site = heap.RegisterAllocationSite("cache");
    for (int i = 0; i < 200; ++i)
      heap.CreateGlobal(heap.Allocate(64, 1, ObjectKind::kObject, site));
    heap.CollectGarbage(AllocationSpace::kNew, GarbageCollectionReason::kTesting);
    return sink.messages;
  };
  HeapFlags f = WithTiers(0);
  f.trace_pretenuring_statistics = true;
  const std::vector<TraceMessage> messages = messages_of(f);
  ASSERT_EQ(messages.size(), 2u);
  EXPECT_EQ(messages[0].text,
            "pretenuring: AllocationSite(cache/64): (created, found, ratio) (200, 200, 1.000000) "
            "undecided => tenure");
  EXPECT_EQ(messages[1].text,
            "pretenuring: deopt_maybe_tenured=0 visited_sites=1 active_sites=1 mementos=200 "
            "tenured=1 not_tenured=0");
  EXPECT_FALSE(messages[0].timestamped);
  // Off by default: no messages.
  EXPECT_TRUE(messages_of(WithTiers(0)).empty());
}

TEST(Pretenuring, LargeObjectsLeaveNoMementoAndAreNoLiteral) {
  Heap heap(AtMaxSemiSpace(), BareOptions());
  const std::uint32_t site = heap.RegisterAllocationSite("rows");
  const std::size_t size = 8 * 160002;  // a 1.28 MB array: new large-object space
  ObjectRef o = heap.Allocate(size, 16, ObjectKind::kArray, site);
  EXPECT_EQ(heap.space_of(o), AllocationSpace::kNewLargeObject);
  EXPECT_EQ(heap.site(site).literal(size).memento_create_count, 0u);
  EXPECT_TRUE(heap.site(site).literals.empty());  // no per-size feedback is kept for it
}

}  // namespace
}  // namespace heaplab
