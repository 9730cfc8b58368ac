// heaplab-bench: the simulator's speed and memory targets (issue: heap core).
//   BM_AllocateDieYoung   small objects that die young, scavenges included (>= 25 M objects/s)
//   BM_MarkLiveGraph      full marking of a live graph (>= 10 M objects/s)
//   BM_LiveHeapFootprint  real bytes per simulated live object (<= 24 + 8 per slot)
#include <benchmark/benchmark.h>
#include <malloc.h>

#include <memory>
#include <random>

#include "sim/heap.h"

namespace heaplab {
namespace {

HeapFlags BenchFlags() {
  HeapFlags f;
  f.physical_memory = 24 * 1024;
  return f;
}

void BM_AllocateDieYoung(benchmark::State& state) {
  Heap heap(BenchFlags());
  const std::uint32_t site = heap.RegisterAllocationSite("bench");
  // A request-like pattern: most objects die at once, one in 64 lives until the next request.
  std::uint32_t keep = heap.CreateGlobal(kNullRef);
  std::int64_t objects = 0;
  for (auto _ : state) {
    for (int i = 0; i < 4096; ++i) {
      ObjectRef o = heap.Allocate(64, 2, ObjectKind::kObject, site);
      if ((i & 63) == 0) heap.SetGlobal(keep, o);
    }
    objects += 4096;
  }
  state.counters["objects_per_second"] =
      benchmark::Counter(static_cast<double>(objects), benchmark::Counter::kIsRate);
  state.counters["scavenges"] = static_cast<double>(heap.scavenge_count());
}
BENCHMARK(BM_AllocateDieYoung)->Unit(benchmark::kMillisecond)->MinTime(1.0);

// A live graph of `n` old-space objects: a complete tree (object i's parent is (i-1)/slots)
// whose spare slots hold cross links to earlier objects. One global handle roots it.
std::uint32_t BuildLiveGraph(Heap& heap, std::size_t n, std::uint32_t slots) {
  std::mt19937 rng(42);
  heap.OpenHandleScope();
  std::vector<std::uint32_t> locals;
  locals.reserve(n);
  for (std::size_t i = 0; i < n; ++i) {
    ObjectRef o =
        heap.Allocate(8 * (slots + 1) + 16, slots, ObjectKind::kObject, 0, AllocationType::kOld);
    locals.push_back(heap.CreateLocal(o));
    if (i > 0 && slots > 0) {
      std::size_t parent = (i - 1) / slots;
      heap.WriteSlot(heap.Local(locals[parent]), static_cast<std::uint32_t>((i - 1) % slots), o);
    }
  }
  // Leaves get cross links (the tree's last level has empty slots).
  for (std::size_t i = (n - 1) / std::max<std::uint32_t>(slots, 1) + 1; slots > 0 && i < n; ++i)
    heap.WriteSlot(heap.Local(locals[i]), 0, heap.Local(locals[rng() % i]));
  std::uint32_t root = heap.CreateGlobal(heap.Local(locals[0]));
  heap.CloseHandleScope();
  return root;
}

// A heap of BenchFlags() without incremental marking or start-up objects.
std::unique_ptr<Heap> BareNonIncrementalHeap() {
  HeapFlags f = BenchFlags();
  f.incremental_marking = false;
  HeapOptions o;
  o.startup_snapshot = false;
  return std::make_unique<Heap>(f, o);
}

void BM_MarkLiveGraph(benchmark::State& state) {
  auto owned = BareNonIncrementalHeap();
  Heap& heap = *owned;
  const std::size_t n = static_cast<std::size_t>(state.range(0));
  BuildLiveGraph(heap, n, 4);
  std::int64_t marked = 0;
  for (auto _ : state) {
    heap.StartIncrementalMarking();  // marking cycle start (roots), as V8's StartMarking
    heap.AdvanceIncrementalMarkingForTesting(1e12);
    state.PauseTiming();
    heap.CollectGarbage(AllocationSpace::kOld, GarbageCollectionReason::kTesting);
    state.ResumeTiming();
    marked += static_cast<std::int64_t>(n);
  }
  state.counters["objects_per_second"] =
      benchmark::Counter(static_cast<double>(marked), benchmark::Counter::kIsRate);
}
BENCHMARK(BM_MarkLiveGraph)->Arg(1 << 20)->Unit(benchmark::kMillisecond)->MinTime(1.0);

// A whole non-incremental mark-compact (marking, pointer updating, sweeping and the free lists
// rebuild) of `n` live objects on fragmented pages: old space is first filled with 128-byte
// garbage, which the first mark-compact frees, and the graph's objects then refill those gaps
// from the free list (two per gap), so each page's object table is out of address order, as a
// long-running old generation's is.
void BM_FullMarkCompact(benchmark::State& state) {
  auto owned = BareNonIncrementalHeap();
  Heap& heap = *owned;
  const std::size_t n = static_cast<std::size_t>(state.range(0));
  heap.OpenHandleScope();
  for (std::size_t i = 0; i < n; ++i)  // garbage, freed by the first mark-compact below
    heap.Allocate(128, 0, ObjectKind::kObject, 0, AllocationType::kOld);
  heap.CloseHandleScope();
  heap.CollectGarbage(AllocationSpace::kOld, GarbageCollectionReason::kTesting);
  BuildLiveGraph(heap, n, 4);  // fills the gaps first, then fresh pages
  std::int64_t collected = 0;
  for (auto _ : state) {
    heap.CollectGarbage(AllocationSpace::kOld, GarbageCollectionReason::kTesting);
    collected += static_cast<std::int64_t>(n);
  }
  state.counters["live_objects_per_second"] =
      benchmark::Counter(static_cast<double>(collected), benchmark::Counter::kIsRate);
}
BENCHMARK(BM_FullMarkCompact)->Arg(1 << 19)->Unit(benchmark::kMillisecond)->MinTime(1.0);

// large-objects' heap: a few 1.25 MB arrays of 160 000 mostly empty slots, live across
// mark-compacts that copy nothing. Marking reads every slot; pointer updating needs none.
void BM_MarkCompactLargeArrays(benchmark::State& state) {
  auto owned = BareNonIncrementalHeap();
  Heap& heap = *owned;
  const auto arrays = static_cast<std::size_t>(state.range(0));
  constexpr std::uint32_t kSlots = 160000;
  for (std::size_t i = 0; i < arrays; ++i)
    heap.CreateGlobal(
        heap.Allocate(16 + 8 * kSlots, kSlots, ObjectKind::kArray, 0, AllocationType::kOld));
  std::int64_t slots = 0;
  for (auto _ : state) {
    heap.CollectGarbage(AllocationSpace::kOld, GarbageCollectionReason::kTesting);
    slots += static_cast<std::int64_t>(arrays * kSlots);
  }
  state.counters["slots_per_second"] =
      benchmark::Counter(static_cast<double>(slots), benchmark::Counter::kIsRate);
}
BENCHMARK(BM_MarkCompactLargeArrays)->Arg(8)->Unit(benchmark::kMillisecond)->MinTime(1.0);

// Bytes malloc has handed out: arena chunks plus mmapped blocks.
std::size_t InUseBytes() {
  struct mallinfo2 m = mallinfo2();
  return m.uordblks + m.hblkhd;
}

void BM_LiveHeapFootprint(benchmark::State& state) {
  const std::uint32_t slots = static_cast<std::uint32_t>(state.range(0));
  const std::size_t n = 1 << 20;
  double per_object = 0;
  for (auto _ : state) {
    malloc_trim(0);
    const std::size_t before = InUseBytes();
    {
      HeapOptions o;
      o.startup_snapshot = false;
      Heap heap(BenchFlags(), o);
      BuildLiveGraph(heap, n, slots);
      heap.CollectGarbage(AllocationSpace::kOld, GarbageCollectionReason::kTesting);
      // Handles of the builder (4096) are part of the graph's roots, not per-object cost.
      const std::size_t after = InUseBytes();
      per_object = static_cast<double>(after - before) / static_cast<double>(n);
    }
  }
  state.counters["bytes_per_live_object"] = per_object;
  state.counters["slots_per_object"] = slots;
  state.counters["target_bytes"] = 24.0 + 8.0 * slots;
}
BENCHMARK(BM_LiveHeapFootprint)
    ->Arg(1)
    ->Arg(2)
    ->Arg(4)
    ->Arg(8)
    ->Iterations(1)
    ->Unit(benchmark::kMillisecond);

}  // namespace
}  // namespace heaplab

BENCHMARK_MAIN();
