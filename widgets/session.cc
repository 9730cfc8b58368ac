#include "widgets/session.h"

#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QSaveFile>

namespace heaplab {

namespace {

constexpr int kFormatVersion = 1;

QJsonArray Spaces(const SpaceStatsArray& a) {
  QJsonArray out;
  for (const auto& s : a)
    out.append(QJsonArray{static_cast<double>(s.used_bytes), static_cast<double>(s.committed_bytes),
                          static_cast<double>(s.available_bytes)});
  return out;
}

bool ReadSpaces(const QJsonValue& v, SpaceStatsArray* out) {
  const QJsonArray a = v.toArray();
  if (a.size() != kNumberOfSpaces) return false;
  for (int i = 0; i < kNumberOfSpaces; ++i) {
    const QJsonArray s = a[i].toArray();
    if (s.size() != 3) return false;
    (*out)[static_cast<std::size_t>(i)] = SpaceStats{static_cast<std::size_t>(s[0].toDouble()),
                                                     static_cast<std::size_t>(s[1].toDouble()),
                                                     static_cast<std::size_t>(s[2].toDouble())};
  }
  return true;
}

QJsonObject EventToJson(const GCEvent& e) {
  QJsonObject o;
  o["seq"] = static_cast<double>(e.sequence);
  o["collector"] = static_cast<int>(e.collector);
  o["reason"] = static_cast<int>(e.reason);
  o["collector_reason"] = static_cast<int>(e.collector_reason);
  o["reduce"] = e.reduce_memory;
  o["start_ms"] = e.start_ms;
  o["pause_ms"] = e.pause_ms;
  o["mutator_ms"] = e.mutator_ms;
  o["before"] = Spaces(e.before);
  o["after"] = Spaces(e.after);
  o["allocated"] = static_cast<double>(e.allocated_bytes);
  o["promoted"] = static_cast<double>(e.promoted_bytes);
  o["survived"] = static_cast<double>(e.survived_bytes);
  o["incremental"] = e.incremental;
  o["incremental_steps"] = e.incremental_steps;
  o["incremental_ms"] = e.incremental_ms;
  o["longest_step_ms"] = e.incremental_longest_step_ms;
  o["marking_walltime_ms"] = e.marking_walltime_ms;
  o["average_mu"] = e.average_mu;
  o["current_mu"] = e.current_mu;
  o["old_size"] = static_cast<double>(e.old_generation_size_bytes);
  o["old_limit"] = static_cast<double>(e.old_generation_limit_bytes);
  o["growing_factor"] = e.growing_factor;
  o["heap_limit"] = static_cast<double>(e.heap_limit_bytes);
  return o;
}

bool EventFromJson(const QJsonObject& o, GCEvent* e) {
  if (!o.contains("seq") || !o.contains("pause_ms")) return false;
  e->sequence = static_cast<std::uint64_t>(o["seq"].toDouble());
  const int c = o["collector"].toInt(), r = o["reason"].toInt(), cr = o["collector_reason"].toInt();
  if (c < 0 || c > 1 || r < 0 || r > 7 || cr < 0 || cr > 3) return false;
  e->collector = static_cast<GarbageCollector>(c);
  e->reason = static_cast<GarbageCollectionReason>(r);
  e->collector_reason = static_cast<CollectorReason>(cr);
  e->reduce_memory = o["reduce"].toBool();
  e->start_ms = o["start_ms"].toDouble();
  e->pause_ms = o["pause_ms"].toDouble();
  e->mutator_ms = o["mutator_ms"].toDouble();
  if (!ReadSpaces(o["before"], &e->before) || !ReadSpaces(o["after"], &e->after)) return false;
  e->allocated_bytes = static_cast<std::size_t>(o["allocated"].toDouble());
  e->promoted_bytes = static_cast<std::size_t>(o["promoted"].toDouble());
  e->survived_bytes = static_cast<std::size_t>(o["survived"].toDouble());
  e->incremental = o["incremental"].toBool();
  e->incremental_steps = o["incremental_steps"].toInt();
  e->incremental_ms = o["incremental_ms"].toDouble();
  e->incremental_longest_step_ms = o["longest_step_ms"].toDouble();
  e->marking_walltime_ms = o["marking_walltime_ms"].toDouble();
  e->average_mu = o["average_mu"].toDouble();
  e->current_mu = o["current_mu"].toDouble();
  e->old_generation_size_bytes = static_cast<std::size_t>(o["old_size"].toDouble());
  e->old_generation_limit_bytes = static_cast<std::size_t>(o["old_limit"].toDouble());
  e->growing_factor = o["growing_factor"].toDouble();
  e->heap_limit_bytes = static_cast<std::size_t>(o["heap_limit"].toDouble());
  return true;
}

int LineOf(const QByteArray& text, int offset) {
  return static_cast<int>(text.left(offset).count('\n')) + 1;
}

}  // namespace

QString SaveSession(const Session& s, const QString& path) {
  QJsonObject root;
  root["heaplab_session"] = kFormatVersion;
  root["workload_path"] = s.workload_path;
  root["workload_source"] = s.workload_source;
  QJsonObject flags;
  for (const FlagInfo& f : AllFlags())
    flags[QString::fromUtf8(f.name.data(), static_cast<int>(f.name.size()))] =
        QString::fromStdString(GetFlag(s.flags, f));
  root["flags"] = flags;
  root["seed"] = QString::number(s.seed);
  root["duration_ms"] = s.duration_ms;
  QJsonArray events;
  for (const auto& e : s.events)
    events.append(EventToJson(e));
  root["events"] = events;
  QJsonArray samples;
  for (const auto& smp : s.samples) {
    QJsonObject o;
    o["t"] = smp.time_ms;
    o["spaces"] = Spaces(smp.spaces);
    o["limit"] = static_cast<double>(smp.old_generation_limit_bytes);
    o["heap_limit"] = static_cast<double>(smp.heap_limit_bytes);
    o["max_old"] = static_cast<double>(smp.max_old_generation_bytes);
    o["allocated"] = static_cast<double>(smp.allocated_total_bytes);
    o["promoted"] = static_cast<double>(smp.promoted_total_bytes);
    o["marking"] = smp.marking;
    samples.append(o);
  }
  root["samples"] = samples;
  if (s.oom) {
    QJsonObject o;
    o["time_ms"] = s.oom->time_ms;
    o["location"] = QString::fromStdString(s.oom->location);
    o["message"] = QString::fromStdString(s.oom->message);
    o["allocated"] = static_cast<double>(s.oom->allocated_total_bytes);
    o["spaces"] = Spaces(s.oom->spaces);
    root["oom"] = o;
  }
  QSaveFile file(path);
  if (!file.open(QIODevice::WriteOnly))
    return QString("cannot write %1: %2").arg(path, file.errorString());
  file.write(QJsonDocument(root).toJson(QJsonDocument::Indented));
  if (!file.commit()) return QString("cannot write %1: %2").arg(path, file.errorString());
  return {};
}

std::optional<Session> LoadSession(const QString& path, QString* error) {
  QFile file(path);
  if (!file.open(QIODevice::ReadOnly)) {
    *error = QString("%1: cannot read session: %2").arg(path, file.errorString());
    return std::nullopt;
  }
  const QByteArray text = file.readAll();
  QJsonParseError parse;
  const QJsonDocument doc = QJsonDocument::fromJson(text, &parse);
  if (parse.error != QJsonParseError::NoError) {
    *error = QString("%1:%2: not a session: %3")
                 .arg(path)
                 .arg(LineOf(text, parse.offset))
                 .arg(parse.errorString());
    return std::nullopt;
  }
  const QJsonObject root = doc.object();
  if (root["heaplab_session"].toInt() != kFormatVersion) {
    *error =
        QString("%1:1: not a HeapLab session (version %2 expected)").arg(path).arg(kFormatVersion);
    return std::nullopt;
  }
  Session s;
  s.workload_path = root["workload_path"].toString();
  s.workload_source = root["workload_source"].toString();
  const QJsonObject flags = root["flags"].toObject();
  for (auto it = flags.begin(); it != flags.end(); ++it) {
    const FlagInfo* f = FindFlag(it.key().toStdString());
    if (!f) {
      *error = QString("%1: unknown flag '%2' in the session").arg(path, it.key());
      return std::nullopt;
    }
    if (auto err = SetFlag(s.flags, *f, it.value().toString().toStdString())) {
      *error = QString("%1: %2").arg(path, QString::fromStdString(*err));
      return std::nullopt;
    }
  }
  s.seed = root["seed"].toString().toULongLong();
  s.duration_ms = root["duration_ms"].toDouble();
  const QJsonArray events = root["events"].toArray();
  for (qsizetype i = 0; i < events.size(); ++i) {
    GCEvent e;
    if (!EventFromJson(events[i].toObject(), &e)) {
      *error = QString("%1: event %2 is malformed").arg(path).arg(i);
      return std::nullopt;
    }
    s.events.push_back(e);
  }
  for (const QJsonValue& v : root["samples"].toArray()) {
    const QJsonObject o = v.toObject();
    HeapSample smp;
    smp.time_ms = o["t"].toDouble();
    if (!ReadSpaces(o["spaces"], &smp.spaces)) {
      *error = QString("%1: a sample is malformed").arg(path);
      return std::nullopt;
    }
    smp.old_generation_limit_bytes = static_cast<std::size_t>(o["limit"].toDouble());
    smp.heap_limit_bytes = static_cast<std::size_t>(o["heap_limit"].toDouble());
    smp.max_old_generation_bytes = static_cast<std::size_t>(o["max_old"].toDouble());
    smp.allocated_total_bytes = static_cast<std::size_t>(o["allocated"].toDouble());
    smp.promoted_total_bytes = static_cast<std::size_t>(o["promoted"].toDouble());
    smp.marking = o["marking"].toBool();
    s.samples.push_back(smp);
  }
  if (root.contains("oom")) {
    const QJsonObject o = root["oom"].toObject();
    OutOfMemoryEvent oom;
    oom.time_ms = o["time_ms"].toDouble();
    oom.location = o["location"].toString().toStdString();
    oom.message = o["message"].toString().toStdString();
    oom.allocated_total_bytes = static_cast<std::size_t>(o["allocated"].toDouble());
    ReadSpaces(o["spaces"], &oom.spaces);
    s.oom = oom;
  }
  return s;
}

}  // namespace heaplab
