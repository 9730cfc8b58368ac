// Constants and shared enums of the simulated V8 heap. Mirrors src/common/globals.h and
// src/heap/heap.h of V8 11.3 as built by Node 20 (x64, no pointer compression).
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace heaplab {

// printf into a std::string of any length (trace lines, step descriptions).
std::string Format(const char* fmt, ...) __attribute__((format(printf, 1, 2)));

inline constexpr std::size_t KB = 1024;
inline constexpr std::size_t MB = 1024 * KB;
inline constexpr std::size_t GB = 1024 * MB;

// Node 20 does not enable pointer compression, so a tagged slot is 8 bytes
// (src/common/globals.h kTaggedSize) and Heap::kPointerMultiplier == kHeapLimitMultiplier == 2.
inline constexpr std::size_t kTaggedSize = 8;
// AllocationMemento::kSize: map and site words, right behind a young literal allocated by
// unoptimized code. Left behind when the object is copied.
inline constexpr std::size_t kAllocationMementoSize = 16;
inline constexpr std::size_t kObjectAlignment = 8;
inline constexpr std::size_t kPointerMultiplier = 2;
inline constexpr std::size_t kHeapLimitMultiplier = 2;

// src/base/build_config.h: kPageSizeBits = 18, so a regular page is 256 KB.
inline constexpr int kPageSizeBits = 18;
inline constexpr std::size_t kPageSize = std::size_t{1} << kPageSizeBits;

// Node's platform worker threads (NodePlatform's default --v8-pool-size=4): V8's parallel and
// concurrent GC jobs run on them.
inline constexpr int kNodeWorkerThreads = 4;
// ConcurrentMarking's task count: kMaxTasks (7) capped by the platform's worker threads.
inline constexpr int kConcurrentMarkingTasks = kNodeWorkerThreads < 7 ? kNodeWorkerThreads : 7;

// Amdahl's law: how many times faster than one thread work runs when `shareable` (0..1) of it
// is spread over `threads` threads and the rest runs on one.
inline double ParallelSpeedup(double shareable, double threads) {
  const double f = shareable < 0 ? 0 : shareable > 1 ? 1 : shareable;
  if (threads <= 1 || f <= 0) return 1;
  return 1 / ((1 - f) + f / threads);
}
// Usable bytes of a regular page: 1006 KB per MB of semi-space (node20-observed §1.4),
// i.e. 251.5 KB per 256 KB page; the rest is the page header.
inline constexpr std::size_t kPageAreaSize = 257536;
// Usable bytes of a code-space page (MemoryChunkLayout::AllocatableMemoryInCodePage: guard
// pages around the area): node 20's old-generation capacity grows by 245712 bytes when its
// code space takes a page (gdb on Heap::NotifyOldGenerationExpansion).
inline constexpr std::size_t kCodePageAreaSize = 245712;
// src/heap/evacuation-allocator.h: a GC task copies young survivors into local allocation
// buffers of kLabSize; objects over kMaxLabObjectSize are allocated on their own.
inline constexpr std::size_t kLabSize = 32 * KB;
inline constexpr std::size_t kMaxLabObjectSize = 8 * KB;
// Large-object pages are committed in 4 KB OS pages plus one header page (node20-observed §1.4:
// 131080 -> 139264, 1048592 -> 1056768).
inline constexpr std::size_t kCommitPageSize = 4 * KB;

// src/common/globals.h kMaxRegularHeapObjectSize = 1 << (kPageSizeBits - 1).
inline constexpr std::size_t kMaxRegularHeapObjectSizeNode20 = 131072;
// The threshold older V8 (Node <= 16 era articles) describe.
inline constexpr std::size_t kMaxRegularHeapObjectSizeLegacy = 507136;

// HeapLab's own: pages to sweep worth this much make starting node's concurrent sweepers delay
// the mark-compact's finish phase by its full amount, whatever the heap's size beyond it (r17:
// 1-5 ms in about half the mark-compacts that leave 4 MB or more; teaching-small's 2.8 MB
// heap, 0.0-0.3 ms).
inline constexpr std::size_t kSweeperContentionBytes = 4 * MB;

// src/heap/heap.h, class Heap (64-bit, Node 20 values).
inline constexpr std::size_t kMinSemiSpaceSize = 512 * KB * kPointerMultiplier;   // 1 MB
inline constexpr std::size_t kMaxSemiSpaceSize = 8192 * KB * kPointerMultiplier;  // 16 MB
inline constexpr std::size_t kMaxInitialOldGenerationSize = 256 * MB * kHeapLimitMultiplier;
inline constexpr std::size_t kPhysicalMemoryToOldGenerationRatio = 4;
inline constexpr std::size_t kOldGenerationLowMemory = 128 * MB * kHeapLimitMultiplier;
inline constexpr std::size_t kOldGenerationToSemiSpaceRatio = 128;
inline constexpr std::size_t kOldGenerationToSemiSpaceRatioLowMemory = 256;
inline constexpr std::size_t kNewLargeObjectSpaceToSemiSpaceRatio = 1;

// Rounds `value` up to a multiple of `alignment` (a power of two).
constexpr std::size_t RoundUp(std::size_t value, std::size_t alignment) {
  return (value + alignment - 1) & ~(alignment - 1);
}
// Rounds `value` down to a multiple of `alignment` (a power of two).
constexpr std::size_t RoundDown(std::size_t value, std::size_t alignment) {
  return value & ~(alignment - 1);
}
// base::bits::RoundUpToPowerOfTwo64: the smallest power of two >= value (1 for 0).
constexpr std::uint64_t RoundUpToPowerOfTwo64(std::uint64_t value) {
  std::uint64_t p = 1;
  while (p < value)
    p <<= 1;
  return p;
}

// The spaces of the heap (src/common/globals.h AllocationSpace). kMap exists only in the
// legacy profile.
enum class AllocationSpace : std::uint8_t {
  kNew,
  kOld,
  kCode,
  kMap,
  kNewLargeObject,
  kLargeObject,
  kCodeLargeObject,
};
inline constexpr int kNumberOfSpaces = 7;

// V8's own wording for each space, as --trace-gc-verbose prints it.
std::string_view ToString(AllocationSpace space);
// A short machine name (CSV columns, JSON keys): new, old, code, map, new_lo, lo, code_lo.
std::string_view ToKey(AllocationSpace space);
// True for the spaces collected by the Scavenger.
constexpr bool IsYoungSpace(AllocationSpace s) {
  return s == AllocationSpace::kNew || s == AllocationSpace::kNewLargeObject;
}
// True for the spaces that hold one object per page and never move it.
constexpr bool IsLargeObjectSpace(AllocationSpace s) {
  return s == AllocationSpace::kNewLargeObject || s == AllocationSpace::kLargeObject ||
         s == AllocationSpace::kCodeLargeObject;
}

// What a simulated object is. Only kObject and kArray carry allocation mementos (V8 tracks
// allocation sites for object and array literals only).
enum class ObjectKind : std::uint8_t { kObject, kArray, kString, kClosure, kCode };
inline constexpr int kNumberOfObjectKinds = 5;
std::string_view ToString(ObjectKind kind);
// The smallest closure with `slot_count` captured variables, as V8 allocates it: a JSFunction
// (64 bytes) and, when it captures anything, a function context (map, length, scope info,
// previous: 32 bytes) with 8 bytes per variable. Node: 112 bytes for two variables.
constexpr std::size_t ClosureSize(std::uint32_t slot_count) {
  return 64 + (slot_count > 0 ? 32 + 8 * std::size_t{slot_count} : 0);
}
// Parses "object", "array", "string", "closure", "code"; returns false when unknown.
bool ParseObjectKind(std::string_view text, ObjectKind* out);

// The collectors (src/common/globals.h GarbageCollector).
enum class GarbageCollector : std::uint8_t { kScavenger, kMarkCompactor };
std::string_view ToString(GarbageCollector collector);

// src/heap/heap.h GarbageCollectionReason, restricted to the reasons the simulator produces;
// ToString gives V8's GarbageCollectionReasonToString wording.
enum class GarbageCollectionReason : std::uint8_t {
  kAllocationFailure,
  kTask,
  kFinalizeMarkingViaTask,
  kFinalizeMarkingViaStackGuard,
  kLastResort,
  kMemoryReducer,
  kTesting,
  kExternalMemoryPressure,
  kAllocationLimit,  // incremental marking started at the old generation's hard limit
};
std::string_view ToString(GarbageCollectionReason reason);

// Why a collector was chosen (Heap::SelectGarbageCollector's `reason` out-parameter).
enum class CollectorReason : std::uint8_t {
  kNone,
  kOldSpaceRequested,        // "GC in old space requested"
  kScavengeMightNotSucceed,  // "scavenge might not succeed"
  kNeedsFinalization,        // "Incremental marking needs finalization"
};
std::string_view ToString(CollectorReason reason);

}  // namespace heaplab
