#include <gtest/gtest.h>

#include <array>
#include <cstdio>
#include <fstream>
#include <sstream>

#include "sim/trace-format.h"
#include "sim/trace-parser.h"

namespace heaplab {
namespace {

TraceLog Parse(const std::string& text) {
  TraceParseError err;
  auto log = ParseTraceLog(text, &err);
  EXPECT_TRUE(log) << "line " << err.line << ": " << err.message;
  return log ? *log : TraceLog{};
}

TEST(TraceParser, Node20LinesVerbatim) {
  // node20-observed §7, with program output and verbose lines between them.
  const std::string text =
      "# a_churn starting\n"
      "[11075:0xe639ca0]       52 ms: Scavenge 4.1 (4.2) -> 3.3 (5.2) MB, 5.73 / 0.00 ms  (average "
      "mu = 1.000, current mu = 1.000) allocation failure; \n"
      "[11921:0x23047d40] Memory allocator,       used:   5352 KB, available: 4238104 KB\n"
      "[11947:0x39644d40]      437 ms: [HeapController] factor 4.0 based on mu=0.970, "
      "speed_ratio=0 (gc=0, mutator=262519)\n"
      "(node:123) Warning: something\n"
      "[12038:0x21c7cd70]     2590 ms: Scavenge 61.4 (81.5) -> 59.9 (90.5) MB, 27.45 / 0.00 ms  "
      "(average mu = 0.935, current mu = 0.940) task; \n"
      "[11738:0x1b397d40]     1756 ms: Scavenge (reduce) 227.6 (231.4) -> 227.5 (231.4) MB, 8.91 / "
      "0.00 ms  (average mu = 0.584, current mu = 0.522) allocation failure; \n"
      "[11166:0x13843ca0]      325 ms: Mark-Compact 33.5 (64.3) -> 31.1 (64.5) MB, 5.31 / 0.00 ms  "
      "(+ 1.1 ms in 15 steps since start of marking, biggest step 0.2 ms, walltime since start of "
      "marking 34 ms) (average mu = 1.000, current mu = 1.000) finalize incremental marking via "
      "task; GC in old space requested\n"
      "[11231:0x36062d40]     1653 ms: Mark-Compact 87.3 (148.7) -> 65.4 (127.0) MB, 78.63 / 0.00 "
      "ms  (average mu = 0.600, current mu = 0.389) task; scavenge might not succeed\n"
      "[11231:0x36062d40]     3262 ms: Mark-Compact (reduce) 97.0 (147.2) -> 73.9 (84.5) MB, 49.62 "
      "/ 0.00 ms  (+ 45.0 ms in 26 steps since start of marking, biggest step 6.5 ms, walltime "
      "since start of marking 130 ms) (average mu = 0.622, current mu = 0.566) finalize "
      "incremental marking via task; GC in old space requested\n"
      "[12194:0x41c40ce0]       49 ms: Minor Mark-Compact 4.1 (4.2) -> 3.8 (4.5) MB, 2.26 / 0.00 "
      "ms  (average mu = 1.000, current mu = 1.000) allocation failure; \n"
      "Shrinking page 0x1234: end 0x5678 -> 0x9abc\n";
  TraceLog log = Parse(text);
  ASSERT_EQ(log.gcs.size(), 7u);
  const TracedGC& s = log.gcs[0];
  EXPECT_EQ(s.line, 2);
  EXPECT_EQ(s.pid, 11075u);
  EXPECT_EQ(s.isolate, 0xe639ca0u);
  EXPECT_EQ(s.time_ms, 52);
  EXPECT_EQ(s.collector, GarbageCollector::kScavenger);
  EXPECT_DOUBLE_EQ(s.before_mb, 4.1);
  EXPECT_DOUBLE_EQ(s.before_committed_mb, 4.2);
  EXPECT_DOUBLE_EQ(s.after_mb, 3.3);
  EXPECT_DOUBLE_EQ(s.after_committed_mb, 5.2);
  EXPECT_DOUBLE_EQ(s.pause_ms, 5.73);
  EXPECT_EQ(s.reason, "allocation failure");
  EXPECT_EQ(s.collector_reason, "");
  EXPECT_EQ(*s.average_mu, 1.0);
  EXPECT_EQ(log.gcs[1].reason, "task");
  EXPECT_TRUE(log.gcs[2].reduce);
  const TracedGC& m = log.gcs[3];
  EXPECT_EQ(m.collector, GarbageCollector::kMarkCompactor);
  EXPECT_TRUE(m.incremental);
  EXPECT_DOUBLE_EQ(m.incremental_ms, 1.1);
  EXPECT_EQ(m.incremental_steps, 15);
  EXPECT_DOUBLE_EQ(m.longest_step_ms, 0.2);
  EXPECT_DOUBLE_EQ(m.marking_walltime_ms, 34);
  EXPECT_EQ(m.reason, "finalize incremental marking via task");
  EXPECT_EQ(m.collector_reason, "GC in old space requested");
  EXPECT_FALSE(log.gcs[4].incremental);
  EXPECT_EQ(log.gcs[4].collector_reason, "scavenge might not succeed");
  EXPECT_DOUBLE_EQ(*log.gcs[4].current_mu, 0.389);
  EXPECT_TRUE(log.gcs[5].reduce && log.gcs[5].incremental);
  EXPECT_TRUE(log.gcs[6].minor_mark_compact);
  EXPECT_EQ(log.skipped_lines, 5);
}

TEST(TraceParser, VerboseSpaceLinesBelongToTheGcBeforeThem) {
  // --trace-gc-verbose prints each space's use after a GC, under its line (node 20 verbatim).
  const std::string text =
      "[1603:0x2626e120]       25 ms: Scavenge 4.0 (5.1) -> 4.0 (5.9) MB, 1.05 / 0.00 ms  "
      "(average mu = 1.000, current mu = 1.000) allocation failure; \n"
      "[1603:0x2626e120] Memory allocator,       used:   6028 KB, available: 4237428 KB\n"
      "[1603:0x2626e120] New space,              used:    214 KB, available:    792 KB, "
      "committed:   2048 KB\n"
      "[1603:0x2626e120] Old space,              used:   3189 KB, available:     48 KB, "
      "committed:   3296 KB\n"
      "[1603:0x2626e120] Large object space,     used:    412 KB, available:      0 KB, "
      "committed:    428 KB\n"
      "[1603:0x2626e120] Code large object space,     used:      0 KB, available:      0 KB, "
      "committed:      0 KB\n"
      "[1603:0x2626e120] Total time spent in GC  : 2.0 ms\n"
      "[77:0x1] New space,              used:    999 KB, available:    792 KB, committed: 2048 KB\n"
      "[1603:0x2626e120]       30 ms: Scavenge 5.0 (6.1) -> 4.7 (8.4) MB, 0.56 / 0.00 ms  "
      "(average mu = 1.000, current mu = 1.000) allocation failure; \n";
  const TraceLog log = Parse(text);
  ASSERT_EQ(log.gcs.size(), 2u);
  const auto& used = log.gcs[0].space_used_kb;
  EXPECT_EQ(used.at("New space"), 214);
  EXPECT_EQ(used.at("Old space"), 3189);
  EXPECT_EQ(used.at("Large object space"), 412);
  EXPECT_EQ(used.at("Code large object space"), 0);
  EXPECT_EQ(used.count("Memory allocator"), 0u);  // not a space
  // Another process's line does not belong to it; the next GC has none of its own.
  EXPECT_TRUE(log.gcs[1].space_used_kb.empty());
  EXPECT_EQ(log.skipped_lines, 7);
}

TEST(TraceParser, StopsAtLastFewGCsAndKeepsTheFatalMessage) {
  const std::string text =
      "[6650:0x140008000]    28000 ms: Scavenge 2030.0 (2080.0) -> 2029.0 (2081.0) MB, 12.00 / "
      "0.00 ms  (average mu = 0.197, current mu = 0.122) allocation failure; \n"
      "[6650:0x140008000]    28117 ms: Mark-Compact (reduce) 2034.1 (2085.4) -> 2034.1 (2085.7) "
      "MB, 817.29 / 0.00 ms  (average mu = 0.197, current mu = 0.122) allocation failure; GC in "
      "old space requested\n"
      "\n<--- Last few GCs --->\n\n"
      "[6650:0x140008000]    28117 ms: Mark-Compact (reduce) 2034.1 (2085.4) -> 2034.1 (2085.7) "
      "MB, 817.29 / 0.00 ms  (average mu = 0.197, current mu = 0.122) allocation failure; GC in "
      "old space requested[6650:0x1400\n"
      "\n<--- JS stacktrace --->\n\n"
      "FATAL ERROR: Reached heap limit Allocation failed - JavaScript heap out of memory\n"
      " 1: node::OOMErrorHandler(char const*, v8::OOMDetails const&)\n";
  TraceLog log = Parse(text);
  EXPECT_EQ(log.gcs.size(), 2u);
  ASSERT_TRUE(log.fatal_message);
  EXPECT_EQ(*log.fatal_message,
            "FATAL ERROR: Reached heap limit Allocation failed - JavaScript heap out of memory");
  EXPECT_EQ(log.fatal_line, 10);
}

TEST(TraceParser, OlderNodeFormats) {
  const std::string text =
      "[3956:0x4b6bc20]       94 ms: Mark-sweep 8.2 (12.8) -> 7.7 (15.5) MB, 5.4 / 0.0 ms  (+ 1.4 "
      "ms in 2 steps since start of marking, biggest step 1.4 ms, walltime since start of marking "
      "8 ms) (average mu = 1.000, current mu = 1.000) finalize incremental marking via stack guard "
      "GC in old space requested\n"
      "[1234:0x2f4bc90]      123 ms: Scavenge 2.3 (4.1) -> 2.0 (5.1) MB, 1.2 / 0.0 ms  allocation "
      "failure \n";
  TraceLog log = Parse(text);
  ASSERT_EQ(log.gcs.size(), 2u);
  EXPECT_EQ(log.gcs[0].collector, GarbageCollector::kMarkCompactor);
  EXPECT_EQ(log.gcs[0].reason, "finalize incremental marking via stack guard");
  EXPECT_EQ(log.gcs[0].collector_reason, "GC in old space requested");
  EXPECT_DOUBLE_EQ(log.gcs[0].pause_ms, 5.4);
  EXPECT_FALSE(log.gcs[1].average_mu.has_value());
  EXPECT_EQ(log.gcs[1].reason, "allocation failure");
}

// Newer node (V8 12+) and Windows: "pooled: N MB", "(interleaved)" and "(during sweeping)"
// qualifiers, and an isolate address printed without "0x" (lines as node 22 prints them).
TEST(TraceParser, NewerNodeAndWindowsLines) {
  const std::string text =
      "[116552:0x3a4a2000]   350628 ms: Scavenge 520.0 (556.6) -> 488.8 (556.9) MB, pooled: 48 "
      "MB, 8.69 / 4.92 ms  (average mu = 0.992, current mu = 0.998) allocation failure;\n"
      "[6628:0000013B784AD000]     3272 ms: Scavenge (interleaved) 71.6 (105.7) -> 62.8 (183.0) "
      "MB, pooled: 0 MB, 34.04 / 0.00 ms  (average mu = 0.972, current mu = 0.972) allocation "
      "failure; \n"
      "[26458:0xacd40c000] 155966399 ms: Scavenge (during sweeping) 2024.9 (2051.5) -> 2024.8 "
      "(2053.0) MB, pooled: 2.5 MB, 4.08 / 0.00 ms (average mu = 0.377, current mu = 0.413) "
      "allocation failure; \n"
      "[116552:0x3a4a2000]   352551 ms: Mark-Compact (reduce) 1010.7 (1072.5) -> 957.4 (1001.0) "
      "MB, pooled: 0 MB, 45.39 / 4.16 ms  (+ 0.1 ms in 2 steps since start of marking, biggest "
      "step 0.1 ms, walltime since start of marking 10 ms) (average mu = 0.992, current mu = "
      "0.998) finalize incremental marking via task; GC in old space requested\n";
  TraceLog log = Parse(text);
  ASSERT_EQ(log.gcs.size(), 4u);
  EXPECT_DOUBLE_EQ(log.gcs[0].before_mb, 520.0);
  EXPECT_DOUBLE_EQ(log.gcs[0].pause_ms, 8.69);
  EXPECT_EQ(log.gcs[1].pid, 6628u);
  EXPECT_EQ(log.gcs[1].isolate, 0x0000013B784AD000u);
  EXPECT_DOUBLE_EQ(log.gcs[1].after_committed_mb, 183.0);
  EXPECT_EQ(log.gcs[2].collector, GarbageCollector::kScavenger);
  EXPECT_DOUBLE_EQ(log.gcs[2].time_ms, 155966399);
  EXPECT_DOUBLE_EQ(log.gcs[2].pause_ms, 4.08);
  EXPECT_EQ(log.gcs[3].collector, GarbageCollector::kMarkCompactor);
  EXPECT_TRUE(log.gcs[3].reduce);
  EXPECT_EQ(log.gcs[3].incremental_steps, 2);
  EXPECT_EQ(log.gcs[3].collector_reason, "GC in old space requested");
  // What a log collector puts before each line, brackets and all.
  TraceLog shipped = Parse(
      "2026-12-05T10:00:00.123Z [api-7f9c] stdout [1234:0x5a5a000]       57 ms: Scavenge 4.0 "
      "(4.3) -> 3.4 (5.3) MB, 0.50 / 0.00 ms  (average mu = 1.000, current mu = 1.000) task; \n");
  ASSERT_EQ(shipped.gcs.size(), 1u);
  EXPECT_EQ(shipped.gcs[0].pid, 1234u);
  EXPECT_DOUBLE_EQ(shipped.gcs[0].time_ms, 57);
}

TEST(TraceParser, NvpLines) {
  const std::string text =
      "[11843:0x32bc2c60]       52 ms: pause=4.4 mutator=42.2 gc=s reduce_memory=0 "
      "time_to_safepoint=0.00 scavenge=3.24 total_size_before=4339240 total_size_after=4135168 "
      "promoted=0 new_space_survived=661976 promotion_ratio=0.0%\n";
  TraceLog log = Parse(text);
  ASSERT_EQ(log.gcs.size(), 1u);
  EXPECT_EQ(log.gcs[0].collector, GarbageCollector::kScavenger);
  EXPECT_DOUBLE_EQ(log.gcs[0].pause_ms, 4.4);
  EXPECT_EQ(log.gcs[0].nvp.at("new_space_survived"), "661976");
  EXPECT_NEAR(log.gcs[0].before_mb, 4339240 / 1048576.0, 1e-9);
}

TEST(TraceParser, MalformedLineNamesItsLine) {
  TraceParseError err;
  EXPECT_FALSE(
      ParseTraceLog("hello\n[1:0x2]    5 ms: Scavenge 4.1 (4.2) -> 3.3 (5.2) MB, 5.73 / 0.00 ms  "
                    "(average mu = 1.000, current mu = 1.000) allocation failure; \n"
                    "[1:0x2]    6 ms: Scavenge 4.1 (4.2) -> oops\n",
                    &err));
  EXPECT_EQ(err.line, 3);
  EXPECT_NE(err.message.find("malformed GC line"), std::string::npos);
  EXPECT_FALSE(ParseTraceLog("[1:0x2]    6 ms: pause=abc gc=s\n", &err));
  EXPECT_EQ(err.line, 1);
  EXPECT_FALSE(ParseTraceLog(
      "[1:0x2]    6 ms: Mark-Compact 1.0 (2.0) -> 1.0 (2.0) MB, 1.00 / 0.00 ms  (+ 1.0 ms in\n",
      &err));
}

TEST(TraceParser, ReadsWhatTheFormatterWrites) {
  GCEvent e;
  e.collector = GarbageCollector::kMarkCompactor;
  e.start_ms = 100;
  e.pause_ms = 12.34;
  e.before[1] = SpaceStats{40 * 1048576, 64 * 1048576, 0};
  e.after[1] = SpaceStats{20 * 1048576, 48 * 1048576, 0};
  e.incremental = true;
  e.incremental_ms = 3.2;
  e.incremental_steps = 7;
  e.marking_walltime_ms = 50;
  e.reason = GarbageCollectionReason::kFinalizeMarkingViaStackGuard;
  e.collector_reason = CollectorReason::kOldSpaceRequested;
  TraceLog log = Parse(FormatTraceGCLine(e, TraceContext{}) + "\n" +
                       FormatTraceGCNvpLine(e, TraceContext{}) + "\n");
  ASSERT_EQ(log.gcs.size(), 2u);
  EXPECT_DOUBLE_EQ(log.gcs[0].pause_ms, 12.34);
  EXPECT_DOUBLE_EQ(log.gcs[0].before_mb, 40);
  EXPECT_EQ(log.gcs[0].incremental_steps, 7);
  EXPECT_EQ(log.gcs[0].reason, "finalize incremental marking via stack guard");
  EXPECT_EQ(log.gcs[1].collector, GarbageCollector::kMarkCompactor);
  // Both lines give the wall time from the start of marking to the end of the pause.
  EXPECT_DOUBLE_EQ(log.gcs[0].marking_walltime_ms, 50);
  EXPECT_DOUBLE_EQ(log.gcs[1].marking_walltime_ms, 50);
  EXPECT_EQ(log.gcs[1].incremental_steps, 7);
  EXPECT_DOUBLE_EQ(log.gcs[1].incremental_ms, 3.2);
}

TEST(TraceParser, NvpMarkingWallTimeIncludesThePause) {
  // Node 20's nvp line after a scavenge that ended at 809 ms: marking started then, and the
  // pause of 40.9 ms ended at 892 ms, so incremental_walltime_duration (83) covers both
  // (GCTracer::PrintNVP: end_time - incremental_marking_start_time).
  TraceLog log = Parse(
      "[8876:0x33875120]      892 ms: pause=40.9 mutator=42.1 gc=mc reduce_memory=0 "
      "mark=37.1 incremental=35.5 incremental_longest_step=3.5 incremental_steps_count=71 "
      "incremental_walltime_duration=83 background.mark=31.6 total_size_before=47815065\n");
  ASSERT_EQ(log.gcs.size(), 1u);
  EXPECT_TRUE(log.gcs[0].incremental);
  EXPECT_DOUBLE_EQ(log.gcs[0].marking_walltime_ms, 83);
  EXPECT_DOUBLE_EQ(log.gcs[0].longest_step_ms, 3.5);
}

TEST(TraceParser, RealNodeTrace) {
  // The ground truth: this machine's node, when it has one.
  if (std::system("command -v node >/dev/null 2>&1") != 0) GTEST_SKIP() << "node is not on PATH";
  const std::string script = "/tmp/heaplab-parser-test.js";
  {
    std::ofstream js(script);
    js << "const keep = []; for (let i = 0; i < 300000; i++) { const o = {a: i, b: [i]}; "
          "if (i % 50 === 0) keep.push(o); } console.log('done', keep.length);\n";
  }
  FILE* p = popen(("node --trace-gc --max-semi-space-size=1 " + script + " 2>&1").c_str(), "r");
  ASSERT_NE(p, nullptr);
  std::string out;
  std::array<char, 4096> buf;
  std::size_t n;
  while ((n = fread(buf.data(), 1, buf.size(), p)) > 0)
    out.append(buf.data(), n);
  pclose(p);
  TraceLog log = Parse(out);
  EXPECT_GE(log.gcs.size(), 3u) << out;
  EXPECT_GE(log.skipped_lines, 1);  // the program's own "done" line
  for (const auto& gc : log.gcs) {
    EXPECT_GT(gc.before_committed_mb, 0);
    EXPECT_FALSE(gc.reason.empty());
  }
}

}  // namespace
}  // namespace heaplab
