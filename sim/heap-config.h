// Heap sizing as V8 derives it from physical memory and flags (src/heap/heap.cc
// Heap::ConfigureHeap, HeapSizeFromPhysicalMemory; src/api/api.cc ConfigureDefaults; Node's
// SetIsolateCreateParamsForNode). Pure functions, tested against node20-observed §1.2.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

#include "sim/flags.h"
#include "sim/globals.h"

namespace heaplab {

// Everything about a heap that is fixed at start-up.
struct HeapConfiguration {
  bool legacy_profile = false;
  bool has_map_space = false;
  std::size_t max_regular_object_size_bytes = kMaxRegularHeapObjectSizeNode20;
  std::uint64_t physical_memory_bytes = 0;
  std::size_t initial_semi_space_bytes = kMinSemiSpaceSize;
  std::size_t max_semi_space_bytes = kMaxSemiSpaceSize;
  int semi_space_growth_factor = 2;
  std::size_t max_old_generation_bytes = 0;
  std::size_t min_old_generation_bytes = 0;
  // The first old-generation allocation limit (Heap::ConfigureHeap initial_old_generation_size_).
  std::size_t initial_old_generation_bytes = 0;
  // --initial-old-space-size was given: the first limit is not lowered by survival.
  bool old_generation_size_configured = false;
  // v8.getHeapStatistics().heap_size_limit == Heap::MaxReserved().
  std::size_t heap_size_limit_bytes = 0;
};

// libuv's view of this machine, as Node passes it to V8: min(uv_get_total_memory,
// uv_get_constrained_memory) when the cgroup limit is set.
std::uint64_t ReadPhysicalMemoryBytes();

// Heap::YoungGenerationSizeFromSemiSpaceSize: to-space + from-space + new large-object space.
constexpr std::size_t YoungGenerationSizeFromSemiSpaceSize(std::size_t semi_space_bytes) {
  return semi_space_bytes * (2 + kNewLargeObjectSpaceToSemiSpaceRatio);
}
// Heap::SemiSpaceSizeFromYoungGenerationSize.
constexpr std::size_t SemiSpaceSizeFromYoungGenerationSize(std::size_t young_bytes) {
  return young_bytes / (2 + kNewLargeObjectSpaceToSemiSpaceRatio);
}
// Heap::YoungGenerationSizeFromOldGenerationSize: a semi-space of old/128 (old/256 at or below
// 256 MB), clamped to [1 MB, 16 MB] and rounded up to a page.
std::size_t YoungGenerationSizeFromOldGenerationSize(std::size_t old_bytes);
// Heap::MaxOldGenerationSize: 2 GB, or 4 GB on x64 with at least 16 GB of memory
// (--huge-max-old-generation-size).
std::size_t MaxOldGenerationSize(std::uint64_t physical_memory_bytes);
// Heap::HeapSizeFromPhysicalMemory: old generation phys/4*2 clamped to [256 MB, max], plus
// its young generation.
std::size_t HeapSizeFromPhysicalMemory(std::uint64_t physical_memory_bytes);
// Heap::GenerationSizesFromHeapSize: the largest old size with old + young(old) <= heap.
void GenerationSizesFromHeapSize(std::size_t heap_bytes,
                                 std::size_t* young_bytes,
                                 std::size_t* old_bytes);

// Heap::ConfigureHeap with Node's constraints: every limit of a heap started with `flags`.
// Precondition: ValidateFlagCombination(flags) holds.
HeapConfiguration ConfigureHeap(const HeapFlags& flags);

}  // namespace heaplab
