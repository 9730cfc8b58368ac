// Simulated heap objects and references. No payload bytes are stored: an object is a 16-byte
// record (offset, size, kind, colour, site, slots) on a simulated page, plus its reference slots.
#pragma once

#include <cstdint>

#include "sim/globals.h"

namespace heaplab {

// A reference to an object: the page it lives on and its index in that page's object table.
// Like a tagged pointer it names exactly one place; when an object moves (scavenge copy,
// promotion, compaction) its reference changes, every slot holding the old one must be updated,
// and the old place holds a forwarding reference until then. 0 is the null reference (a Smi).
using ObjectRef = std::uint32_t;
inline constexpr ObjectRef kNullRef = 0;
inline constexpr int kObjectIndexBits = 15;
inline constexpr std::uint32_t kMaxObjectsPerPage = 1u << kObjectIndexBits;  // 32768
inline constexpr std::uint32_t kMaxPages = 1u << (32 - kObjectIndexBits);    // 131072

// Builds a reference from a page id (>= 1) and an object index on it.
constexpr ObjectRef MakeRef(std::uint32_t page_id, std::uint32_t index) {
  return (page_id << kObjectIndexBits) | index;
}
// The page id of a non-null reference.
constexpr std::uint32_t RefPage(ObjectRef ref) {
  return ref >> kObjectIndexBits;
}
// The object index of a reference within its page.
constexpr std::uint32_t RefIndex(ObjectRef ref) {
  return ref & (kMaxObjectsPerPage - 1);
}

// Tri-colour marking state (src/heap/marking.h): white = unvisited, grey = on the worklist,
// black = visited with all its slots scanned.
enum class MarkColor : std::uint8_t { kWhite = 0, kGrey = 1, kBlack = 2 };
std::string_view ToString(MarkColor color);

// The record of one object. 16 bytes: this and 4 bytes per slot are the simulator's whole
// per-object memory cost.
struct HeapObject {
  // Byte offset of the object's start in its page, in words (a page area has < 32768 words).
  std::uint32_t offset_words : 15;
  std::uint32_t kind : 3;       // ObjectKind
  std::uint32_t color : 2;      // MarkColor
  std::uint32_t forwarded : 1;  // moved; slots_begin holds the forwarding reference
  std::uint32_t memento : 1;    // an AllocationMemento follows it (young, unoptimized literal)
  std::uint32_t site : 10;      // allocation site id, 0 = none
  std::uint32_t size_bytes;     // 0 marks a free record
  std::uint32_t slots_begin;    // index of the first slot in the page's slot array
  std::uint32_t slot_count;

  // True if the record holds an object (live or not yet swept), false once freed.
  bool is_object() const { return size_bytes != 0; }
  ObjectKind object_kind() const { return static_cast<ObjectKind>(kind); }
  MarkColor mark_color() const { return static_cast<MarkColor>(color); }
  void set_color(MarkColor c) { color = static_cast<std::uint32_t>(c) & 3u; }
  std::uint32_t offset_bytes() const {
    return offset_words * static_cast<std::uint32_t>(kTaggedSize);
  }
  // The forwarding reference of a moved object (Cheney's forwarding address).
  ObjectRef forwarding() const { return slots_begin; }
};
static_assert(sizeof(HeapObject) == 16);

inline constexpr std::uint32_t kMaxAllocationSites = (1u << 10) - 1;

}  // namespace heaplab
