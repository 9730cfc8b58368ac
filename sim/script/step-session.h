// Step mode: runs a workload under a StepRecorder and serves the heap at any step. The first
// run records every step and keeps the snapshots of the first ones; a step outside the cache
// is rebuilt by running the same workload again with the same seed and capturing a window of
// steps around it (deterministic replay). Lessons are a workload plus stops with text.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "sim/script/workload-host.h"
#include "sim/step-recorder.h"

namespace heaplab {

struct StepSessionOptions {
  WorkloadOptions workload;
  // Heap flags, node style; the workload's own suggestions apply under them.
  std::vector<std::string> flags;
  StepGranularity granularity = StepGranularity::kObject;
  // Step mode shows only the workload's objects: no Node start-up snapshot.
  bool startup_snapshot = false;
  // Recording stops (the run is cut short) after this many steps.
  std::size_t max_steps = 400000;
  // A replay captures this many steps on each side of the one asked for.
  std::size_t replay_window = 128;
  // The cache keeps snapshots up to about this many objects in all.
  std::size_t max_cached_objects = 4000000;
};

class StepSession {
 public:
  explicit StepSession(StepSessionOptions options);
  ~StepSession();

  // The first run: loads the workload, records all steps. An error names file, line and flag.
  std::optional<WorkloadError> Record();

  std::size_t step_count() const { return steps_.size(); }
  const Step& step(std::size_t i) const { return steps_.at(i); }
  const std::vector<Step>& steps() const { return steps_; }
  bool truncated() const { return truncated_; }
  const WorkloadInfo& info() const { return info_; }
  const HeapFlags& flags() const { return flags_; }

  // The heap right after step `i`. Replays the run when it is not cached.
  // Precondition: i < step_count().
  const HeapSnapshot& SnapshotAt(std::size_t i);
  // The places object `id` has lived, up to and including step `i`.
  std::vector<AddressRecord> HistoryAt(std::uint32_t id, std::size_t i) const;
  // The first step at or after `from` of `kind` (in GC `gc` when non-zero); nullopt if none.
  std::optional<std::size_t> FindStep(StepKind kind,
                                      std::size_t from = 0,
                                      std::uint64_t gc = 0) const;
  // The same, for steps of a mark-compact (`mark_compact`) or of a scavenge (not).
  std::optional<std::size_t> FindStep(StepKind kind,
                                      std::size_t from,
                                      std::uint64_t gc,
                                      bool mark_compact) const;
  // Runs the workload again that have been needed so far (for tests and the status bar).
  std::size_t replay_count() const { return replays_; }
  // Drops every cached snapshot (for tests of replay).
  void ClearCache();

 private:
  // Runs the workload once with a recorder capturing the steps `capture` accepts.
  std::optional<WorkloadError> RunOnce(const std::function<bool(std::size_t)>& capture,
                                       bool keep_steps);
  void Evict(std::size_t keep_near);

  StepSessionOptions options_;
  WorkloadInfo info_;
  HeapFlags flags_;
  std::vector<Step> steps_;
  std::vector<std::vector<AddressRecord>> history_;
  std::map<std::size_t, HeapSnapshot> cache_;
  std::size_t cached_objects_ = 0;
  std::size_t replays_ = 0;
  bool truncated_ = false;
};

// One stop of a lesson: the nth step of a kind, and what to say there.
struct LessonStop {
  StepKind kind = StepKind::kEnd;
  int nth = 1;           // 1-based
  std::uint64_t gc = 0;  // only steps of this GC, when non-zero
  // Only steps of this collector: "" (any), "scavenge" or "mark-compact".
  std::string collector;
  std::string title;
  std::string text;
  std::string color_by;  // the heap map's colouring at this stop: age, kind, site, mark
  int line = 0;          // where the stop is in its lesson file
};

// A guided lesson (workloads/lessons/*.lesson.json).
struct Lesson {
  std::string path;
  std::string title;
  std::string intro;
  std::string workload_path;  // resolved against the lesson file's folder
  std::vector<std::string> flags;
  StepGranularity granularity = StepGranularity::kObject;
  std::uint64_t seed = 1;
  std::vector<LessonStop> stops;
};

// Reads a lesson file. Errors name the file, the line, and the key that is wrong.
std::optional<WorkloadError> LoadLesson(const std::string& path, Lesson* out);
// Session options for a lesson.
StepSessionOptions LessonSessionOptions(const Lesson& lesson);
// The step index of each stop in a recorded session; an error names a stop that never happens.
std::optional<WorkloadError> ResolveLessonStops(const Lesson& lesson,
                                                const StepSession& session,
                                                std::vector<std::size_t>* out);
// Parses "copy", "scavenge-start"...; false if unknown.
bool ParseStepKind(std::string_view text, StepKind* out);

}  // namespace heaplab
