// The spaces of the simulated heap (src/heap/new-spaces.h, paged-spaces.h, large-spaces.h,
// free-list.h), and the MemoryAllocator that owns every page.
#pragma once

#include <array>
#include <cstdint>
#include <memory>
#include <vector>

#include "sim/gc-event.h"
#include "sim/globals.h"
#include "sim/page.h"

namespace heaplab {

// Owns every page; gives each a unique id (part of every reference) and a simulated address.
class MemoryAllocator {
 public:
  MemoryAllocator();
  // A fresh regular page (256 KB, 251.5 KB usable) for `owner`. nullptr when ids run out.
  Page* AllocatePage(AllocationSpace owner);
  // A fresh large page holding one object of `object_bytes`.
  Page* AllocateLargePage(AllocationSpace owner, std::size_t object_bytes);
  // Returns a page's memory; its id may be reused later.
  void FreePage(Page* page);
  // Stops counting a regular page's memory (an uncommitted semi-space page); the record stays.
  void UncommitPage(Page* page);
  // Counts an uncommitted page's memory again.
  void CommitPage(Page* page);
  // The page with `id`, or nullptr.
  Page* page(std::uint32_t id) const { return id < pages_.size() ? pages_[id].get() : nullptr; }
  // Upper bound (exclusive) of page ids in use.
  std::uint32_t page_id_limit() const { return static_cast<std::uint32_t>(pages_.size()); }
  // Bytes of all pages (MemoryAllocator::Size()).
  std::size_t committed_bytes() const { return committed_bytes_; }

 private:
  std::uint32_t TakeId();
  std::vector<std::unique_ptr<Page>> pages_;  // index = id; 0 is never used
  std::vector<std::uint32_t> free_ids_;
  // The free-list epoch each id's last page ended with: a page reusing the id starts past it,
  // so free-list entries left from the id's earlier page stay invalid.
  std::vector<std::uint32_t> last_epochs_;
  std::vector<std::unique_ptr<Page>> recycled_;  // freed Page objects, vectors kept warm
  std::uint64_t next_large_address_;
  std::size_t committed_bytes_ = 0;
};

// Segregated free list of a paged space (src/heap/free-list.h FreeListMany, simplified to
// power-of-two categories). Entries of a page are invalidated by bumping its epoch.
class FreeList {
 public:
  // Gaps smaller than this are not worth tracking (FreeList kMinBlockSize = 3 words).
  static constexpr std::size_t kMinBlockSize = 3 * kTaggedSize;

  struct Entry {
    std::uint32_t page_id;
    std::uint32_t epoch;
    std::uint32_t offset;
    std::uint32_t size;
  };

  // Adds a gap [offset, offset+size) of `page`. Gaps below kMinBlockSize are wasted.
  void Add(Page* page, std::uint32_t offset, std::uint32_t size);
  // Removes and returns a gap of at least `size` bytes. False if there is none.
  bool Take(std::size_t size, const MemoryAllocator& allocator, Entry* out);
  // Drops all entries of `page` (evacuation candidate, released page).
  void EvictPage(Page* page);
  // FreeList::GetPageForSize: moves every entry of the first page found with a gap of at
  // least `size` bytes to `to`. False if no page has such a gap.
  bool MovePageTo(std::size_t size, const MemoryAllocator& allocator, FreeList& to);
  // Moves every valid entry to `to` (a compaction space's list merged back).
  void MoveAllTo(FreeList& to, const MemoryAllocator& allocator);
  void Clear();
  std::size_t available_bytes() const { return available_bytes_; }
  // Calls fn(entry) for every valid entry, category by category (for the heap map).
  template <typename Fn>
  void ForEachEntry(const MemoryAllocator& allocator, Fn&& fn) const {
    for (const auto& list : categories_)
      for (const Entry& e : list)
        if (IsValid(e, allocator)) fn(e);
  }

 private:
  static int Category(std::size_t size);
  bool IsValid(const Entry& e, const MemoryAllocator& allocator) const;
  std::array<std::vector<Entry>, 20> categories_;
  std::size_t available_bytes_ = 0;
};

// A linear allocation area [top, limit) on a page: allocation bumps top.
struct LinearArea {
  Page* page = nullptr;
  std::uint32_t top = 0;
  std::uint32_t limit = 0;

  // True if `size` bytes fit without a refill.
  bool Fits(std::size_t size) const { return page != nullptr && top + size <= limit; }
  // Takes `size` bytes at top and returns their offset. Precondition: Fits(size).
  std::uint32_t Bump(std::size_t size) {
    const std::uint32_t at = top;
    top += static_cast<std::uint32_t>(size);
    return at;
  }
  // Bytes left in the area.
  std::size_t Remaining() const { return page != nullptr ? limit - top : 0; }
  // Gives the unused rest to `free_list` and empties the area.
  void ReleaseTo(FreeList& free_list);
  // Empties the area without giving anything back (its page is swept or released).
  void Clear() { *this = LinearArea{}; }
};

// A parallel task's own part of a paged space during a scavenge (CompactionSpace): the free
// list of the pages it took from the space and its linear area. Its pages stay the space's;
// PagedSpace::MergeCompactionSpace gives the free memory back.
struct CompactionSpace {
  FreeList free_list;
  LinearArea lab;
};

// Old, code and (legacy) map space: pages with free lists and a linear allocation area.
class PagedSpace {
 public:
  PagedSpace(AllocationSpace id, MemoryAllocator* allocator) : id_(id), allocator_(allocator) {}
  AllocationSpace identity() const { return id_; }

  // Allocates `size` bytes from the linear area or the free list, without adding pages.
  // Returns the page and offset, or nullptr.
  Page* TryAllocate(std::size_t size, std::uint32_t* offset);
  // True if `size` bytes fit the linear allocation area (the fast path, no refill).
  bool LinearAreaFits(std::size_t size) const { return lab_.Fits(size); }
  // Adds a page (the caller checked the old-generation limits) and makes it the linear area.
  Page* Expand();
  // Returns the unused rest of the linear allocation area to the free list.
  void FreeLinearAllocationArea();
  // CompactionSpace::AllocateRaw without expansion: the task's linear area, then its free list,
  // then a page taken from this space's free list (PagedSpaceBase::RemovePageSafe). Returns
  // the page and offset, or nullptr.
  Page* TryAllocateInCompactionSpace(CompactionSpace& cs, std::size_t size, std::uint32_t* offset);
  // Adds a page (the caller checked the limits) as the task's linear area (TryExpand).
  Page* ExpandCompactionSpace(CompactionSpace& cs);
  // PagedSpaceBase::MergeCompactionSpace: the task's unused memory returns to this space's free
  // list.
  void MergeCompactionSpace(CompactionSpace& cs);
  // Removes `page` from the space and frees it.
  void ReleasePage(Page* page);
  // Adds a page that already has objects (page promotion from new space).
  void AddPromotedPage(Page* page);
  // Frees unmarked objects of `page`, unmarks the survivors and rebuilds its free-list
  // entries. Returns the free bytes found. Precondition: marking finished.
  std::size_t SweepPage(Page* page, std::size_t* freed_objects);
  // Puts `page`'s gaps back on the free list without freeing objects (after evacuation
  // candidates are abandoned, and at start-up).
  void RebuildFreeList(Page* page);
  // Cuts `page`'s area to `area_bytes` (PagedSpaceBase::ShrinkPageToHighWaterMark: the
  // snapshot's pages are smaller). Precondition: no object and no linear area beyond it.
  void ShrinkPage(Page* page, std::size_t area_bytes);
  // Gives the linear area's bytes from `limit` on back to the free list (DecreaseLimit).
  void DecreaseLimit(std::uint32_t limit);
  // Drops `page`'s free-list entries so no allocation lands on it (evacuation candidate).
  void EvictFromFreeList(Page* page) { free_list_.EvictPage(page); }

  const std::vector<Page*>& pages() const { return pages_; }
  Page* linear_area_page() const { return lab_.page; }
  // The linear allocation area [lab_top, lab_limit) on linear_area_page().
  std::uint32_t lab_top() const { return lab_.top; }
  std::uint32_t lab_limit() const { return lab_.limit; }
  const FreeList& free_list() const { return free_list_; }
  const MemoryAllocator& memory_allocator() const { return *allocator_; }
  // PagedSpaceBase::Size: bytes of objects plus the linear allocation area's unused rest, which
  // V8 counts as allocated until the area is freed (at a mark-compact, or a refill).
  std::size_t Size() const { return ObjectBytes() + lab_.Remaining(); }
  // Bytes of objects alone.
  std::size_t ObjectBytes() const;
  // Usable bytes of the pages (accounting_stats_.Capacity()).
  std::size_t Capacity() const { return capacity_bytes_; }
  std::size_t Committed() const { return pages_.size() * kPageSize; }
  // Bytes on the free list (the linear area is counted in Size, not here).
  std::size_t Available() const;
  SpaceStats Stats() const;

 private:
  AllocationSpace id_;
  MemoryAllocator* allocator_;
  std::vector<Page*> pages_;
  std::size_t capacity_bytes_ = 0;
  FreeList free_list_;
  LinearArea lab_;
  // Allocates `size` bytes in `area`, refilling it from a gap of `list` (the rest of the old
  // area goes back to `list`). Returns the page and offset, or nullptr if `list` has no gap.
  Page* AllocateFrom(FreeList& list, LinearArea& area, std::size_t size, std::uint32_t* offset);
  // Adds a page to the space as `area` (the rest of the old area goes back to `list`).
  Page* ExpandInto(FreeList& list, LinearArea& area);
  // Clears covered_words_ for `page`'s area.
  void ClearCoveredWords(const Page* page);
  // Marks the words of object `o` of `page` as covered.
  void CoverObject(const Page* page, const HeapObject& o);
  // Adds every run of uncovered words of `page` to the free list, in address order.
  void AddUncoveredGaps(Page* page);

  // Sweeping's scratch: one bit per word of a page's area, set where a live object is.
  std::array<std::uint64_t, kPageAreaSize / kTaggedSize / 64 + 1> covered_words_{};
};

// New space: two semi-spaces of pages; allocation bumps through to-space
// (src/heap/new-spaces.h SemiSpaceNewSpace).
class SemiSpaceNewSpace {
 public:
  SemiSpaceNewSpace(MemoryAllocator* allocator,
                    std::size_t initial_semi_space_bytes,
                    std::size_t max_semi_space_bytes);
  ~SemiSpaceNewSpace();

  // Bump-allocates in to-space. Returns nullptr when to-space is full.
  Page* Allocate(std::size_t size, std::uint32_t* offset);
  // EvacuationAllocator::AllocateInNewSpace: a scavenge's copy goes to a 32 KB local allocation
  // buffer carved from to-space (objects over 8 KB directly); nullptr when no buffer fits.
  Page* AllocateForEvacuation(std::size_t size, std::uint32_t* offset);
  // EvacuationAllocator::Finalize: gives back the unused end of the last buffer, then leaves
  // `unused_bytes` more as a filler (the other tasks' buffers' unused ends).
  void FinalizeEvacuation(std::size_t unused_bytes);
  // Room for how many more `size`-byte objects in the current to-space page (0 if none).
  std::size_t RoomInCurrentPage(std::size_t size) const {
    if (current_ >= to_.size()) return 0;
    const Page* p = to_[current_];
    return (p->area_bytes - p->top_bytes) / size;
  }
  // Bump-allocates `n` objects of `size` in the current page. Precondition: they fit.
  Page* AllocateRunInCurrentPage(std::size_t size, std::size_t n, std::uint32_t* offset) {
    Page* p = to_[current_];
    *offset = p->top_bytes;
    p->top_bytes += static_cast<std::uint32_t>(size * n);
    return p;
  }
  // Heap::EnsureFromSpaceIsCommitted: commits from-space (as many pages as to-space) if a
  // Shrink uncommitted it or no GC has run yet. Every GC does this before it starts.
  void EnsureFromSpaceIsCommitted();
  // Swaps the semi-spaces and empties the new to-space (ScavengerCollector start).
  void Flip();
  // Empties from-space after a scavenge (its objects are dead or forwarded).
  void ResetFromSpace();
  // Empties to-space too (after a mark-compact evacuated the young generation).
  void ResetToSpace();
  // Replaces to-space page `page` (moved whole to old space) with a fresh page.
  void ReplacePromotedPage(Page* page);
  // SemiSpaceNewSpace::Grow: capacity *= factor, up to the maximum. Only between GCs.
  void Grow(int factor);
  // SemiSpaceNewSpace::Shrink: capacity = max(initial, 2 * Size), rounded up to a page; then
  // from-space is uncommitted.
  void Shrink();
  // Sets the age mark to the current allocation top (after a scavenge).
  void SetAgeMarkToTop();
  // SemiSpaceNewSpace::ShouldBePromoted: `page`/`offset` (in from-space during a scavenge) lie
  // below the age mark, i.e. the object survived one scavenge already.
  bool IsBelowAgeMark(const Page* page, std::uint32_t offset_bytes) const;

  const std::vector<Page*>& to_space() const { return to_; }
  // From-space's pages; while it is uncommitted they are only records (no memory counted).
  const std::vector<Page*>& from_space() const { return from_; }
  bool IsFromSpaceCommitted() const { return from_committed_; }
  std::size_t current_page_index() const { return current_; }
  std::uint32_t top() const;  // offset in the current to-space page
  std::uint32_t age_mark_page() const { return age_mark_page_; }
  std::uint32_t age_mark_offset() const { return age_mark_offset_; }
  // Usable capacity of one semi-space (NewSpace::Capacity): 1006 KB per MB.
  std::size_t Capacity() const { return to_.size() * kPageAreaSize; }
  // Bytes of one semi-space (NewSpace::TotalCapacity).
  std::size_t TotalCapacity() const { return to_.size() * kPageSize; }
  std::size_t MaximumCapacity() const { return max_pages_ * kPageSize; }
  std::size_t InitialCapacity() const { return initial_pages_ * kPageSize; }
  bool IsAtMaximumCapacity() const { return to_.size() >= max_pages_; }
  // Bytes allocated in to-space, including page tails left unused (NewSpace::Size).
  std::size_t Size() const;
  std::size_t Available() const { return Capacity() - Size(); }
  std::size_t Committed() const;
  SpaceStats Stats() const;

 private:
  // Frees from-space's pages beyond to-space's count (new space shrank).
  void TrimFromSpace();
  MemoryAllocator* allocator_;
  std::vector<Page*> to_;
  std::vector<Page*> from_;
  std::size_t current_ = 0;  // allocation page in to_
  std::size_t initial_pages_;
  std::size_t max_pages_;
  std::uint32_t age_mark_page_ = 0;
  std::uint32_t age_mark_offset_ = 0;
  bool from_committed_ = false;
  // The evacuation buffer: from evacuation_lab_page_'s top to evacuation_lab_limit_.
  Page* evacuation_lab_page_ = nullptr;
  std::uint32_t evacuation_lab_limit_ = 0;
};

// Large-object spaces: one object per page, never moved (src/heap/large-spaces.h).
class LargeObjectSpace {
 public:
  LargeObjectSpace(AllocationSpace id, MemoryAllocator* allocator)
      : id_(id), allocator_(allocator) {}
  AllocationSpace identity() const { return id_; }
  // Allocates a page with one object; returns it (object index 0).
  Page* AllocatePage(std::size_t object_bytes);
  // Moves `page` from `from` to this space (young large object promoted by page).
  void AdoptPage(Page* page);
  // Removes `page` without freeing it (the adopter takes it).
  void RemovePage(Page* page);
  // Frees `page` and its object.
  void FreePage(Page* page);
  const std::vector<Page*>& pages() const { return pages_; }
  std::size_t SizeOfObjects() const { return size_; }
  std::size_t Committed() const;
  // New large-object space only: capacity follows new space (NewLargeObjectSpace::SetCapacity).
  void SetCapacity(std::size_t bytes) { capacity_ = bytes; }
  std::size_t capacity() const { return capacity_; }
  SpaceStats Stats() const;

 private:
  AllocationSpace id_;
  MemoryAllocator* allocator_;
  std::vector<Page*> pages_;
  std::size_t size_ = 0;
  std::size_t capacity_ = 0;
};

}  // namespace heaplab
