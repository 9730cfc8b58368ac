#include "sim/heap.h"

#include <algorithm>
#include <cassert>
#include <cmath>
#include <limits>
#include <string>

#include "sim/heap-verifier.h"
#include "sim/mark-compact.h"
#include "sim/scavenger.h"

namespace heaplab {

namespace {
// incremental-marking.cc: kV8ActivationThreshold (release builds).
constexpr std::size_t kV8ActivationThreshold = 8 * MB;
// Allocation observers step incremental marking every 64 KB of young and 256 KB of old
// allocation; a step on allocation lasts at most 5 ms, one in a task at most 1 ms.
constexpr std::size_t kYoungAllocationStepBytes = 64 * KB;
constexpr std::size_t kOldAllocationStepBytes = 256 * KB;
constexpr double kMaxStepSizeOnAllocationMs = 5;
constexpr double kMaxStepSizeOnTaskMs = 1;
constexpr std::size_t kMinStepSizeInBytes = 64 * KB;
constexpr double kTargetMarkingWallTimeInMs = 500;
constexpr double kMinTimeBetweenScheduleInMs = 10;
constexpr std::size_t kScheduleMarginInBytes = 1 * MB;
constexpr std::size_t kTargetStepCount = 256;
constexpr std::size_t kTargetStepCountAtOOM = 32;
constexpr std::size_t kMaxProgressStepBytes = 256 * KB;
// --minor-gc-task-trigger (80): the share of the semi-space (MinorGCTaskTriggerBytes).
constexpr double kMinorGCTaskTrigger = 0.80;
// heap.cc kMaxConsecutiveIneffectiveMarkCompacts and IsIneffectiveMarkCompact thresholds.
constexpr int kMaxConsecutiveIneffectiveMarkCompacts = 4;
constexpr double kHighHeapPercentage = 0.80;
constexpr double kLowMutatorUtilization = 0.40;
// heap.cc kOldSurvivalRateLowThreshold (percent).
constexpr double kOldSurvivalRateLowThreshold = 10;
// AllocationSite::kPretenureRatio and kPretenureMinimumCreated.
constexpr double kPretenureRatio = 0.85;
constexpr std::uint32_t kMinMementoCount = 100;
// heap.cc kLowAllocationThroughput (bytes/ms) for shrinking new space.
constexpr double kLowAllocationThroughput = 1000;
// heap.cc AllocationLimitOvershotByLargeMargin kMarginForSmallHeaps.
constexpr std::size_t kMarginForSmallHeaps = 32 * MB;
}  // namespace

namespace {
// The literal of `size` bytes at `site`.
LiteralSite& LiteralOf(AllocationSite& site, std::size_t size) {
  const std::size_t words = size / kTaggedSize;
  if (site.literals.size() <= words) site.literals.resize(words + 1);
  return site.literals[words];
}
}  // namespace

const LiteralSite& AllocationSite::literal(std::size_t size_bytes) const {
  static const LiteralSite kNone;
  const std::size_t words = size_bytes / kTaggedSize;
  return words < literals.size() ? literals[words] : kNone;
}

std::string_view ToString(PretenureDecision decision) {
  switch (decision) {
    case PretenureDecision::kUndecided:
      return "undecided";
    case PretenureDecision::kDontTenure:
      return "don't tenure";
    case PretenureDecision::kMaybeTenure:
      return "maybe tenure";
    case PretenureDecision::kTenure:
      return "tenure";
  }
  return "?";
}

Heap::Heap(const HeapFlags& flags, HeapOptions options)
    : flags_(flags), config_(ConfigureHeap(flags)), options_(options) {
  new_space_ = std::make_unique<SemiSpaceNewSpace>(&allocator_, config_.initial_semi_space_bytes,
                                                   config_.max_semi_space_bytes);
  old_space_ = std::make_unique<PagedSpace>(AllocationSpace::kOld, &allocator_);
  code_space_ = std::make_unique<PagedSpace>(AllocationSpace::kCode, &allocator_);
  if (config_.has_map_space)
    map_space_ = std::make_unique<PagedSpace>(AllocationSpace::kMap, &allocator_);
  lo_space_ = std::make_unique<LargeObjectSpace>(AllocationSpace::kLargeObject, &allocator_);
  new_lo_space_ = std::make_unique<LargeObjectSpace>(AllocationSpace::kNewLargeObject, &allocator_);
  code_lo_space_ =
      std::make_unique<LargeObjectSpace>(AllocationSpace::kCodeLargeObject, &allocator_);
  new_lo_space_->SetCapacity(new_space_->Capacity());
  old_generation_allocation_limit_ = config_.initial_old_generation_bytes;
  old_generation_size_configured_ = config_.old_generation_size_configured;
  sites_.emplace_back();  // id 0: no site
  sites_[0].name = "(none)";
  if (options_.startup_snapshot) CreateStartupHeap();
  AddMinorGCTaskObserver();
  next_sample_ms_ = 0;
}

Heap::~Heap() = default;

// ------------------------------------------------------------------ start-up heap

void Heap::CreateStartupHeap() {
  // Node 20's heap when a script starts, read off `node --trace-gc-nvp --trace-gc-verbose` on a
  // one-line script that loads no module (docs/simulator.md, "The start-up heap"): old space
  // 2536608 bytes, code space 244736, one 262160-byte large object. The first mark-compact keeps
  // 2315136 bytes of old space and 10240 of code space; the rest of old space is start-up
  // garbage (transient loader state). Old space is modelled as 96-byte objects with 4 slots,
  // whose live part is a prefix: a forest of small trees (about 24 objects each) under
  // kSnapshotRoots strong roots, as V8's start-up heap hangs off its roots table and native
  // context, hundreds of roots wide. (One tree under one root had a marker that took its top
  // walk most of the start-up heap privately, out of the other markers' reach, so that a
  // mark-compact finalized while it did and marked the rest in its pause: node's atomic pauses
  // mark 0.1-0.3 ms.) Code space is ten 1024-byte code objects and its linear allocation area.
  constexpr std::size_t kSnapshotObjects = 26423;      // x 96 bytes = 2536608
  constexpr std::size_t kSnapshotLiveObjects = 24116;  // x 96 bytes = 2315136
  constexpr std::size_t kSnapshotRoots = 1024;
  std::vector<ObjectRef> nodes;
  nodes.reserve(kSnapshotObjects);
  for (std::size_t i = 0; i < kSnapshotObjects; ++i)
    nodes.push_back(AllocateRaw(AllocationSpace::kOld, 96, 4, ObjectKind::kObject, 0, false));
  // Breadth-first: the roots are nodes 0..kSnapshotRoots-1, node i's children follow at
  // kSnapshotRoots + 4 i.
  for (std::size_t i = 0; i < kSnapshotLiveObjects; ++i) {
    ObjectRef* slots = mutable_slots(nodes[i]);
    for (std::size_t c = 0; c < 4; ++c) {
      const std::size_t child = kSnapshotRoots + 4 * i + c;
      if (child < kSnapshotLiveObjects) slots[c] = nodes[child];
    }
  }
  strong_roots_.insert(strong_roots_.end(), nodes.begin(),
                       nodes.begin() + static_cast<std::ptrdiff_t>(kSnapshotRoots));
  // The snapshot's old-space pages are cut to what they hold: 2544432 bytes of capacity, 7824
  // of them free (node's first old-space allocations beyond that take a page at once).
  old_space_->FreeLinearAllocationArea();
  constexpr std::size_t kSnapshotOldCapacity = 2544432;
  Page* last = old_space_->pages().back();
  old_space_->ShrinkPage(last, last->area_bytes - (old_space_->Capacity() - kSnapshotOldCapacity));
  strong_roots_.push_back(
      AllocateRaw(AllocationSpace::kLargeObject, 262160, 0, ObjectKind::kArray, 0, false));
  if (map_space_) {
    // The legacy layout keeps the start-up maps in their own space.
    for (int i = 0; i < 1024; ++i)
      strong_roots_.push_back(
          AllocateRaw(AllocationSpace::kMap, 80, 0, ObjectKind::kObject, 0, false));
  }
  // Heap::NotifyBootstrapComplete: the capacity that later growth is measured from (2806592
  // bytes in node 20: old space and the large object; gdb on Heap::NotifyOldGenerationExpansion).
  old_generation_capacity_after_bootstrap_ = OldGenerationCapacity();
  // Code space gets its page after that: its 245712 bytes count towards the memory reducer's
  // 1 MB. Node reports 244736 bytes of it used from start to well into a run, for code that
  // TurboFan adds too: V8 counts the linear allocation area as used, and code space's spans the
  // page but for 976 bytes. What the first mark-compact keeps is 10 KB.
  for (int i = 0; i < 10; ++i)
    strong_roots_.push_back(
        AllocateRaw(AllocationSpace::kCode, 1024, 0, ObjectKind::kCode, 0, false));
  code_space_->DecreaseLimit(244736);
  // Bootstrap objects in new space. Loading the main script leaves 63616 bytes of them alive
  // (the module and its loader state): node runs a first scavenge that copies 63616 bytes and
  // a second that promotes them (`node --trace-gc-nvp` on a one-line script). The rest is
  // garbage that dies at the first scavenge.
  constexpr std::size_t kBootstrapBytes = 374944;
  constexpr std::size_t kBootstrapLiveBytes = 63616;
  for (std::size_t done = 0; done < kBootstrapBytes; done += 64) {
    const ObjectRef o = AllocateRaw(AllocationSpace::kNew, 64, 2, ObjectKind::kObject, 0, false);
    if (done < kBootstrapLiveBytes) strong_roots_.push_back(o);
  }
  // Start-up allocation is not the workload's.
  allocated_total_bytes_ = 0;
  allocated_at_last_gc_ = 0;
  old_generation_allocation_counter_ = 0;
  new_space_allocation_counter_ = 0;
}

// ------------------------------------------------------------------ sites

std::uint32_t Heap::RegisterAllocationSite(std::string_view name) {
  for (std::size_t i = 1; i < sites_.size(); ++i)
    if (sites_[i].name == name) return static_cast<std::uint32_t>(i);
  if (sites_.size() > kMaxAllocationSites)
    throw HeapUsageError("too many allocation sites (at most " +
                         std::to_string(kMaxAllocationSites) + ")");
  CheckAlive();
  AllocationSite s;
  s.name = std::string(name);
  sites_.push_back(std::move(s));
  auto id = static_cast<std::uint32_t>(sites_.size() - 1);
  // Each site gets a map (hidden class): map space in the legacy layout, old space in V8 11.
  ObjectRef map = AllocateRaw(map_space_ ? AllocationSpace::kMap : AllocationSpace::kOld, 80, 0,
                              ObjectKind::kObject, 0, false);
  if (map == kNullRef) map = Allocate(80, 0, ObjectKind::kObject, 0, AllocationType::kOld);
  sites_[id].map = map;
  strong_roots_.push_back(map);
  return id;
}

// ------------------------------------------------------------------ allocation

PagedSpace* Heap::paged_space(AllocationSpace space) {
  switch (space) {
    case AllocationSpace::kOld:
      return old_space_.get();
    case AllocationSpace::kCode:
      return code_space_.get();
    case AllocationSpace::kMap:
      return map_space_.get();
    default:
      return nullptr;
  }
}

ObjectRef Heap::AllocateRaw(AllocationSpace space,
                            std::size_t size,
                            std::uint32_t slot_count,
                            ObjectKind kind,
                            std::uint32_t site,
                            bool gc_origin,
                            std::size_t memento_bytes,
                            CompactionSpace* compaction_space) {
  Page* page = nullptr;
  std::uint32_t offset = 0;
  switch (space) {
    case AllocationSpace::kNew:
      page = gc_origin ? new_space_->AllocateForEvacuation(size, &offset)
                       : new_space_->Allocate(size + memento_bytes, &offset);
      break;
    case AllocationSpace::kOld:
    case AllocationSpace::kCode:
    case AllocationSpace::kMap: {
      PagedSpace* ps = paged_space(space);
      if (compaction_space != nullptr) {
        // A scavenge task's promotion (CompactionSpace::RawRefillLabMain): its own pages, then a
        // page with room taken from the space, then a new page (origin kGC: no limit check
        // beyond the heap's capacity, as for the main space below).
        page = ps->TryAllocateInCompactionSpace(*compaction_space, size, &offset);
        if (page == nullptr) {
          if (!CanExpandOldGeneration(kPageAreaSize) && !evacuating_) return kNullRef;
          if (ps->ExpandCompactionSpace(*compaction_space) == nullptr)
            FatalProcessOutOfMemory("MemoryAllocator::AllocatePage");
          NotifyOldGenerationExpansion();
          page = ps->TryAllocateInCompactionSpace(*compaction_space, size, &offset);
        }
        break;
      }
      // PagedSpace::AllocateRawSlow: a refill of the linear area (from the free list or a new
      // page) first checks whether incremental marking should start, so that old-space
      // allocation right after a mark-compact near a small limit restarts marking at once.
      if (!gc_origin && !ps->LinearAreaFits(size))
        StartIncrementalMarkingIfAllocationLimitIsReached();
      page = ps->TryAllocate(size, &offset);
      if (page == nullptr) {
        // PagedSpace::RawRefillLabMain: a new page only within the old-generation limits.
        if (!gc_origin && !ShouldExpandOldGenerationOnSlowAllocation()) return kNullRef;
        if (!CanExpandOldGeneration(kPageAreaSize) && !(gc_origin && evacuating_)) return kNullRef;
        if (ps->Expand() == nullptr) FatalProcessOutOfMemory("MemoryAllocator::AllocatePage");
        NotifyOldGenerationExpansion();
        page = ps->TryAllocate(size, &offset);
        if (!gc_origin) StartIncrementalMarkingIfAllocationLimitIsReached();
      }
      break;
    }
    case AllocationSpace::kLargeObject:
    case AllocationSpace::kCodeLargeObject: {
      // OldLargeObjectSpace::AllocateRaw.
      if (!gc_origin &&
          (!CanExpandOldGeneration(size) || !ShouldExpandOldGenerationOnSlowAllocation()))
        return kNullRef;
      LargeObjectSpace* lo =
          space == AllocationSpace::kLargeObject ? lo_space_.get() : code_lo_space_.get();
      page = lo->AllocatePage(size);
      if (page == nullptr) FatalProcessOutOfMemory("MemoryAllocator::AllocateLargePage");
      if (!gc_origin) StartIncrementalMarkingIfAllocationLimitIsReached();
      NotifyOldGenerationExpansion();
      break;
    }
    case AllocationSpace::kNewLargeObject: {
      // NewLargeObjectSpace::AllocateRaw: the first object always fits; later ones only within
      // the capacity, which follows new space.
      std::size_t used = new_lo_space_->SizeOfObjects();
      if (!CanExpandOldGeneration(used)) return kNullRef;
      if (used > 0 && size > new_lo_space_->Stats().available_bytes) return kNullRef;
      page = new_lo_space_->AllocatePage(size);
      if (page == nullptr) FatalProcessOutOfMemory("MemoryAllocator::AllocateLargePage");
      new_lo_space_->SetCapacity(
          std::max(new_lo_space_->capacity(), new_lo_space_->SizeOfObjects()));
      break;
    }
  }
  if (page == nullptr) return kNullRef;
  if (page->object_count >= kMaxObjectsPerPage) return kNullRef;
  std::uint32_t index =
      page->AddObject(offset, static_cast<std::uint32_t>(size), kind, site, slot_count);
  return MakeRef(page->id, index);
}

ObjectRef Heap::MigrateObject(ObjectRef from,
                              AllocationSpace space,
                              bool gc_origin,
                              CompactionSpace* compaction_space) {
  const HeapObject src = object(from);
  Page* src_page = page_of(from);
  ObjectRef to = AllocateRaw(space, src.size_bytes, 0, src.object_kind(), src.site, gc_origin, 0,
                             compaction_space);
  if (to == kNullRef) return kNullRef;
  Page* dst_page = page_of(to);
  HeapObject& dst = dst_page->objects[RefIndex(to)];
  dst.slots_begin = static_cast<std::uint32_t>(dst_page->slots.size());
  dst.slot_count = src.slot_count;
  dst_page->slots.insert(dst_page->slots.end(), src_page->slots.begin() + src.slots_begin,
                         src_page->slots.begin() + src.slots_begin + src.slot_count);
  // Marking state moves with the object (IncrementalMarking::TransferColor).
  dst.set_color(src.mark_color());
  if (src.mark_color() == MarkColor::kBlack) dst_page->live_bytes += src.size_bytes;
  HeapObject& old = src_page->objects[RefIndex(from)];
  old.forwarded = 1;
  old.slots_begin = to;
  src_page->SetFlag(Page::kHasForwarded);
  src_page->dead_slots += src.slot_count;
  return to;
}

ObjectRef Heap::Allocate(std::size_t size_bytes,
                         std::uint32_t slot_count,
                         ObjectKind kind,
                         std::uint32_t site,
                         AllocationType type) {
  CheckAlive();
  if (size_bytes == 0) throw HeapUsageError("object size must be positive");
  if (size_bytes > (std::size_t{1} << 31))
    throw HeapUsageError("object size " + std::to_string(size_bytes) +
                         " is larger than the simulator supports (2 GB)");
  const std::size_t size = RoundUp(size_bytes, kTaggedSize);
  const std::size_t min_size = kTaggedSize * (std::size_t{slot_count} + 1);
  if (size < min_size)
    throw HeapUsageError("object of " + std::to_string(size_bytes) + " bytes cannot hold " +
                         std::to_string(slot_count) + " reference slots (needs at least " +
                         std::to_string(min_size) + " bytes: a map word plus 8 bytes per slot)");
  if (site >= sites_.size())
    throw HeapUsageError("unknown allocation site " + std::to_string(site));
  if (gc_requested_) HandleGCRequest();
  // The runtime's own old-space allocation (feedback vectors, code, maps, strings) refills the
  // linear area a mark-compact emptied soon after the mutator runs again, and
  // PagedSpace::RawRefillLabMain starts incremental marking if the limit is reached: node's
  // --trace-incremental-marking on oom-growth shows "Start (task)" 0–9 ms after each
  // mark-compact near the limit, with no scavenge and no old-space allocation of the
  // workload's own in between. (A scavenge checks the limit itself, Heap::CollectGarbage.)
  if (old_lab_empty_after_mark_compact_) {
    old_lab_empty_after_mark_compact_ = false;
    StartIncrementalMarkingIfAllocationLimitIsReached();
  }

  // Pretenuring: only optimized code follows a site's decision; unoptimized code allocates
  // literals young with a memento.
  SiteTier tier;
  bool tenured = false;
  if (flags_.allocation_site_pretenuring && site != 0) {
    tier = TierOf(sites_[site], size, kind);
    tenured = tier.tenured();
  }
  const bool old = type == AllocationType::kOld || tenured;
  AllocationSpace space;
  if (kind == ObjectKind::kCode) {
    space = size > config_.max_regular_object_size_bytes ? AllocationSpace::kCodeLargeObject
                                                         : AllocationSpace::kCode;
  } else if (size > config_.max_regular_object_size_bytes) {
    space = old ? AllocationSpace::kLargeObject : AllocationSpace::kNewLargeObject;
  } else {
    space = old ? AllocationSpace::kOld : AllocationSpace::kNew;
  }
  const bool young = IsYoungSpace(space);
  // Only object and array literals carry allocation mementos, and only from unoptimized code.
  const bool memento = young && tier.mementos_left > 0;
  const std::size_t memento_bytes =
      memento && space == AllocationSpace::kNew ? kAllocationMementoSize : 0;
  const std::size_t footprint = size + memento_bytes;

  // The mutator's own time for the allocation (and initialising the object).
  now_ms_ += static_cast<double>(footprint) / flags_.mutator_speed;
  ConcurrentMarking(static_cast<double>(footprint) / flags_.mutator_speed);

  ObjectRef ref = kNullRef;
  // HeapAllocator::AllocateRawWithRetryOrFailSlowPath: two GCs, then a last-resort GC.
  for (int attempt = 0; ref == kNullRef; ++attempt) {
    ref = AllocateRaw(space, size, slot_count, kind, site, false, memento_bytes);
    if (ref != kNullRef) break;
    if (attempt < 2) {
      CollectGarbage(young ? AllocationSpace::kNew : space,
                     GarbageCollectionReason::kAllocationFailure);
    } else if (attempt == 2) {
      CollectAllAvailableGarbage(GarbageCollectionReason::kLastResort);
    } else {
      FatalProcessOutOfMemory("CALL_AND_RETRY_LAST");
    }
  }

  HeapObject& o = mutable_object(ref);
  if (!young && IsMarking()) {
    // Black allocation: objects allocated in the old generation during marking are live.
    o.set_color(MarkColor::kBlack);
    page_of(ref)->live_bytes += size;
  }
  AllocationSite& s = sites_[site];
  if (site != 0) {
    ++s.allocated_objects;
    s.allocated_bytes += size;
    if (tenured) ++s.pretenured_objects;
    if (memento) {
      o.memento = 1;
      ++tier.literal->memento_create_count;
      if (tier.counts_allocations) ++tier.literal->unoptimized_allocations;
    }
  }
  allocated_total_bytes_ += footprint;
  if (young)
    new_space_allocation_counter_ += footprint;
  else
    old_generation_allocation_counter_ += footprint;
  if (space == AllocationSpace::kNew) ObserveNewSpaceAllocation(page_of(ref), footprint);
  OnAllocation(footprint, young);
  MaybeSample();
  return ref;
}

std::size_t Heap::TryAllocateYoungRun(std::size_t count,
                                      std::size_t size,
                                      std::uint32_t slot_count,
                                      ObjectKind kind,
                                      std::uint32_t site,
                                      ObjectRef* out,
                                      bool chain,
                                      ObjectRef previous) {
  CheckAlive();
  // Right after a mark-compact the first allocation checks the marking limit (see Allocate):
  // leave it to the one-object path.
  if (gc_requested_ || old_lab_empty_after_mark_compact_ || count == 0 ||
      size > config_.max_regular_object_size_bytes || (chain && slot_count == 0) ||
      kind == ObjectKind::kCode || size % kTaggedSize != 0 ||
      size < kTaggedSize * (std::size_t{slot_count} + 1) || site >= sites_.size())
    return 0;
  SiteTier tier;
  if (flags_.allocation_site_pretenuring && site != 0) {
    tier = TierOf(sites_[site], size, kind);
    if (tier.tenured()) return 0;  // this allocation goes to old space
  }
  const bool mementos = tier.mementos_left > 0;
  // Each object of the run is followed by its memento, if it has one.
  const std::size_t stride = size + (mementos ? kAllocationMementoSize : 0);
  std::size_t n = std::min(count, new_space_->RoomInCurrentPage(stride));
  if (mementos) n = std::min(n, tier.mementos_left);
  // End the run at the minor-GC task observer's step and at the incremental-marking step
  // granularity, so that tasks and steps happen where single allocations would put them.
  if (minor_gc_observer_active_) n = std::min(n, MinorGCObserverBytesToStep() / stride + 1);
  if (marking_phase_ == MarkingPhase::kMarking)
    n = std::min(n, (kYoungAllocationStepBytes -
                     std::min(kYoungAllocationStepBytes, young_allocated_since_step_)) /
                            stride +
                        1);
  Page* page = nullptr;
  std::uint32_t offset = 0;
  if (n == 0 || (page = new_space_->AllocateRunInCurrentPage(stride, n, &offset)) == nullptr)
    return 0;
  if (page->object_count + n > kMaxObjectsPerPage) return 0;
  const std::uint32_t first =
      page->AddObjectRun(offset, static_cast<std::uint32_t>(size), kind, site, slot_count,
                         static_cast<std::uint32_t>(n), static_cast<std::uint32_t>(stride));
  for (std::size_t i = 0; i < n; ++i) {
    out[i] = MakeRef(page->id, first + static_cast<std::uint32_t>(i));
    if (mementos) page->objects[first + i].memento = 1;
  }
  if (chain) {
    // Initializing stores into fresh young objects need no barrier (SKIP_WRITE_BARRIER).
    ObjectRef* slots = page->slots.data() + page->objects[first].slots_begin;
    for (std::size_t i = 0; i < n; ++i, slots += slot_count)
      slots[0] = i == 0 ? previous : out[i - 1];
  }
  const std::size_t bytes = stride * n;
  const double ms = static_cast<double>(bytes) / flags_.mutator_speed;
  now_ms_ += ms;
  ConcurrentMarking(ms);
  if (site != 0) {
    AllocationSite& s = sites_[site];
    s.allocated_objects += n;
    s.allocated_bytes += size * n;
    if (mementos) {
      tier.literal->memento_create_count += static_cast<std::uint32_t>(n);
      if (tier.counts_allocations)
        tier.literal->unoptimized_allocations += static_cast<std::uint32_t>(n);
    }
  }
  allocated_total_bytes_ += bytes;
  new_space_allocation_counter_ += bytes;
  ObserveNewSpaceAllocation(page, bytes);
  OnAllocation(bytes, true);
  MaybeSample();
  return n;
}

double Heap::MinorGCTaskTriggerBytes() const {
  // Node posts the task at 80% of the semi-space's whole size, page headers included: its task
  // scavenges at a 1 MB semi-space start with 838.9-850 KB of new space in use (the
  // new_space_survive_rate and promotion_ratio of --trace-gc-nvp), never below 0.8 x 1 MiB,
  // though only 1006 KB of it take objects.
  return kMinorGCTaskTrigger * static_cast<double>(new_space_->TotalCapacity());
}

void Heap::AddMinorGCTaskObserver() {
  const std::size_t used = new_space_->Size();
  const auto trigger = static_cast<std::size_t>(MinorGCTaskTriggerBytes());
  // Past the trigger already: a step on the next allocation.
  minor_gc_observer_step_bytes_ = used < trigger ? trigger - used : 1;
  minor_gc_observer_counted_bytes_ = 0;
  minor_gc_observer_active_ = true;
  lab_uncounted_bytes_ = 0;
  lab_page_ = nullptr;
}

std::size_t Heap::MinorGCObserverBytesToStep() const {
  if (!minor_gc_observer_active_) return 0;
  const std::size_t seen = minor_gc_observer_counted_bytes_ + lab_uncounted_bytes_;
  return seen < minor_gc_observer_step_bytes_ ? minor_gc_observer_step_bytes_ - seen : 0;
}

void Heap::AdvanceAllocationObservers() {
  if (minor_gc_observer_active_) minor_gc_observer_counted_bytes_ += lab_uncounted_bytes_;
  lab_uncounted_bytes_ = 0;
}

void Heap::PublishPendingAllocations() {
  lab_uncounted_bytes_ = 0;
}

void Heap::ObserveNewSpaceAllocation(const Page* page, std::size_t bytes) {
  // A fresh page: the linear allocation area was closed at the old page's end.
  if (page != lab_page_) {
    AdvanceAllocationObservers();
    lab_page_ = page;
  }
  lab_uncounted_bytes_ += bytes;
  if (!minor_gc_observer_active_ || MinorGCObserverBytesToStep() > 0) return;
  // The allocation reached the area's limit, lowered to the observer's step: the observer steps
  // (MinorGCJob::ScheduleTaskIfNeeded) and removes itself until the next GC.
  AdvanceAllocationObservers();
  minor_gc_observer_active_ = false;
  if (static_cast<double>(new_space_->Size()) >= MinorGCTaskTriggerBytes())
    minor_gc_task_posted_ = true;
}

void Heap::OnAllocation(std::size_t size, bool young) {
  if (marking_phase_ != MarkingPhase::kMarking) return;
  if (young)
    young_allocated_since_step_ += size;
  else
    old_allocated_since_step_ += size;
  if (young_allocated_since_step_ >= kYoungAllocationStepBytes ||
      old_allocated_since_step_ >= kOldAllocationStepBytes) {
    // The new-space marking observer's step ends new space's linear allocation area too.
    if (young_allocated_since_step_ >= kYoungAllocationStepBytes) AdvanceAllocationObservers();
    young_allocated_since_step_ = 0;
    old_allocated_since_step_ = 0;
    IncrementalMarkingStep(kMaxStepSizeOnAllocationMs, false);
  }
}

// ------------------------------------------------------------------ objects and slots

void Heap::CheckAlive() const {
  if (oom_) throw OutOfMemoryError(oom_->message);
}

bool Heap::IsValidObject(ObjectRef ref) const {
  if (ref == kNullRef) return false;
  const Page* p = allocator_.page(RefPage(ref));
  if (p == nullptr || RefIndex(ref) >= p->objects.size()) return false;
  return p->objects[RefIndex(ref)].is_object();
}

void Heap::CheckObject(ObjectRef ref, const char* what) const {
  if (!IsValidObject(ref) || object(ref).forwarded)
    throw HeapUsageError(std::string(what) + " is not a live object (reference " +
                         std::to_string(ref) + ")");
}

const HeapObject& Heap::object(ObjectRef ref) const {
  return page_of(ref)->objects[RefIndex(ref)];
}

ObjectRef* Heap::mutable_slots(ObjectRef ref) {
  Page* p = page_of(ref);
  return p->slots.data() + p->objects[RefIndex(ref)].slots_begin;
}

const ObjectRef* Heap::slots_of(ObjectRef ref) const {
  const Page* p = page_of(ref);
  return p->slots.data() + p->objects[RefIndex(ref)].slots_begin;
}

std::uint64_t Heap::address_of(ObjectRef ref) const {
  return page_of(ref)->address + object(ref).offset_bytes();
}

ObjectRef Heap::ReadSlot(ObjectRef host, std::uint32_t slot) const {
  CheckObject(host, "slot host");
  if (slot >= object(host).slot_count)
    throw HeapUsageError("slot " + std::to_string(slot) + " out of range (object has " +
                         std::to_string(object(host).slot_count) + " slots)");
  return slots_of(host)[slot];
}

void Heap::WriteSlot(ObjectRef host, std::uint32_t slot, ObjectRef value) {
  CheckAlive();
  CheckObject(host, "slot host");
  if (value != kNullRef) CheckObject(value, "slot value");
  if (slot >= object(host).slot_count)
    throw HeapUsageError("slot " + std::to_string(slot) + " out of range (object has " +
                         std::to_string(object(host).slot_count) + " slots)");
  mutable_slots(host)[slot] = value;
  if (value == kNullRef) return;
  // Generational barrier (WriteBarrier::GenerationalBarrier): old-to-new slots go to the
  // remembered set.
  if (!InYoungGeneration(host) && InYoungGeneration(value))
    remembered_set_.emplace_back(host, slot);
  // Marking barrier (MarkingBarrier::Write, Dijkstra style): a white value turns grey.
  if (marking_phase_ != MarkingPhase::kStopped && object(host).mark_color() == MarkColor::kBlack)
    MarkingBarrier(value);
}

void Heap::MarkingBarrier(ObjectRef value) {
  if (marking_phase_ == MarkingPhase::kStopped || object(value).mark_color() != MarkColor::kWhite)
    return;
  WhiteToGreyAndPush(value, true);
  if (marking_phase_ == MarkingPhase::kComplete) marking_phase_ = MarkingPhase::kMarking;
}

// ------------------------------------------------------------------ roots

std::uint32_t Heap::CreateGlobalInContainer(ObjectRef value) {
  const std::uint32_t handle = CreateGlobal(value);
  if (value != kNullRef) MarkingBarrier(value);
  return handle;
}

std::uint32_t Heap::CreateGlobal(ObjectRef value) {
  if (value != kNullRef) CheckObject(value, "global handle value");
  if (!free_globals_.empty()) {
    std::uint32_t h = free_globals_.back();
    free_globals_.pop_back();
    globals_[h] = value;
    global_alive_[h] = true;
    return h;
  }
  globals_.push_back(value);
  global_alive_.push_back(true);
  return static_cast<std::uint32_t>(globals_.size() - 1);
}

void Heap::DisposeGlobal(std::uint32_t handle) {
  if (handle >= globals_.size() || !global_alive_[handle])
    throw HeapUsageError("global handle " + std::to_string(handle) +
                         (handle < globals_.size() ? " was already disposed" : " does not exist"));
  globals_[handle] = kNullRef;
  global_alive_[handle] = false;
  free_globals_.push_back(handle);
}

ObjectRef Heap::Global(std::uint32_t handle) const {
  if (!IsGlobalAlive(handle))
    throw HeapUsageError("global handle " + std::to_string(handle) + " is not alive");
  return globals_[handle];
}

void Heap::SetGlobal(std::uint32_t handle, ObjectRef value) {
  if (!IsGlobalAlive(handle))
    throw HeapUsageError("global handle " + std::to_string(handle) + " is not alive");
  if (value != kNullRef) CheckObject(value, "global handle value");
  globals_[handle] = value;
  // Roots are not barriered; marking re-scans them in the final pause.
}

bool Heap::IsGlobalAlive(std::uint32_t handle) const {
  return handle < globals_.size() && global_alive_[handle];
}

void Heap::OpenHandleScope() {
  scope_marks_.push_back(locals_.size());
}

void Heap::CloseHandleScope() {
  if (scope_marks_.empty()) throw HeapUsageError("no handle scope is open");
  locals_.resize(scope_marks_.back());
  scope_marks_.pop_back();
  if (locals_.capacity() > 65536 && locals_.capacity() > 4 * locals_.size())
    locals_.shrink_to_fit();
}

std::uint32_t Heap::CreateLocal(ObjectRef value) {
  if (value != kNullRef) CheckObject(value, "local handle value");
  locals_.push_back(value);
  return static_cast<std::uint32_t>(locals_.size() - 1);
}

ObjectRef Heap::Local(std::uint32_t handle) const {
  if (handle >= locals_.size())
    throw HeapUsageError("local handle " + std::to_string(handle) +
                         " is not alive (its handle scope was closed)");
  return locals_[handle];
}

void Heap::SetLocal(std::uint32_t handle, ObjectRef value) {
  if (handle >= locals_.size())
    throw HeapUsageError("local handle " + std::to_string(handle) + " is not alive");
  if (value != kNullRef) CheckObject(value, "local handle value");
  locals_[handle] = value;
}

// ------------------------------------------------------------------ statistics

SpaceStats Heap::Stats(AllocationSpace space) const {
  switch (space) {
    case AllocationSpace::kNew:
      return new_space_->Stats();
    case AllocationSpace::kOld:
      return old_space_->Stats();
    case AllocationSpace::kCode:
      return code_space_->Stats();
    case AllocationSpace::kMap:
      return map_space_ ? map_space_->Stats() : SpaceStats{};
    case AllocationSpace::kNewLargeObject:
      return new_lo_space_->Stats();
    case AllocationSpace::kLargeObject:
      return lo_space_->Stats();
    case AllocationSpace::kCodeLargeObject:
      return code_lo_space_->Stats();
  }
  return {};
}

SpaceStatsArray Heap::SpaceStatistics() const {
  SpaceStatsArray a{};
  for (int i = 0; i < kNumberOfSpaces; ++i)
    a[static_cast<std::size_t>(i)] = Stats(static_cast<AllocationSpace>(i));
  return a;
}

std::size_t Heap::SizeOfObjects() const {
  return TotalUsed(SpaceStatistics());
}
std::size_t Heap::CommittedMemory() const {
  return TotalCommitted(SpaceStatistics());
}

std::size_t Heap::OldGenerationSizeOfObjects() const {
  std::size_t s = old_space_->Size() + code_space_->Size() + lo_space_->SizeOfObjects() +
                  code_lo_space_->SizeOfObjects();
  if (map_space_) s += map_space_->Size();
  return s;
}

void Heap::NotifyOldGenerationExpansion() {
  // Heap::NotifyOldGenerationExpansion (pages of the mutator, and those a scavenge's compaction
  // spaces merge in): before the first mark-compact, 1 MB of growth past the start-up capacity
  // tells the memory reducer there may be garbage.
  constexpr std::size_t kMemoryReducerActivationThreshold = 1u << 20;
  if (old_generation_capacity_after_bootstrap_ == 0 || mark_compact_count_ != 0 ||
      in_mark_compact_ || !flags_.memory_reducer_for_small_heaps || !flags_.incremental_marking)
    return;
  if (OldGenerationCapacity() >=
      old_generation_capacity_after_bootstrap_ + kMemoryReducerActivationThreshold)
    memory_reducer_.NotifyPossibleGarbage(
        now_ms_, static_cast<double>(flags_.gc_memory_reducer_start_delay_ms));
}

std::size_t Heap::OldGenerationCapacity() const {
  std::size_t c = old_space_->Capacity() + code_space_->Capacity() + lo_space_->SizeOfObjects() +
                  code_lo_space_->SizeOfObjects();
  if (map_space_) c += map_space_->Capacity();
  return c;
}

std::size_t Heap::OldGenerationPageCount() const {
  std::size_t n = old_space_->pages().size() + code_space_->pages().size() +
                  lo_space_->pages().size() + code_lo_space_->pages().size();
  if (map_space_) n += map_space_->pages().size();
  return n;
}

bool Heap::CanExpandOldGeneration(std::size_t size) const {
  if (OldGenerationCapacity() + size > config_.max_old_generation_bytes) return false;
  return allocator_.committed_bytes() + size <= config_.heap_size_limit_bytes;
}

bool Heap::CanPromoteYoungAndExpandOldGeneration(std::size_t size) const {
  return CanExpandOldGeneration(size + new_space_->Capacity() + new_lo_space_->SizeOfObjects());
}

bool Heap::ShouldOptimizeForMemoryUsage() const {
  return !CanExpandOldGeneration(config_.max_old_generation_bytes / 8);
}

std::size_t Heap::OldGenerationSpaceAvailable() const {
  std::size_t size = OldGenerationSizeOfObjects();
  return size < old_generation_allocation_limit_ ? old_generation_allocation_limit_ - size : 0;
}

bool Heap::ShouldExpandOldGenerationOnSlowAllocation() const {
  if (OldGenerationSpaceAvailable() > 0) return true;
  if (ShouldOptimizeForMemoryUsage()) return false;
  if (marking_phase_ == MarkingPhase::kComplete) return !AllocationLimitOvershotByLargeMargin();
  if (marking_phase_ == MarkingPhase::kStopped &&
      IncrementalMarkingLimitReached() == IncrementalMarkingLimit::kNoLimit)
    return false;
  return true;
}

bool Heap::AllocationLimitOvershotByLargeMargin() const {
  const std::size_t size = OldGenerationSizeOfObjects();
  const std::size_t limit = old_generation_allocation_limit_;
  if (size <= limit) return false;
  const std::size_t overshoot = size - limit;
  const std::size_t max_old = config_.max_old_generation_bytes;
  const std::size_t margin = std::min(std::max(limit / 2, kMarginForSmallHeaps),
                                      max_old > limit ? (max_old - limit) / 2 : 0);
  return overshoot >= margin;
}

// ------------------------------------------------------------------ incremental marking

Heap::IncrementalMarkingLimit Heap::IncrementalMarkingLimitReached() const {
  if (!flags_.incremental_marking) return IncrementalMarkingLimit::kNoLimit;
  if (OldGenerationSizeOfObjects() <= kV8ActivationThreshold)
    return IncrementalMarkingLimit::kNoLimit;
  const std::size_t available = OldGenerationSpaceAvailable();
  if (available > new_space_->Capacity()) return IncrementalMarkingLimit::kNoLimit;
  if (ShouldOptimizeForMemoryUsage()) return IncrementalMarkingLimit::kHardLimit;
  if (available == 0) return IncrementalMarkingLimit::kHardLimit;
  return IncrementalMarkingLimit::kSoftLimit;
}

void Heap::StartIncrementalMarkingIfAllocationLimitIsReached() {
  if (marking_phase_ != MarkingPhase::kStopped || in_gc_) return;
  switch (IncrementalMarkingLimitReached()) {
    case IncrementalMarkingLimit::kHardLimit:
      StartIncrementalMarking(false, GarbageCollectionReason::kAllocationLimit);
      break;
    case IncrementalMarkingLimit::kSoftLimit:
      marking_task_posted_ = true;
      break;
    case IncrementalMarkingLimit::kNoLimit:
      break;
  }
}

void Heap::StartIncrementalMarking(bool reduce_memory, GarbageCollectionReason reason) {
  CheckAlive();
  if (marking_phase_ != MarkingPhase::kStopped || in_gc_) return;
  if (flags_.trace_incremental_marking) {
    // IncrementalMarking::Start. HeapLab's global limit is the old generation's (no embedder).
    const std::size_t size_mb = OldGenerationSizeOfObjects() / MB;
    const std::size_t limit_mb = old_generation_allocation_limit_ / MB;
    const std::size_t slack_mb = size_mb > limit_mb ? 0 : limit_mb - size_mb;
    TraceIncrementalMarking(Format(
        "Start (%s): (size/limit/slack) v8: %zuMB / %zuMB / %zuMB global: %zuMB / %zuMB / %zuMB",
        std::string(ToString(reason)).c_str(), size_mb, limit_mb, slack_mb, size_mb, limit_mb,
        slack_mb));
    TraceIncrementalMarking("Start marking");
    TraceIncrementalMarking("Black allocation started");
  }
  marking_phase_ = MarkingPhase::kMarking;
  marking_start_ms_ = now_ms_;
  schedule_update_time_ms_ = now_ms_;
  scheduled_bytes_to_mark_ = 0;
  marking_old_allocation_counter_ = old_generation_allocation_counter_;
  incremental_steps_ = 0;
  incremental_ms_ = 0;
  incremental_longest_step_ms_ = 0;
  marked_bytes_this_cycle_ = 0;
  young_allocated_since_step_ = 0;
  old_allocated_since_step_ = 0;
  concurrent_marked_this_cycle_ = 0;
  // Heap::GCFlagsForIncrementalMarking: reduce memory when close to the limit.
  reduce_memory_ = reduce_memory || ShouldOptimizeForMemoryUsage();
  marking_initial_old_size_ = OldGenerationSizeOfObjects();
  MarkCompactCollector::StartMarking(*this, true);
  // Starting marking (greying the roots) takes the main thread's time but is not a step: V8
  // times it as MC_INCREMENTAL_START, apart from the steps' MC_INCREMENTAL, and node's
  // "(+ 0.1 ms in 1 steps since start of marking" counts only the steps.
  const double roots = static_cast<double>(strong_roots_.size() + globals_.size() + locals_.size());
  incremental_start_ms_ = roots / flags_.scavenge_slot_speed;
  now_ms_ += incremental_start_ms_;
  // ConcurrentMarking::ScheduleJob ends the start: where the markers and the main thread
  // outnumber the cores, the markers take the main thread's core for a while, and mark.
  if (flags_.marking_start_contention_ms > 0 && flags_.concurrent_marking_speed > 0) {
    incremental_start_ms_ += flags_.marking_start_contention_ms;
    now_ms_ += flags_.marking_start_contention_ms;
    ConcurrentMarking(flags_.marking_start_contention_ms);
  }
  if (flags_.trace_incremental_marking) TraceIncrementalMarking("Running");
}

bool Heap::AdvanceIncrementalMarkingForTesting(double max_ms) {
  CheckAlive();
  if (marking_phase_ == MarkingPhase::kMarking) {
    const MarkingWork work = MarkFromWorklist(
        static_cast<std::size_t>(max_ms * flags_.marking_speed), MarkingBudget::kCost);
    const double ms = static_cast<double>(work.cost) / flags_.marking_speed;
    ++incremental_steps_;
    incremental_ms_ += ms;
    incremental_longest_step_ms_ = std::max(incremental_longest_step_ms_, ms);
    now_ms_ += ms;
    if (observer_) observer_->OnIncrementalStep(work.bytes);
    CompleteMarkingIfMainThreadDrained();
  }
  return marking_phase_ == MarkingPhase::kComplete;
}

void Heap::WhiteToGreyAndPush(ObjectRef ref, bool by_barrier) {
  HeapObject& o = mutable_object(ref);
  if (o.mark_color() != MarkColor::kWhite) return;
  o.set_color(MarkColor::kGrey);
  marking_worklist_.Push(MarkingWorklist::kMainThread, ref);
  if (observer_) observer_->OnGreyed(ref, by_barrier);
}

void Heap::MarkRoots() {
  for (ObjectRef r : strong_roots_)
    if (r != kNullRef) WhiteToGreyAndPush(r, false);
  for (ObjectRef r : globals_)
    if (r != kNullRef) WhiteToGreyAndPush(r, false);
  for (ObjectRef r : locals_)
    if (r != kNullRef) WhiteToGreyAndPush(r, false);
}

Heap::MarkingWork Heap::MarkFromWorklist(std::size_t budget, MarkingBudget kind, int local) {
  MarkingWork work;
  const std::size_t& spent = kind == MarkingBudget::kBytes ? work.bytes : work.cost;
  const double null_slot_discount = (1 - flags_.marking_null_slot_cost) * kTaggedSize;
  ObjectRef ref;
  const std::size_t chunk_bytes = config_.max_regular_object_size_bytes;
  while (spent < budget && marking_worklist_.Pop(local, &ref)) {
    Page* page = page_of(ref);
    HeapObject& o = page->objects[RefIndex(ref)];
    // Factory::AllocateRawArray enables the progress bar of an array too large for a regular
    // page; MarkingVisitorBase::VisitFixedArrayWithProgressBar then scans it
    // kMaxRegularHeapObjectSize bytes at a time and pushes it back after each chunk, so that a
    // step or a marker's turn ends after a chunk, not after the whole array.
    const bool progress_bar = o.slot_count > 0 && o.size_bytes > chunk_bytes;
    std::uint32_t begin_slot = 0, end_slot = o.slot_count;
    std::size_t visited_bytes = o.size_bytes;
    if (progress_bar) {
      const std::size_t start = page->progress_bar_bytes;
      if (o.mark_color() == MarkColor::kBlack && start >= o.size_bytes) continue;
      const std::size_t end = std::min<std::size_t>(o.size_bytes, start + chunk_bytes);
      visited_bytes = end - start;
      begin_slot = Page::SlotsWithin(o, start);
      end_slot = Page::SlotsWithin(o, end);
      page->progress_bar_bytes = static_cast<std::uint32_t>(end);
    } else if (o.mark_color() == MarkColor::kBlack) {
      continue;
    }
    const bool first_visit = o.mark_color() != MarkColor::kBlack;
    o.set_color(MarkColor::kBlack);
    page->live_bytes += visited_bytes;
    work.bytes += visited_bytes;
    const bool shareable = !marking_worklist_.IsGlobalEmpty();
    std::uint32_t null_slots = 0;
    const ObjectRef* slots = page->slots.data() + o.slots_begin;
    for (std::uint32_t i = begin_slot; i < end_slot; ++i) {
      ObjectRef child = slots[i];
      if (child == kNullRef) {
        ++null_slots;
        continue;
      }
      HeapObject& c = mutable_object(child);
      if (c.mark_color() != MarkColor::kWhite) continue;
      c.set_color(MarkColor::kGrey);
      marking_worklist_.Push(local, child);
      if (observer_) observer_->OnGreyed(child, false);
    }
    // The rest of the array goes back on the worklist, on top of the children it pushed.
    if (progress_bar && page->progress_bar_bytes < o.size_bytes) marking_worklist_.Push(local, ref);
    if (observer_ && first_visit) observer_->OnBlackened(ref);
    // A slot without a reference is a load and a check: it costs a share of a word.
    const auto cost = visited_bytes -
                      std::min<std::size_t>(
                          visited_bytes, static_cast<std::size_t>(null_slots * null_slot_discount));
    work.cost += cost;
    if (shareable) work.shareable_cost += cost;
  }
  marked_bytes_this_cycle_ += work.bytes;
  return work;
}

void Heap::IncrementalMarkingStep(double max_ms, bool from_task) {
  if (marking_phase_ == MarkingPhase::kMarking) {
    if (from_task)
      ScheduleBytesToMarkBasedOnTime();
    else
      ScheduleBytesToMarkBasedOnAllocation();
    // IncrementalMarking::ComputeStepSizeInBytes: what the schedule asks beyond everything marked
    // so far, the concurrent markers' bytes included; a step on allocation may fall 1 MB behind
    // (kScheduleMarginInBytes), which leaves the work to tasks and markers. The step is capped at
    // what `max_ms` allows, and processes at least kMinStepSizeInBytes: node's
    // --trace-incremental-marking prints "Step in task V8: 64KB (64KB)" while the marker is
    // megabytes ahead of schedule.
    const std::size_t margin = from_task ? 0 : kScheduleMarginInBytes;
    const std::size_t behind = scheduled_bytes_to_mark_ > marked_bytes_this_cycle_ + margin
                                   ? scheduled_bytes_to_mark_ - marked_bytes_this_cycle_ - margin
                                   : 0;
    const std::size_t budget =
        std::max(kMinStepSizeInBytes,
                 std::min(behind, static_cast<std::size_t>(max_ms * flags_.marking_speed)));
    if (flags_.trace_incremental_marking) {
      // IncrementalMarking::Step and ComputeStepSizeInBytes (V8 prints the speed in bytes/ms
      // under a KB/ms label).
      TraceIncrementalMarking(
          Format("Marking speed %.fKB/ms", tracer_.IncrementalMarkingSpeedInBytesPerMillisecond()));
      if (flags_.concurrent_marking_speed > 0)
        TraceIncrementalMarking(
            Format("Marked %zuKB on background threads", concurrent_marked_this_cycle_ / KB));
      TraceIncrementalMarking(
          scheduled_bytes_to_mark_ > marked_bytes_this_cycle_
              ? Format("Marker is %zuKB behind schedule",
                       (scheduled_bytes_to_mark_ - marked_bytes_this_cycle_) / KB)
              : Format("Marker is %zuKB ahead of schedule",
                       (marked_bytes_this_cycle_ - scheduled_bytes_to_mark_) / KB));
    }
    const MarkingWork work = MarkFromWorklist(budget, MarkingBudget::kBytes);
    double step_ms = 0;
    if (work.bytes > 0) {
      step_ms =
          static_cast<double>(work.cost) / flags_.marking_speed + flags_.marking_step_overhead_ms;
      ++incremental_steps_;
      incremental_ms_ += step_ms;
      incremental_longest_step_ms_ = std::max(incremental_longest_step_ms_, step_ms);
      now_ms_ += step_ms;  // the step runs on the main thread
      tracer_.AddIncrementalMarkingStep(static_cast<double>(work.bytes), step_ms);
      if (observer_) observer_->OnIncrementalStep(work.bytes);
    }
    if (flags_.trace_incremental_marking)
      TraceIncrementalMarking(Format("Step %s V8: %zuKB (%zuKB), embedder: %fms (%fms) in %.1f",
                                     from_task ? "in task" : "in v8", work.bytes / KB, budget / KB,
                                     0.0, 0.0, step_ms));
    // IncrementalMarking::Step ends by sharing the main thread's work with idle markers.
    marking_worklist_.ShareWork(MarkingWorklist::kMainThread);
    CompleteMarkingIfMainThreadDrained();
    // The concurrent markers run on their own threads while the main thread steps, whether the
    // step is a task's or an allocation's. Their time is simulated after the step, so that
    // they take what it shared.
    if (step_ms > 0 && marking_phase_ == MarkingPhase::kMarking) ConcurrentMarking(step_ms);
  }
  if (marking_phase_ == MarkingPhase::kComplete) {
    if (from_task) {
      PerformGarbageCollection(GarbageCollector::kMarkCompactor,
                               GarbageCollectionReason::kFinalizeMarkingViaTask,
                               CollectorReason::kOldSpaceRequested);
    } else {
      gc_requested_ = true;  // StackGuard::RequestGC: finalize at the next interrupt check
    }
  }
}

void Heap::ScheduleBytesToMarkBasedOnTime() {
  // IncrementalMarking::ScheduleBytesToMarkBasedOnTime: at most every 10 ms, the share of the
  // initial old generation that would finish marking it in 500 ms.
  if (schedule_update_time_ms_ + kMinTimeBetweenScheduleInMs > now_ms_) return;
  const double delta_ms = std::min(now_ms_ - schedule_update_time_ms_, kTargetMarkingWallTimeInMs);
  schedule_update_time_ms_ = now_ms_;
  const auto bytes = static_cast<std::size_t>(delta_ms / kTargetMarkingWallTimeInMs *
                                              static_cast<double>(marking_initial_old_size_));
  scheduled_bytes_to_mark_ += bytes;
  if (flags_.trace_incremental_marking)
    TraceIncrementalMarking(
        Format("Scheduled %zuKB to mark based on time delta %.1fms", bytes / KB, delta_ms));
}

void Heap::ScheduleBytesToMarkBasedOnAllocation() {
  // IncrementalMarking::StepSizeToMakeProgress: 1/256 of the initial old generation, within
  // 64-256 KB, or 1/32 of the old generation when it cannot grow by new space plus 64 MB ...
  std::size_t progress = std::clamp(marking_initial_old_size_ / kTargetStepCount,
                                    kMinStepSizeInBytes, kMaxProgressStepBytes);
  if (!CanExpandOldGeneration(new_space_->TotalCapacity() + 64 * MB))
    progress = OldGenerationSizeOfObjects() / kTargetStepCountAtOOM;
  // ... plus StepSizeToKeepUpWithAllocations: the old generation's allocation (promotion
  // included) since the last step.
  const std::size_t allocation =
      old_generation_allocation_counter_ - marking_old_allocation_counter_;
  marking_old_allocation_counter_ = old_generation_allocation_counter_;
  scheduled_bytes_to_mark_ += progress + allocation;
  if (flags_.trace_incremental_marking)
    TraceIncrementalMarking(
        Format("Scheduled %zuKB to mark based on allocation (progress=%zuKB, allocation=%zuKB)",
               (progress + allocation) / KB, progress / KB, allocation / KB));
}

void Heap::CompleteMarkingIfMainThreadDrained() {
  // IncrementalMarking::ShouldFinalize: the main thread's segments and the shared pool are
  // empty. A concurrent marker may still hold private segments (a list it walks); the atomic
  // pause marks what they hold.
  if (marking_worklist_.IsLocalEmpty(MarkingWorklist::kMainThread) &&
      marking_worklist_.IsGlobalEmpty())
    marking_phase_ = MarkingPhase::kComplete;
}

namespace {
// Bytes a concurrent marker marks before the next one takes its turn: small against a marking
// cycle, so that markers sharing the speed progress together.
constexpr std::size_t kConcurrentMarkingQuantumBytes = 4 * KB;
}  // namespace

double Heap::ConcurrentMarking(double elapsed_ms) {
  if (marking_phase_ == MarkingPhase::kStopped || flags_.concurrent_marking_speed <= 0)
    return elapsed_ms;
  // The markers take turns of kConcurrentMarkingQuantumBytes, so that those with work share the
  // speed as threads share cores; a marker without work of its own steals a shared segment or
  // sits out (ConcurrentMarking::GetMaxConcurrency runs no more markers than there is work).
  const auto budget = static_cast<std::size_t>(elapsed_ms * flags_.concurrent_marking_speed);
  std::size_t marked = 0;
  for (bool any = true; any && marked < budget;) {
    any = false;
    for (int m = 1; m <= kConcurrentMarkingTasks && marked < budget; ++m) {
      if (marking_worklist_.IsLocalEmpty(m) && marking_worklist_.IsGlobalEmpty()) continue;
      any = true;
      marked += MarkFromWorklist(std::min(kConcurrentMarkingQuantumBytes, budget - marked),
                                 MarkingBudget::kCost, m)
                    .cost;
    }
  }
  concurrent_marked_this_cycle_ += marked;
  if (marked >= budget) return elapsed_ms;
  // No marker has work: the main thread's next step finds marking done, or what the mutator's
  // barrier pushed.
  if (marking_worklist_.empty()) marking_task_posted_ = true;
  return static_cast<double>(marked) / flags_.concurrent_marking_speed;
}

void Heap::HandleGCRequest() {
  gc_requested_ = false;
  if (marking_phase_ == MarkingPhase::kComplete && !in_gc_)
    PerformGarbageCollection(GarbageCollector::kMarkCompactor,
                             GarbageCollectionReason::kFinalizeMarkingViaStackGuard,
                             CollectorReason::kOldSpaceRequested);
}

// ------------------------------------------------------------------ time and tasks

void Heap::AdvanceTime(double ms) {
  Advance(ms, false);
}

void Heap::AdvanceIdleTime(double ms) {
  Advance(ms, true);
}

void Heap::Advance(double ms, bool idle) {
  CheckAlive();
  if (!(ms >= 0) || !std::isfinite(ms))
    throw HeapUsageError("time must advance by a finite, non-negative amount");
  const double end_ms = now_ms_ + ms;
  if (idle)
    RunPendingTasks();
  else if (gc_requested_)
    HandleGCRequest();
  for (;;) {
    // The memory reducer's timer task runs when it falls due.
    const double due = memory_reducer_.timer_due_ms();
    const bool timer_due = due >= 0 && due <= end_ms;
    if (!timer_due && now_ms_ >= end_ms) break;
    const double until_ms = timer_due ? std::max(due, now_ms_) : end_ms;
    if (idle) {
      // IncrementalMarkingJob: while the main thread is idle, the marking task runs a step of
      // at least 64 KB and posts itself again, beside the concurrent markers (node's
      // --trace-incremental-marking: "Step in task V8: 64KB (64KB)" every 0.1-0.2 ms).
      while (marking_phase_ == MarkingPhase::kMarking && now_ms_ < until_ms &&
             !marking_worklist_.empty()) {
        const double before = now_ms_;
        IncrementalMarkingStep(kMaxStepSizeOnTaskMs, true);
        if (now_ms_ <= before) break;
      }
    }
    // (A task step may have run a little past `until_ms`: then nothing is left to do here.)
    const double step = std::max(0.0, until_ms - now_ms_);
    const double worked = ConcurrentMarking(step);
    if (idle && worked < step) {
      // The worklist ran empty: the next marking task finalizes (a mark-compact "via task").
      now_ms_ += worked;
      RunPendingTasks();
      if (marking_phase_ == MarkingPhase::kMarking && marking_worklist_.empty()) break;
      continue;
    }
    now_ms_ = std::max(now_ms_, until_ms);
    if (!timer_due) break;
    RunMemoryReducerTimerIfDue();
  }
  MaybeSample();
}

void Heap::RunPendingTasks() {
  CheckAlive();
  if (gc_requested_) HandleGCRequest();
  RunMemoryReducerTimerIfDue();
  if (minor_gc_task_posted_) {
    minor_gc_task_posted_ = false;
    // MinorGCJob::Task: only if new space is still at least 80% full.
    if (static_cast<double>(new_space_->Size()) >= MinorGCTaskTriggerBytes())
      CollectGarbage(AllocationSpace::kNew, GarbageCollectionReason::kTask);
  }
  if (marking_task_posted_ || marking_phase_ != MarkingPhase::kStopped) {
    marking_task_posted_ = false;
    if (marking_phase_ == MarkingPhase::kStopped) {
      if (IncrementalMarkingLimitReached() != IncrementalMarkingLimit::kNoLimit)
        StartIncrementalMarking(false, GarbageCollectionReason::kTask);
    } else {
      IncrementalMarkingStep(kMaxStepSizeOnTaskMs, true);
    }
  }
  MaybeSample();
}

void Heap::RunMemoryReducerTimerIfDue() {
  const double due = memory_reducer_.timer_due_ms();
  if (due < 0 || due > now_ms_ || in_gc_) return;
  tracer_.SampleAllocation(now_ms_, new_space_allocation_counter_,
                           old_generation_allocation_counter_);
  const bool optimize_for_memory = ShouldOptimizeForMemoryUsage();
  MemoryReducer::Event e;
  e.type = MemoryReducer::EventType::kTimer;
  e.time_ms = now_ms_;
  e.committed_memory = CommittedOldGenerationMemory(SpaceStatistics());
  const bool low_allocation_rate = HasLowAllocationRate();
  e.should_start_incremental_gc = low_allocation_rate || optimize_for_memory;
  e.can_start_incremental_gc =
      marking_phase_ == MarkingPhase::kStopped && flags_.incremental_marking;
  const bool verbose = flags_.trace_gc_verbose;
  // MemoryReducer::TimerTask::RunInternal and NotifyTimer print these under --trace-gc-verbose.
  if (verbose)
    Trace(true, std::string("Memory reducer: ") +
                    (low_allocation_rate ? "low alloc" : "high alloc") +
                    (optimize_for_memory ? ", background" : ", foreground"));
  if (memory_reducer_.NotifyTimer(e)) {
    if (verbose)
      Trace(true,
            "Memory reducer: started GC #" + std::to_string(memory_reducer_.state().started_gcs));
    StartIncrementalMarking(true, GarbageCollectionReason::kMemoryReducer);
  } else if (verbose && memory_reducer_.state().id == MemoryReducer::Id::kWait) {
    Trace(true, Format("Memory reducer: waiting for %.f ms",
                       memory_reducer_.state().next_gc_start_ms - now_ms_));
  }
}

namespace {
// Heap::ComputeMutatorUtilization: gc / (mutator + gc); 0 when nothing was allocated, and a
// conservative 200 000 bytes/ms without a gc speed.
double MutatorUtilization(double mutator_speed, double gc_speed) {
  if (mutator_speed == 0) return 0.0;
  if (gc_speed == 0) gc_speed = 200000;
  return gc_speed / (mutator_speed + gc_speed);
}
// heap.cc kHighMutatorUtilization.
constexpr double kHighMutatorUtilization = 0.993;
}  // namespace

double Heap::ComputeMutatorUtilization(const char* tag,
                                       double mutator_speed,
                                       double gc_speed) const {
  const double mu = MutatorUtilization(mutator_speed, gc_speed);
  if (flags_.trace_mutator_utilization) {
    Trace(true, Format("%s mutator utilization = %.3f (mutator_speed=%.f, gc_speed=%.f)", tag, mu,
                       mutator_speed, gc_speed));
  }
  return mu;
}

bool Heap::HasLowYoungGenerationAllocationRate() const {
  return ComputeMutatorUtilization(
             "Young generation", tracer_.NewSpaceAllocationThroughputInBytesPerMillisecond(),
             tracer_.ScavengeSpeedInBytesPerMillisecond()) > kHighMutatorUtilization;
}

bool Heap::HasLowAllocationRate() const {
  return HasLowYoungGenerationAllocationRate() &&
         ComputeMutatorUtilization(
             "Old generation", tracer_.OldGenerationAllocationThroughputInBytesPerMillisecond(),
             tracer_.CombinedMarkCompactSpeedInBytesPerMillisecond()) > kHighMutatorUtilization;
}

std::size_t Heap::CommittedOldGenerationMemory(const SpaceStatsArray& s) {
  std::size_t bytes = 0;
  for (AllocationSpace space :
       {AllocationSpace::kOld, AllocationSpace::kCode, AllocationSpace::kMap,
        AllocationSpace::kLargeObject, AllocationSpace::kCodeLargeObject})
    bytes += s[static_cast<std::size_t>(space)].committed_bytes;
  return bytes;
}

// ------------------------------------------------------------------ collection

GarbageCollector Heap::SelectGarbageCollector(AllocationSpace space,
                                              CollectorReason* reason) const {
  if (space != AllocationSpace::kNew && space != AllocationSpace::kNewLargeObject) {
    *reason = CollectorReason::kOldSpaceRequested;
    return GarbageCollector::kMarkCompactor;
  }
  if (marking_phase_ == MarkingPhase::kComplete && AllocationLimitOvershotByLargeMargin()) {
    *reason = CollectorReason::kNeedsFinalization;
    return GarbageCollector::kMarkCompactor;
  }
  if (!CanPromoteYoungAndExpandOldGeneration(0)) {
    *reason = CollectorReason::kScavengeMightNotSucceed;
    return GarbageCollector::kMarkCompactor;
  }
  *reason = CollectorReason::kNone;
  return GarbageCollector::kScavenger;
}

void Heap::CollectGarbage(AllocationSpace space, GarbageCollectionReason reason) {
  CheckAlive();
  if (in_gc_) return;
  CollectorReason collector_reason;
  GarbageCollector collector = SelectGarbageCollector(space, &collector_reason);
  PerformGarbageCollection(collector, reason, collector_reason);
}

void Heap::CollectAllAvailableGarbage(GarbageCollectionReason reason) {
  CheckAlive();
  // kMinNumberOfAttempts = 2, kMaxNumberOfAttempts = 7; stop once a GC frees nothing more.
  for (int attempt = 0; attempt < 7; ++attempt) {
    std::size_t before = SizeOfObjects();
    reduce_memory_ = true;
    PerformGarbageCollection(GarbageCollector::kMarkCompactor, reason,
                             CollectorReason::kOldSpaceRequested);
    if (attempt + 1 >= 2 && SizeOfObjects() >= before) break;
  }
  ShrinkNewSpace();
}

void Heap::ShrinkNewSpace() {
  // Heap::ReduceNewSpaceSize: the new large-object space follows the new capacity.
  new_space_->Shrink();
  new_lo_space_->SetCapacity(std::max(new_space_->Capacity(), new_lo_space_->SizeOfObjects()));
}

void Heap::CheckNewSpaceExpansionCriteria() {
  // Heap::CheckNewSpaceExpansionCriteria: grow when the bytes survived since the last growth
  // exceed the capacity (node20-observed §6.1).
  if (new_space_->TotalCapacity() < new_space_->MaximumCapacity() &&
      survived_since_last_expansion_ > new_space_->TotalCapacity()) {
    new_space_->Grow(config_.semi_space_growth_factor);
    survived_since_last_expansion_ = 0;
    // Heap::ExpandNewSpaceSize: only a resize sets the new large-object space's capacity; a
    // first young large object bigger than it raised it for good (node's --trace-gc-verbose
    // shows "available: 1250 KB" at a 1 MB semi-space after a 1.25 MB array).
    new_lo_space_->SetCapacity(std::max(new_space_->Capacity(), new_lo_space_->SizeOfObjects()));
  }
}

void Heap::PerformGarbageCollection(GarbageCollector collector,
                                    GarbageCollectionReason reason,
                                    CollectorReason collector_reason) {
  if (in_gc_) return;
  in_gc_ = true;
  gc_requested_ = false;
  tracer_.SampleAllocation(now_ms_, new_space_allocation_counter_,
                           old_generation_allocation_counter_);
  // Heap::GarbageCollectionPrologue counts maximum-size scavenges before new space may grow.
  maximum_size_scavenge_ = new_space_->IsAtMaximumCapacity();

  GCEvent ev;
  ev.sequence = gc_count_;
  ev.collector = collector;
  ev.reason = reason;
  ev.collector_reason = collector_reason;
  ev.reduce_memory = reduce_memory_;
  ev.start_ms = now_ms_;
  ev.mutator_ms = now_ms_ - last_gc_end_ms_;
  // GCTracer::StartCycle takes the sizes before Heap::GarbageCollectionPrologueInSafepoint grows
  // new space (node's --trace-gc: "4.5 (6.0) -> 4.1 (8.2) MB" when the semi-space doubles).
  ev.before = SpaceStatistics();
  CheckNewSpaceExpansionCriteria();
  ev.allocated_bytes = allocated_total_bytes_ - allocated_at_last_gc_;
  ev.average_mu = tracer_.AverageMarkCompactMutatorUtilization();
  ev.current_mu = tracer_.CurrentMarkCompactMutatorUtilization();
  const std::size_t size_before = TotalUsed(ev.before);
  // Heap::PerformGarbageCollection commits from-space after the tracer took the sizes before
  // (node's --trace-gc: "252.8 (259.0) -> 252.8 (260.0) MB" after a shrink at a 1 MB semi-space).
  new_space_->EnsureFromSpaceIsCommitted();

  if (collector == GarbageCollector::kScavenger) {
    ScavengerCollector(*this).CollectGarbage(ev);
    ++scavenge_count_;
  } else {
    in_mark_compact_ = true;
    MarkCompactCollector(*this).CollectGarbage(ev);
    in_mark_compact_ = false;
    ++mark_compact_count_;
  }

  now_ms_ += ev.pause_ms;
  total_gc_pause_ms_ += ev.pause_ms;
  ev.total_gc_ms = total_gc_pause_ms_;
  promoted_total_bytes_ += ev.promoted_bytes;
  old_generation_allocation_counter_ += ev.promoted_bytes;
  // Heap::IncrementYoungSurvivorsCounter.
  survived_since_last_expansion_ += ev.promoted_bytes + ev.survived_bytes;

  std::string fatal;
  if (collector == GarbageCollector::kMarkCompactor) {
    tracer_.RecordMutatorUtilization(now_ms_, ev.pause_ms + ev.incremental_ms);
    RecomputeLimits(ev);
    // GCTracer::StopObservablePause records the cycle's speed after Heap::RecomputeLimits ran
    // inside the pause, so the first mark-compact grows the limit by the maximum factor
    // (node's --trace-gc-verbose: "speed_ratio=0 (gc=0, ...)").
    if (ev.incremental) {
      tracer_.RecordIncrementalMarkingSpeed();
      tracer_.AddFinalIncrementalMarkCompact(static_cast<double>(ev.end_object_size_bytes),
                                             ev.pause_ms);
    } else {
      tracer_.AddMarkCompact(static_cast<double>(ev.end_object_size_bytes), ev.pause_ms);
    }
    ev.incremental_marking_speed_bytes_per_ms =
        tracer_.IncrementalMarkingSpeedInBytesPerMillisecond();
    const double mu = tracer_.AverageMarkCompactMutatorUtilization();
    // Heap::CheckIneffectiveMarkCompact.
    if (static_cast<double>(ev.old_generation_size_bytes) >=
            kHighHeapPercentage * static_cast<double>(config_.max_old_generation_bytes) &&
        mu < kLowMutatorUtilization) {
      if (++consecutive_ineffective_mark_compacts_ == kMaxConsecutiveIneffectiveMarkCompacts)
        fatal = "Ineffective mark-compacts near heap limit";
    } else {
      consecutive_ineffective_mark_compacts_ = 0;
    }
    EvaluateOldSpaceLocalPretenuring(size_before);
    // MemoryReducer::NotifyMarkCompact; Heap::HighFragmentation: committed > 2 × used + 16 MB.
    if (flags_.incremental_marking) {
      const SpaceStatsArray now = SpaceStatistics();
      const std::size_t committed = CommittedOldGenerationMemory(now);
      const bool was_running = memory_reducer_.state().id == MemoryReducer::Id::kRun;
      const int started_gcs = memory_reducer_.state().started_gcs;
      memory_reducer_.NotifyMarkCompact(now_ms_, CommittedOldGenerationMemory(ev.before), committed,
                                        committed > 2 * OldGenerationSizeOfObjects() + 16 * MB);
      if (was_running && flags_.trace_gc_verbose)
        Trace(true, "Memory reducer: finished GC #" + std::to_string(started_gcs) +
                        (memory_reducer_.state().id == MemoryReducer::Id::kWait ? " (will do more)"
                                                                                : " (done)"));
    }
    // A memory-reducing GC gives back new space (node20-observed §6.1).
    if (ev.reduce_memory) ShrinkNewSpace();
    reduce_memory_ = false;
    old_lab_empty_after_mark_compact_ = true;
  } else {
    RecomputeLimits(ev);
    ev.old_generation_size_bytes = OldGenerationSizeOfObjects();
    ev.old_generation_limit_bytes = old_generation_allocation_limit_;
    // Heap::ReduceNewSpaceSize: shrink when allocation is slow.
    const double throughput = tracer_.CurrentNewSpaceAllocationThroughputInBytesPerMillisecond();
    if (throughput != 0 && throughput < kLowAllocationThroughput) ShrinkNewSpace();
  }
  ProcessPretenuringFeedback();
  if (collector == GarbageCollector::kMarkCompactor) old_generation_size_configured_ = true;
  UpdateSurvivalStatistics(ev);
  ConfigureInitialOldGenerationSize();
  if (collector == GarbageCollector::kScavenger)
    ev.old_generation_limit_bytes = old_generation_allocation_limit_;
  ev.heap_limit_bytes = config_.heap_size_limit_bytes;
  ev.new_space_capacity_bytes = new_space_->Capacity();
  ev.after = SpaceStatistics();

  ++gc_count_;
  last_gc_end_ms_ = now_ms_;
  allocated_at_last_gc_ = allocated_total_bytes_;
  minor_gc_task_posted_ = false;
  // ScheduleMinorGCTaskObserver::GCEpilogueCallback.
  AddMinorGCTaskObserver();
  if (sink_) sink_->OnGCEvent(ev);
  EmitSample();
  if (flags_.verify_heap) HeapVerifier(*this).VerifyOrThrow();
  in_gc_ = false;

  if (!fatal.empty()) FatalProcessOutOfMemory(fatal);
  // Heap::CollectGarbage: "Reached heap limit" unless the old generation fits again.
  if (!CanExpandOldGeneration(0)) FatalProcessOutOfMemory("Reached heap limit");
  if (collector == GarbageCollector::kScavenger)
    StartIncrementalMarkingIfAllocationLimitIsReached();
}

HeapGrowingMode Heap::CurrentHeapGrowingMode() const {
  if (ShouldReduceMemory()) return HeapGrowingMode::kMinimal;
  if (ShouldOptimizeForMemoryUsage()) return HeapGrowingMode::kConservative;
  return HeapGrowingMode::kDefault;
}

void Heap::RecomputeLimits(GCEvent& ev) {
  // Heap::RecomputeLimits. After a mark-compact the limit is recomputed; after a young GC it
  // is only lowered, and only when young allocation is slow and the size was configured.
  const bool young = ev.collector == GarbageCollector::kScavenger;
  if (young && !(old_generation_size_configured_ && HasLowYoungGenerationAllocationRate())) return;
  const double gc_speed = tracer_.CombinedMarkCompactSpeedInBytesPerMillisecond();
  const double mutator_speed =
      tracer_.CurrentOldGenerationAllocationThroughputInBytesPerMillisecond();
  double factor = GrowingFactor(config_.max_old_generation_bytes, gc_speed, mutator_speed);
  const HeapGrowingMode mode = CurrentHeapGrowingMode();
  const std::size_t old_size = OldGenerationSizeOfObjects();
  const std::size_t limit = CalculateAllocationLimit(old_size, config_.min_old_generation_bytes,
                                                     config_.max_old_generation_bytes,
                                                     new_space_->Capacity(), factor, mode);
  if (mode == HeapGrowingMode::kMinimal) factor = V8HeapTrait::kMinGrowingFactor;
  if (mode == HeapGrowingMode::kConservative || mode == HeapGrowingMode::kSlow)
    factor = std::min(factor, V8HeapTrait::kConservativeGrowingFactor);
  // What --trace-gc-verbose prints ([HeapController] factor, Limit), applied or not.
  ev.growing_factor = factor;
  ev.gc_speed = gc_speed;
  ev.mutator_speed = mutator_speed;
  ev.recomputed_limit_bytes = limit;
  if (young && limit >= old_generation_allocation_limit_) return;
  old_generation_allocation_limit_ = limit;
  ev.old_generation_size_bytes = old_size;
  ev.old_generation_limit_bytes = old_generation_allocation_limit_;
}

void Heap::UpdateSurvivalStatistics(GCEvent& ev) {
  const std::size_t young_before = YoungGenerationBytes(ev.before);
  if (young_before == 0) return;
  ev.promotion_rate_percent = previous_survived_bytes_ > 0
                                  ? 100.0 * static_cast<double>(ev.promoted_bytes) /
                                        static_cast<double>(previous_survived_bytes_)
                                  : 0;
  previous_survived_bytes_ = ev.survived_bytes;
  tracer_.AddSurvivalRatio(100.0 * static_cast<double>(ev.promoted_bytes + ev.survived_bytes) /
                           static_cast<double>(young_before));
  ev.average_survival_ratio_percent = tracer_.AverageSurvivalRatio();
}

void Heap::ConfigureInitialOldGenerationSize() {
  if (old_generation_size_configured_ || !tracer_.SurvivalEventsRecorded()) return;
  const double shrunk = static_cast<double>(old_generation_allocation_limit_) *
                        (tracer_.AverageSurvivalRatio() / 100);
  const std::size_t limit = std::max(
      OldGenerationSizeOfObjects() + MinimumAllocationLimitGrowingStep(CurrentHeapGrowingMode()),
      static_cast<std::size_t>(shrunk));
  if (limit < old_generation_allocation_limit_)
    old_generation_allocation_limit_ = limit;
  else
    old_generation_size_configured_ = true;
}

// ------------------------------------------------------------------ pretenuring

void Heap::Trace(bool timestamped, std::string text) const {
  if (sink_) sink_->OnTraceMessage(TraceMessage{now_ms_, timestamped, std::move(text)});
}

void Heap::TraceIncrementalMarking(const std::string& text) const {
  Trace(true, "[IncrementalMarking] " + text);
}

void Heap::RecordMementoFound(const HeapObject& o) {
  // PretenuringHandler::UpdateAllocationSite: an object evacuated for the first time still has
  // its memento behind it (copies leave it behind).
  if (o.site == 0 || !o.memento || !flags_.allocation_site_pretenuring) return;
  ++LiteralOf(sites_[o.site], o.size_bytes).memento_found_count;
}

Heap::SiteTier Heap::TierOf(AllocationSite& site, std::size_t size, ObjectKind kind) {
  SiteTier tier;
  if (kind != ObjectKind::kObject && kind != ObjectKind::kArray) return tier;
  // A large object fills its page: no memento fits behind it, so it never gives feedback.
  if (size > config_.max_regular_object_size_bytes) return tier;
  tier.literal = &LiteralOf(site, size);
  const auto budget = static_cast<std::uint32_t>(flags_.unoptimized_literal_allocations);
  if (budget == 0) {
    tier.mementos_left = std::numeric_limits<std::size_t>::max();
    return tier;
  }
  tier.counts_allocations = true;
  const std::uint32_t done = tier.literal->unoptimized_allocations;
  const std::uint32_t tier_up =
      tier.literal->deoptimized ? static_cast<std::uint32_t>(flags_.reoptimized_literal_allocations)
                                : budget;
  tier.mementos_left = done < tier_up ? tier_up - done : 0;
  tier.follows_decision = tier.mementos_left == 0;
  return tier;
}

void Heap::DeoptimizeDependentCode(LiteralSite& literal) {
  // AllocationSite::set_deopt_dependent_code: optimized code that inlined the old decision is
  // thrown away; the literal runs unoptimized again until it is re-optimized. (The twin calls
  // each literal's factory through one megamorphic call, so no other literal's code inlined
  // it.)
  const auto budget =
      static_cast<std::uint32_t>(literal.deoptimized ? flags_.reoptimized_literal_allocations
                                                     : flags_.unoptimized_literal_allocations);
  if (literal.unoptimized_allocations < budget) return;  // not optimized: nothing to throw away
  literal.unoptimized_allocations = 0;
  literal.deoptimized = true;
}

void Heap::ProcessPretenuringFeedback() {
  if (!flags_.allocation_site_pretenuring) return;
  // PretenuringHandler::ProcessPretenuringFeedback digests the literals in the global feedback,
  // which MergeAllocationSitePretenuringFeedback enters only once a literal's found count,
  // summed over GCs, reaches kPretenureMinimumCreated (AllocationSite::IncrementMementoFoundCount):
  // node's --trace-pretenuring-statistics on sessions shows each session literal digested every
  // fifth or sixth scavenge at (created, found) = (100–156, 100–150). Only a GC that began with
  // new space at its maximum tenures.
  const bool maximum_size_scavenge = maximum_size_scavenge_;
  const bool deopt_maybe_tenured = new_space_->IsAtMaximumCapacity() && !maximum_size_scavenge;
  const bool trace = flags_.trace_pretenuring_statistics;
  int active = 0, mementos = 0, tenured = 0, not_tenured = 0;
  for (std::size_t i = 1; i < sites_.size(); ++i) {
    AllocationSite& s = sites_[i];
    for (std::size_t words = 0; words < s.literals.size(); ++words) {
      LiteralSite& l = s.literals[words];
      if (l.memento_found_count >= kMinMementoCount) {
        // DigestPretenuringFeedback / MakePretenureDecision.
        const PretenureDecision before = l.decision;
        const bool minimum_mementos_created = l.memento_create_count >= kMinMementoCount;
        const double ratio = minimum_mementos_created || trace
                                 ? static_cast<double>(l.memento_found_count) /
                                       static_cast<double>(std::max(1u, l.memento_create_count))
                                 : 0.0;
        if (minimum_mementos_created && (l.decision == PretenureDecision::kUndecided ||
                                         l.decision == PretenureDecision::kMaybeTenure)) {
          if (ratio >= kPretenureRatio) {
            // Only a scavenge of a maximum-size new space tenures; otherwise "maybe".
            if (maximum_size_scavenge) {
              l.decision = PretenureDecision::kTenure;
              ++s.tenure_changes;
              DeoptimizeDependentCode(l);
            } else {
              l.decision = PretenureDecision::kMaybeTenure;
            }
          } else {
            l.decision = PretenureDecision::kDontTenure;
          }
        }
        ++active;
        mementos += static_cast<int>(l.memento_found_count);
        ++(l.decision == PretenureDecision::kTenure ? tenured : not_tenured);
        if (trace)
          Trace(false, Format("pretenuring: AllocationSite(%s/%zu): (created, found, ratio) "
                              "(%u, %u, %f) %s => %s",
                              s.name.c_str(), words * kTaggedSize, l.memento_create_count,
                              l.memento_found_count, ratio, std::string(ToString(before)).c_str(),
                              std::string(ToString(l.decision)).c_str()));
        l.memento_found_count = 0;
        l.memento_create_count = 0;
      }
      // DeoptMaybeTenuredAllocationSites: in the GC in which new space reached its maximum,
      // the code of "maybe tenure" literals is deoptimized, so that they leave mementos again
      // and a later (maximum-size) scavenge can tenure them.
      if (deopt_maybe_tenured && l.decision == PretenureDecision::kMaybeTenure)
        DeoptimizeDependentCode(l);
    }
  }
  if (trace && (mementos > 0 || tenured > 0 || not_tenured > 0))
    Trace(false,
          Format("pretenuring: deopt_maybe_tenured=%d visited_sites=%d active_sites=%d "
                 "mementos=%d tenured=%d not_tenured=%d",
                 deopt_maybe_tenured ? 1 : 0, active, active, mementos, tenured, not_tenured));
}

void Heap::EvaluateOldSpaceLocalPretenuring(std::size_t size_of_objects_before_gc) {
  if (size_of_objects_before_gc == 0) return;
  const double survival =
      static_cast<double>(SizeOfObjects()) * 100.0 / static_cast<double>(size_of_objects_before_gc);
  if (survival >= kOldSurvivalRateLowThreshold) return;
  // Too much died in the old generation: ResetAllAllocationSitesDependentCode(kOld).
  for (std::size_t i = 1; i < sites_.size(); ++i) {
    AllocationSite& s = sites_[i];
    for (LiteralSite& l : s.literals) {
      if (l.decision != PretenureDecision::kTenure) continue;
      l.decision = PretenureDecision::kUndecided;
      l.memento_found_count = 0;
      l.memento_create_count = 0;
      ++s.tenure_changes;
      DeoptimizeDependentCode(l);
    }
  }
}

// ------------------------------------------------------------------ the end

void Heap::FatalProcessOutOfMemory(const std::string& location) {
  if (!oom_) {
    oom_ = std::make_unique<OutOfMemoryEvent>();
    oom_->time_ms = now_ms_;
    oom_->location = location;
    oom_->message =
        "FATAL ERROR: " + location + " Allocation failed - JavaScript heap out of memory";
    oom_->allocated_total_bytes = allocated_total_bytes_;
    oom_->spaces = SpaceStatistics();
    in_gc_ = false;
    if (sink_) sink_->OnOutOfMemory(*oom_);
  }
  throw OutOfMemoryError(oom_->message);
}

// ------------------------------------------------------------------ samples

void Heap::MaybeSample() {
  if (now_ms_ < next_sample_ms_) return;
  EmitSample();
}

void Heap::EmitSample() {
  next_sample_ms_ = now_ms_ + options_.sample_interval_ms;
  if (!sink_) return;
  HeapSample s;
  s.time_ms = now_ms_;
  s.spaces = SpaceStatistics();
  s.old_generation_limit_bytes = old_generation_allocation_limit_;
  s.heap_limit_bytes = config_.heap_size_limit_bytes;
  s.max_old_generation_bytes = config_.max_old_generation_bytes;
  s.allocated_total_bytes = allocated_total_bytes_;
  s.promoted_total_bytes = promoted_total_bytes_;
  s.marking = IsMarking();
  sink_->OnSample(s);
}

}  // namespace heaplab
