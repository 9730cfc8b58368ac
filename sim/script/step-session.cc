#include "sim/script/step-session.h"

#include <QtCore/QDir>
#include <QtCore/QFile>
#include <QtCore/QFileInfo>
#include <QtCore/QJsonArray>
#include <QtCore/QJsonDocument>
#include <QtCore/QJsonObject>

#include <algorithm>
#include <cstdlib>

#include <cstdlib>
#include "sim/calibration.h"

namespace heaplab {

StepSession::StepSession(StepSessionOptions options) : options_(std::move(options)) {}
StepSession::~StepSession() = default;

std::optional<WorkloadError> StepSession::RunOnce(const std::function<bool(std::size_t)>& capture,
                                                  bool keep_steps) {
  WorkloadHost host(options_.workload);
  if (auto err = host.Load()) return err;
  HeapFlags flags = CalibratedDefaults();
  // The step views show the workload's own objects only, as they leave out the start-up heap:
  // no script literals or event-loop garbage unless the flags ask for them.
  flags.script_objects = false;
  flags.callback_bytes = 0;
  flags.timer_callback_bytes = 0;
  if (!host.info().suggested_flags.empty()) {
    if (auto err = ParseFlags(flags, host.info().suggested_flags))
      return WorkloadError{options_.workload.path, 0, 0, "workload flags: " + *err};
  }
  if (auto err = ParseFlags(flags, options_.flags))
    return WorkloadError{options_.workload.path, 0, 0, *err};
  if (auto err = ValidateFlagCombination(flags))
    return WorkloadError{options_.workload.path, 0, 0, *err};
  HeapOptions heap_options;
  heap_options.startup_snapshot = options_.startup_snapshot;
  Heap heap(flags, heap_options);

  bool truncated = false;
  StepRecorder* recorder_ptr = nullptr;
  std::size_t seen_snapshots = 0, captured_objects = 0;
  std::function<bool(std::size_t)> guarded = [&](std::size_t i) {
    if (i + 1 == options_.max_steps) {
      truncated = true;
      host.RequestStop();
    }
    // Stop capturing once the snapshots taken would overflow the cache.
    const auto& taken = recorder_ptr->snapshots();
    if (taken.size() > seen_snapshots) {
      captured_objects += taken.rbegin()->second.entry_count();
      seen_snapshots = taken.size();
    }
    if (cached_objects_ + captured_objects > options_.max_cached_objects) return false;
    return i < options_.max_steps && capture(i);
  };
  StepRecorder recorder(heap, options_.granularity, guarded);
  recorder_ptr = &recorder;
  heap.set_observer(&recorder);
  WorkloadResult result;
  try {
    result = host.Run(heap);
  } catch (const std::exception& e) {
    return WorkloadError{options_.workload.path, 0, 0, std::string("internal error: ") + e.what()};
  }
  heap.set_observer(nullptr);
  if (result.error) return result.error;
  std::string end_text;
  if (const OutOfMemoryEvent* oom = heap.out_of_memory()) {
    end_text = oom->message +
               ". The old generation could not grow any further: every object "
               "in it was still reachable, so no collection could free room.";
  } else if (truncated) {
    end_text =
        "Recording stopped here: the run has too many steps to keep. Choose a smaller "
        "workload, or step by collection.";
  } else {
    end_text =
        "The workload finished after " + std::to_string(heap.gc_count()) + " garbage collections.";
  }
  if (recorder.steps().size() < options_.max_steps) recorder.RecordEnd(end_text);

  for (auto& [index, snapshot] : recorder.snapshots()) {
    if (index >= options_.max_steps) continue;
    cached_objects_ += snapshot.entry_count();
    cache_.insert_or_assign(index, std::move(snapshot));
  }
  if (keep_steps) {
    info_ = host.info();
    flags_ = flags;
    truncated_ = truncated;
    steps_ = recorder.steps();
    if (steps_.size() > options_.max_steps) steps_.resize(options_.max_steps);
    for (std::uint32_t id = 0;; ++id) {
      const auto& h = recorder.history(id);
      if (id > 0 && h.empty()) break;
      history_.push_back(h);
    }
  }
  return std::nullopt;
}

std::optional<WorkloadError> StepSession::Record() {
  steps_.clear();
  history_.clear();
  ClearCache();
  // Capture the first steps while the cache has room; the rest come from replays.
  auto err = RunOnce([](std::size_t) { return true; }, true);
  Evict(0);
  return err;
}

void StepSession::ClearCache() {
  cache_.clear();
  cached_objects_ = 0;
}

void StepSession::Evict(std::size_t keep_near) {
  while (cached_objects_ > options_.max_cached_objects && cache_.size() > 1) {
    // Drop the snapshot farthest from the step being looked at.
    auto first = cache_.begin();
    auto last = std::prev(cache_.end());
    auto far = (keep_near - std::min(keep_near, first->first)) >
                       (last->first - std::min(last->first, keep_near))
                   ? first
                   : last;
    cached_objects_ -= far->second.entry_count();
    cache_.erase(far);
  }
}

const HeapSnapshot& StepSession::SnapshotAt(std::size_t i) {
  auto it = cache_.find(i);
  if (it != cache_.end()) return it->second;
  const std::size_t lo = i - std::min(i, options_.replay_window);
  const std::size_t hi = i + options_.replay_window;
  ++replays_;
  if (cached_objects_ > options_.max_cached_objects / 2) ClearCache();
  RunOnce([&](std::size_t s) { return s >= lo && s <= hi; }, false);
  Evict(i);
  it = cache_.find(i);
  if (it == cache_.end()) {
    // Only if the replay diverged, which would be a bug: fall back to an empty picture
    // rather than crash the viewer.
    static const HeapSnapshot kEmpty;
    return kEmpty;
  }
  return it->second;
}

std::vector<AddressRecord> StepSession::HistoryAt(std::uint32_t id, std::size_t i) const {
  std::vector<AddressRecord> out;
  if (id >= history_.size()) return out;
  for (const AddressRecord& r : history_[id])
    if (r.step <= i) out.push_back(r);
  return out;
}

std::optional<std::size_t> StepSession::FindStep(StepKind kind,
                                                 std::size_t from,
                                                 std::uint64_t gc) const {
  for (std::size_t i = from; i < steps_.size(); ++i)
    if (steps_[i].kind == kind && (gc == 0 || steps_[i].gc == gc)) return i;
  return std::nullopt;
}

std::optional<std::size_t> StepSession::FindStep(StepKind kind,
                                                 std::size_t from,
                                                 std::uint64_t gc,
                                                 bool mark_compact) const {
  for (std::size_t i = from; i < steps_.size(); ++i) {
    const Step& s = steps_[i];
    if (s.kind == kind && (gc == 0 || s.gc == gc) && s.mark_compact == mark_compact) return i;
  }
  return std::nullopt;
}

// ------------------------------------------------------------------ lessons

bool ParseStepKind(std::string_view text, StepKind* out) {
  for (int k = 0; k <= static_cast<int>(StepKind::kEnd); ++k) {
    if (ToString(static_cast<StepKind>(k)) == text) {
      *out = static_cast<StepKind>(k);
      return true;
    }
  }
  return false;
}

namespace {

// The 1-based line of the `occurrence`-th (0-based) appearance of "key" in `text`.
int LineOfKey(const QByteArray& text, const QString& key, int occurrence = 0) {
  const QByteArray needle = "\"" + key.toUtf8() + "\"";
  qsizetype pos = -1;
  for (int i = 0; i <= occurrence; ++i) {
    pos = text.indexOf(needle, pos + 1);
    if (pos < 0) return 0;
  }
  return static_cast<int>(text.left(pos).count('\n')) + 1;
}

}  // namespace

std::optional<WorkloadError> LoadLesson(const std::string& path, Lesson* out) {
  QFile file(QString::fromStdString(path));
  if (!file.open(QIODevice::ReadOnly))
    return WorkloadError{path, 0, 0, "cannot read lesson: " + file.errorString().toStdString()};
  const QByteArray text = file.readAll();
  QJsonParseError perr;
  const QJsonDocument doc = QJsonDocument::fromJson(text, &perr);
  if (perr.error != QJsonParseError::NoError) {
    const int line = static_cast<int>(text.left(perr.offset).count('\n')) + 1;
    return WorkloadError{path, line, 0, "invalid JSON: " + perr.errorString().toStdString()};
  }
  if (!doc.isObject()) return WorkloadError{path, 1, 0, "a lesson is a JSON object"};
  const QJsonObject o = doc.object();
  auto error = [&](const QString& key, const std::string& message, int occurrence = 0) {
    return WorkloadError{path, LineOfKey(text, key, occurrence), 0,
                         "\"" + key.toStdString() + "\": " + message};
  };
  auto need_string = [&](const QString& key, std::string* dst) -> std::optional<WorkloadError> {
    if (!o.value(key).isString() || o.value(key).toString().isEmpty())
      return WorkloadError{path, std::max(1, LineOfKey(text, key)), 0,
                           "\"" + key.toStdString() + "\": a non-empty string is required"};
    *dst = o.value(key).toString().toStdString();
    return std::nullopt;
  };
  Lesson lesson;
  lesson.path = path;
  std::string workload;
  if (auto e = need_string("title", &lesson.title)) return e;
  if (auto e = need_string("intro", &lesson.intro)) return e;
  if (auto e = need_string("workload", &workload)) return e;
  const QString dir = QFileInfo(QString::fromStdString(path)).absolutePath();
  lesson.workload_path = QDir(dir).absoluteFilePath(QString::fromStdString(workload)).toStdString();
  if (!QFileInfo::exists(QString::fromStdString(lesson.workload_path)))
    return error("workload", "no such file: " + lesson.workload_path);
  if (o.contains("flags")) {
    if (!o.value("flags").isArray()) return error("flags", "a list of strings is required");
    for (const QJsonValue& v : o.value("flags").toArray()) {
      if (!v.isString()) return error("flags", "a list of strings is required");
      lesson.flags.push_back(v.toString().toStdString());
    }
    HeapFlags check;
    if (auto e = ParseFlags(check, lesson.flags)) return error("flags", *e);
  }
  if (o.contains("granularity")) {
    const QString g = o.value("granularity").toString();
    if (g == "object")
      lesson.granularity = StepGranularity::kObject;
    else if (g == "collection")
      lesson.granularity = StepGranularity::kCollection;
    else
      return error("granularity", "must be \"object\" or \"collection\"");
  }
  if (o.contains("seed")) {
    if (!o.value("seed").isDouble() || o.value("seed").toDouble() < 0)
      return error("seed", "a non-negative number is required");
    lesson.seed = static_cast<std::uint64_t>(o.value("seed").toDouble());
  }
  if (!o.value("stops").isArray() || o.value("stops").toArray().isEmpty())
    return WorkloadError{path, std::max(1, LineOfKey(text, "stops")), 0,
                         "\"stops\": a non-empty list of stops is required"};
  int index = 0;
  for (const QJsonValue& v : o.value("stops").toArray()) {
    auto stop_error = [&](const QString& key, const std::string& message) {
      return WorkloadError{
          path, LineOfKey(text, key, index), 0,
          "stop " + std::to_string(index + 1) + ", \"" + key.toStdString() + "\": " + message};
    };
    const QJsonObject s = v.toObject();
    LessonStop stop;
    stop.line = LineOfKey(text, "kind", index);
    if (!ParseStepKind(s.value("kind").toString().toStdString(), &stop.kind))
      return stop_error("kind", "unknown step kind \"" + s.value("kind").toString().toStdString() +
                                    "\" (copy, promote, scan, grey, barrier-grey, blacken, "
                                    "evacuate, sweep-page, collection, end, ...)");
    if (s.contains("nth")) {
      if (!s.value("nth").isDouble() || s.value("nth").toInt() < 1)
        return stop_error("nth", "a number from 1 is required");
      stop.nth = s.value("nth").toInt();
    }
    if (s.contains("gc")) {
      if (!s.value("gc").isDouble() || s.value("gc").toInt() < 1)
        return stop_error("gc", "a GC number from 1 is required");
      stop.gc = static_cast<std::uint64_t>(s.value("gc").toInt());
    }
    stop.collector = s.value("collector").toString().toStdString();
    if (!stop.collector.empty() && stop.collector != "scavenge" && stop.collector != "mark-compact")
      return stop_error("collector", "must be \"scavenge\" or \"mark-compact\"");
    stop.title = s.value("title").toString().toStdString();
    stop.text = s.value("text").toString().toStdString();
    if (stop.text.empty()) return stop_error("text", "every stop needs its text");
    stop.color_by = s.value("colorBy").toString("age").toStdString();
    if (stop.color_by != "age" && stop.color_by != "kind" && stop.color_by != "site" &&
        stop.color_by != "mark")
      return stop_error("colorBy", "must be age, kind, site or mark");
    lesson.stops.push_back(std::move(stop));
    ++index;
  }
  *out = std::move(lesson);
  return std::nullopt;
}

StepSessionOptions LessonSessionOptions(const Lesson& lesson) {
  StepSessionOptions options;
  options.workload.path = lesson.workload_path;
  options.workload.seed = lesson.seed;
  options.flags = lesson.flags;
  options.granularity = lesson.granularity;
  return options;
}

std::optional<WorkloadError> ResolveLessonStops(const Lesson& lesson,
                                                const StepSession& session,
                                                std::vector<std::size_t>* out) {
  out->clear();
  for (std::size_t k = 0; k < lesson.stops.size(); ++k) {
    const LessonStop& stop = lesson.stops[k];
    std::optional<std::size_t> at;
    std::size_t from = 0;
    for (int n = 0; n < stop.nth; ++n) {
      at = stop.collector.empty()
               ? session.FindStep(stop.kind, from, stop.gc)
               : session.FindStep(stop.kind, from, stop.gc, stop.collector == "mark-compact");
      if (!at) break;
      from = *at + 1;
    }
    if (!at) {
      return WorkloadError{lesson.path, stop.line, 0,
                           "stop " + std::to_string(k + 1) + " (" +
                               std::string(ToString(stop.kind)) + " #" + std::to_string(stop.nth) +
                               ") never happens in this run"};
    }
    out->push_back(*at);
  }
  return std::nullopt;
}

}  // namespace heaplab
