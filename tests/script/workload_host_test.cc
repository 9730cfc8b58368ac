// The script host's stop request: a run stopped from another thread ends cleanly (no error, a
// consistent heap) wherever the script was, in an API call or in pure JavaScript.
#include <gtest/gtest.h>

#include <QCoreApplication>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <mutex>
#include <random>
#include <thread>

#include "sim/heap-verifier.h"
#include "sim/heap.h"
#include "sim/script/workload-host.h"

namespace heaplab {
namespace {

// Allocates without end, so only a stop (or the duration) ends it.
constexpr const char* kBusyScript = R"(workload({ durationMs: 1e9 });
sim.requests({
  rate: 1000,
  handler: () => {
    heap.allocMany({ count: 50, size: { min: 32, max: 256 }, slots: 2, shape: "list", lifetime: { mean: 50 } });
    sim.work(0.2);
  },
});
)";

WorkloadOptions InlineScript(const char* source, double watchdog_seconds = 10) {
  WorkloadOptions o;
  o.path = "inline.js";
  o.source_text = source;
  o.watchdog_seconds = watchdog_seconds;
  return o;
}

// Blocks in the first GC event until released, the way the GUI's paused worker does.
class BlockingSink : public HeapSink {
 public:
  void OnGCEvent(const GCEvent&) override {
    std::unique_lock<std::mutex> lock(mutex_);
    blocked_ = true;
    cv_.notify_all();
    cv_.wait(lock, [&] { return released_; });
  }
  void WaitUntilBlocked() {
    std::unique_lock<std::mutex> lock(mutex_);
    cv_.wait(lock, [&] { return blocked_; });
  }
  void Release() {
    std::lock_guard<std::mutex> lock(mutex_);
    released_ = true;
    cv_.notify_all();
  }

 private:
  std::mutex mutex_;
  std::condition_variable cv_;
  bool blocked_ = false;
  bool released_ = false;
};

// An error names its file, and its line and column where it has them, as compilers do: a file
// that cannot be read has neither ("missing.js: cannot read workload", not "missing.js:0:0").
TEST(WorkloadError, NamesTheFileAndTheLineAndColumnItHas) {
  EXPECT_EQ((WorkloadError{"w.js", 3, 7, "SyntaxError"}.ToString()), "w.js:3:7: SyntaxError");
  EXPECT_EQ((WorkloadError{"w.js", 3, 0, "too late"}.ToString()), "w.js:3: too late");
  EXPECT_EQ((WorkloadError{"missing.js", 0, 0, "cannot read workload"}.ToString()),
            "missing.js: cannot read workload");
}

TEST(WorkloadHostStop, StopWhileBlockedInAnApiCallEndsTheRunCleanly) {
  WorkloadHost host(InlineScript(kBusyScript));
  ASSERT_FALSE(host.Load());
  Heap heap{HeapFlags{}};
  BlockingSink sink;
  heap.set_sink(&sink);
  std::thread stopper([&] {
    sink.WaitUntilBlocked();
    host.RequestStop();
    sink.Release();
  });
  WorkloadResult r = host.Run(heap);
  stopper.join();
  EXPECT_TRUE(r.stopped);
  EXPECT_FALSE(r.error) << r.error->ToString();
  EXPECT_FALSE(r.out_of_memory);
  EXPECT_EQ(heap.scavenge_count(), 1u) << "the run went on past the stop";
  EXPECT_EQ(HeapVerifier(heap).Verify(), std::vector<std::string>{});
}

TEST(WorkloadHostStop, StopInPureJavaScriptInterruptsIt) {
  // No API call ever returns to see the stop, and no watchdog: the stop interrupts the engine.
  WorkloadHost host(InlineScript("workload({});\nlet x = 0;\nfor (;;) { x = (x + 1) % 7; }\n", 0));
  ASSERT_FALSE(host.Load());
  Heap heap{HeapFlags{}};
  std::thread stopper([&] {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    host.RequestStop();
  });
  WorkloadResult r = host.Run(heap);
  stopper.join();
  EXPECT_TRUE(r.stopped);
  EXPECT_FALSE(r.error) << r.error->ToString();
}

TEST(WorkloadHostStop, WatchdogEndsALoopOfApiCallsAtTheCall) {
  // sim.random() makes no simulated progress; the watchdog's exception lands in the call.
  WorkloadHost host(
      InlineScript("workload({});\nlet x = 0;\nfor (;;) {\n  x += sim.random();\n}\n", 1));
  ASSERT_FALSE(host.Load());
  Heap heap{HeapFlags{}};
  WorkloadResult r = host.Run(heap);
  EXPECT_FALSE(r.stopped);
  ASSERT_TRUE(r.error);
  EXPECT_EQ(r.error->line, 4);
  EXPECT_NE(r.error->message.find("no simulated progress for 1 s"), std::string::npos)
      << r.error->message;
}

TEST(WorkloadHostStop, StopBeforeRunRunsNothing) {
  WorkloadHost host(InlineScript(kBusyScript));
  ASSERT_FALSE(host.Load());
  host.RequestStop();
  Heap heap{HeapFlags{}};
  WorkloadResult r = host.Run(heap);
  EXPECT_TRUE(r.stopped);
  EXPECT_EQ(r.callbacks_run, 0u);
  EXPECT_EQ(heap.scavenge_count(), 0u);
}

TEST(WorkloadHostStop, StopsAtRandomMomentsNeverFailOrCorrupt) {
  // The GUI stops runs at any moment (Reset, a new workload, closing the window). An interrupt
  // raised while native code ran once crashed QV4's JIT about one stop in forty.
  std::mt19937 rng(7);
  for (int i = 0; i < 100; ++i) {
    WorkloadHost host(InlineScript(kBusyScript));
    ASSERT_FALSE(host.Load());
    Heap heap{HeapFlags{}};
    const auto delay = std::chrono::microseconds(std::uniform_int_distribution<int>(0, 60000)(rng));
    std::thread stopper([&] {
      std::this_thread::sleep_for(delay);
      host.RequestStop();
    });
    WorkloadResult r = host.Run(heap);
    stopper.join();
    EXPECT_TRUE(r.stopped) << "run " << i;
    EXPECT_FALSE(r.error) << "run " << i << ": " << r.error->ToString();
    EXPECT_EQ(HeapVerifier(heap).Verify(), std::vector<std::string>{}) << "run " << i;
  }
}

TEST(WorkloadHostTwin, ObjectsHaveTheTwinsSizes) {
  // The twin makes a plain object of floor((size - 24) / 8) fields (at least its slots), an
  // array of floor((size - 48) / 8) elements, a string of size - 16 characters.
  WorkloadHost host(InlineScript(R"(workload({});
const want = (o, n) => { if (o.size !== n) throw new Error("size " + o.size + ", want " + n); };
want(heap.alloc(100), 96);
want(heap.alloc(48, { slots: 4 }), 56);
want(heap.alloc(20), 24);
want(heap.alloc(100, { kind: "array" }), 96);
want(heap.alloc(40, { kind: "array", slots: 4 }), 80);
want(heap.alloc(100, { kind: "string" }), 104);
want(heap.alloc(200003), 200000);
const a = heap.allocMany({ count: 3, size: 64, shape: "array" });
want(a, 48 + 3 * 8);
)"));
  ASSERT_FALSE(host.Load());
  Heap heap{HeapFlags{}};
  WorkloadResult r = host.Run(heap);
  EXPECT_FALSE(r.error) << r.error->ToString();
}

class RecordingSink : public HeapSink {
 public:
  void OnGCEvent(const GCEvent& e) override { events.push_back(e); }
  std::vector<GCEvent> events;
};

// The first scavenge of 120 requests of 100 64-byte objects each from one literal factory, whose
// 3550th call comes in the 36th request.
GCEvent FirstScavenge(bool optimizing_compiles) {
  WorkloadHost host(InlineScript(R"(workload({});
sim.requests({ rate: 100, count: 120, handler: () => {
  heap.allocMany({ count: 100, size: 64, site: "s" });
} });
)"));
  EXPECT_FALSE(host.Load());
  HeapFlags f;
  f.max_semi_space_size = 1;
  f.optimizing_compiles = optimizing_compiles;
  Heap heap{f};
  RecordingSink sink;
  heap.set_sink(&sink);
  WorkloadResult r = host.Run(heap);
  EXPECT_FALSE(r.error) << r.error->ToString();
  EXPECT_FALSE(sink.events.empty());
  return sink.events.empty() ? GCEvent{} : sink.events.front();
}

TEST(WorkloadHostTwin, ALiteralFactorysOptimizingCompileDelaysTheTaskScavenge) {
  // The compile publishes new space's pending bytes: the minor-GC task's observer never counts
  // them, and its task scavenges that much later (at most a page's worth).
  const GCEvent off = FirstScavenge(false);
  const GCEvent on = FirstScavenge(true);
  EXPECT_EQ(off.reason, GarbageCollectionReason::kTask);
  EXPECT_EQ(on.reason, GarbageCollectionReason::kTask);
  const std::size_t before_off = YoungGenerationBytes(off.before);
  const std::size_t before_on = YoungGenerationBytes(on.before);
  EXPECT_GT(before_on, before_off + 16 * KB);
  EXPECT_LT(before_on, before_off + kPageAreaSize);
}

}  // namespace
}  // namespace heaplab

int main(int argc, char** argv) {
  QCoreApplication app(argc, argv);
  ::testing::InitGoogleTest(&argc, argv);
  return RUN_ALL_TESTS();
}
