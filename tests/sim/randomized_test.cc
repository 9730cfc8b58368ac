// Randomized graphs under every configuration, with --verify-heap after every GC and a shadow
// graph that must match the simulated one (sizes, kinds, slot counts and links) at checkpoints.
#include <random>
#include <unordered_set>

#include "tests/sim/test-util.h"

namespace heaplab {
namespace {

using testing::RecordingSink;

struct Config {
  const char* name;
  std::vector<std::string> flags;
};

struct ShadowNode {
  std::uint32_t size;
  ObjectKind kind;
  std::vector<int> edges;  // -1 = null
};

class RandomGraph : public ::testing::TestWithParam<std::tuple<Config, unsigned>> {};

void CompareFrom(const Heap& heap,
                 const std::vector<ShadowNode>& shadow,
                 int node,
                 ObjectRef ref,
                 std::unordered_set<int>& seen) {
  if (!seen.insert(node).second) return;
  ASSERT_TRUE(heap.IsValidObject(ref));
  const HeapObject& o = heap.object(ref);
  const ShadowNode& s = shadow[static_cast<std::size_t>(node)];
  ASSERT_EQ(o.size_bytes, s.size);
  ASSERT_EQ(o.object_kind(), s.kind);
  ASSERT_EQ(o.slot_count, s.edges.size());
  for (std::uint32_t i = 0; i < s.edges.size(); ++i) {
    ObjectRef child = heap.ReadSlot(ref, i);
    if (s.edges[i] < 0) {
      ASSERT_EQ(child, kNullRef);
    } else {
      ASSERT_NE(child, kNullRef);
      CompareFrom(heap, shadow, s.edges[i], child, seen);
    }
  }
}

TEST_P(RandomGraph, MatchesShadowAndVerifies) {
  const auto& [config, seed] = GetParam();
  HeapFlags f = testing::TestFlags();
  ASSERT_FALSE(ParseFlags(f, config.flags));
  HeapOptions options;
  options.startup_snapshot = seed % 2 == 0;
  Heap heap(f, options);
  RecordingSink sink;
  heap.set_sink(&sink);
  std::mt19937 rng(seed);
  auto uniform = [&](int lo, int hi) { return std::uniform_int_distribution<int>(lo, hi)(rng); };

  std::vector<ShadowNode> shadow;
  std::vector<std::pair<std::uint32_t, int>> roots;  // (global handle, shadow node)
  std::vector<std::uint32_t> sites;
  for (int i = 0; i < 6; ++i)
    sites.push_back(heap.RegisterAllocationSite("site" + std::to_string(i)));

  auto allocate = [&](bool old) -> std::pair<ObjectRef, int> {
    std::uint32_t slots = static_cast<std::uint32_t>(uniform(0, 4));
    std::uint32_t size = static_cast<std::uint32_t>(8 * (slots + 1) + 8 * uniform(0, 60));
    if (uniform(0, 400) == 0) size = static_cast<std::uint32_t>(uniform(130, 400)) * 1024;
    ObjectKind kind = static_cast<ObjectKind>(uniform(0, 4));
    if (kind == ObjectKind::kCode && uniform(0, 3) != 0) kind = ObjectKind::kObject;
    ObjectRef r = heap.Allocate(size, slots, kind, sites[static_cast<std::size_t>(uniform(0, 5))],
                                old ? AllocationType::kOld : AllocationType::kYoung);
    shadow.push_back(ShadowNode{size, kind, std::vector<int>(slots, -1)});
    return {r, static_cast<int>(shadow.size() - 1)};
  };
  auto link = [&](std::size_t a, std::size_t b, bool null) {
    auto [ha, na] = roots[a];
    auto [hb, nb] = roots[b];
    auto& edges = shadow[static_cast<std::size_t>(na)].edges;
    if (edges.empty()) return;
    std::uint32_t slot = static_cast<std::uint32_t>(uniform(0, static_cast<int>(edges.size()) - 1));
    heap.WriteSlot(heap.Global(ha), slot, null ? kNullRef : heap.Global(hb));
    edges[slot] = null ? -1 : nb;
  };
  auto check = [&]() {
    std::unordered_set<int> seen;
    for (auto [h, n] : roots) {
      CompareFrom(heap, shadow, n, heap.Global(h), seen);
      if (::testing::Test::HasFatalFailure()) return;
    }
    testing::ExpectHealthy(heap);
  };

  try {
    for (int step = 0; step < 6000; ++step) {
      int op = uniform(0, 99);
      if (op < 35 || roots.size() < 4) {
        auto [r, n] = allocate(uniform(0, 9) == 0);
        roots.emplace_back(heap.CreateGlobal(r), n);
      } else if (op < 60) {
        link(static_cast<std::size_t>(uniform(0, static_cast<int>(roots.size()) - 1)),
             static_cast<std::size_t>(uniform(0, static_cast<int>(roots.size()) - 1)), false);
      } else if (op < 65) {
        link(static_cast<std::size_t>(uniform(0, static_cast<int>(roots.size()) - 1)), 0, true);
      } else if (op < 78) {
        std::size_t i = static_cast<std::size_t>(uniform(0, static_cast<int>(roots.size()) - 1));
        heap.DisposeGlobal(roots[i].first);
        roots[i] = roots.back();
        roots.pop_back();
      } else if (op < 90) {
        // A request: temporaries in a handle scope, some linked into a rooted object.
        heap.OpenHandleScope();
        std::size_t target =
            static_cast<std::size_t>(uniform(0, static_cast<int>(roots.size()) - 1));
        for (int t = 0; t < uniform(1, 40); ++t) {
          auto [r, n] = allocate(false);
          auto lh = heap.CreateLocal(r);
          auto& edges = shadow[static_cast<std::size_t>(roots[target].second)].edges;
          if (!edges.empty() && uniform(0, 3) == 0) {
            std::uint32_t slot =
                static_cast<std::uint32_t>(uniform(0, static_cast<int>(edges.size()) - 1));
            heap.WriteSlot(heap.Global(roots[target].first), slot, heap.Local(lh));
            edges[slot] = n;
          }
        }
        heap.CloseHandleScope();
      } else if (op < 95) {
        heap.AdvanceTime(uniform(0, 20));
        heap.RunPendingTasks();
      } else if (op < 97) {
        heap.CollectGarbage(AllocationSpace::kNew, GarbageCollectionReason::kTesting);
      } else if (op < 98) {
        heap.CollectGarbage(AllocationSpace::kOld, GarbageCollectionReason::kTesting);
      } else {
        if (!heap.IsMarking())
          heap.StartIncrementalMarking();
        else
          heap.AdvanceIncrementalMarkingForTesting(0.05);
      }
      if (step % 500 == 0) {
        check();
        if (HasFatalFailure()) return;
      }
    }
  } catch (const OutOfMemoryError&) {
    EXPECT_EQ(sink.oom.size(), 1u);
    return;
  }
  check();
  EXPECT_GT(sink.events.size(), 0u);
}

std::string Name(const ::testing::TestParamInfo<std::tuple<Config, unsigned>>& info) {
  return std::string(std::get<0>(info.param).name) + "_seed" +
         std::to_string(std::get<1>(info.param));
}

INSTANTIATE_TEST_SUITE_P(
    AllConfigurations,
    RandomGraph,
    ::testing::Combine(
        ::testing::Values(Config{"default", {}},
                          Config{"semi1", {"--max-semi-space-size=1"}},
                          Config{"semi1_old16",
                                 {"--max-semi-space-size=1", "--max-old-space-size=16"}},
                          Config{"no_incremental", {"--no-incremental-marking"}},
                          Config{"no_pretenuring_no_page_promotion",
                                 {"--no-allocation-site-pretenuring", "--no-page-promotion"}},
                          Config{"legacy", {"--profile=legacy"}}),
        ::testing::Values(1u, 2u, 3u)),
    Name);

}  // namespace
}  // namespace heaplab
