// SimulationController: runs a workload on a worker thread and hands its GC events and samples
// to the GUI. The worker appends under a mutex; a 40 ms timer on the GUI thread moves what is
// new into the controller's history and emits one dataAppended per tick (PlotJuggler's
// coalesced replot). Pause, step-one-GC, reset and the simulated speed act on the worker.
#pragma once

#include <QObject>
#include <QString>
#include <QStringList>
#include <QTimer>

#include <atomic>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <optional>
#include <thread>
#include <vector>

#include "sim/flags.h"
#include "sim/gc-event.h"
#include "sim/heap-snapshot.h"
#include "sim/script/workload-host.h"

namespace heaplab {

class SimulationController : public QObject {
  Q_OBJECT

 public:
  enum class State { kIdle, kRunning, kPaused, kFinished };
  Q_ENUM(State)

  // Samples kept in the history before it is thinned to every other one.
  static constexpr std::size_t kMaxSamples = 200000;
  // Events and samples taken from the worker per 40 ms tick, at most.
  static constexpr std::size_t kDrainBatch = 2000;
  // At most this many trace lines per tick (an incremental marking step is five).
  static constexpr std::size_t kTraceDrainBatch = 4 * kDrainBatch;

  explicit SimulationController(QObject* parent = nullptr);
  ~SimulationController() override;

  // The next run's workload: its path (for messages) and text.
  void setWorkload(const QString& path, const QString& source);
  void setFlags(const HeapFlags& flags) { flags_ = flags; }
  // Simulated run length in ms (0: the workload's durationMs) and random seed of the next run.
  void setDuration(double ms) { duration_ms_ = ms; }
  void setSeed(std::uint64_t seed) { seed_ = seed; }
  const HeapFlags& flags() const { return flags_; }
  // Simulated ms per wall ms: 0.1 to 100 follows the clock, 0 runs as fast as possible.
  void setSpeed(double factor);
  double speed() const { return speed_; }

  // Starts a fresh run (resetting any previous one).
  void start();
  void pause();
  void resume();
  // Runs until the next GC has finished, then pauses. Starts a run if none is going.
  void stepOneGC();
  // Stops the run and clears everything.
  void reset();
  // Shows saved results (a loaded session) as a finished run.
  void loadResults(std::vector<GCEvent> events,
                   std::vector<HeapSample> samples,
                   std::optional<OutOfMemoryEvent> oom);
  std::uint64_t seed() const { return seed_; }
  double duration() const { return duration_ms_; }
  // Blocks until the run ends or `timeout_ms` passes; drains the data. For tests and headless
  // export. Returns true if the run ended.
  bool waitForFinished(int timeout_ms);

  State state() const { return state_; }
  const std::vector<GCEvent>& events() const { return events_; }
  const std::vector<HeapSample>& samples() const { return samples_; }
  const std::optional<OutOfMemoryEvent>& outOfMemory() const { return oom_; }
  const std::optional<WorkloadError>& error() const { return error_; }
  const QString& workloadPath() const { return path_; }
  const QString& workloadSource() const { return source_; }
  const std::vector<std::string>& lastGCLines() const { return last_gc_lines_; }
  bool legacyProfile() const { return flags_.profile == "legacy"; }
  // Asks the worker for a picture of the heap at its next safe point (between allocations, or
  // at once when paused); it arrives with heapSnapshot(). The end of a run sends one anyway.
  void requestSnapshot();
  // The last picture received (null before any).
  std::shared_ptr<const HeapSnapshot> lastSnapshot() const { return last_snapshot_; }

  // The state the worker and the GUI share (defined in the .cc).
  struct Shared;

 Q_SIGNALS:
  // New events [first_event, events().size()) and samples [first_sample, ...) were appended.
  void dataAppended(std::size_t first_event, std::size_t first_sample);
  void stateChanged(heaplab::SimulationController::State state);
  // The workload failed to load or run: its file, line, column and message.
  void workloadFailed(const QString& message, int line, int column);
  void outOfMemoryReached(const QString& message);
  // V8's trace lines, as heaplab-cli prints them: each GC's --trace-gc line (always), its nvp
  // line and verbose block when their flags are on, and the other tracing the flags ask for
  // (--trace-incremental-marking, --trace-gc-verbose's memory reducer, ...).
  void traceAppended(const QStringList& lines);
  // A heap picture arrived (see requestSnapshot).
  void heapSnapshot(std::shared_ptr<const heaplab::HeapSnapshot> snapshot);

 private:
  void drain();
  void setState(State s);
  void stopWorker();
  void workerMain(std::shared_ptr<Shared> shared, WorkloadOptions options, HeapFlags flags);

  QString path_;
  QString source_;
  HeapFlags flags_;
  double speed_ = 0;
  double duration_ms_ = 0;
  std::uint64_t seed_ = 1;
  State state_ = State::kIdle;
  QTimer drain_timer_;
  std::shared_ptr<Shared> shared_;
  std::thread worker_;
  std::vector<GCEvent> events_;
  std::vector<HeapSample> samples_;
  std::optional<OutOfMemoryEvent> oom_;
  std::optional<WorkloadError> error_;
  std::vector<std::string> last_gc_lines_;
  std::shared_ptr<const HeapSnapshot> last_snapshot_;
};

}  // namespace heaplab
