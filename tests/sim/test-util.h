// Helpers for the simulator tests: small heaps with --verify-heap on, and a sink that keeps
// every event.
#pragma once

#include <gtest/gtest.h>

#include <vector>

#include "sim/heap-verifier.h"
#include "sim/heap.h"

namespace heaplab::testing {

// Flags for a deterministic 24 GB machine (the machine node20-observed was measured on).
inline HeapFlags TestFlags() {
  HeapFlags f;
  f.physical_memory = 24 * 1024;
  f.verify_heap = true;
  return f;
}

// Options for hand-built graphs: no start-up snapshot objects.
inline HeapOptions BareOptions() {
  HeapOptions o;
  o.startup_snapshot = false;
  return o;
}

// Allocates `mb` megabytes of 1 KB objects and keeps every `keep_every`-th alive in a linked
// list held by global handle `head` (a new one when UINT32_MAX). Returns the handle.
inline std::uint32_t RetainList(Heap& heap,
                                std::size_t mb,
                                std::uint32_t head = UINT32_MAX,
                                std::size_t keep_every = 1) {
  if (head == UINT32_MAX) head = heap.CreateGlobal(kNullRef);
  for (std::size_t i = 0; i < mb * 1024; ++i) {
    heap.OpenHandleScope();
    auto n = heap.CreateLocal(heap.Allocate(1024, 1, ObjectKind::kObject));
    if (i % keep_every == 0) {
      heap.WriteSlot(heap.Local(n), 0, heap.Global(head));
      heap.SetGlobal(head, heap.Local(n));
    }
    heap.CloseHandleScope();
  }
  return head;
}

class RecordingSink : public HeapSink {
 public:
  void OnGCEvent(const GCEvent& e) override { events.push_back(e); }
  void OnSample(const HeapSample& s) override { samples.push_back(s); }
  void OnOutOfMemory(const OutOfMemoryEvent& e) override { oom.push_back(e); }
  void OnTraceMessage(const TraceMessage& m) override { messages.push_back(m); }
  // The texts of the trace messages that contain `part`.
  std::vector<std::string> MessagesWith(std::string_view part) const {
    std::vector<std::string> out;
    for (const auto& m : messages)
      if (m.text.find(part) != std::string::npos) out.push_back(m.text);
    return out;
  }
  std::size_t Count(GarbageCollector c) const {
    std::size_t n = 0;
    for (const auto& e : events)
      n += e.collector == c;
    return n;
  }
  std::vector<GCEvent> events;
  std::vector<HeapSample> samples;
  std::vector<OutOfMemoryEvent> oom;
  std::vector<TraceMessage> messages;
};

// Fills ~12 old-space pages with 1 KB objects and keeps one in 64 (as global handles, returned),
// then runs a full GC: the pages are left ~98% free, evacuation candidates of the next one.
inline std::vector<std::uint32_t> FragmentOldSpace(Heap& heap) {
  heap.OpenHandleScope();
  std::vector<std::uint32_t> all;
  for (int i = 0; i < 3000; ++i)
    all.push_back(
        heap.CreateLocal(heap.Allocate(1024, 0, ObjectKind::kObject, 0, AllocationType::kOld)));
  std::vector<std::uint32_t> kept;
  for (std::size_t i = 0; i < all.size(); i += 64)
    kept.push_back(heap.CreateGlobal(heap.Local(all[i])));
  heap.CloseHandleScope();
  heap.CollectGarbage(AllocationSpace::kOld, GarbageCollectionReason::kTesting);
  return kept;
}

inline void ExpectHealthy(const Heap& heap) {
  auto problems = HeapVerifier(heap).Verify();
  EXPECT_TRUE(problems.empty()) << (problems.empty() ? "" : problems.front());
}

}  // namespace heaplab::testing
