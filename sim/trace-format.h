// Node 20's --trace-gc, --trace-gc-nvp and --trace-gc-verbose text, byte for byte
// (GCTracer::Print / PrintNVP, Heap::PrintShortHeapStatistics; node20-observed §7-8), and V8's
// out-of-memory report.
#pragma once

#include <cstdint>
#include <deque>
#include <string>

#include "sim/gc-event.h"

namespace heaplab {

// What every trace line needs besides the event.
struct TraceContext {
  std::uint32_t pid = 4242;
  std::uint64_t isolate_address = 0x5a5a000;
  bool legacy = false;  // Node <= 18 wording: "Mark-sweep" and one-decimal pauses
  bool has_map_space = false;
};

// "[pid:0xisolate] " — the PrintIsolate prefix.
std::string IsolatePrefix(const TraceContext& ctx);
// One --trace-gc line without the newline, e.g.
// "[4242:0x5a5a000]       52 ms: Scavenge 4.1 (4.2) -> 3.3 (5.2) MB, 5.73 / 0.00 ms  (average mu
// = 1.000, current mu = 1.000) allocation failure; "
std::string FormatTraceGCLine(const GCEvent& event, const TraceContext& ctx);
// One --trace-gc-nvp line without the newline (keys in Node 20's order).
std::string FormatTraceGCNvpLine(const GCEvent& event, const TraceContext& ctx);
// The --trace-gc-verbose block printed after a GC line (lines end with '\n').
std::string FormatTraceGCVerbose(const GCEvent& event, const TraceContext& ctx, bool has_map_space);
// A TraceMessage as V8 prints it: "[pid:0xisolate] " and, if timestamped, "<time> ms: ".
std::string FormatTraceMessage(const TraceMessage& message, const TraceContext& ctx);
// The [HeapController] lines --trace-gc-verbose prints before a mark-compact line.
std::string FormatHeapControllerLines(const GCEvent& event, const TraceContext& ctx);
// The report Node prints to stderr when the heap is out of memory: the last GC lines and the
// fatal message (each line ends with '\n').
std::string FormatOutOfMemoryReport(const OutOfMemoryEvent& oom,
                                    const std::deque<std::string>& last_gc_lines);

}  // namespace heaplab
