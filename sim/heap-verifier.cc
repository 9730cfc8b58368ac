#include "sim/heap-verifier.h"

#include <algorithm>
#include <map>
#include <set>
#include <sstream>
#include <stdexcept>
#include <tuple>

#include "sim/heap.h"

namespace heaplab {

std::vector<std::string> HeapVerifier::Verify() const {
  std::vector<std::string> problems;
  auto fail = [&](const std::string& what) {
    if (problems.size() < 50) problems.push_back(what);
  };
  const Heap& h = heap_;
  const bool marking = h.IsMarking();

  auto check_target = [&](ObjectRef v, const std::string& where) -> bool {
    if (v == kNullRef) return true;
    if (!h.IsValidObject(v)) {
      fail(where + " points to a freed or unknown object (" + std::to_string(v) + ")");
      return false;
    }
    const Page* p = h.page_of(v);
    if (p->IsFlagSet(Page::kFromSpace)) {
      fail(where + " points into from-space");
      return false;
    }
    if (h.object(v).forwarded) {
      fail(where + " points to a forwarded (moved) object");
      return false;
    }
    return true;
  };

  for (std::size_t i = 0; i < h.strong_roots().size(); ++i)
    check_target(h.strong_roots()[i], "strong root " + std::to_string(i));
  for (std::size_t i = 0; i < h.globals().size(); ++i)
    check_target(h.globals()[i], "global handle " + std::to_string(i));
  for (std::size_t i = 0; i < h.locals().size(); ++i)
    check_target(h.locals()[i], "local handle " + std::to_string(i));

  std::set<std::pair<ObjectRef, std::uint32_t>> remembered(h.remembered_set().begin(),
                                                           h.remembered_set().end());

  // Semi-space pages between GCs: from-space empty.
  for (const Page* p : h.new_space().from_space())
    if (p->object_count != 0) fail("from-space page " + std::to_string(p->id) + " is not empty");

  // Free ranges of a paged space's page: its free-list entries and its linear allocation area.
  // (offset, size, 1) so that they sort after an object at the same offset.
  using Range = std::tuple<std::uint32_t, std::uint32_t, int>;
  std::map<std::uint32_t, std::vector<Range>> free_ranges;
  auto verify_page = [&](const Page* p, AllocationSpace space, std::size_t* used) {
    if (p->owner != space)
      fail("page " + std::to_string(p->id) + " is listed in " + std::string(ToString(space)) +
           " but owned by " + std::string(ToString(p->owner)));
    std::size_t bytes = 0, count = 0;
    std::vector<Range> extents;
    for (std::uint32_t i = 0; i < p->objects.size(); ++i) {
      const HeapObject& o = p->objects[i];
      if (!o.is_object()) continue;
      ++count;
      bytes += o.size_bytes;
      const ObjectRef ref = MakeRef(p->id, i);
      const std::string name = std::string(ToKey(space)) + " object " + std::to_string(ref);
      if (o.forwarded) {
        fail(name + " is a forwarding record outside a GC");
        continue;
      }
      extents.emplace_back(o.offset_bytes(), o.size_bytes, 0);
      if (o.offset_bytes() + o.size_bytes > p->area_bytes)
        fail(name + " extends past the end of its page");
      if (o.slots_begin + std::size_t{o.slot_count} > p->slots.size()) {
        fail(name + " has slots outside its page's slot array");
        continue;
      }
      const MarkColor color = o.mark_color();
      if (!marking && color != MarkColor::kWhite)
        fail(name + " is " + std::string(ToString(color)) + " outside a marking cycle");
      const ObjectRef* slots = p->slots.data() + o.slots_begin;
      const bool host_old = !IsYoungSpace(space);
      // A large array marked part of the way (its progress bar) is black ahead of its slots.
      const std::uint32_t scanned = p->ScannedSlots(o);
      for (std::uint32_t s = 0; s < o.slot_count; ++s) {
        ObjectRef v = slots[s];
        if (v == kNullRef) continue;
        if (!check_target(v, name + " slot " + std::to_string(s))) continue;
        if (host_old && h.InYoungGeneration(v) && !remembered.count({ref, s}))
          fail(name + " slot " + std::to_string(s) +
               " points to a young object but is not in the remembered set");
        if (marking && color == MarkColor::kBlack && s < scanned &&
            h.object(v).mark_color() == MarkColor::kWhite)
          fail(name + " is black but slot " + std::to_string(s) + " points to a white object");
      }
    }
    if (bytes != p->allocated_bytes)
      fail("page " + std::to_string(p->id) + " accounts " + std::to_string(p->allocated_bytes) +
           " bytes but holds " + std::to_string(bytes));
    if (count != p->object_count)
      fail("page " + std::to_string(p->id) + " counts " + std::to_string(p->object_count) +
           " objects but holds " + std::to_string(count));
    if (auto it = free_ranges.find(p->id); it != free_ranges.end())
      extents.insert(extents.end(), it->second.begin(), it->second.end());
    std::sort(extents.begin(), extents.end());
    for (std::size_t i = 1; i < extents.size(); ++i) {
      const auto [prev_offset, prev_size, prev_free] = extents[i - 1];
      const auto [offset, size, is_free] = extents[i];
      if (prev_offset + prev_size <= offset) continue;
      auto extent = [](std::uint32_t at, std::uint32_t n, int free) {
        return std::string(free ? "free range" : "object") + " [" + std::to_string(at) + ", " +
               std::to_string(at + std::size_t{n}) + ")";
      };
      fail(std::string(prev_free || is_free ? "a free-list entry or the linear allocation area "
                                              "overlaps an object or another free range"
                                            : "objects overlap") +
           " on page " + std::to_string(p->id) + " of " + std::string(ToString(space)) + ": " +
           extent(prev_offset, prev_size, prev_free) + " and " + extent(offset, size, is_free));
    }
    for (const auto& [offset, size, is_free] : extents)
      if (is_free && offset + std::size_t{size} > p->area_bytes)
        fail("a free range extends past the end of page " + std::to_string(p->id));
    if (IsLargeObjectSpace(space) && (count != 1 || p->objects[0].offset_bytes() != 0))
      fail("large page " + std::to_string(p->id) + " must hold exactly one object at its start");
    *used += bytes;
  };

  auto verify_paged = [&](const PagedSpace& s) {
    free_ranges.clear();
    s.free_list().ForEachEntry(s.memory_allocator(), [&](const FreeList::Entry& e) {
      free_ranges[e.page_id].emplace_back(e.offset, e.size, 1);
    });
    if (const Page* lab = s.linear_area_page(); lab != nullptr && s.lab_limit() > s.lab_top())
      free_ranges[lab->id].emplace_back(s.lab_top(), s.lab_limit() - s.lab_top(), 1);
    std::size_t used = 0;
    for (const Page* p : s.pages())
      verify_page(p, s.identity(), &used);
    if (used != s.ObjectBytes())
      fail(std::string(ToString(s.identity())) + " size does not add up");
    if (s.Available() + s.Size() > s.Capacity())
      fail(std::string(ToString(s.identity())) + " has more free and used bytes than capacity");
    free_ranges.clear();
  };
  verify_paged(h.old_space());
  verify_paged(h.code_space());
  if (h.map_space()) verify_paged(*h.map_space());

  auto verify_large = [&](const LargeObjectSpace& s) {
    std::size_t used = 0;
    for (const Page* p : s.pages())
      verify_page(p, s.identity(), &used);
    if (used != s.SizeOfObjects())
      fail(std::string(ToString(s.identity())) + " size does not add up");
  };
  verify_large(h.lo_space());
  verify_large(h.new_lo_space());
  verify_large(h.code_lo_space());

  {
    const SemiSpaceNewSpace& ns = h.new_space();
    std::size_t used = 0;
    for (std::size_t i = 0; i < ns.to_space().size(); ++i) {
      const Page* p = ns.to_space()[i];
      verify_page(p, AllocationSpace::kNew, &used);
      if (i > ns.current_page_index() && p->object_count != 0)
        fail("new-space page beyond the allocation page holds objects");
      for (const HeapObject& o : p->objects)
        if (o.is_object() && o.offset_bytes() + o.size_bytes > p->top_bytes)
          fail("new-space object above the page's allocation top");
    }
    if (used > ns.Size()) fail("new space holds more bytes than it has allocated");
  }

  if (!marking && !h.marking_worklist().empty())
    fail("marking worklist is not empty between cycles");
  for (ObjectRef r : h.marking_worklist().Entries())
    check_target(r, "marking worklist entry");
  for (auto [host, slot] : h.remembered_set()) {
    if (!h.IsValidObject(host))
      fail("remembered set names a freed host");
    else if (h.InYoungGeneration(host))
      fail("remembered set names a young host");
    else if (slot >= h.object(host).slot_count)
      fail("remembered set names a slot out of range");
  }
  if (h.OldGenerationSizeOfObjects() + h.new_space().Size() + h.new_lo_space().SizeOfObjects() !=
      h.SizeOfObjects())
    fail("space sizes do not add up to the heap size");
  // MemoryAllocator::Size, which CanExpandOldGeneration holds against the heap limit, counts
  // exactly the spaces' pages (from-space only while committed).
  std::size_t committed = 0;
  for (const SpaceStats& s : h.SpaceStatistics())
    committed += s.committed_bytes;
  if (committed != h.memory_allocator().committed_bytes())
    fail("the spaces' committed bytes (" + std::to_string(committed) +
         ") differ from the allocator's (" +
         std::to_string(h.memory_allocator().committed_bytes()) + ")");
  return problems;
}

void HeapVerifier::VerifyOrThrow() const {
  auto problems = Verify();
  if (problems.empty()) return;
  std::ostringstream out;
  out << "heap verification failed (" << problems.size() << " problems):";
  for (std::size_t i = 0; i < problems.size() && i < 10; ++i)
    out << "\n  " << problems[i];
  throw std::logic_error(out.str());
}

}  // namespace heaplab
