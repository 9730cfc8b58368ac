// A workload derived from a real `node --trace-gc` (or --trace-gc-nvp) log, so that a service's
// recorded GC behaviour can be replayed under other flags ("what if --max-semi-space-size=64?").
//
// The log shows, between GCs, how many bytes the program allocated (the heap before a GC minus
// after the previous one), how much of it a scavenge kept in the old generation (the heap after
// a scavenge minus after the previous one, which telescopes over runs of scavenges), and, at
// each mark-compact, the live heap. From these, per time window, HeapLab fits three kinds of
// objects: short-lived (die before any scavenge), leaked (never die: the rise of the lowest
// live heap seen at later mark-compacts) and mid-lived with exponential lifetimes, whose share
// and mean lifetime match both the live heap at mark-compacts and the promotion rate
// (dL/dt = share x rate - L/mean; promoted = share x rate x S1 x e^(-T/mean), T the scavenge
// interval, S1 the share of an interval's objects alive at its scavenge).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "sim/trace-parser.h"

namespace heaplab {

// The allocation behaviour of one time window of the log.
struct DerivedPhase {
  double until_ms = 0;                 // the window ends here (log time, ms since start)
  double allocation_bytes_per_ms = 0;  // everything the program allocated
  double leak_share = 0;               // of the bytes: never freed
  double mid_share = 0;                // of the bytes: freed after an exponential lifetime
  double mid_lifetime_ms = 0;          // that lifetime's mean
};

// What DeriveWorkload fitted, and from what.
struct DerivedWorkload {
  std::vector<DerivedPhase> phases;
  double duration_ms = 0;  // the derived run's length
  bool log_ended_out_of_memory = false;
  std::string fatal_message;  // the log's FATAL ERROR line, if any
  double peak_heap_mb = 0;    // the largest heap a GC of the log started with
  std::uint32_t pid = 0;      // the process whose GCs were used
  std::size_t scavenges = 0, mark_compacts = 0;
  double allocated_mb = 0;  // over the log
  bool used_nvp = false;    // allocation and promotion read from --trace-gc-nvp fields
  // The scavenge speeds fitted to the log's own pauses (nvp logs with 8 scavenges or more), as
  // flags the derived workload suggests: node's heuristics compare allocation with GC speed, so
  // the replay runs at the speed of the machine the log came from.
  std::vector<std::string> speed_flags;
  std::vector<std::string> notes;  // what the fit could not see
};

// Fits the model to the log's busiest process. Returns an error (a log with fewer than three
// scavenges says too little).
std::optional<std::string> DeriveWorkload(const TraceLog& log, DerivedWorkload* out);

// The workload script (JavaScript, docs/workloads.md) that replays `w`; `log_name` goes in its
// header and description.
std::string DerivedWorkloadScript(const DerivedWorkload& w, std::string_view log_name);

}  // namespace heaplab
