// The simulated V8 heap: spaces, roots, allocation, write barriers, GC triggering and the
// old-generation limits (src/heap/heap.{h,cc} of V8 11.3). The collectors live in
// scavenger.cc and mark-compact.cc; the heuristics in heap-controller.cc and heap-config.cc.
#pragma once

#include <cstdint>
#include <memory>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "sim/flags.h"
#include "sim/gc-event.h"
#include "sim/gc-tracer.h"
#include "sim/heap-config.h"
#include "sim/heap-controller.h"
#include "sim/heap-object.h"
#include "sim/heap-observer.h"
#include "sim/marking-worklist.h"
#include "sim/memory-reducer.h"
#include "sim/spaces.h"

namespace heaplab {

class ScavengerCollector;
class MarkCompactCollector;
class HeapVerifier;

// Thrown where V8 would call FatalProcessOutOfMemory. The heap is dead afterwards; its state
// stays readable for charts and inspection. The run ends; HeapLab itself does not crash.
class OutOfMemoryError : public std::runtime_error {
 public:
  explicit OutOfMemoryError(const std::string& message) : std::runtime_error(message) {}
};

// Thrown on misuse of the heap API (a negative size, an unknown object, a handle disposed
// twice...). The message says what was wrong; the workload host adds file and line.
class HeapUsageError : public std::invalid_argument {
 public:
  explicit HeapUsageError(const std::string& message) : std::invalid_argument(message) {}
};

// Where an allocation should go (src/common/globals.h AllocationType).
enum class AllocationType : std::uint8_t { kYoung, kOld };

// AllocationSite::PretenureDecision.
enum class PretenureDecision : std::uint8_t { kUndecided, kDontTenure, kMaybeTenure, kTenure };
std::string_view ToString(PretenureDecision decision);

// One object or array literal of a named site, with V8's pretenuring feedback
// (src/objects/allocation-site.h). V8 gives every literal its own AllocationSite, and a literal
// has one size: a site whose objects come in several sizes is several literals (the twin's
// factoryFor makes one per site and field count, as a program has one per source position).
struct LiteralSite {
  std::uint32_t memento_create_count = 0;  // young allocations with a memento since the digest
  std::uint32_t memento_found_count = 0;   // of those, found alive by a GC
  PretenureDecision decision = PretenureDecision::kUndecided;
  // Allocations since its code was last (de)optimized, counted up to
  // --unoptimized-literal-allocations, or --reoptimized-literal-allocations once deoptimized.
  std::uint32_t unoptimized_allocations = 0;
  bool deoptimized = false;  // its optimized code was thrown away at least once
};

// A named allocation site: its literals (by object size in words) and totals.
struct AllocationSite {
  std::string name;
  std::vector<LiteralSite> literals;    // index: object size in words
  std::uint64_t allocated_objects = 0;  // over the whole run
  std::uint64_t allocated_bytes = 0;
  std::uint64_t pretenured_objects = 0;  // allocated straight into old space
  int tenure_changes = 0;                // times one of its literals switched to or from tenure
  ObjectRef map = kNullRef;              // the site's map (map space in the legacy profile)

  // The literal of objects of `size_bytes`, or an undecided one it has not allocated yet.
  const LiteralSite& literal(std::size_t size_bytes) const;
};

// Run-time options that are not V8 flags.
struct HeapOptions {
  // Start with Node 20's start-up heap (snapshot objects in old, code and large-object space,
  // node20-observed §1.3). Tests of single mechanisms turn it off.
  bool startup_snapshot = true;
  // Interval of simulated time between HeapSink::OnSample calls.
  double sample_interval_ms = 10;
  // The "[pid:isolate]" of trace lines; fixed so that traces are reproducible.
  std::uint32_t pid = 4242;
  std::uint64_t isolate_address = 0x5a5a000;
};

// Incremental marking state (src/heap/incremental-marking.h).
enum class MarkingPhase : std::uint8_t { kStopped, kMarking, kComplete };

class Heap {
 public:
  // Builds a heap configured as Node 20 configures V8 with `flags`.
  // Precondition: ValidateFlagCombination(flags) holds.
  explicit Heap(const HeapFlags& flags, HeapOptions options = {});
  ~Heap();
  Heap(const Heap&) = delete;
  Heap& operator=(const Heap&) = delete;

  const HeapFlags& flags() const { return flags_; }
  const HeapConfiguration& config() const { return config_; }
  const HeapOptions& options() const { return options_; }

  // Reports GC events, samples and OOM to `sink` (may be null). Not owned.
  void set_sink(HeapSink* sink) { sink_ = sink; }
  // Installs fine-grained collector hooks (may be null). Not owned.
  void set_observer(HeapObserver* observer) { observer_ = observer; }
  HeapObserver* observer() const { return observer_; }

  // ----- Allocation sites -----
  // Registers (or finds) the site `name`; returns its id (>= 1).
  std::uint32_t RegisterAllocationSite(std::string_view name);
  const AllocationSite& site(std::uint32_t id) const { return sites_[id]; }
  // Number of site ids in use, including the unused id 0.
  std::size_t site_id_limit() const { return sites_.size(); }

  // ----- Allocation -----
  // Allocates an object of `size_bytes` (rounded up to 8) with `slot_count` null slots, of
  // `kind`, at allocation site `site` (0 = none). Code goes to code space; objects over the
  // profile's regular-object limit go to a large-object space; pretenured sites and kOld go to
  // old space. May run GCs first. The returned reference is valid until the next allocation or
  // GC: root it (CreateLocal/CreateGlobal) to keep it. Throws HeapUsageError on a bad request
  // and OutOfMemoryError when V8 would die.
  ObjectRef Allocate(std::size_t size_bytes,
                     std::uint32_t slot_count,
                     ObjectKind kind,
                     std::uint32_t site = 0,
                     AllocationType type = AllocationType::kYoung);

  // Bulk fast path: places up to `count` young objects of `size_bytes` (already 8-aligned,
  // a regular-object size) with `slot_count` null slots in the current new-space page, exactly
  // as that many Allocate calls would while no GC is needed, and writes their references to
  // `out`. Returns how many were placed; 0 means the page is full or the site is tenured: call
  // Allocate for the next object (it may collect).
  // With `chain`, slot 0 of each object is initialized to the previous one, the first's to
  // `previous` (a list, as allocMany's "list" shape builds it).
  std::size_t TryAllocateYoungRun(std::size_t count,
                                  std::size_t size_bytes,
                                  std::uint32_t slot_count,
                                  ObjectKind kind,
                                  std::uint32_t site,
                                  ObjectRef* out,
                                  bool chain = false,
                                  ObjectRef previous = kNullRef);
  // ----- Slots -----
  // The value of slot `slot` of `host`. Throws HeapUsageError if host is not an object or the
  // slot is out of range.
  ObjectRef ReadSlot(ObjectRef host, std::uint32_t slot) const;
  // Writes `value` into slot `slot` of `host`, with V8's write barriers: the generational
  // barrier records old-to-new slots in the remembered set; during marking the marking barrier
  // greys a white value.
  void WriteSlot(ObjectRef host, std::uint32_t slot, ObjectRef value);

  // ----- Roots: global handles and handle scopes -----
  // A global handle holding `value`; lives until DisposeGlobal.
  std::uint32_t CreateGlobal(ObjectRef value);
  // A global handle for `value` that stands for a store into a container the program keeps
  // reachable (node's twin keeps held objects in an array and globals in a Set): during marking
  // the store's marking barrier greys a white value, as WriteSlot's does, where a plain global
  // handle waits for the final pause's root scan.
  std::uint32_t CreateGlobalInContainer(ObjectRef value);
  // Frees a global handle. Throws HeapUsageError if it was already disposed.
  void DisposeGlobal(std::uint32_t handle);
  ObjectRef Global(std::uint32_t handle) const;
  void SetGlobal(std::uint32_t handle, ObjectRef value);
  bool IsGlobalAlive(std::uint32_t handle) const;
  // Opens a handle scope; locals created after it die with CloseHandleScope.
  void OpenHandleScope();
  // Closes the innermost handle scope. Throws HeapUsageError if none is open.
  void CloseHandleScope();
  std::size_t handle_scope_depth() const { return scope_marks_.size(); }
  // A local handle in the innermost scope (or the outermost, implicit one).
  std::uint32_t CreateLocal(ObjectRef value);
  ObjectRef Local(std::uint32_t handle) const;
  void SetLocal(std::uint32_t handle, ObjectRef value);
  std::size_t local_count() const { return locals_.size(); }

  // ----- Time and tasks -----
  // Simulated milliseconds since the isolate started.
  double now_ms() const { return now_ms_; }
  // The mutator works for `ms` without allocating. Concurrent marking progresses meanwhile.
  void AdvanceTime(double ms);
  // The event loop is idle for `ms`: posted GC tasks run as they fall due. While marking runs,
  // its task reposts itself (IncrementalMarkingJob::Task), so marking is finalized "via task"
  // as soon as the concurrent markers empty the worklist, not in the next callback.
  void AdvanceIdleTime(double ms);
  // The event loop is idle: runs posted GC tasks (the minor-GC task at 80% of new space,
  // incremental-marking steps and their finalization "via task").
  void RunPendingTasks();
  // Heap::PublishPendingAllocations, as a TurboFan job's preparation calls it on the main thread
  // (PipelineCompilationJob::PrepareJobImpl): new space's linear allocation area starts anew at
  // its top (MarkLabStartInitialized) without advancing the allocation observers, so the bytes
  // allocated in it so far are never counted toward the minor-GC task's observer step.
  void PublishPendingAllocations();

  // ----- Explicit collection -----
  // Heap::CollectGarbage: a scavenge for kNew (unless SelectGarbageCollector picks a full GC),
  // otherwise a mark-compact.
  void CollectGarbage(AllocationSpace space, GarbageCollectionReason reason);
  // Heap::CollectAllAvailableGarbage: memory-reducing mark-compacts until nothing more is freed.
  void CollectAllAvailableGarbage(GarbageCollectionReason reason);

  // Heap::StartIncrementalMarking: starts a marking cycle now (no-op while one runs). The
  // heap starts one by itself near the allocation limit, and the memory reducer starts
  // memory-reducing ones (`reduce_memory`: the mark-compact shrinks new space and grows the
  // limit by the minimal factor). `reason` is what --trace-incremental-marking's "Start (...)"
  // names.
  void StartIncrementalMarking(bool reduce_memory = false,
                               GarbageCollectionReason reason = GarbageCollectionReason::kTesting);
  // The memory reducer's state (the timer it posted, the GCs it started).
  const MemoryReducer& memory_reducer() const { return memory_reducer_; }
  // One main-thread marking step of at most `max_ms`, without requesting finalization.
  // Returns true once marking is complete. For tests and step mode.
  bool AdvanceIncrementalMarkingForTesting(double max_ms);

  // ----- Introspection -----
  // True if `ref` names a live (not freed) object record. Forwarded records count as objects.
  bool IsValidObject(ObjectRef ref) const;
  const HeapObject& object(ObjectRef ref) const;
  Page* page_of(ObjectRef ref) const { return allocator_.page(RefPage(ref)); }
  AllocationSpace space_of(ObjectRef ref) const { return page_of(ref)->owner; }
  bool InYoungGeneration(ObjectRef ref) const { return IsYoungSpace(space_of(ref)); }
  // The simulated address of the object.
  std::uint64_t address_of(ObjectRef ref) const;
  const ObjectRef* slots_of(ObjectRef ref) const;
  const MemoryAllocator& memory_allocator() const { return allocator_; }

  const SemiSpaceNewSpace& new_space() const { return *new_space_; }
  // Pages of the old generation (old, code, map and both large-object spaces' pages): the
  // chunks OldGenerationMemoryChunkIterator visits.
  std::size_t OldGenerationPageCount() const;
  const PagedSpace& old_space() const { return *old_space_; }
  const PagedSpace& code_space() const { return *code_space_; }
  const PagedSpace* map_space() const { return map_space_.get(); }
  const LargeObjectSpace& lo_space() const { return *lo_space_; }
  const LargeObjectSpace& new_lo_space() const { return *new_lo_space_; }
  const LargeObjectSpace& code_lo_space() const { return *code_lo_space_; }

  SpaceStats Stats(AllocationSpace space) const;
  SpaceStatsArray SpaceStatistics() const;
  // Heap::SizeOfObjects: bytes of objects in every space.
  std::size_t SizeOfObjects() const;
  std::size_t CommittedMemory() const;
  // Bytes of objects in old, code, map and large-object spaces.
  std::size_t OldGenerationSizeOfObjects() const;
  // Heap::OldGenerationCapacity: paged-space area capacity plus large-object bytes.
  std::size_t OldGenerationCapacity() const;
  std::size_t old_generation_allocation_limit() const { return old_generation_allocation_limit_; }
  std::size_t max_old_generation_size() const { return config_.max_old_generation_bytes; }

  // Heap::CanExpandOldGeneration: capacity + size stays within the max old generation and the
  // memory allocator within MaxReserved.
  bool CanExpandOldGeneration(std::size_t size) const;
  // Heap::CanPromoteYoungAndExpandOldGeneration.
  bool CanPromoteYoungAndExpandOldGeneration(std::size_t size) const;
  // Heap::ShouldOptimizeForMemoryUsage: within 1/8 of the max old generation.
  bool ShouldOptimizeForMemoryUsage() const;
  // Heap::ShouldReduceMemory: the current GC cycle reduces memory.
  bool ShouldReduceMemory() const { return reduce_memory_; }
  // Heap::OldGenerationSpaceAvailable.
  std::size_t OldGenerationSpaceAvailable() const;

  MarkingPhase marking_phase() const { return marking_phase_; }
  bool IsMarking() const { return marking_phase_ != MarkingPhase::kStopped; }
  const MarkingWorklist& marking_worklist() const { return marking_worklist_; }
  // The old-to-new remembered set: (host, slot index) pairs, possibly with duplicates.
  const std::vector<std::pair<ObjectRef, std::uint32_t>>& remembered_set() const {
    return remembered_set_;
  }
  const std::vector<ObjectRef>& strong_roots() const { return strong_roots_; }
  const std::vector<ObjectRef>& globals() const { return globals_; }
  const std::vector<ObjectRef>& locals() const { return locals_; }

  // Counters over the run.
  std::uint64_t gc_count() const { return gc_count_; }
  std::uint64_t scavenge_count() const { return scavenge_count_; }
  std::uint64_t mark_compact_count() const { return mark_compact_count_; }
  std::size_t allocated_total_bytes() const { return allocated_total_bytes_; }
  std::size_t promoted_total_bytes() const { return promoted_total_bytes_; }
  double total_gc_pause_ms() const { return total_gc_pause_ms_; }
  const GCTracer& tracer() const { return tracer_; }
  bool is_out_of_memory() const { return oom_ != nullptr; }
  const OutOfMemoryEvent* out_of_memory() const { return oom_.get(); }

 private:
  // The old generation got a new page: may arm the memory reducer (before the first
  // mark-compact, --memory-reducer-for-small-heaps).
  void NotifyOldGenerationExpansion();
  friend class ScavengerCollector;
  friend class MarkCompactCollector;
  friend class HeapVerifier;

  HeapObject& mutable_object(ObjectRef ref) { return page_of(ref)->objects[RefIndex(ref)]; }
  ObjectRef* mutable_slots(ObjectRef ref);
  void CheckAlive() const;
  void CheckObject(ObjectRef ref, const char* what) const;
  void CreateStartupHeap();
  PagedSpace* paged_space(AllocationSpace space);

  // Places an object of `size` in `space` without triggering GCs; kNullRef if there is no
  // room. `gc_origin` lets the collectors expand old space beyond the allocation limit.
  // `memento_bytes` (new space only) are taken right behind the object for its memento.
  // A paged-space allocation with `compaction_space` goes to that task's part of the space.
  ObjectRef AllocateRaw(AllocationSpace space,
                        std::size_t size,
                        std::uint32_t slot_count,
                        ObjectKind kind,
                        std::uint32_t site,
                        bool gc_origin,
                        std::size_t memento_bytes = 0,
                        CompactionSpace* compaction_space = nullptr);
  // Copies `from` into `space` (evacuation), through `compaction_space` if given; forwards
  // `from`. kNullRef if there is no room.
  ObjectRef MigrateObject(ObjectRef from,
                          AllocationSpace space,
                          bool gc_origin,
                          CompactionSpace* compaction_space = nullptr);

  // Heap::ShouldExpandOldGenerationOnSlowAllocation.
  bool ShouldExpandOldGenerationOnSlowAllocation() const;
  // Heap::AllocationLimitOvershotByLargeMargin.
  bool AllocationLimitOvershotByLargeMargin() const;
  // Heap::SelectGarbageCollector.
  GarbageCollector SelectGarbageCollector(AllocationSpace space, CollectorReason* reason) const;
  // Heap::IncrementalMarkingLimitReached.
  enum class IncrementalMarkingLimit { kNoLimit, kSoftLimit, kHardLimit };
  IncrementalMarkingLimit IncrementalMarkingLimitReached() const;
  void StartIncrementalMarkingIfAllocationLimitIsReached();
  // What a marker did: the bytes it visited and their cost in marking time (bytes, a slot
  // without a reference counting --marking-null-slot-cost of a word), of which `shareable_cost`
  // while the shared pool held work that parallel markers could take.
  struct MarkingWork {
    std::size_t bytes = 0;
    std::size_t cost = 0;
    std::size_t shareable_cost = 0;
  };
  // What a marking budget limits: bytes visited (an incremental step's bytes_to_process) or
  // their cost (a marker's time).
  enum class MarkingBudget { kBytes, kCost };
  // Marks from the worklist through `local`'s view (the main thread's unless a concurrent
  // marker's) until `budget` of `kind` is spent or the view finds no work.
  // marked_bytes_this_cycle_ grows by the bytes visited.
  MarkingWork MarkFromWorklist(std::size_t budget,
                               MarkingBudget kind,
                               int local = MarkingWorklist::kMainThread);
  // An incremental step of at most `max_ms`; finalizes via `finalize_reason` when complete.
  void IncrementalMarkingStep(double max_ms, bool from_task);
  // The marking task's share of the schedule: time since the last update (at most every 10 ms).
  void ScheduleBytesToMarkBasedOnTime();
  // An allocation step's share of the schedule: progress plus old-generation allocation.
  void ScheduleBytesToMarkBasedOnAllocation();
  // The concurrent markers work for `elapsed_ms`, sharing --concurrent-marking-speed; returns
  // the milliseconds they worked, less than `elapsed_ms` when none could find work.
  double ConcurrentMarking(double elapsed_ms);
  // Marking is complete once the main thread's segments and the shared pool are empty
  // (IncrementalMarking::ShouldFinalize), whatever the concurrent markers still hold.
  void CompleteMarkingIfMainThreadDrained();
  // AdvanceTime (busy: no task runs) and AdvanceIdleTime (idle: tasks run as they fall due).
  void Advance(double ms, bool idle);
  // Marks an object grey if it is white; pushes it on the worklist.
  void WhiteToGreyAndPush(ObjectRef ref, bool by_barrier);
  // The marking barrier of a store of `value` into a marked host: during marking a white value
  // turns grey (and marking that had completed resumes).
  void MarkingBarrier(ObjectRef value);
  void MarkRoots();
  void OnAllocation(std::size_t size, bool young);
  // New-space bytes in use at which a minor-GC task is posted (MinorGCJob).
  double MinorGCTaskTriggerBytes() const;
  // ScheduleMinorGCTaskObserver::GetNextStepSize, after a GC or at set-up: the observer counts
  // new-space allocation afresh toward the trigger.
  void AddMinorGCTaskObserver();
  // A new-space allocation of `bytes` on `page`, seen by the linear allocation area and the
  // minor-GC task's observer: its step posts the task (then it waits for the next GC).
  void ObserveNewSpaceAllocation(const Page* page, std::size_t bytes);
  // SpaceWithLinearArea::AdvanceAllocationObservers: the area's bytes so far are counted.
  void AdvanceAllocationObservers();
  // New-space bytes the minor-GC task's observer may still see before its step (0 when it
  // has stepped since the last GC).
  std::size_t MinorGCObserverBytesToStep() const;

  void PerformGarbageCollection(GarbageCollector collector,
                                GarbageCollectionReason reason,
                                CollectorReason collector_reason);
  void CheckNewSpaceExpansionCriteria();
  void RecomputeLimits(GCEvent& event);
  void CheckIneffectiveMarkCompact(std::size_t old_gen_size, double mutator_utilization);
  HeapGrowingMode CurrentHeapGrowingMode() const;
  void ProcessPretenuringFeedback();
  // How the next allocations at a named site run (--unoptimized-literal-allocations).
  struct SiteTier {
    std::size_t mementos_left = 0;    // allocations that still leave a memento
    bool follows_decision = true;     // a tenure decision sends them to old space
    LiteralSite* literal = nullptr;   // the literal; null for kinds that are not literals
    bool counts_allocations = false;  // with tiers: its unoptimized allocations are counted
    // True if the allocation goes to old space by the literal's decision.
    bool tenured() const {
      return literal && follows_decision && literal->decision == PretenureDecision::kTenure;
    }
  };
  // The tier of `site`'s allocation of `size` bytes of `kind`. Object and array literals run
  // unoptimized (young, with a memento, whatever the decision) for their first allocations,
  // then optimized (the decision, no memento); without tiers every literal allocation leaves a
  // memento and follows the decision. Other kinds, and large objects (no memento fits behind
  // them on their page), have no literal: no memento, no decision.
  SiteTier TierOf(AllocationSite& site, std::size_t size, ObjectKind kind);
  // Deoptimizes the literal's optimized code (its decision flipped between young and old).
  void DeoptimizeDependentCode(LiteralSite& literal);
  // Heap::UpdateSurvivalStatistics: records the GC's young survival with the tracer and fills
  // the event's average survival ratio and promotion rate.
  void UpdateSurvivalStatistics(GCEvent& ev);
  // Heap::ConfigureInitialOldGenerationSize: until the first mark-compact, each GC lowers the
  // initial (512 MB) limit by the average survival ratio, never below the old generation's
  // size plus the minimum growing step, and stops once it would no longer shrink.
  void ConfigureInitialOldGenerationSize();
  // MemoryReducer::TimerTask: runs the reducer's timer if it is due at now_ms_.
  void RunMemoryReducerTimerIfDue();
  // Heap::ComputeMutatorUtilization: gc / (mutator + gc), printed under
  // --trace-mutator-utilization with `tag` ("Young generation", "Old generation").
  double ComputeMutatorUtilization(const char* tag, double mutator_speed, double gc_speed) const;
  // Heap::HasLowAllocationRate: young and old mutator utilization both above 0.993.
  bool HasLowAllocationRate() const;
  // Heap::HasLowYoungGenerationAllocationRate: new-space allocation against scavenge speed.
  bool HasLowYoungGenerationAllocationRate() const;
  // Heap::CommittedOldGenerationMemory: committed bytes of the old, code, map and large-object
  // spaces in `s`.
  static std::size_t CommittedOldGenerationMemory(const SpaceStatsArray& s);
  // Shrinks new space and sets the new large-object space's capacity to follow it.
  void ShrinkNewSpace();
  void EvaluateOldSpaceLocalPretenuring(std::size_t size_of_objects_before_gc);
  void RecordMementoFound(const HeapObject& o);
  [[noreturn]] void FatalProcessOutOfMemory(const std::string& location);
  void MaybeSample();
  // Sends one line of V8's other tracing to the sink (TraceMessage), stamped with now_ms_.
  void Trace(bool timestamped, std::string text) const;
  // One --trace-incremental-marking line ("[IncrementalMarking] " + text), timestamped.
  void TraceIncrementalMarking(const std::string& text) const;
  void EmitSample();
  void HandleGCRequest();

  HeapFlags flags_;
  HeapConfiguration config_;
  HeapOptions options_;
  HeapSink* sink_ = nullptr;
  HeapObserver* observer_ = nullptr;

  MemoryAllocator allocator_;
  std::unique_ptr<SemiSpaceNewSpace> new_space_;
  std::unique_ptr<PagedSpace> old_space_;
  std::unique_ptr<PagedSpace> code_space_;
  std::unique_ptr<PagedSpace> map_space_;
  std::unique_ptr<LargeObjectSpace> lo_space_;
  std::unique_ptr<LargeObjectSpace> new_lo_space_;
  std::unique_ptr<LargeObjectSpace> code_lo_space_;

  std::vector<AllocationSite> sites_;
  std::vector<ObjectRef> strong_roots_;  // the start-up snapshot's roots
  std::vector<ObjectRef> globals_;
  std::vector<bool> global_alive_;
  std::vector<std::uint32_t> free_globals_;
  std::vector<ObjectRef> locals_;
  std::vector<std::size_t> scope_marks_;
  std::vector<std::pair<ObjectRef, std::uint32_t>> remembered_set_;

  // Marking.
  MarkingPhase marking_phase_ = MarkingPhase::kStopped;
  MarkingWorklist marking_worklist_{kConcurrentMarkingTasks};
  double marking_start_ms_ = 0;
  int incremental_steps_ = 0;
  double incremental_ms_ = 0;
  double incremental_longest_step_ms_ = 0;
  double incremental_start_ms_ = 0;  // IncrementalMarking::Start's main-thread time
  std::size_t marked_bytes_this_cycle_ = 0;
  // IncrementalMarking's schedule: the bytes the cycle should have marked by now (grown by time
  // in tasks and by allocation in observer steps), against marked_bytes_this_cycle_.
  std::size_t scheduled_bytes_to_mark_ = 0;
  double schedule_update_time_ms_ = 0;
  // old_generation_allocation_counter_ when the schedule last grew by allocation.
  std::size_t marking_old_allocation_counter_ = 0;
  std::size_t concurrent_marked_this_cycle_ = 0;  // by the concurrent markers, for nvp
  std::size_t young_allocated_since_step_ = 0;
  std::size_t old_allocated_since_step_ = 0;
  std::size_t marking_initial_old_size_ = 0;
  bool reduce_memory_ = false;
  bool gc_requested_ = false;  // stack-guard interrupt: finalize marking at the next safe point
  bool minor_gc_task_posted_ = false;
  // The minor-GC task's allocation observer: active from a GC until its step; counted bytes
  // against its step, and the linear allocation area's bytes not yet counted (lab_page_ is the
  // page it lies in: a fresh page advances the observers).
  bool minor_gc_observer_active_ = false;
  std::size_t minor_gc_observer_step_bytes_ = 0;
  std::size_t minor_gc_observer_counted_bytes_ = 0;
  std::size_t lab_uncounted_bytes_ = 0;
  const Page* lab_page_ = nullptr;
  bool marking_task_posted_ = false;
  // A mark-compact emptied old space's linear allocation area; the mutator's next turn refills
  // it (see Heap::Allocate).
  bool old_lab_empty_after_mark_compact_ = false;
  std::vector<std::uint32_t> evacuation_candidates_;

  // Limits and counters.
  std::size_t old_generation_allocation_limit_ = 0;
  bool old_generation_size_configured_ = false;  // set by the first mark-compact
  std::size_t previous_survived_bytes_ = 0;      // semi-space copies of the previous GC
  bool maximum_size_scavenge_ = false;  // the current GC began with new space at its maximum
  std::size_t survived_since_last_expansion_ = 0;
  int consecutive_ineffective_mark_compacts_ = 0;
  double now_ms_ = 0;
  double last_gc_end_ms_ = 0;
  double next_sample_ms_ = 0;
  std::size_t allocated_total_bytes_ = 0;
  std::size_t allocated_at_last_gc_ = 0;
  std::size_t promoted_total_bytes_ = 0;
  std::size_t old_generation_allocation_counter_ = 0;
  std::size_t new_space_allocation_counter_ = 0;
  std::uint64_t gc_count_ = 0;
  std::uint64_t scavenge_count_ = 0;
  std::uint64_t mark_compact_count_ = 0;
  bool in_mark_compact_ = false;  // Heap::ms_count_ counts a mark-compact from its start
  // Heap::old_generation_capacity_after_bootstrap_ (0 without a start-up heap: never armed).
  std::size_t old_generation_capacity_after_bootstrap_ = 0;
  double total_gc_pause_ms_ = 0;
  bool in_gc_ = false;
  bool evacuating_ = false;      // a mark-compact evacuates: old space may grow past its limits
  double compaction_speed_ = 0;  // bytes/ms of the last compaction (0 before any)
  GCTracer tracer_;
  MemoryReducer memory_reducer_;
  std::unique_ptr<OutOfMemoryEvent> oom_;
};

}  // namespace heaplab
