// Workloads derived from GC logs (sim/log-workload.h): the fit on logs whose program is known.
#include <gtest/gtest.h>

#include <string>

#include "sim/log-workload.h"
#include "sim/trace-parser.h"

namespace heaplab {
namespace {

TracedGC Gc(double t_ms,
            GarbageCollector c,
            double before_mb,
            double after_mb,
            std::uint32_t pid = 7) {
  TracedGC g;
  g.pid = pid;
  g.isolate = 1;
  g.time_ms = t_ms;
  g.collector = c;
  g.before_mb = before_mb;
  g.after_mb = after_mb;
  return g;
}

// A program that allocates 1 MB every 100 ms, keeps 0.2 MB of each interval in new space for
// one scavenge and promotes 0.1 MB of it; every 2 s a mark-compact finds the live heap 1 MB
// higher than 2 s before (a leak of 0.5 MB/s).
TraceLog SteadyLeakLog(std::uint32_t pid = 7) {
  TraceLog log;
  double old_mb = 3.0, copied_mb = 0.2;
  for (int i = 1; i <= 100; ++i) {
    const double t = 100.0 * i;
    const double before = old_mb + copied_mb + 1.0;
    old_mb += 0.1;
    log.gcs.push_back(Gc(t, GarbageCollector::kScavenger, before, old_mb + copied_mb, pid));
    if (i % 20 == 0) {
      const double live = 3.0 + 0.5 * t / 1000;
      log.gcs.push_back(Gc(t + 2, GarbageCollector::kMarkCompactor, old_mb + copied_mb, live, pid));
      old_mb = live;
      copied_mb = 0;
      // The next scavenge starts from an empty new space; it copies 0.2 MB again.
      copied_mb = 0.2;
      old_mb -= 0.2;
    }
  }
  return log;
}

TEST(LogWorkload, ASteadyLeakGivesItsRateAndShares) {
  DerivedWorkload w;
  ASSERT_FALSE(DeriveWorkload(SteadyLeakLog(), &w));
  EXPECT_EQ(w.scavenges, 100u);
  EXPECT_EQ(w.mark_compacts, 5u);
  EXPECT_FALSE(w.used_nvp);
  EXPECT_NEAR(w.duration_ms, 10003, 1);
  ASSERT_FALSE(w.phases.empty());
  // Away from the ends: 1 MB per 100 ms, a twentieth of it leaked.
  for (double t : {2600.0, 4100.0, 5500.0, 7300.0}) {
    const DerivedPhase* p = &w.phases.back();
    for (const DerivedPhase& q : w.phases)
      if (t < q.until_ms) {
        p = &q;
        break;
      }
    EXPECT_NEAR(p->allocation_bytes_per_ms, 1048576.0 / 100, 0.1 * 1048576.0 / 100) << t;
    EXPECT_NEAR(p->leak_share, 0.5 * 1048576 / 1000 / (1048576.0 / 100), 0.01) << t;
    EXPECT_GT(p->mid_share, 0) << t;
    EXPECT_LE(p->leak_share + p->mid_share, 1.0);
  }
  EXPECT_DOUBLE_EQ(w.phases.back().until_ms, w.duration_ms);
}

TEST(LogWorkload, TooFewScavengesSayWhy) {
  TraceLog log;
  log.gcs.push_back(Gc(10, GarbageCollector::kScavenger, 4, 3));
  log.gcs.push_back(Gc(20, GarbageCollector::kScavenger, 4, 3));
  DerivedWorkload w;
  auto err = DeriveWorkload(log, &w);
  ASSERT_TRUE(err);
  EXPECT_NE(err->find("2 scavenges"), std::string::npos) << *err;
  EXPECT_TRUE(DeriveWorkload(TraceLog{}, &w));
}

TEST(LogWorkload, TimesThatGoBackAreTwoRunsInOneLog) {
  TraceLog log = SteadyLeakLog();
  TraceLog second = SteadyLeakLog();
  for (TracedGC& g : second.gcs)
    g.line = 500;
  log.gcs.insert(log.gcs.end(), second.gcs.begin(), second.gcs.end());
  DerivedWorkload w;
  auto err = DeriveWorkload(log, &w);
  ASSERT_TRUE(err);
  EXPECT_NE(err->find("line 500: the GC times go back"), std::string::npos) << *err;
}

TEST(LogWorkload, TheBusiestIsolateIsUsedAndNamed) {
  TraceLog log = SteadyLeakLog(7);
  log.gcs.push_back(Gc(50, GarbageCollector::kScavenger, 2, 1, 99));
  DerivedWorkload w;
  ASSERT_FALSE(DeriveWorkload(log, &w));
  EXPECT_EQ(w.pid, 7u);
  EXPECT_EQ(w.scavenges, 100u);
  bool named = false;
  for (const std::string& n : w.notes)
    named = named || n.find("2 isolates") != std::string::npos;
  EXPECT_TRUE(named);
}

TEST(LogWorkload, AnOutOfMemoryLogRunsOnPastItsEnd) {
  TraceLog log = SteadyLeakLog();
  log.fatal_message =
      "FATAL ERROR: Reached heap limit Allocation failed - JavaScript heap out of memory";
  DerivedWorkload w;
  ASSERT_FALSE(DeriveWorkload(log, &w));
  EXPECT_TRUE(w.log_ended_out_of_memory);
  EXPECT_NEAR(w.duration_ms, 1.5 * 10003, 1);
  EXPECT_DOUBLE_EQ(w.phases.back().until_ms, w.duration_ms);
  const std::string script = DerivedWorkloadScript(w, "oom.log");
  EXPECT_NE(script.find("// The log ended: FATAL ERROR: Reached heap limit"), std::string::npos);
  // The largest heap a GC started with: the last scavenge's, 6.8 + 19 x 0.1 MB of old
  // generation (the 7 MB the mark-compact at 8 s left, less the 0.2 MB of copies), 0.2 MB of
  // copies and 1 MB allocated.
  EXPECT_NEAR(w.peak_heap_mb, 9.9, 0.01);
  EXPECT_NE(script.find("// Its heap reached 9.9 MB: run this with the --max-old-space-size"),
            std::string::npos)
      << script;
}

TEST(LogWorkload, NvpFieldsGiveAllocationAndPromotionExactly) {
  TraceLog log = SteadyLeakLog();
  for (TracedGC& g : log.gcs) {
    g.nvp["allocated"] = "2097152";  // 2 MB per interval, whatever the sizes say
    g.nvp["promoted"] = "0";
  }
  DerivedWorkload w;
  ASSERT_FALSE(DeriveWorkload(log, &w));
  EXPECT_TRUE(w.used_nvp);
  EXPECT_NEAR(w.allocated_mb, 2.0 * 104, 0.01);
}

TEST(LogWorkload, AnNvpLogsReplayRunsAtTheLogsOwnScavengeSpeeds) {
  // Scavenge pauses of 0.3 ms + copied / 600 KB/ms + promoted / 900 KB/ms, on one thread:
  // the replay suggests those speeds, so node's speed-dependent heuristics see the log's
  // machine. A log without nvp fields carries none.
  TraceLog log = SteadyLeakLog();
  int i = 0;
  for (TracedGC& g : log.gcs) {
    const double copied = 100000.0 + 5000.0 * (i % 17), promoted = 50000.0 + 7000.0 * (i % 5);
    ++i;
    const double pause = 0.3 + copied / 6e5 + promoted / 9e5;
    g.nvp["pause"] = std::to_string(pause);
    g.nvp["new_space_survived"] = std::to_string(copied);
    g.nvp["promoted"] = std::to_string(promoted);
    g.nvp["scavenge.parallel"] = std::to_string(pause - 0.3);
    g.nvp["background.scavenge.parallel"] = "0";
    g.pause_ms = pause;
  }
  DerivedWorkload w;
  ASSERT_FALSE(DeriveWorkload(log, &w));
  ASSERT_EQ(w.speed_flags.size(), 4u);
  // The value of flag `at`, which must be `prefix` followed by a number (the log's pauses are
  // written to a millionth of a ms, so the fit is exact to about that).
  auto value = [&](std::size_t at, const std::string& prefix) {
    EXPECT_EQ(w.speed_flags[at].rfind(prefix, 0), 0u) << w.speed_flags[at];
    return std::stod(w.speed_flags[at].substr(prefix.size()));
  };
  EXPECT_NEAR(value(0, "--scavenge-fixed-ms="), 0.3, 1e-4);
  EXPECT_NEAR(value(1, "--scavenge-copy-speed="), 6e5, 6e5 * 1e-4);
  EXPECT_NEAR(value(2, "--scavenge-promote-speed="), 9e5, 9e5 * 1e-4);
  EXPECT_EQ(w.speed_flags[3], "--scavenge-object-speed=1e+12");  // no objects in a log
  const std::string script = DerivedWorkloadScript(w, "service.log");
  EXPECT_NE(script.find("flags: [\"" + w.speed_flags[0] + "\", \"" + w.speed_flags[1] + "\""),
            std::string::npos)
      << script;
  DerivedWorkload plain;
  ASSERT_FALSE(DeriveWorkload(SteadyLeakLog(), &plain));
  EXPECT_TRUE(plain.speed_flags.empty());
  EXPECT_NE(DerivedWorkloadScript(plain, "service.log").find("flags: [],"), std::string::npos);
}

TEST(LogWorkload, TheScriptListsEveryPhase) {
  DerivedWorkload w;
  ASSERT_FALSE(DeriveWorkload(SteadyLeakLog(), &w));
  const std::string script = DerivedWorkloadScript(w, "service.log");
  EXPECT_NE(script.find("workload({"), std::string::npos);
  EXPECT_NE(script.find("Derived from the GC log service.log"), std::string::npos);
  std::size_t rows = 0;
  for (std::size_t at = script.find("{ until: "); at != std::string::npos;
       at = script.find("{ until: ", at + 1))
    ++rows;
  EXPECT_EQ(rows, w.phases.size());
  // No pretenuring of the replay's own: its young objects are strings.
  EXPECT_NE(script.find("kind: \"string\", site: \"mid-lived\""), std::string::npos);
}

}  // namespace
}  // namespace heaplab
