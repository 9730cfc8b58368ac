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

class RecordingSink : public HeapSink {
 public:
  void OnGCEvent(const GCEvent& e) override { events.push_back(e); }
  void OnSample(const HeapSample& s) override { samples.push_back(s); }
  void OnOutOfMemory(const OutOfMemoryEvent& e) override { oom.push_back(e); }
  std::size_t Count(GarbageCollector c) const {
    std::size_t n = 0;
    for (const auto& e : events)
      n += e.collector == c;
    return n;
  }
  std::vector<GCEvent> events;
  std::vector<HeapSample> samples;
  std::vector<OutOfMemoryEvent> oom;
};

inline void ExpectHealthy(const Heap& heap) {
  auto problems = HeapVerifier(heap).Verify();
  EXPECT_TRUE(problems.empty()) << (problems.empty() ? "" : problems.front());
}

}  // namespace heaplab::testing
