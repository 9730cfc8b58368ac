#include "sim/spaces.h"

#include <algorithm>
#include <bit>
#include <cassert>

namespace heaplab {

namespace {
// Simulated address ranges: regular pages are 256 KB aligned by id; large pages come from a
// separate range so that a multi-megabyte object never overlaps a regular page.
constexpr std::uint64_t kRegularPagesBase = 0x100000000000ull;
constexpr std::uint64_t kLargePagesBase = 0x300000000000ull;

// Sets bits [begin, end) of `bits`.
void SetBitRange(std::uint64_t* bits, std::uint32_t begin, std::uint32_t end) {
  if (begin >= end) return;
  const std::uint32_t first = begin / 64, last = (end - 1) / 64;
  const std::uint64_t head = ~std::uint64_t{0} << (begin % 64);
  const std::uint64_t tail = ~std::uint64_t{0} >> (63 - (end - 1) % 64);
  if (first == last) {
    bits[first] |= head & tail;
    return;
  }
  bits[first] |= head;
  for (std::uint32_t w = first + 1; w < last; ++w)
    bits[w] = ~std::uint64_t{0};
  bits[last] |= tail;
}

// The first bit index in [from, limit) whose value is `value`, or `limit` if none.
std::uint32_t FindBit(const std::uint64_t* bits,
                      std::uint32_t from,
                      std::uint32_t limit,
                      bool value) {
  std::uint32_t w = from / 64;
  std::uint64_t word = (value ? bits[w] : ~bits[w]) & (~std::uint64_t{0} << (from % 64));
  const std::uint32_t last = (limit + 63) / 64;
  while (word == 0) {
    if (++w >= last) return limit;
    word = value ? bits[w] : ~bits[w];
  }
  return std::min(limit, w * 64 + static_cast<std::uint32_t>(std::countr_zero(word)));
}
}  // namespace

// ---------------------------------------------------------------- MemoryAllocator

MemoryAllocator::MemoryAllocator() : next_large_address_(kLargePagesBase) {
  pages_.emplace_back();  // id 0 is the null reference's page
  last_epochs_.emplace_back();
}

std::uint32_t MemoryAllocator::TakeId() {
  if (!free_ids_.empty()) {
    std::uint32_t id = free_ids_.back();
    free_ids_.pop_back();
    return id;
  }
  if (pages_.size() >= kMaxPages) return 0;
  pages_.emplace_back();
  last_epochs_.emplace_back();
  return static_cast<std::uint32_t>(pages_.size() - 1);
}

Page* MemoryAllocator::AllocatePage(AllocationSpace owner) {
  std::uint32_t id = TakeId();
  if (id == 0) return nullptr;
  std::unique_ptr<Page> page;
  if (!recycled_.empty()) {
    page = std::move(recycled_.back());
    recycled_.pop_back();
    page->Reset();
  } else {
    page = std::make_unique<Page>();
  }
  page->id = id;
  page->free_list_epoch = last_epochs_[id] + 1;
  page->owner = owner;
  page->flags = 0;
  page->area_bytes = owner == AllocationSpace::kCode ? kCodePageAreaSize : kPageAreaSize;
  page->address =
      kRegularPagesBase + std::uint64_t{id} * kPageSize + (kPageSize - page->area_bytes);
  page->committed_bytes = kPageSize;
  page->sequence = 0;
  committed_bytes_ += page->committed_bytes;
  pages_[id] = std::move(page);
  return pages_[id].get();
}

Page* MemoryAllocator::AllocateLargePage(AllocationSpace owner, std::size_t object_bytes) {
  std::uint32_t id = TakeId();
  if (id == 0) return nullptr;
  auto page = std::make_unique<Page>();
  page->id = id;
  page->free_list_epoch = last_epochs_[id] + 1;
  page->owner = owner;
  page->area_bytes = object_bytes;
  // node20-observed §1.4: object size rounded up to 4 KB plus one 4 KB header page.
  page->committed_bytes = RoundUp(object_bytes, kCommitPageSize) + kCommitPageSize;
  page->address = next_large_address_ + kCommitPageSize;
  next_large_address_ += RoundUp(page->committed_bytes, kPageSize);
  committed_bytes_ += page->committed_bytes;
  pages_[id] = std::move(page);
  return pages_[id].get();
}

void MemoryAllocator::UncommitPage(Page* page) {
  committed_bytes_ -= page->committed_bytes;
  page->committed_bytes = 0;
}

void MemoryAllocator::CommitPage(Page* page) {
  page->committed_bytes = kPageSize;
  committed_bytes_ += page->committed_bytes;
}

void MemoryAllocator::FreePage(Page* page) {
  std::uint32_t id = page->id;
  committed_bytes_ -= page->committed_bytes;
  std::unique_ptr<Page> owned = std::move(pages_[id]);
  owned->Reset();
  last_epochs_[id] = owned->free_list_epoch;
  // Keep a few regular pages warm: their vectors keep their capacity.
  if (!IsLargeObjectSpace(owned->owner) && recycled_.size() < 64) {
    recycled_.push_back(std::move(owned));
  }
  free_ids_.push_back(id);
}

// ---------------------------------------------------------------- FreeList

int FreeList::Category(std::size_t size) {
  int c = static_cast<int>(std::bit_width(size)) - 1;
  return std::clamp(c, 0, 19);
}

bool FreeList::IsValid(const Entry& e, const MemoryAllocator& allocator) const {
  const Page* p = allocator.page(e.page_id);
  return p != nullptr && p->free_list_epoch == e.epoch;
}

void FreeList::Add(Page* page, std::uint32_t offset, std::uint32_t size) {
  if (size < kMinBlockSize) return;
  categories_[static_cast<std::size_t>(Category(size))].push_back(
      Entry{page->id, page->free_list_epoch, offset, size});
  available_bytes_ += size;
  page->free_list_bytes += size;
}

bool FreeList::Take(std::size_t size, const MemoryAllocator& allocator, Entry* out) {
  for (int c = Category(size); c < 20; ++c) {
    auto& list = categories_[static_cast<std::size_t>(c)];
    for (std::size_t i = list.size(); i-- > 0;) {
      Entry e = list[i];
      if (!IsValid(e, allocator)) {
        list[i] = list.back();
        list.pop_back();
        continue;
      }
      if (e.size < size) continue;
      list[i] = list.back();
      list.pop_back();
      available_bytes_ -= e.size;
      allocator.page(e.page_id)->free_list_bytes -= e.size;
      *out = e;
      return true;
    }
  }
  return false;
}

void FreeList::EvictPage(Page* page) {
  available_bytes_ -= page->free_list_bytes;
  page->free_list_bytes = 0;
  ++page->free_list_epoch;
}

bool FreeList::MovePageTo(std::size_t size, const MemoryAllocator& allocator, FreeList& to) {
  const Entry* found = nullptr;
  for (int c = Category(size); c < 20 && found == nullptr; ++c)
    for (const Entry& e : categories_[static_cast<std::size_t>(c)])
      if (e.size >= size && IsValid(e, allocator)) {
        found = &e;
        break;
      }
  if (found == nullptr) return false;
  const std::uint32_t page_id = found->page_id;
  Page* page = allocator.page(page_id);
  available_bytes_ -= page->free_list_bytes;
  page->free_list_bytes = 0;
  for (auto& list : categories_)
    for (std::size_t i = list.size(); i-- > 0;) {
      const Entry e = list[i];
      if (e.page_id != page_id || !IsValid(e, allocator)) continue;
      list[i] = list.back();
      list.pop_back();
      to.Add(page, e.offset, e.size);
    }
  return true;
}

void FreeList::MoveAllTo(FreeList& to, const MemoryAllocator& allocator) {
  for (auto& list : categories_) {
    for (const Entry& e : list) {
      if (!IsValid(e, allocator)) continue;
      Page* page = allocator.page(e.page_id);
      page->free_list_bytes -= e.size;
      to.Add(page, e.offset, e.size);
    }
    list.clear();
  }
  available_bytes_ = 0;
}

void FreeList::Clear() {
  for (auto& c : categories_)
    c.clear();
  available_bytes_ = 0;
}

// ---------------------------------------------------------------- PagedSpace

void LinearArea::ReleaseTo(FreeList& free_list) {
  if (page != nullptr && limit > top) free_list.Add(page, top, limit - top);
  Clear();
}

Page* PagedSpace::AllocateFrom(FreeList& list,
                               LinearArea& area,
                               std::size_t size,
                               std::uint32_t* offset) {
  if (area.Fits(size)) {
    *offset = area.Bump(size);
    return area.page;
  }
  FreeList::Entry e;
  if (!list.Take(size, *allocator_, &e)) return nullptr;
  area.ReleaseTo(list);
  area = LinearArea{allocator_->page(e.page_id), e.offset, e.offset + e.size};
  *offset = area.Bump(size);
  return area.page;
}

Page* PagedSpace::ExpandInto(FreeList& list, LinearArea& area) {
  Page* page = allocator_->AllocatePage(id_);
  if (page == nullptr) return nullptr;
  pages_.push_back(page);
  capacity_bytes_ += page->area_bytes;
  area.ReleaseTo(list);
  area = LinearArea{page, 0, static_cast<std::uint32_t>(page->area_bytes)};
  return page;
}

Page* PagedSpace::TryAllocate(std::size_t size, std::uint32_t* offset) {
  return AllocateFrom(free_list_, lab_, size, offset);
}

Page* PagedSpace::Expand() {
  return ExpandInto(free_list_, lab_);
}

Page* PagedSpace::TryAllocateInCompactionSpace(CompactionSpace& cs,
                                               std::size_t size,
                                               std::uint32_t* offset) {
  if (Page* page = AllocateFrom(cs.free_list, cs.lab, size, offset)) return page;
  if (!free_list_.MovePageTo(size, *allocator_, cs.free_list)) return nullptr;
  return AllocateFrom(cs.free_list, cs.lab, size, offset);
}

Page* PagedSpace::ExpandCompactionSpace(CompactionSpace& cs) {
  return ExpandInto(cs.free_list, cs.lab);
}

void PagedSpace::MergeCompactionSpace(CompactionSpace& cs) {
  cs.lab.ReleaseTo(free_list_);
  cs.free_list.MoveAllTo(free_list_, *allocator_);
}

void PagedSpace::FreeLinearAllocationArea() {
  lab_.ReleaseTo(free_list_);
}

void PagedSpace::ReleasePage(Page* page) {
  if (page == lab_.page) lab_.Clear();
  free_list_.EvictPage(page);
  pages_.erase(std::find(pages_.begin(), pages_.end(), page));
  capacity_bytes_ -= page->area_bytes;
  allocator_->FreePage(page);
}

void PagedSpace::AddPromotedPage(Page* page) {
  page->owner = id_;
  page->SetFlag(Page::kPromotedWhole);
  pages_.push_back(page);
  capacity_bytes_ += page->area_bytes;
}

std::size_t PagedSpace::SweepPage(Page* page, std::size_t* freed_objects) {
  free_list_.EvictPage(page);
  if (page == lab_.page) lab_.Clear();
  ClearCoveredWords(page);
  std::size_t freed = 0;
  for (std::uint32_t i = 0; i < page->objects.size(); ++i) {
    HeapObject& o = page->objects[i];
    if (!o.is_object()) continue;
    if (o.mark_color() == MarkColor::kBlack && !o.forwarded) {
      o.set_color(MarkColor::kWhite);
      CoverObject(page, o);
    } else {
      page->FreeObject(i);
      ++freed;
    }
  }
  page->CompactSlotsIfWorthIt();
  page->ShrinkToFit();
  page->live_bytes = 0;
  page->ClearFlag(Page::kPromotedWhole);
  page->ClearFlag(Page::kHasForwarded);  // its forwarded records were freed above
  if (freed_objects) *freed_objects += freed;
  std::size_t before = free_list_.available_bytes();
  AddUncoveredGaps(page);
  return free_list_.available_bytes() - before;
}

void PagedSpace::ShrinkPage(Page* page, std::size_t area_bytes) {
  assert(area_bytes <= page->area_bytes && area_bytes % kTaggedSize == 0);
  assert(lab_.page != page || lab_.limit <= area_bytes);
  capacity_bytes_ -= page->area_bytes - area_bytes;
  page->area_bytes = area_bytes;
  RebuildFreeList(page);
}

void PagedSpace::DecreaseLimit(std::uint32_t limit) {
  assert(lab_.page != nullptr && lab_.top <= limit && limit <= lab_.limit);
  if (limit < lab_.limit) free_list_.Add(lab_.page, limit, lab_.limit - limit);
  lab_.limit = limit;
}

void PagedSpace::RebuildFreeList(Page* page) {
  free_list_.EvictPage(page);
  ClearCoveredWords(page);
  for (const HeapObject& o : page->objects)
    if (o.is_object()) CoverObject(page, o);
  AddUncoveredGaps(page);
}

// The free-list gaps are the runs of words no live object covers, found in address order on a
// bitmap of the page's words (as V8's sweeper walks the marking bitmap) rather than by sorting
// the object table, which is in allocation order once free-list allocation has filled gaps.
void PagedSpace::ClearCoveredWords(const Page* page) {
  assert(page->area_bytes <= kPageAreaSize && page->area_bytes % kTaggedSize == 0);
  const std::size_t bitmap_words = (page->area_bytes / kTaggedSize + 63) / 64;
  std::fill_n(covered_words_.begin(), bitmap_words, std::uint64_t{0});
}

void PagedSpace::CoverObject(const Page* page, const HeapObject& o) {
  assert(o.size_bytes % kTaggedSize == 0);
  const auto area_words = static_cast<std::uint32_t>(page->area_bytes / kTaggedSize);
  const std::uint32_t begin = o.offset_words;
  const std::uint32_t end = std::min<std::uint32_t>(
      area_words, begin + o.size_bytes / static_cast<std::uint32_t>(kTaggedSize));
  SetBitRange(covered_words_.data(), begin, end);
}

void PagedSpace::AddUncoveredGaps(Page* page) {
  const auto area_words = static_cast<std::uint32_t>(page->area_bytes / kTaggedSize);
  const auto word_bytes = static_cast<std::uint32_t>(kTaggedSize);
  std::uint32_t word = 0;
  while (word < area_words) {
    const std::uint32_t gap_begin = FindBit(covered_words_.data(), word, area_words, false);
    if (gap_begin >= area_words) break;
    const std::uint32_t gap_end = FindBit(covered_words_.data(), gap_begin, area_words, true);
    free_list_.Add(page, gap_begin * word_bytes, (gap_end - gap_begin) * word_bytes);
    word = gap_end;
  }
}

std::size_t PagedSpace::ObjectBytes() const {
  std::size_t s = 0;
  for (const Page* p : pages_)
    s += p->allocated_bytes;
  return s;
}

std::size_t PagedSpace::Available() const {
  return free_list_.available_bytes();
}

SpaceStats PagedSpace::Stats() const {
  return SpaceStats{Size(), Committed(), Available()};
}

// ---------------------------------------------------------------- SemiSpaceNewSpace

SemiSpaceNewSpace::SemiSpaceNewSpace(MemoryAllocator* allocator,
                                     std::size_t initial_semi_space_bytes,
                                     std::size_t max_semi_space_bytes)
    : allocator_(allocator),
      initial_pages_(std::max<std::size_t>(1, initial_semi_space_bytes / kPageSize)),
      max_pages_(std::max<std::size_t>(1, max_semi_space_bytes / kPageSize)) {
  for (std::size_t i = 0; i < initial_pages_; ++i) {
    Page* p = allocator_->AllocatePage(AllocationSpace::kNew);
    p->sequence = static_cast<std::uint32_t>(i);
    to_.push_back(p);
  }
  // From-space is committed lazily, at the first scavenge (node20-observed §1.3: new_space is
  // 1 MB at start-up and 2 MB committed after the first GC).
}

SemiSpaceNewSpace::~SemiSpaceNewSpace() = default;

Page* SemiSpaceNewSpace::Allocate(std::size_t size, std::uint32_t* offset) {
  while (current_ < to_.size()) {
    Page* p = to_[current_];
    if (p->top_bytes + size <= p->area_bytes) {
      *offset = p->top_bytes;
      p->top_bytes += static_cast<std::uint32_t>(size);
      return p;
    }
    ++current_;  // the page's tail is left unused, as V8 leaves a filler
  }
  return nullptr;
}

Page* SemiSpaceNewSpace::AllocateForEvacuation(std::size_t size, std::uint32_t* offset) {
  if (size > kMaxLabObjectSize) {
    // Allocated on its own in the linear area. The buffer it lands in or skips takes no more
    // copies, so that the scavenger's scan (in allocation order, page by page) sees them all.
    evacuation_lab_page_ = nullptr;
    return Allocate(size, offset);
  }
  Page* p = evacuation_lab_page_;
  if (p == nullptr || p->top_bytes + size > evacuation_lab_limit_) {
    // EvacuationAllocator::NewLocalAllocationBuffer: a new buffer from the linear area, right
    // behind the previous one (LocalAllocationBuffer::TryMerge makes them one). A page's rest
    // smaller than a buffer stays unused; without a page left the copy fails and the scavenger
    // promotes the object instead. The page's top follows the copies, not the buffer's end.
    if (p == nullptr) {
      if (current_ >= to_.size()) return nullptr;
      p = to_[current_];
    }
    std::uint32_t start = p == evacuation_lab_page_ ? evacuation_lab_limit_ : p->top_bytes;
    while (start + kLabSize > p->area_bytes) {
      if (current_ + 1 >= to_.size()) return nullptr;
      p = to_[++current_];
      start = p->top_bytes;
    }
    evacuation_lab_page_ = p;
    evacuation_lab_limit_ = start + static_cast<std::uint32_t>(kLabSize);
  }
  *offset = p->top_bytes;
  p->top_bytes += static_cast<std::uint32_t>(size);
  return p;
}

void SemiSpaceNewSpace::FinalizeEvacuation(std::size_t unused_bytes) {
  if (current_ >= to_.size()) return;
  Page* p = to_[current_];
  // Where whole buffers could still be carved in this page: from the last buffer's end (the
  // last buffer's unused end is given back: the page's top is its last copy's end).
  std::size_t buffer_end =
      p == evacuation_lab_page_ ? std::size_t{evacuation_lab_limit_} : std::size_t{p->top_bytes};
  evacuation_lab_page_ = nullptr;
  buffer_end += (p->area_bytes - buffer_end) / kLabSize * kLabSize;
  // The other tasks' buffers lie among the copies: their unused ends push the copies as far
  // on, to the next page if this one's buffers are used up.
  const std::size_t end = p->top_bytes + unused_bytes;
  if (end <= buffer_end) {
    p->top_bytes = static_cast<std::uint32_t>(end);
  } else if (current_ + 1 < to_.size()) {
    to_[++current_]->top_bytes = static_cast<std::uint32_t>(end - buffer_end);
  } else {
    p->top_bytes = static_cast<std::uint32_t>(p->area_bytes);
  }
}

void SemiSpaceNewSpace::TrimFromSpace() {
  while (from_.size() > to_.size()) {
    allocator_->FreePage(from_.back());
    from_.pop_back();
  }
}

void SemiSpaceNewSpace::EnsureFromSpaceIsCommitted() {
  if (from_committed_) return;
  // The uncommitted pages keep their Page records (and their vectors' capacity): committing
  // only counts their memory again. New space may have grown or shrunk since.
  TrimFromSpace();
  for (Page* p : from_)
    allocator_->CommitPage(p);
  while (from_.size() < to_.size())
    from_.push_back(allocator_->AllocatePage(AllocationSpace::kNew));
  from_committed_ = true;
}

void SemiSpaceNewSpace::Flip() {
  EnsureFromSpaceIsCommitted();
  std::swap(to_, from_);
  evacuation_lab_page_ = nullptr;
  for (std::size_t i = 0; i < to_.size(); ++i) {
    to_[i]->Reset();
    to_[i]->sequence = static_cast<std::uint32_t>(i);
  }
  current_ = 0;
}

void SemiSpaceNewSpace::ResetFromSpace() {
  for (Page* p : from_)
    p->Reset();
}

void SemiSpaceNewSpace::ResetToSpace() {
  for (Page* p : to_)
    p->Reset();
  current_ = 0;
  evacuation_lab_page_ = nullptr;
  age_mark_page_ = 0;
  age_mark_offset_ = 0;
}

void SemiSpaceNewSpace::ReplacePromotedPage(Page* page) {
  auto it = std::find(to_.begin(), to_.end(), page);
  assert(it != to_.end());
  Page* fresh = allocator_->AllocatePage(AllocationSpace::kNew);
  fresh->sequence = page->sequence;
  *it = fresh;
}

void SemiSpaceNewSpace::Grow(int factor) {
  std::size_t target = std::min(max_pages_, to_.size() * static_cast<std::size_t>(factor));
  while (to_.size() < target) {
    Page* p = allocator_->AllocatePage(AllocationSpace::kNew);
    p->sequence = static_cast<std::uint32_t>(to_.size());
    to_.push_back(p);
    if (from_committed_) from_.push_back(allocator_->AllocatePage(AllocationSpace::kNew));
  }
}

void SemiSpaceNewSpace::Shrink() {
  std::size_t wanted = std::max(InitialCapacity(), 2 * Size());
  std::size_t pages = std::max<std::size_t>(1, RoundUp(wanted, kPageSize) / kPageSize);
  // Only empty trailing pages can go; callers shrink right after new space was emptied.
  while (to_.size() > pages && to_.back()->object_count == 0 && current_ < to_.size() - 1) {
    allocator_->FreePage(to_.back());
    to_.pop_back();
  }
  TrimFromSpace();
  // V8 11.3 SemiSpaceNewSpace::Shrink ends with from_space_.Uncommit(), shrunk or not; the next
  // GC commits it again (Heap::EnsureFromSpaceIsCommitted).
  if (from_committed_)
    for (Page* p : from_)
      allocator_->UncommitPage(p);
  from_committed_ = false;
}

void SemiSpaceNewSpace::SetAgeMarkToTop() {
  age_mark_page_ = static_cast<std::uint32_t>(current_);
  age_mark_offset_ = top();
}

bool SemiSpaceNewSpace::IsBelowAgeMark(const Page* page, std::uint32_t offset_bytes) const {
  if (page->sequence != age_mark_page_) return page->sequence < age_mark_page_;
  return offset_bytes < age_mark_offset_;
}

std::uint32_t SemiSpaceNewSpace::top() const {
  return current_ < to_.size() ? to_[current_]->top_bytes : 0;
}

std::size_t SemiSpaceNewSpace::Size() const {
  // Pages before the current one count whole (their tails hold fillers), as NewSpace::Size.
  if (current_ >= to_.size()) return to_.size() * kPageAreaSize;
  return current_ * kPageAreaSize + to_[current_]->top_bytes;
}

std::size_t SemiSpaceNewSpace::Committed() const {
  return (to_.size() + (from_committed_ ? from_.size() : 0)) * kPageSize;
}

SpaceStats SemiSpaceNewSpace::Stats() const {
  return SpaceStats{Size(), Committed(), Available()};
}

// ---------------------------------------------------------------- LargeObjectSpace

Page* LargeObjectSpace::AllocatePage(std::size_t object_bytes) {
  Page* page = allocator_->AllocateLargePage(id_, object_bytes);
  if (page == nullptr) return nullptr;
  pages_.push_back(page);
  size_ += object_bytes;
  return page;
}

void LargeObjectSpace::AdoptPage(Page* page) {
  page->owner = id_;
  pages_.push_back(page);
  size_ += page->area_bytes;
}

void LargeObjectSpace::RemovePage(Page* page) {
  pages_.erase(std::find(pages_.begin(), pages_.end(), page));
  size_ -= page->area_bytes;
}

void LargeObjectSpace::FreePage(Page* page) {
  RemovePage(page);
  allocator_->FreePage(page);
}

std::size_t LargeObjectSpace::Committed() const {
  std::size_t c = 0;
  for (const Page* p : pages_)
    c += p->committed_bytes;
  return c;
}

SpaceStats LargeObjectSpace::Stats() const {
  std::size_t available = capacity_ > size_ ? capacity_ - size_ : 0;
  return SpaceStats{size_, Committed(), available};
}

}  // namespace heaplab
