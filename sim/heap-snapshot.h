// A picture of the heap at one moment, for the heap map, step mode and the object inspector:
// every page of every space with its objects (or, for a big heap, per-page totals), the
// free-list entries, the semi-spaces' pointers and age mark, the remembered set and the roots.
// Taking one reads the heap and changes nothing; it may be taken inside a collector hook.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <unordered_map>
#include <vector>

#include "sim/globals.h"
#include "sim/heap-object.h"

namespace heaplab {

class Heap;

// How old a young object is, as V8 sees it: only the age mark tells (SemiSpaceNewSpace).
enum class ObjectAge : std::uint8_t {
  kNew,       // young, above the age mark: not yet survived a scavenge
  kSurvived,  // young, below the age mark: survived one scavenge; promoted at the next
  kOld,       // in the old generation (old, code, map or large-object space)
};
std::string_view ToString(ObjectAge age);

// One object on a page.
struct ObjectSnapshot {
  ObjectRef ref = kNullRef;
  std::uint32_t offset_bytes = 0;
  std::uint32_t size_bytes = 0;
  ObjectKind kind = ObjectKind::kObject;
  MarkColor color = MarkColor::kWhite;
  ObjectAge age = ObjectAge::kNew;
  bool forwarded = false;
  ObjectRef forwarding = kNullRef;  // where a forwarded object went
  std::uint32_t site = 0;
  std::uint32_t id = 0;          // identity across moves, given by the step recorder; 0 = none
  std::uint32_t first_slot = 0;  // index of its first slot value in HeapSnapshot::slots
  std::uint32_t slot_count = 0;  // 0 for a forwarded object
  bool operator==(const ObjectSnapshot&) const = default;
};

// A gap on a page: a free-list entry or the paged space's linear allocation area.
struct FreeRangeSnapshot {
  std::uint32_t offset_bytes = 0;
  std::uint32_t size_bytes = 0;
  bool linear_area = false;  // the bump-pointer area, not a free-list entry
  // Free bytes of an evacuation candidate: V8 took them off the free list when marking started
  // (nothing new lands on a page about to be emptied).
  bool evicted = false;
  bool operator==(const FreeRangeSnapshot&) const = default;
};

// The role a page plays, for drawing.
enum class PageRole : std::uint8_t { kToSpace, kFromSpace, kPaged, kLarge };
std::string_view ToString(PageRole role);

// One page.
struct PageSnapshot {
  std::uint32_t id = 0;
  AllocationSpace space = AllocationSpace::kOld;
  PageRole role = PageRole::kPaged;
  std::uint64_t address = 0;
  std::uint32_t area_bytes = 0;
  std::uint32_t top_bytes = 0;  // semi-space pages: the allocation pointer's high-water mark
  bool evacuation_candidate = false;
  bool promoted_whole = false;
  // Totals, always filled: bytes of objects by age and by mark colour, and how many objects.
  std::uint64_t object_bytes = 0;
  std::uint64_t new_bytes = 0;
  std::uint64_t survived_bytes = 0;
  std::uint64_t grey_bytes = 0;
  std::uint64_t black_bytes = 0;
  std::uint64_t free_list_bytes = 0;
  std::uint32_t object_count = 0;
  std::vector<ObjectSnapshot> objects;         // in address order; empty when aggregated
  std::vector<FreeRangeSnapshot> free_ranges;  // in address order; empty when aggregated
  bool operator==(const PageSnapshot&) const = default;
};

// A root that holds an object.
struct RootSnapshot {
  enum class Kind : std::uint8_t { kStrong, kGlobal, kLocal };
  Kind kind = Kind::kGlobal;
  std::uint32_t index = 0;
  ObjectRef value = kNullRef;
  bool operator==(const RootSnapshot&) const = default;
};

struct HeapSnapshot {
  double time_ms = 0;
  std::uint64_t gc_count = 0;
  bool aggregated = false;          // pages carry totals only (too many objects to draw one by one)
  std::vector<PageSnapshot> pages;  // spaces in AllocationSpace order; semi-spaces to, then from
  std::vector<ObjectRef> slots;     // slot values of all objects (detailed snapshots only)
  std::uint32_t age_mark_page_id = 0;  // the age mark: page id and offset (0 = none)
  std::uint32_t age_mark_offset_bytes = 0;
  std::vector<std::pair<ObjectRef, std::uint32_t>> remembered_set;  // (host, slot), sorted
  std::vector<RootSnapshot> roots;
  std::vector<ObjectRef> marking_worklist;  // detailed snapshots only
  bool marking = false;
  std::vector<std::string> site_names;         // by site id; [0] is ""
  std::uint64_t max_old_generation_bytes = 0;  // the heap limit of the old generation
  // Equal heaps: every field but the lookup index.
  bool operator==(const HeapSnapshot& other) const;

  // The object `ref`, or null if it is not in the snapshot.
  const ObjectSnapshot* Find(ObjectRef ref) const;
  // The page `id`, or null.
  const PageSnapshot* FindPage(std::uint32_t id) const;
  // The slot values of `object`.
  std::vector<ObjectRef> SlotsOf(const ObjectSnapshot& object) const;
  // The simulated address of `object`.
  std::uint64_t AddressOf(const ObjectSnapshot& object) const;
  std::size_t object_count() const;
  // Entries this snapshot holds (objects, or pages when aggregated): its memory, roughly.
  std::size_t entry_count() const;

 private:
  // Built lazily by Find().
  mutable std::unordered_map<ObjectRef, std::pair<std::uint32_t, std::uint32_t>> index_;
};

struct SnapshotOptions {
  // Above this many objects the snapshot keeps per-page totals only.
  std::size_t max_detailed_objects = 200000;
  // Gives each object an identity across moves (the step recorder's); may be empty.
  std::function<std::uint32_t(ObjectRef)> identify;
};

// Reads the whole heap. O(pages + objects + slots).
HeapSnapshot TakeHeapSnapshot(const Heap& heap, const SnapshotOptions& options = {});

// One link of a retaining path: the root, then each object and the slot of it that holds the
// next one.
inline constexpr std::int32_t kForwardedSlot = -2;
struct RetainingLink {
  ObjectRef object = kNullRef;
  // The slot of `object` that holds the next link; -1 for the last; kForwardedSlot when
  // `object` is an old place that forwards to the next link (mid-collection).
  std::int32_t slot = -1;
  std::string label;  // "global #3", "local #0", "start-up root" for the root link
};

// The shortest path from a root to `target` in a detailed snapshot: answers "why is this
// still here?". Empty if `target` is unreachable (garbage) or unknown.
std::vector<RetainingLink> FindRetainingPath(const HeapSnapshot& snapshot, ObjectRef target);

// The (host, slot) pairs whose slot holds `target`, in a detailed snapshot.
std::vector<std::pair<ObjectRef, std::uint32_t>> FindReferencesTo(const HeapSnapshot& snapshot,
                                                                  ObjectRef target);

// "0x2a3f00c140" style.
std::string FormatAddress(std::uint64_t address);

}  // namespace heaplab
