#include "sim/page.h"

#include <cassert>
#include <cstring>

namespace heaplab {

std::string_view ToString(MarkColor color) {
  switch (color) {
    case MarkColor::kWhite:
      return "white";
    case MarkColor::kGrey:
      return "grey";
    case MarkColor::kBlack:
      return "black";
  }
  return "?";
}

std::uint32_t Page::AddObject(std::uint32_t offset_bytes,
                              std::uint32_t size_bytes,
                              ObjectKind kind,
                              std::uint32_t site,
                              std::uint32_t slot_count) {
  HeapObject o;
  o.offset_words = (offset_bytes / kTaggedSize) & 0x7fffu;
  o.kind = static_cast<std::uint32_t>(kind) & 7u;
  o.color = 0;
  o.forwarded = 0;
  o.memento = 0;
  o.site = site & 0x3ffu;
  o.size_bytes = size_bytes;
  o.slots_begin = static_cast<std::uint32_t>(slots.size());
  o.slot_count = slot_count;
  slots.resize(slots.size() + slot_count, kNullRef);
  allocated_bytes += size_bytes;
  ++object_count;
  if (!free_indices.empty()) {
    std::uint32_t index = free_indices.back();
    free_indices.pop_back();
    objects[index] = o;
    return index;
  }
  assert(objects.size() < kMaxObjectsPerPage);
  objects.push_back(o);
  return static_cast<std::uint32_t>(objects.size() - 1);
}

std::uint32_t Page::AddObjectRun(std::uint32_t offset_bytes,
                                 std::uint32_t size_bytes,
                                 ObjectKind kind,
                                 std::uint32_t site,
                                 std::uint32_t slot_count,
                                 std::uint32_t n,
                                 std::uint32_t stride_bytes) {
  assert(free_indices.empty());
  const auto first = static_cast<std::uint32_t>(objects.size());
  std::uint32_t slot = static_cast<std::uint32_t>(slots.size());
  objects.resize(objects.size() + n);
  slots.resize(slots.size() + std::size_t{slot_count} * n, kNullRef);
  HeapObject o;
  o.kind = static_cast<std::uint32_t>(kind) & 7u;
  o.color = 0;
  o.forwarded = 0;
  o.memento = 0;
  o.site = site & 0x3ffu;
  o.size_bytes = size_bytes;
  o.slot_count = slot_count;
  for (std::uint32_t i = 0; i < n; ++i) {
    o.offset_words = ((offset_bytes + i * stride_bytes) / kTaggedSize) & 0x7fffu;
    o.slots_begin = slot;
    slot += slot_count;
    objects[first + i] = o;
  }
  allocated_bytes += std::size_t{size_bytes} * n;
  object_count += n;
  return first;
}

std::uint32_t Page::AddCopy(std::uint32_t offset_bytes,
                            const HeapObject& src,
                            const ObjectRef* src_slots) {
  std::uint32_t index = AddObject(offset_bytes, src.size_bytes, src.object_kind(), src.site, 0);
  HeapObject& o = objects[index];
  o.slots_begin = static_cast<std::uint32_t>(slots.size());
  o.slot_count = src.slot_count;
  slots.insert(slots.end(), src_slots, src_slots + src.slot_count);
  return index;
}

void Page::FreeObject(std::uint32_t index) {
  HeapObject& o = objects[index];
  allocated_bytes -= o.size_bytes;
  if (!o.forwarded) dead_slots += o.slot_count;
  o.size_bytes = 0;
  o.slot_count = 0;
  o.forwarded = 0;
  o.color = 0;
  --object_count;
  free_indices.push_back(static_cast<std::uint16_t>(index));
}

void Page::Reset() {
  objects.clear();
  slots.clear();
  free_indices.clear();
  allocated_bytes = 0;
  live_bytes = 0;
  dead_slots = 0;
  top_bytes = 0;
  object_count = 0;
  free_list_bytes = 0;
  progress_bar_bytes = 0;
  ++free_list_epoch;
  ClearFlag(kHasForwarded);
}

void Page::CompactSlotsIfWorthIt() {
  if (dead_slots == 0 || dead_slots * 2 < slots.size()) return;
  std::vector<ObjectRef> packed;
  packed.reserve(slots.size() - dead_slots);
  for (HeapObject& o : objects) {
    if (!o.is_object() || o.forwarded) continue;
    std::uint32_t begin = static_cast<std::uint32_t>(packed.size());
    packed.insert(packed.end(), slots.begin() + o.slots_begin,
                  slots.begin() + o.slots_begin + o.slot_count);
    o.slots_begin = begin;
  }
  slots.swap(packed);
  slots.shrink_to_fit();
  dead_slots = 0;
}

}  // namespace heaplab

namespace heaplab {

void Page::ShrinkToFit() {
  if (objects.capacity() > objects.size() + objects.size() / 4 + 16) objects.shrink_to_fit();
  if (slots.capacity() > slots.size() + slots.size() / 4 + 16) slots.shrink_to_fit();
  if (free_indices.capacity() > free_indices.size() + free_indices.size() / 4 + 16)
    free_indices.shrink_to_fit();
}

}  // namespace heaplab
