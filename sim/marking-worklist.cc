#include "sim/marking-worklist.h"

namespace heaplab {

MarkingWorklist::MarkingWorklist(int concurrent_markers)
    : locals_(static_cast<std::size_t>(1 + concurrent_markers)) {
  for (Local& l : locals_) {
    l.push = NewSegment();
    l.pop = NewSegment();
  }
}

MarkingWorklist::~MarkingWorklist() {
  for (Local& l : locals_) {
    delete l.push;
    delete l.pop;
  }
  for (Segment* s : global_)
    delete s;
  for (Segment* s : spare_)
    delete s;
}

MarkingWorklist::Segment* MarkingWorklist::NewSegment() {
  if (spare_.empty()) return new Segment;
  Segment* s = spare_.back();
  spare_.pop_back();
  return s;
}

void MarkingWorklist::Recycle(Segment* s) {
  s->size = 0;
  spare_.push_back(s);
}

void MarkingWorklist::PublishFullPushSegment(Local& l) {
  global_.push_back(l.push);
  l.push = NewSegment();
}

bool MarkingWorklist::StealPopSegment(Local& l) {
  if (global_.empty()) return false;
  Recycle(l.pop);
  l.pop = global_.back();
  global_.pop_back();
  return true;
}

void MarkingWorklist::Publish(int local) {
  Local& l = locals_[static_cast<std::size_t>(local)];
  if (l.push->size != 0) {
    global_.push_back(l.push);
    l.push = NewSegment();
  }
  if (l.pop->size != 0) {
    global_.push_back(l.pop);
    l.pop = NewSegment();
  }
}

void MarkingWorklist::PublishAll() {
  for (int i = 0; i < local_count(); ++i)
    Publish(i);
}

void MarkingWorklist::ShareWork(int local) {
  if (!IsLocalEmpty(local) && IsGlobalEmpty()) Publish(local);
}

bool MarkingWorklist::empty() const {
  if (!global_.empty()) return false;
  for (const Local& l : locals_)
    if (l.push->size != 0 || l.pop->size != 0) return false;
  return true;
}

std::size_t MarkingWorklist::size() const {
  std::size_t n = 0;
  for (const Segment* s : global_)
    n += s->size;
  for (const Local& l : locals_)
    n += l.push->size + l.pop->size;
  return n;
}

std::vector<ObjectRef> MarkingWorklist::Entries() const {
  std::vector<ObjectRef> all;
  all.reserve(size());
  auto add = [&all](const Segment* s) { all.insert(all.end(), s->entries, s->entries + s->size); };
  for (const Segment* s : global_)
    add(s);
  for (const Local& l : locals_) {
    add(l.pop);
    add(l.push);
  }
  return all;
}

void MarkingWorklist::Clear() {
  for (Local& l : locals_) {
    l.push->size = 0;
    l.pop->size = 0;
  }
  for (Segment* s : global_)
    Recycle(s);
  global_.clear();
  // A big cycle's segments are not kept for the next one.
  constexpr std::size_t kKeptSpareSegments = 1024;
  while (spare_.size() > kKeptSpareSegments) {
    delete spare_.back();
    spare_.pop_back();
  }
}

}  // namespace heaplab
