// A parser for real `node --trace-gc` / `--trace-gc-nvp` output: Node 20's lines, older
// Node's "Mark-sweep" lines (one-decimal pauses, optional mutator utilization), and newer Node's
// ("pooled: N MB", "Scavenge (interleaved)", "(during sweeping)"; Windows addresses without 0x).
// Program output interleaved with the trace is skipped; parsing stops at V8's "<--- Last few GCs
// --->" block (its lines repeat earlier ones) and records the FATAL ERROR line. A line that starts
// like a GC line but does not parse is an error with its line number.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "sim/globals.h"

namespace heaplab {

// One GC as the log printed it.
struct TracedGC {
  int line = 0;  // 1-based line in the log
  std::uint32_t pid = 0;
  std::uint64_t isolate = 0;
  double time_ms = 0;  // ms since isolate start, when the GC ended
  GarbageCollector collector = GarbageCollector::kScavenger;
  bool minor_mark_compact = false;  // --minor-mc's "Minor Mark-Compact"
  bool reduce = false;
  double before_mb = 0, before_committed_mb = 0, after_mb = 0, after_committed_mb = 0;
  double pause_ms = 0, external_ms = 0;
  bool incremental = false;
  double incremental_ms = 0;
  int incremental_steps = 0;
  double longest_step_ms = 0;
  double marking_walltime_ms = 0;
  std::optional<double> average_mu, current_mu;
  std::string reason;
  std::string collector_reason;
  // --trace-gc-nvp keys and values (empty for --trace-gc lines).
  std::map<std::string, std::string> nvp;
  // --trace-gc-verbose: each space's used KB after this GC, by V8's name ("New space", "Old
  // space", "Large object space", ...), from the lines that follow it (empty otherwise).
  std::map<std::string, double> space_used_kb;
};

struct TraceLog {
  std::vector<TracedGC> gcs;
  std::optional<std::string> fatal_message;  // "FATAL ERROR: ... JavaScript heap out of memory"
  int fatal_line = 0;
  int skipped_lines = 0;  // program output and other lines that are not GC lines
};

struct TraceParseError {
  int line = 0;
  std::string message;
};

// Parses a whole log. On a malformed GC line returns the error (and no log).
std::optional<TraceLog> ParseTraceLog(std::string_view text, TraceParseError* error);

// Reads and parses the log file `path`. On failure `error` names the file and line
// ("gc.log:12: malformed GC line: ...", "gc.log: cannot read: No such file or directory").
std::optional<TraceLog> ReadTraceLog(const std::string& path, std::string* error);

}  // namespace heaplab
