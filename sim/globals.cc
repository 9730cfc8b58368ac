#include "sim/globals.h"

#include <cstdarg>
#include <cstdio>

namespace heaplab {

std::string Format(const char* fmt, ...) {
  char buf[1024];
  va_list ap;
  va_start(ap, fmt);
  int n = std::vsnprintf(buf, sizeof buf, fmt, ap);
  va_end(ap);
  if (n < 0) return {};
  if (static_cast<std::size_t>(n) < sizeof buf)
    return std::string(buf, static_cast<std::size_t>(n));
  std::string big(static_cast<std::size_t>(n) + 1, '\0');
  va_start(ap, fmt);
  std::vsnprintf(big.data(), big.size(), fmt, ap);
  va_end(ap);
  big.resize(static_cast<std::size_t>(n));
  return big;
}

std::string_view ToString(AllocationSpace space) {
  switch (space) {
    case AllocationSpace::kNew:
      return "New space";
    case AllocationSpace::kOld:
      return "Old space";
    case AllocationSpace::kCode:
      return "Code space";
    case AllocationSpace::kMap:
      return "Map space";
    case AllocationSpace::kNewLargeObject:
      return "New large object space";
    case AllocationSpace::kLargeObject:
      return "Large object space";
    case AllocationSpace::kCodeLargeObject:
      return "Code large object space";
  }
  return "?";
}

std::string_view ToKey(AllocationSpace space) {
  switch (space) {
    case AllocationSpace::kNew:
      return "new";
    case AllocationSpace::kOld:
      return "old";
    case AllocationSpace::kCode:
      return "code";
    case AllocationSpace::kMap:
      return "map";
    case AllocationSpace::kNewLargeObject:
      return "new_lo";
    case AllocationSpace::kLargeObject:
      return "lo";
    case AllocationSpace::kCodeLargeObject:
      return "code_lo";
  }
  return "?";
}

std::string_view ToString(ObjectKind kind) {
  switch (kind) {
    case ObjectKind::kObject:
      return "object";
    case ObjectKind::kArray:
      return "array";
    case ObjectKind::kString:
      return "string";
    case ObjectKind::kClosure:
      return "closure";
    case ObjectKind::kCode:
      return "code";
  }
  return "?";
}

bool ParseObjectKind(std::string_view text, ObjectKind* out) {
  for (int i = 0; i < kNumberOfObjectKinds; ++i) {
    auto k = static_cast<ObjectKind>(i);
    if (ToString(k) == text) {
      *out = k;
      return true;
    }
  }
  return false;
}

std::string_view ToString(GarbageCollector collector) {
  return collector == GarbageCollector::kScavenger ? "Scavenge" : "Mark-Compact";
}

std::string_view ToString(GarbageCollectionReason reason) {
  switch (reason) {
    case GarbageCollectionReason::kAllocationFailure:
      return "allocation failure";
    case GarbageCollectionReason::kTask:
      return "task";
    case GarbageCollectionReason::kFinalizeMarkingViaTask:
      return "finalize incremental marking via task";
    case GarbageCollectionReason::kFinalizeMarkingViaStackGuard:
      return "finalize incremental marking via stack guard";
    case GarbageCollectionReason::kLastResort:
      return "last resort";
    case GarbageCollectionReason::kMemoryReducer:
      return "memory reducer";
    case GarbageCollectionReason::kTesting:
      return "testing";
    case GarbageCollectionReason::kExternalMemoryPressure:
      return "external memory pressure";
    case GarbageCollectionReason::kAllocationLimit:
      return "allocation limit";
  }
  return "?";
}

std::string_view ToString(CollectorReason reason) {
  switch (reason) {
    case CollectorReason::kNone:
      return "";
    case CollectorReason::kOldSpaceRequested:
      return "GC in old space requested";
    case CollectorReason::kScavengeMightNotSucceed:
      return "scavenge might not succeed";
    case CollectorReason::kNeedsFinalization:
      return "Incremental marking needs finalization";
  }
  return "";
}

}  // namespace heaplab
