// A simulated page: 256 KB of address space with an object table and a slot array.
// Large-object pages hold exactly one object (src/heap/large-spaces.h LargePage).
#pragma once

#include <cstdint>
#include <vector>

#include "sim/globals.h"
#include "sim/heap-object.h"

namespace heaplab {

class Page {
 public:
  // Page flags, after MemoryChunk::Flag.
  enum Flag : std::uint8_t {
    kEvacuationCandidate = 1 << 0,
    kNeverEvacuate = 1 << 1,
    kPromotedWhole = 1 << 2,   // moved from new space to old space by page promotion
    kFromSpace = 1 << 3,       // a semi-space page being evacuated by a scavenge
    kSurvivingLarge = 1 << 4,  // a young large object reached by the current scavenge
    kHasForwarded = 1 << 5,    // may hold forwarded records; none elsewhere (pointer updating)
  };

  std::uint32_t id = 0;
  AllocationSpace owner = AllocationSpace::kOld;
  std::uint8_t flags = 0;
  std::uint64_t address = 0;                // simulated start address of the page's area
  std::size_t area_bytes = 0;               // usable bytes
  std::size_t committed_bytes = 0;          // bytes of memory the page costs
  std::vector<HeapObject> objects;          // object table; indices are part of references
  std::vector<ObjectRef> slots;             // all slots of the objects on this page
  std::vector<std::uint16_t> free_indices;  // free records in `objects`, reusable
  std::size_t allocated_bytes = 0;          // bytes of object records (live and not yet swept)
  std::size_t live_bytes = 0;               // bytes found live by the current/last marking
  std::size_t dead_slots = 0;               // entries of `slots` owned by freed or moved records
  std::uint32_t top_bytes = 0;              // bump-pointer high-water mark (new-space pages)
  std::uint32_t sequence = 0;               // order of the page within its semi-space
  std::uint32_t free_list_epoch = 0;        // bumped to invalidate this page's free-list entries
  std::uint32_t object_count = 0;           // records in use
  std::size_t free_list_bytes = 0;          // bytes of this page's valid free-list entries
  // A large array's marking progress (MemoryChunk::ProgressBar): bytes of it scanned so far in
  // the current marking cycle, which marks it a chunk at a time.
  std::uint32_t progress_bar_bytes = 0;

  // The slots that lie in the first `bytes` bytes of `o` (slots spread evenly over an object).
  static std::uint32_t SlotsWithin(const HeapObject& o, std::size_t bytes) {
    return bytes >= o.size_bytes ? o.slot_count
                                 : static_cast<std::uint32_t>(bytes * o.slot_count / o.size_bytes);
  }
  // The slots of `o`, this page's object, that marking has scanned once it is black: all of
  // them unless its progress bar stands inside it.
  std::uint32_t ScannedSlots(const HeapObject& o) const {
    return progress_bar_bytes == 0 ? o.slot_count : SlotsWithin(o, progress_bar_bytes);
  }
  bool IsFlagSet(Flag f) const { return (flags & f) != 0; }
  void SetFlag(Flag f) { flags = static_cast<std::uint8_t>(flags | f); }
  void ClearFlag(Flag f) { flags = static_cast<std::uint8_t>(flags & ~f); }

  // Adds a record for an object at `offset_bytes` with `slot_count` null slots.
  // Returns its index. Precondition: object_count < kMaxObjectsPerPage.
  std::uint32_t AddObject(std::uint32_t offset_bytes,
                          std::uint32_t size_bytes,
                          ObjectKind kind,
                          std::uint32_t site,
                          std::uint32_t slot_count);
  // Appends `n` records of `size_bytes` each, `stride_bytes` apart from `offset_bytes` (the
  // gap holds a memento), each with `slot_count` null slots. Returns the index of the first.
  // Precondition: no free indices.
  std::uint32_t AddObjectRun(std::uint32_t offset_bytes,
                             std::uint32_t size_bytes,
                             ObjectKind kind,
                             std::uint32_t site,
                             std::uint32_t slot_count,
                             std::uint32_t n,
                             std::uint32_t stride_bytes);
  // Adds a record that copies `src` (kind, site, colour cleared) and its slots.
  std::uint32_t AddCopy(std::uint32_t offset_bytes,
                        const HeapObject& src,
                        const ObjectRef* src_slots);
  // Frees a record (size 0) and makes its index reusable.
  void FreeObject(std::uint32_t index);
  // Drops every object: the page is empty again (semi-space flip, page release).
  void Reset();
  // Rewrites `slots` without the entries of freed records when at least half are dead.
  void CompactSlotsIfWorthIt();
  // Gives back vector capacity beyond a quarter of slack (after sweeping): the simulator's
  // memory per live object stays near 16 bytes + 4 per slot.
  void ShrinkToFit();
};

}  // namespace heaplab
