// The workload script host: runs a workload script (JavaScript, QJSEngine) against a simulated
// Heap on a virtual clock. The script describes allocation at the granularity a user thinks in
// (a request, a tick, a phase); bulk per-object work (allocMany, lifetimes) runs natively.
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "sim/heap.h"

namespace heaplab {

// Where and why a workload failed: printed as "file:line:column: message".
struct WorkloadError {
  std::string file;
  int line = 0;
  int column = 0;
  std::string message;
  std::string ToString() const;
};

// What a script declares with workload({...}).
struct WorkloadInfo {
  std::string name;                          // from the file name
  std::string description;                   // workload({description})
  std::vector<std::string> suggested_flags;  // workload({flags: [...]})
  double duration_ms = 0;  // workload({durationMs}): default simulated run length, 0 = none
};

struct WorkloadOptions {
  std::string path;
  // The script text; when set it is used instead of reading `path` (the GUI's editor), and
  // `path` only names it in errors.
  std::optional<std::string> source_text;
  std::uint64_t seed = 1;
  // Abort a script that makes no simulated progress (allocation, linking, time) for this long.
  double watchdog_seconds = 10;
  // Stop the event loop at this simulated time (0 = the script's durationMs, else run until no
  // callbacks remain).
  double duration_ms = 0;
};

struct WorkloadResult {
  bool out_of_memory = false;
  bool stopped = false;  // RequestStop() ended the run early
  std::optional<WorkloadError> error;
  double end_ms = 0;
  std::uint64_t callbacks_run = 0;
};

class WorkloadBridge;

class WorkloadHost {
 public:
  explicit WorkloadHost(WorkloadOptions options);
  ~WorkloadHost();
  WorkloadHost(const WorkloadHost&) = delete;
  WorkloadHost& operator=(const WorkloadHost&) = delete;

  // Reads the file and its workload({...}) declaration without simulating anything. Reports an
  // unreadable file or a syntax error.
  std::optional<WorkloadError> Load();
  const WorkloadInfo& info() const { return info_; }
  const std::string& source() const { return source_; }

  // Runs the script against `heap`: its top level, then the scheduled callbacks in simulated
  // time order (each in its own handle scope, with GC tasks run between them) until none
  // remain, sim.stop(), or the duration. Out of memory ends the run normally.
  // Precondition: Load() succeeded.
  WorkloadResult Run(Heap& heap);
  // Ends a Run() in progress from any thread: the script's next API call throws (a script
  // that makes none for a moment is interrupted) and no further callback runs. The heap stays
  // consistent, at most one API call past the request.
  void RequestStop();

 private:
  std::atomic<bool> stop_requested_{false};
  WorkloadOptions options_;
  WorkloadInfo info_;
  std::string source_;
};

}  // namespace heaplab
