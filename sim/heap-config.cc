#include "sim/heap-config.h"

#include <algorithm>
#include <fstream>
#include <sstream>
#include <string>

namespace heaplab {

namespace {

// MinOldGenerationSize: one page per growable paged space (old, code, and map when present).
std::size_t MinOldGenerationSize(bool has_map_space) {
  return (has_map_space ? 3 : 2) * kPageSize;
}

std::uint64_t ReadCgroupLimit() {
  // cgroup v2, then v1; "max" or an absurdly large value means unconstrained (libuv returns 0).
  for (const char* path :
       {"/sys/fs/cgroup/memory.max", "/sys/fs/cgroup/memory/memory.limit_in_bytes"}) {
    std::ifstream in(path);
    std::string text;
    if (!(in >> text)) continue;
    if (text == "max") return 0;
    try {
      std::uint64_t v = std::stoull(text);
      if (v >= (std::uint64_t{1} << 62)) return 0;
      return v;
    } catch (...) {
      return 0;
    }
  }
  return 0;
}

}  // namespace

std::uint64_t ReadPhysicalMemoryBytes() {
  std::uint64_t total = 0;
  std::ifstream in("/proc/meminfo");
  std::string key;
  std::uint64_t kb = 0;
  std::string unit;
  while (in >> key >> kb >> unit) {
    if (key == "MemTotal:") {
      total = kb * 1024;
      break;
    }
  }
  // Node (src/api/environment.cc): use the constrained memory when it is set and smaller.
  std::uint64_t constrained = ReadCgroupLimit();
  if (constrained > 0 && (total == 0 || constrained < total)) total = constrained;
  return total;
}

std::size_t YoungGenerationSizeFromOldGenerationSize(std::size_t old_bytes) {
  const std::size_t ratio = old_bytes <= kOldGenerationLowMemory
                                ? kOldGenerationToSemiSpaceRatioLowMemory
                                : kOldGenerationToSemiSpaceRatio;
  std::size_t semi = old_bytes / ratio;
  semi = std::clamp(semi, kMinSemiSpaceSize, kMaxSemiSpaceSize);
  semi = RoundUp(semi, kPageSize);
  return YoungGenerationSizeFromSemiSpaceSize(semi);
}

std::size_t MaxOldGenerationSize(std::uint64_t physical_memory_bytes) {
  // heap-controller.h V8HeapTrait::kMaxSize = 1024 MB * kHeapLimitMultiplier.
  std::size_t max_size = 1024 * MB * kHeapLimitMultiplier;
  // heap.cc Heap::MaxOldGenerationSize. The memory test is the [10.x] form,
  // (phys + 512 MB) / GB >= 16; [12.x+] uses phys / GB >= 15. The 11.3 text was not seen; the two
  // differ only for machines with 15 to 15.5 GB (v8-facts.md §1).
  if ((physical_memory_bytes + 512 * MB) / GB >= 16) max_size *= 2;
  // Without pointer compression AllocatorLimitOnMaxOldGenerationSize is unlimited.
  return max_size;
}

std::size_t HeapSizeFromPhysicalMemory(std::uint64_t physical_memory_bytes) {
  std::size_t old = static_cast<std::size_t>(
      physical_memory_bytes / kPhysicalMemoryToOldGenerationRatio * kHeapLimitMultiplier);
  old = std::min(old, MaxOldGenerationSize(physical_memory_bytes));
  old = std::max(old, 128 * MB * kHeapLimitMultiplier);  // V8HeapTrait::kMinSize
  old = RoundUp(old, kPageSize);
  return old + YoungGenerationSizeFromOldGenerationSize(old);
}

void GenerationSizesFromHeapSize(std::size_t heap_bytes,
                                 std::size_t* young_bytes,
                                 std::size_t* old_bytes) {
  // Binary search for the largest old size that fits together with its young generation.
  *young_bytes = 0;
  *old_bytes = 0;
  std::size_t lower = 0, upper = heap_bytes;
  while (lower + 1 < upper) {
    std::size_t old = lower + (upper - lower) / 2;
    std::size_t young = YoungGenerationSizeFromOldGenerationSize(old);
    if (old + young <= heap_bytes) {
      *young_bytes = young;
      *old_bytes = old;
      lower = old;
    } else {
      upper = old;
    }
  }
}

HeapConfiguration ConfigureHeap(const HeapFlags& flags) {
  HeapConfiguration c;
  c.legacy_profile = flags.profile == "legacy";
  c.has_map_space = c.legacy_profile;
  c.max_regular_object_size_bytes =
      c.legacy_profile ? kMaxRegularHeapObjectSizeLegacy : kMaxRegularHeapObjectSizeNode20;
  c.physical_memory_bytes = flags.physical_memory > 0
                                ? static_cast<std::uint64_t>(flags.physical_memory) * MB
                                : ReadPhysicalMemoryBytes();
  if (c.physical_memory_bytes == 0) c.physical_memory_bytes = 8 * GB;

  // Node's constraints: ConfigureDefaults(total_memory) -> max young / max old. The legacy
  // profile uses the fixed limits old articles describe (a 16 MB semi-space, 1400 MB old space:
  // Heap::ConfigureHeap's defaults without constraints).
  std::size_t constraint_young = 0, constraint_old = 0;
  if (c.legacy_profile) {
    constraint_young = YoungGenerationSizeFromSemiSpaceSize(kMaxSemiSpaceSize);
    constraint_old = 700 * MB * kHeapLimitMultiplier;
  } else {
    GenerationSizesFromHeapSize(HeapSizeFromPhysicalMemory(c.physical_memory_bytes),
                                &constraint_young, &constraint_old);
  }

  // Max semi-space (Heap::ConfigureHeap).
  std::size_t max_semi = SemiSpaceSizeFromYoungGenerationSize(constraint_young);
  if (flags.max_semi_space_size > 0) {
    max_semi = static_cast<std::size_t>(flags.max_semi_space_size) * MB;
  } else if (flags.max_heap_size > 0) {
    std::size_t max_heap = static_cast<std::size_t>(flags.max_heap_size) * MB;
    std::size_t young = 0, old = 0;
    if (flags.max_old_space_size > 0) {
      std::size_t max_old = static_cast<std::size_t>(flags.max_old_space_size) * MB;
      young = max_heap > max_old ? max_heap - max_old : 0;
    } else {
      GenerationSizesFromHeapSize(max_heap, &young, &old);
    }
    max_semi = SemiSpaceSizeFromYoungGenerationSize(young);
  }
  max_semi = static_cast<std::size_t>(RoundUpToPowerOfTwo64(max_semi));
  max_semi = std::max(max_semi, kMinSemiSpaceSize);
  max_semi = RoundDown(max_semi, kPageSize);
  c.max_semi_space_bytes = max_semi;

  // Max old generation.
  std::size_t max_old = constraint_old;
  if (flags.max_old_space_size > 0) {
    max_old = static_cast<std::size_t>(flags.max_old_space_size) * MB;
  } else if (flags.max_heap_size > 0) {
    std::size_t max_heap = static_cast<std::size_t>(flags.max_heap_size) * MB;
    std::size_t young = YoungGenerationSizeFromSemiSpaceSize(max_semi);
    max_old = max_heap > young ? max_heap - young : 0;
  }
  c.min_old_generation_bytes = MinOldGenerationSize(c.has_map_space);
  max_old = std::max(max_old, c.min_old_generation_bytes);
  max_old = RoundDown(max_old, kPageSize);
  c.max_old_generation_bytes = max_old;

  // Initial semi-space: kMinSemiSpaceSize, or --min-semi-space-size.
  std::size_t initial_semi = kMinSemiSpaceSize;
  if (flags.min_semi_space_size > 0)
    initial_semi = static_cast<std::size_t>(flags.min_semi_space_size) * MB;
  initial_semi = std::min(initial_semi, max_semi);
  initial_semi = std::max(RoundDown(initial_semi, kPageSize), kPageSize);
  c.initial_semi_space_bytes = initial_semi;

  // --semi-space-growth-factor is forced to at least 2.
  c.semi_space_growth_factor =
      static_cast<int>(std::max<std::int64_t>(2, flags.semi_space_growth_factor));

  // Initial old-generation allocation limit: kMaxInitialOldGenerationSize capped at max_old/2.
  std::size_t initial_old = kMaxInitialOldGenerationSize;
  if (flags.initial_old_space_size > 0) {
    initial_old = static_cast<std::size_t>(flags.initial_old_space_size) * MB;
    c.old_generation_size_configured = true;
  }
  c.initial_old_generation_bytes = RoundDown(std::min(initial_old, max_old / 2), kPageSize);
  // Configured explicitly, the initial size is also the minimum: no full GC below it.
  if (c.old_generation_size_configured) c.min_old_generation_bytes = c.initial_old_generation_bytes;

  // Heap::MaxReserved(): 2 semi-spaces + new large-object space + old generation.
  c.heap_size_limit_bytes = YoungGenerationSizeFromSemiSpaceSize(max_semi) + max_old;
  return c;
}

}  // namespace heaplab
