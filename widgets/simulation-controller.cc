#include "widgets/simulation-controller.h"

#include <chrono>

#include "sim/calibration.h"
#include "sim/heap.h"
#include "sim/report.h"
#include "sim/trace-format.h"

namespace heaplab {

// What the worker and the GUI share. Everything is guarded by `mutex`.
struct SimulationController::Shared {
  std::mutex mutex;
  std::condition_variable cv;
  std::vector<GCEvent> events;      // not yet drained
  std::vector<HeapSample> samples;  // not yet drained
  std::vector<std::string>
      trace;  // V8 trace lines (the GC lines and other tracing), not yet drained
  std::optional<OutOfMemoryEvent> oom;
  std::optional<WorkloadError> error;
  std::deque<GCEvent> last_events;  // V8's "last few GCs", formatted only when shown
  bool paused = false;
  bool step_pending = false;  // pause after the next GC
  bool stop = false;
  bool finished = false;
  double speed = 0;
  WorkloadHost* host = nullptr;
  bool snapshot_wanted = false;                  // the heap map asked for a picture
  std::shared_ptr<const HeapSnapshot> snapshot;  // taken, not yet drained
};

namespace {
// Live heap maps draw a big heap page by page.
constexpr std::size_t kLiveDetailedObjects = 50000;
}  // namespace

namespace {

// The worker's sink: buffers everything, pauses after a GC when stepping, blocks while paused,
// and paces simulated time against the wall clock.
class BufferSink : public HeapSink {
 public:
  BufferSink(SimulationController::Shared* shared, const Heap* heap)
      : s_(shared), heap_(heap), trace_(TraceOptionsFor(*heap)) {
    trace_.trace_gc = true;  // the V8 trace tab shows every GC's line
    wall_start_ = std::chrono::steady_clock::now();
  }
  void OnGCEvent(const GCEvent& e) override {
    std::unique_lock<std::mutex> lock(s_->mutex);
    if (s_->snapshot_wanted) TakeSnapshot(lock);
    WaitForRoom(lock);
    s_->events.push_back(e);
    // What heaplab-cli would print for it, without the text's last newline (the tab adds one).
    std::string text = FormatGCEventTrace(e, trace_, FormatTraceGCLine(e, trace_.context));
    text.pop_back();
    s_->trace.push_back(std::move(text));
    s_->last_events.push_back(e);
    if (s_->last_events.size() > 8) s_->last_events.pop_front();
    if (s_->step_pending) {
      s_->step_pending = false;
      s_->paused = true;
    }
    WaitWhilePaused(lock, e.end_ms());
  }
  void OnSample(const HeapSample& smp) override {
    std::unique_lock<std::mutex> lock(s_->mutex);
    if (s_->snapshot_wanted) TakeSnapshot(lock);
    WaitForRoom(lock);
    s_->samples.push_back(smp);
    WaitWhilePaused(lock, smp.time_ms);
    if (s_->speed > 0 && !s_->stop) {
      // Simulated time runs at `speed` times the wall clock.
      const auto due =
          wall_start_ +
          std::chrono::duration_cast<std::chrono::steady_clock::duration>(
              std::chrono::duration<double, std::milli>((smp.time_ms - sim_start_ms_) / s_->speed));
      s_->cv.wait_until(lock, due, [&] { return s_->stop || s_->paused; });
      WaitWhilePaused(lock, smp.time_ms);
    }
  }
  void OnTraceMessage(const TraceMessage& m) override {
    std::unique_lock<std::mutex> lock(s_->mutex);
    WaitForRoom(lock);
    s_->trace.push_back(FormatTraceMessage(m, trace_.context));
  }
  void OnOutOfMemory(const OutOfMemoryEvent& e) override {
    std::lock_guard<std::mutex> lock(s_->mutex);
    s_->oom = e;
  }

 private:
  // Back-pressure: when the GUI has not taken the last batches yet, the simulation waits, so
  // the window stays responsive and the buffer bounded even "as fast as possible".
  void WaitForRoom(std::unique_lock<std::mutex>& lock) {
    s_->cv.wait(lock, [&] {
      return s_->stop || (s_->events.size() < kBacklog && s_->samples.size() < kBacklog &&
                          s_->trace.size() < kTraceBacklog);
    });
  }
  static constexpr std::size_t kBacklog = 8000;
  static constexpr std::size_t kTraceBacklog = 4 * kBacklog;  // several lines per step
  // Takes the picture the heap map asked for, outside the lock (the GUI keeps draining).
  void TakeSnapshot(std::unique_lock<std::mutex>& lock) {
    s_->snapshot_wanted = false;
    lock.unlock();
    SnapshotOptions options;
    options.max_detailed_objects = kLiveDetailedObjects;
    auto snap = std::make_shared<const HeapSnapshot>(TakeHeapSnapshot(*heap_, options));
    lock.lock();
    s_->snapshot = std::move(snap);
  }
  void WaitWhilePaused(std::unique_lock<std::mutex>& lock, double sim_ms) {
    if (!s_->paused) return;
    for (;;) {
      // A paused run still answers the heap map.
      s_->cv.wait(lock, [&] { return s_->stop || !s_->paused || s_->snapshot_wanted; });
      if (s_->snapshot_wanted && s_->paused && !s_->stop) {
        TakeSnapshot(lock);
        continue;
      }
      break;
    }
    // Pacing restarts from here after a pause.
    wall_start_ = std::chrono::steady_clock::now();
    sim_start_ms_ = sim_ms;
  }
  SimulationController::Shared* s_;
  const Heap* heap_;
  RunRecorder::TraceOptions trace_;
  std::chrono::steady_clock::time_point wall_start_;
  double sim_start_ms_ = 0;
};

}  // namespace

SimulationController::SimulationController(QObject* parent) : QObject(parent) {
  drain_timer_.setInterval(40);
  connect(&drain_timer_, &QTimer::timeout, this, &SimulationController::drain);
}

SimulationController::~SimulationController() {
  stopWorker();
}

void SimulationController::setWorkload(const QString& path, const QString& source) {
  path_ = path;
  source_ = source;
}

void SimulationController::setSpeed(double factor) {
  speed_ = factor;
  if (shared_) {
    std::lock_guard<std::mutex> lock(shared_->mutex);
    shared_->speed = factor;
    shared_->cv.notify_all();
  }
}

void SimulationController::setState(State s) {
  if (state_ == s) return;
  state_ = s;
  Q_EMIT stateChanged(s);
}

void SimulationController::stopWorker() {
  if (shared_) {
    {
      std::lock_guard<std::mutex> lock(shared_->mutex);
      shared_->stop = true;
      shared_->paused = false;
      if (shared_->host) shared_->host->RequestStop();
    }
    shared_->cv.notify_all();
  }
  if (worker_.joinable()) worker_.join();
  drain_timer_.stop();
}

void SimulationController::reset() {
  stopWorker();
  shared_.reset();
  events_.clear();
  samples_.clear();
  last_snapshot_ = nullptr;
  oom_.reset();
  error_.reset();
  last_gc_lines_.clear();
  Q_EMIT dataAppended(0, 0);
  setState(State::kIdle);
}

void SimulationController::loadResults(std::vector<GCEvent> events,
                                       std::vector<HeapSample> samples,
                                       std::optional<OutOfMemoryEvent> oom) {
  reset();
  events_ = std::move(events);
  samples_ = std::move(samples);
  oom_ = std::move(oom);
  last_gc_lines_.clear();
  const std::size_t first = events_.size() > 8 ? events_.size() - 8 : 0;
  for (std::size_t i = first; i < events_.size(); ++i)
    last_gc_lines_.push_back(FormatTraceGCLine(events_[i], TraceContext{}));
  setState(State::kFinished);
  Q_EMIT dataAppended(0, 0);
  if (oom_) Q_EMIT outOfMemoryReached(QString::fromStdString(oom_->message));
}

void SimulationController::start() {
  reset();
  shared_ = std::make_shared<Shared>();
  shared_->speed = speed_;
  WorkloadOptions options;
  options.path = path_.toStdString();
  options.source_text = source_.toStdString();
  options.duration_ms = duration_ms_;
  options.seed = seed_;
  worker_ = std::thread(&SimulationController::workerMain, this, shared_, options, flags_);
  drain_timer_.start();
  setState(State::kRunning);
}

void SimulationController::pause() {
  if (!shared_ || state_ != State::kRunning) return;
  {
    std::lock_guard<std::mutex> lock(shared_->mutex);
    shared_->paused = true;
  }
  shared_->cv.notify_all();
  setState(State::kPaused);
}

void SimulationController::resume() {
  if (!shared_ || state_ != State::kPaused) return;
  {
    std::lock_guard<std::mutex> lock(shared_->mutex);
    shared_->paused = false;
  }
  shared_->cv.notify_all();
  setState(State::kRunning);
}

void SimulationController::stepOneGC() {
  if (!shared_ || state_ == State::kFinished || state_ == State::kIdle) {
    start();
    pause();
  }
  {
    std::lock_guard<std::mutex> lock(shared_->mutex);
    shared_->step_pending = true;
    shared_->paused = false;
  }
  shared_->cv.notify_all();
  setState(State::kRunning);
}

bool SimulationController::waitForFinished(int timeout_ms) {
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
  while (shared_ && state_ != State::kFinished && std::chrono::steady_clock::now() < deadline) {
    {
      std::unique_lock<std::mutex> lock(shared_->mutex);
      shared_->cv.wait_for(lock, std::chrono::milliseconds(20), [&] { return shared_->finished; });
    }
    drain();
  }
  return state_ == State::kFinished;
}

void SimulationController::workerMain(std::shared_ptr<Shared> shared,
                                      WorkloadOptions options,
                                      HeapFlags flags) {
  WorkloadHost host(options);
  auto finish = [&](std::optional<WorkloadError> error) {
    std::lock_guard<std::mutex> lock(shared->mutex);
    shared->error = std::move(error);
    shared->finished = true;
    shared->host = nullptr;
    shared->cv.notify_all();
  };
  if (auto err = host.Load()) return finish(err);
  if (!host.info().suggested_flags.empty()) {
    HeapFlags suggested;
    ParseFlags(suggested, host.info().suggested_flags);
    // The settings panel's values win over the workload's suggestions only where they differ
    // from the defaults it starts from: the flag table's under the calibration profile, as
    // heaplab-cli applies suggestions over the profile (a replayed log's own speeds, say).
    const HeapFlags defaults = CalibratedDefaults();
    for (const FlagInfo& f : AllFlags())
      if (GetFlag(flags, f) == GetFlag(defaults, f)) SetFlag(flags, f, GetFlag(suggested, f));
  }
  {
    std::lock_guard<std::mutex> lock(shared->mutex);
    if (shared->stop) return finish(std::nullopt);
    shared->host = &host;
  }
  Heap heap(flags);
  BufferSink sink(shared.get(), &heap);
  heap.set_sink(&sink);
  WorkloadResult result;
  try {
    result = host.Run(heap);
  } catch (const std::exception& e) {
    return finish(WorkloadError{options.path, 0, 0, std::string("internal error: ") + e.what()});
  }
  // The heap as the run left it, for the heap map.
  SnapshotOptions snapshot_options;
  snapshot_options.max_detailed_objects = kLiveDetailedObjects;
  auto last = std::make_shared<const HeapSnapshot>(TakeHeapSnapshot(heap, snapshot_options));
  {
    std::lock_guard<std::mutex> lock(shared->mutex);
    shared->snapshot = std::move(last);
  }
  finish(result.error);
}

void SimulationController::requestSnapshot() {
  if (!shared_) return;
  {
    std::lock_guard<std::mutex> lock(shared_->mutex);
    if (shared_->finished) return;
    shared_->snapshot_wanted = true;
  }
  shared_->cv.notify_all();
}

void SimulationController::drain() {
  if (!shared_) return;
  const std::size_t first_event = events_.size(), first_sample = samples_.size();
  bool finished = false, paused = false, backlog = false;
  QStringList trace;
  std::shared_ptr<const HeapSnapshot> snapshot;
  std::optional<WorkloadError> error;
  std::optional<OutOfMemoryEvent> oom;
  {
    std::lock_guard<std::mutex> lock(shared_->mutex);
    // Move, then release the lock before anything is drawn.
    // The GUI keeps no phase breakdown (the charts and table do not show it): a long history
    // of events stays small.
    // At most kDrainBatch of each per tick: the GUI thread never takes a long bite.
    const std::size_t ne = std::min(shared_->events.size(), kDrainBatch);
    for (std::size_t i = 0; i < ne; ++i) {
      GCEvent& e = shared_->events[i];
      e.phases.clear();
      e.phases.shrink_to_fit();
      events_.push_back(std::move(e));
    }
    shared_->events.erase(shared_->events.begin(),
                          shared_->events.begin() + static_cast<std::ptrdiff_t>(ne));
    const std::size_t ns = std::min(shared_->samples.size(), kDrainBatch);
    samples_.insert(samples_.end(), shared_->samples.begin(),
                    shared_->samples.begin() + static_cast<std::ptrdiff_t>(ns));
    shared_->samples.erase(shared_->samples.begin(),
                           shared_->samples.begin() + static_cast<std::ptrdiff_t>(ns));
    const std::size_t nt = std::min(shared_->trace.size(), kTraceDrainBatch);
    trace.reserve(static_cast<qsizetype>(nt));
    for (std::size_t i = 0; i < nt; ++i)
      trace.push_back(QString::fromStdString(shared_->trace[i]));
    shared_->trace.erase(shared_->trace.begin(),
                         shared_->trace.begin() + static_cast<std::ptrdiff_t>(nt));
    backlog = !shared_->events.empty() || !shared_->samples.empty() || !shared_->trace.empty();
    if (shared_->finished) {
      last_gc_lines_.clear();
      for (const GCEvent& e : shared_->last_events)
        last_gc_lines_.push_back(FormatTraceGCLine(e, TraceContext{}));
    }
    finished = shared_->finished && !backlog;
    snapshot = std::move(shared_->snapshot);
    shared_->snapshot = nullptr;
    paused = shared_->paused;
    error = shared_->error;
    oom = shared_->oom;
  }
  shared_->cv.notify_all();  // room for the worker again
  if (events_.size() != first_event || samples_.size() != first_sample)
    Q_EMIT dataAppended(first_event, first_sample);
  if (!trace.isEmpty()) Q_EMIT traceAppended(trace);
  if (snapshot) {
    last_snapshot_ = snapshot;
    Q_EMIT heapSnapshot(snapshot);
  }
  // Samples come every 10 ms of simulated time: past kMaxSamples, keep every other one (the
  // charts have drawn them already).
  if (samples_.size() > kMaxSamples) {
    std::size_t out = 0;
    for (std::size_t i = 0; i < samples_.size(); i += 2)
      samples_[out++] = samples_[i];
    samples_.resize(out);
  }
  // The worker pauses itself after a stepped GC.
  if (paused && !finished && state_ == State::kRunning) setState(State::kPaused);
  if (finished && state_ != State::kFinished) {
    if (worker_.joinable()) worker_.join();
    drain_timer_.stop();
    error_ = error;
    oom_ = oom;
    if (oom_) Q_EMIT outOfMemoryReached(QString::fromStdString(oom_->message));
    if (error_)
      Q_EMIT workloadFailed(QString::fromStdString(error_->ToString()), error_->line,
                            error_->column);
    setState(State::kFinished);
  }
}

}  // namespace heaplab
