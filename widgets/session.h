// A saved session: the workload (path and text), the flags, the seed and duration, and the
// results (GC events, samples, the out-of-memory end). Saved as JSON with QSaveFile, so a
// session on disk is always either the old or the new one, never half written.
#pragma once

#include <QString>

#include <optional>
#include <vector>

#include "sim/flags.h"
#include "sim/gc-event.h"

namespace heaplab {

struct Session {
  QString workload_path;
  QString workload_source;
  HeapFlags flags;
  std::uint64_t seed = 1;
  double duration_ms = 0;
  std::vector<GCEvent> events;
  std::vector<HeapSample> samples;
  std::optional<OutOfMemoryEvent> oom;
};

// Writes `session` to `path` atomically. Returns an error message, empty on success.
QString SaveSession(const Session& session, const QString& path);
// Reads a session. On failure returns nothing and sets `error` to "file:line: what".
std::optional<Session> LoadSession(const QString& path, QString* error);

}  // namespace heaplab
