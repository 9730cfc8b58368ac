#include "sim/heap-snapshot.h"

#include <algorithm>
#include <cinttypes>
#include <cstdio>
#include <deque>

#include "sim/heap.h"

namespace heaplab {

std::string_view ToString(ObjectAge age) {
  switch (age) {
    case ObjectAge::kNew:
      return "new";
    case ObjectAge::kSurvived:
      return "survived one scavenge";
    case ObjectAge::kOld:
      return "old";
  }
  return "?";
}

std::string_view ToString(PageRole role) {
  switch (role) {
    case PageRole::kToSpace:
      return "to-space";
    case PageRole::kFromSpace:
      return "from-space";
    case PageRole::kPaged:
      return "paged";
    case PageRole::kLarge:
      return "large";
  }
  return "?";
}

std::string FormatAddress(std::uint64_t address) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "0x%" PRIx64, address);
  return buf;
}

bool HeapSnapshot::operator==(const HeapSnapshot& o) const {
  return time_ms == o.time_ms && gc_count == o.gc_count && aggregated == o.aggregated &&
         pages == o.pages && slots == o.slots && age_mark_page_id == o.age_mark_page_id &&
         age_mark_offset_bytes == o.age_mark_offset_bytes && remembered_set == o.remembered_set &&
         roots == o.roots && marking_worklist == o.marking_worklist && marking == o.marking &&
         site_names == o.site_names && max_old_generation_bytes == o.max_old_generation_bytes;
}

const ObjectSnapshot* HeapSnapshot::Find(ObjectRef ref) const {
  if (index_.empty()) {
    for (std::uint32_t p = 0; p < pages.size(); ++p)
      for (std::uint32_t i = 0; i < pages[p].objects.size(); ++i)
        index_.emplace(pages[p].objects[i].ref, std::make_pair(p, i));
  }
  auto it = index_.find(ref);
  if (it == index_.end()) return nullptr;
  return &pages[it->second.first].objects[it->second.second];
}

const PageSnapshot* HeapSnapshot::FindPage(std::uint32_t id) const {
  for (const PageSnapshot& p : pages)
    if (p.id == id) return &p;
  return nullptr;
}

std::vector<ObjectRef> HeapSnapshot::SlotsOf(const ObjectSnapshot& object) const {
  return {slots.begin() + object.first_slot, slots.begin() + object.first_slot + object.slot_count};
}

std::uint64_t HeapSnapshot::AddressOf(const ObjectSnapshot& object) const {
  const PageSnapshot* p = FindPage(RefPage(object.ref));
  return (p != nullptr ? p->address : 0) + object.offset_bytes;
}

std::size_t HeapSnapshot::object_count() const {
  std::size_t n = 0;
  for (const PageSnapshot& p : pages)
    n += p.object_count;
  return n;
}

std::size_t HeapSnapshot::entry_count() const {
  return aggregated ? pages.size() : object_count() + pages.size();
}

namespace {

class SnapshotBuilder {
 public:
  SnapshotBuilder(const Heap& heap, const SnapshotOptions& options, HeapSnapshot* out)
      : heap_(heap), options_(options), out_(*out) {}

  // Whether a scavenge is under way (its to-space holds only its survivors).
  void set_scavenging(bool scavenging) { scavenging_ = scavenging; }

  void AddPage(const Page* page, PageRole role, const PagedSpace* paged) {
    PageSnapshot ps;
    ps.id = page->id;
    ps.space = page->owner;
    ps.role = role;
    ps.address = page->address;
    ps.area_bytes = static_cast<std::uint32_t>(page->area_bytes);
    ps.top_bytes = page->top_bytes;
    ps.evacuation_candidate = page->IsFlagSet(Page::kEvacuationCandidate);
    ps.promoted_whole = page->IsFlagSet(Page::kPromotedWhole);
    const bool young = IsYoungSpace(page->owner);
    const SemiSpaceNewSpace& ns = heap_.new_space();
    for (std::uint32_t i = 0; i < page->objects.size(); ++i) {
      const HeapObject& o = page->objects[i];
      if (!o.is_object()) continue;
      ObjectAge age = ObjectAge::kOld;
      // During a scavenge everything in to-space has just survived it; the age mark still
      // splits from-space (below it: survived once, to be promoted).
      if (page->owner == AllocationSpace::kNew && role == PageRole::kToSpace && scavenging_)
        age = ObjectAge::kSurvived;
      else if (page->owner == AllocationSpace::kNew)
        age = ns.IsBelowAgeMark(page, o.offset_bytes()) ? ObjectAge::kSurvived : ObjectAge::kNew;
      else if (young)
        age = ObjectAge::kNew;
      ++ps.object_count;
      if (!o.forwarded) {
        ps.object_bytes += o.size_bytes;
        if (age == ObjectAge::kNew && young) ps.new_bytes += o.size_bytes;
        if (age == ObjectAge::kSurvived) ps.survived_bytes += o.size_bytes;
        if (o.mark_color() == MarkColor::kGrey) ps.grey_bytes += o.size_bytes;
        if (o.mark_color() == MarkColor::kBlack) ps.black_bytes += o.size_bytes;
      }
      if (out_.aggregated) continue;
      ObjectSnapshot os;
      os.ref = MakeRef(page->id, i);
      os.offset_bytes = o.offset_bytes();
      os.size_bytes = o.size_bytes;
      os.kind = o.object_kind();
      os.color = o.mark_color();
      os.age = age;
      os.forwarded = o.forwarded != 0;
      os.site = o.site;
      if (options_.identify) os.id = options_.identify(os.ref);
      if (os.forwarded) {
        os.forwarding = o.forwarding();
      } else {
        os.first_slot = static_cast<std::uint32_t>(out_.slots.size());
        os.slot_count = o.slot_count;
        const ObjectRef* s = page->slots.data() + o.slots_begin;
        out_.slots.insert(out_.slots.end(), s, s + o.slot_count);
      }
      ps.objects.push_back(os);
    }
    if (!out_.aggregated) {
      std::sort(ps.objects.begin(), ps.objects.end(),
                [](const ObjectSnapshot& a, const ObjectSnapshot& b) {
                  return a.offset_bytes < b.offset_bytes;
                });
    }
    if (paged != nullptr) {
      ps.free_list_bytes = page->free_list_bytes;
      if (!out_.aggregated) {
        paged->free_list().ForEachEntry(paged->memory_allocator(), [&](const FreeList::Entry& e) {
          if (e.page_id == page->id) ps.free_ranges.push_back({e.offset, e.size, false});
        });
        if (paged->linear_area_page() == page && paged->lab_limit() > paged->lab_top())
          ps.free_ranges.push_back({paged->lab_top(), paged->lab_limit() - paged->lab_top(), true});
        // An evacuation candidate's free list was evicted: its gaps between objects.
        if (ps.evacuation_candidate) {
          std::uint32_t end = 0;
          for (const ObjectSnapshot& o : ps.objects) {
            if (o.offset_bytes > end)
              ps.free_ranges.push_back({end, o.offset_bytes - end, false, true});
            end = std::max(end, o.offset_bytes + o.size_bytes);
          }
          const auto area = static_cast<std::uint32_t>(page->area_bytes);
          if (area > end) ps.free_ranges.push_back({end, area - end, false, true});
        }
        std::sort(ps.free_ranges.begin(), ps.free_ranges.end(),
                  [](const FreeRangeSnapshot& a, const FreeRangeSnapshot& b) {
                    return a.offset_bytes < b.offset_bytes;
                  });
      }
    }
    out_.pages.push_back(std::move(ps));
  }

 private:
  const Heap& heap_;
  const SnapshotOptions& options_;
  HeapSnapshot& out_;
  bool scavenging_ = false;
};

std::size_t CountObjects(const Heap& heap) {
  std::size_t n = 0;
  const MemoryAllocator& a = heap.memory_allocator();
  for (std::uint32_t id = 1; id < a.page_id_limit(); ++id)
    if (const Page* p = a.page(id)) n += p->object_count;
  return n;
}

}  // namespace

HeapSnapshot TakeHeapSnapshot(const Heap& heap, const SnapshotOptions& options) {
  HeapSnapshot s;
  s.time_ms = heap.now_ms();
  s.gc_count = heap.gc_count();
  s.aggregated = CountObjects(heap) > options.max_detailed_objects;
  s.marking = heap.IsMarking();
  SnapshotBuilder b(heap, options, &s);

  const SemiSpaceNewSpace& ns = heap.new_space();
  const bool scavenging =
      !ns.from_space().empty() && ns.from_space().front()->IsFlagSet(Page::kFromSpace);
  b.set_scavenging(scavenging);
  for (const Page* p : ns.to_space())
    b.AddPage(p, PageRole::kToSpace, nullptr);
  if (ns.IsFromSpaceCommitted())
    for (const Page* p : ns.from_space())
      b.AddPage(p, PageRole::kFromSpace, nullptr);
  const std::size_t age_page = ns.age_mark_page();
  // During a scavenge the age mark stays where it was: in what is now from-space.
  const auto& marked = scavenging ? ns.from_space() : ns.to_space();
  if (age_page < marked.size() && (age_page > 0 || ns.age_mark_offset() > 0)) {
    s.age_mark_page_id = marked[age_page]->id;
    s.age_mark_offset_bytes = ns.age_mark_offset();
  }
  for (const Page* p : heap.new_lo_space().pages())
    b.AddPage(p, PageRole::kLarge, nullptr);
  for (const PagedSpace* space : {&heap.old_space(), &heap.code_space(), heap.map_space()}) {
    if (space == nullptr) continue;
    for (const Page* p : space->pages())
      b.AddPage(p, PageRole::kPaged, space);
  }
  for (const Page* p : heap.lo_space().pages())
    b.AddPage(p, PageRole::kLarge, nullptr);
  for (const Page* p : heap.code_lo_space().pages())
    b.AddPage(p, PageRole::kLarge, nullptr);

  s.remembered_set = heap.remembered_set();
  std::sort(s.remembered_set.begin(), s.remembered_set.end());
  s.remembered_set.erase(std::unique(s.remembered_set.begin(), s.remembered_set.end()),
                         s.remembered_set.end());
  auto add_roots = [&](const std::vector<ObjectRef>& roots, RootSnapshot::Kind kind) {
    for (std::uint32_t i = 0; i < roots.size(); ++i)
      if (roots[i] != kNullRef) s.roots.push_back({kind, i, roots[i]});
  };
  add_roots(heap.strong_roots(), RootSnapshot::Kind::kStrong);
  add_roots(heap.globals(), RootSnapshot::Kind::kGlobal);
  add_roots(heap.locals(), RootSnapshot::Kind::kLocal);
  if (!s.aggregated) s.marking_worklist = heap.marking_worklist().Entries();
  s.max_old_generation_bytes = heap.max_old_generation_size();
  s.site_names.reserve(heap.site_id_limit());
  for (std::uint32_t i = 0; i < heap.site_id_limit(); ++i)
    s.site_names.push_back(heap.site(i).name);
  return s;
}

std::vector<RetainingLink> FindRetainingPath(const HeapSnapshot& snapshot, ObjectRef target) {
  if (snapshot.aggregated || snapshot.Find(target) == nullptr) return {};
  // Breadth-first from every root; parent links give the shortest path.
  struct Via {
    ObjectRef parent;
    std::int32_t slot;  // -1: reached from root `root_index`
    std::uint32_t root_index;
  };
  std::unordered_map<ObjectRef, Via> seen;
  std::deque<ObjectRef> queue;
  for (std::uint32_t r = 0; r < snapshot.roots.size(); ++r) {
    ObjectRef v = snapshot.roots[r].value;
    if (seen.emplace(v, Via{kNullRef, -1, r}).second) queue.push_back(v);
  }
  while (!queue.empty() && !seen.contains(target)) {
    ObjectRef ref = queue.front();
    queue.pop_front();
    const ObjectSnapshot* o = snapshot.Find(ref);
    if (o == nullptr) continue;
    if (o->forwarded) {
      // Mid-collection, a reference to the old place reaches the object at its new one.
      if (seen.emplace(o->forwarding, Via{ref, kForwardedSlot, 0}).second)
        queue.push_back(o->forwarding);
      continue;
    }
    for (std::uint32_t i = 0; i < o->slot_count; ++i) {
      ObjectRef child = snapshot.slots[o->first_slot + i];
      if (child == kNullRef) continue;
      if (seen.emplace(child, Via{ref, static_cast<std::int32_t>(i), 0}).second)
        queue.push_back(child);
    }
  }
  auto it = seen.find(target);
  if (it == seen.end()) return {};
  std::vector<RetainingLink> path;
  ObjectRef cur = target;
  std::int32_t slot_to_next = -1;
  for (;;) {
    const Via& via = seen.at(cur);
    RetainingLink link{cur, slot_to_next, {}};
    if (via.slot == -1) {
      const RootSnapshot& root = snapshot.roots[via.root_index];
      switch (root.kind) {
        case RootSnapshot::Kind::kStrong:
          link.label = "start-up root #" + std::to_string(root.index);
          break;
        case RootSnapshot::Kind::kGlobal:
          link.label = "global handle #" + std::to_string(root.index);
          break;
        case RootSnapshot::Kind::kLocal:
          link.label = "local handle #" + std::to_string(root.index);
          break;
      }
      path.push_back(std::move(link));
      break;
    }
    path.push_back(std::move(link));
    slot_to_next = via.slot;
    cur = via.parent;
  }
  std::reverse(path.begin(), path.end());
  return path;
}

std::vector<std::pair<ObjectRef, std::uint32_t>> FindReferencesTo(const HeapSnapshot& snapshot,
                                                                  ObjectRef target) {
  std::vector<std::pair<ObjectRef, std::uint32_t>> out;
  for (const PageSnapshot& p : snapshot.pages)
    for (const ObjectSnapshot& o : p.objects)
      for (std::uint32_t i = 0; i < o.slot_count; ++i)
        if (snapshot.slots[o.first_slot + i] == target) out.emplace_back(o.ref, i);
  return out;
}

}  // namespace heaplab
