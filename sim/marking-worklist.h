// The marking worklist as V8 shares it between the main thread and the concurrent markers
// (src/heap/base/worklist.h, Worklist<HeapObject, 64> with one Worklist::Local per marker).
//
// Each marker has a private push segment and a private pop segment of 64 entries. It pops from
// its pop segment; when that is empty it swaps in its push segment, and when both are empty it
// steals the newest segment of the shared pool. A full push segment is published to the pool.
// So a marker's work becomes visible to the others only 64 entries at a time: a marker walking
// a list keeps the list to itself. IncrementalMarking::ShouldFinalize asks only whether the
// main thread's segments and the shared pool are empty, which is why V8 finalizes marking while
// a concurrent marker still walks a list, and the atomic pause marks the rest.
#pragma once

#include <cstddef>
#include <utility>
#include <vector>

#include "sim/heap-object.h"

namespace heaplab {

class MarkingWorklist {
 public:
  // Entries per segment (MarkingWorklist's MinSegmentSize in src/heap/marking-worklist.h).
  static constexpr std::size_t kSegmentCapacity = 64;
  // The main thread's local view; concurrent marker m (1-based) is local m.
  static constexpr int kMainThread = 0;

  // A worklist with the main thread's local view and `concurrent_markers` more.
  explicit MarkingWorklist(int concurrent_markers);
  ~MarkingWorklist();
  MarkingWorklist(const MarkingWorklist&) = delete;
  MarkingWorklist& operator=(const MarkingWorklist&) = delete;

  // Worklist::Local::Push: onto `local`'s push segment; a full one is published first.
  void Push(int local, ObjectRef ref) {
    Local& l = locals_[static_cast<std::size_t>(local)];
    if (l.push->size == kSegmentCapacity) [[unlikely]]
      PublishFullPushSegment(l);
    l.push->entries[l.push->size++] = ref;
  }
  // Worklist::Local::Pop: from `local`'s pop segment, else its push segment (swapped in), else
  // a stolen shared segment; false when all three are empty.
  bool Pop(int local, ObjectRef* ref) {
    Local& l = locals_[static_cast<std::size_t>(local)];
    if (l.pop->size == 0) {
      if (l.push->size != 0)
        std::swap(l.push, l.pop);
      else if (!StealPopSegment(l))
        return false;
    }
    *ref = l.pop->entries[--l.pop->size];
    return true;
  }
  // Worklist::Local::Publish: `local`'s non-empty segments go to the shared pool.
  void Publish(int local);
  // Every local view publishes (the concurrent markers stop: a pause, a scavenge).
  void PublishAll();
  // MarkingWorklists::Local::ShareWork: publishes `local`'s work if the shared pool is empty.
  void ShareWork(int local);

  // Whether `local`'s own segments are empty.
  bool IsLocalEmpty(int local) const {
    const Local& l = locals_[static_cast<std::size_t>(local)];
    return l.push->size == 0 && l.pop->size == 0;
  }
  // Whether the shared pool is empty.
  bool IsGlobalEmpty() const { return global_.empty(); }
  // Entries in `local`'s own segments.
  std::size_t LocalSize(int local) const {
    const Local& l = locals_[static_cast<std::size_t>(local)];
    return l.push->size + l.pop->size;
  }
  // Whether no entry is anywhere (shared or private).
  bool empty() const;
  // Entries anywhere.
  std::size_t size() const;
  // The local views, the main thread's included.
  int local_count() const { return static_cast<int>(locals_.size()); }

  // Worklist::Update: `keep(ref, &out)` decides for every entry, shared and private, whether it
  // stays, and may rewrite it (a forwarded young object). Emptied shared segments are dropped.
  template <typename Keep>
  void Update(Keep keep);
  // Every entry, shared segments first, then each local view's pop and push segments.
  std::vector<ObjectRef> Entries() const;
  // Drops every entry.
  void Clear();

 private:
  struct Segment {
    std::size_t size = 0;
    ObjectRef entries[kSegmentCapacity];
  };
  struct Local {
    Segment* push;
    Segment* pop;
  };
  Segment* NewSegment();
  void Recycle(Segment* s);
  void PublishFullPushSegment(Local& l);
  bool StealPopSegment(Local& l);
  template <typename Keep>
  static void Filter(Segment& s, Keep& keep);

  std::vector<Local> locals_;
  std::vector<Segment*> global_;  // a stack: Worklist::Pop takes the newest segment
  std::vector<Segment*> spare_;   // empty segments for reuse
};

template <typename Keep>
void MarkingWorklist::Filter(Segment& s, Keep& keep) {
  std::size_t out = 0;
  for (std::size_t i = 0; i < s.size; ++i)
    if (keep(s.entries[i], &s.entries[out])) ++out;
  s.size = out;
}

template <typename Keep>
void MarkingWorklist::Update(Keep keep) {
  for (Local& l : locals_) {
    Filter(*l.push, keep);
    Filter(*l.pop, keep);
  }
  std::size_t out = 0;
  for (Segment* s : global_) {
    Filter(*s, keep);
    if (s->size == 0)
      Recycle(s);
    else
      global_[out++] = s;
  }
  global_.resize(out);
}

}  // namespace heaplab
