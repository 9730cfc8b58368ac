// HeapVerifier (--verify-heap): a whole-heap consistency check, after V8's
// src/heap/heap-verifier.cc. Run after every GC when the flag is on; the tests turn it on.
#pragma once

#include <string>
#include <vector>

namespace heaplab {

class Heap;

class HeapVerifier {
 public:
  explicit HeapVerifier(const Heap& heap) : heap_(heap) {}
  // Every violated invariant, one message each; empty when the heap is consistent:
  // - roots and slots name live, unforwarded objects, never from-space or freed ones;
  // - every old-to-new slot is in the remembered set;
  // - per-page and per-space accounting adds up, objects do not overlap and stay in their page;
  // - free-list entries and the linear allocation area lie in their page and overlap nothing;
  // - between marking cycles every object is white and the worklist is empty; during marking no
  //   black object points to a white one.
  std::vector<std::string> Verify() const;
  // Throws std::logic_error listing the first problems when Verify finds any.
  void VerifyOrThrow() const;

 private:
  const Heap& heap_;
};

}  // namespace heaplab
