#include "sim/report.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "sim/heap.h"

namespace heaplab {

namespace {
constexpr std::size_t kLastGCLines = 8;

double ToMB(std::size_t bytes) {
  return static_cast<double>(bytes) / (1024.0 * 1024.0);
}

bool EndsWith(const std::string& s, const char* suffix) {
  const std::string x(suffix);
  return s.size() >= x.size() && s.compare(s.size() - x.size(), x.size(), x) == 0;
}

std::string Num(double v) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.6g", v);
  return buf;
}

std::string JsonString(std::string_view s) {
  std::string out = "\"";
  for (char c : s) {
    if (c == '"' || c == '\\') out += '\\';
    if (static_cast<unsigned char>(c) < 0x20) {
      char buf[8];
      std::snprintf(buf, sizeof buf, "\\u%04x", c);
      out += buf;
      continue;
    }
    out += c;
  }
  return out + "\"";
}
}  // namespace

void RunRecorder::OnGCEvent(const GCEvent& e) {
  events_.push_back(e);
  const std::string line = FormatTraceGCLine(e, trace_.context);
  last_lines_.push_back(line);
  if (last_lines_.size() > kLastGCLines) last_lines_.pop_front();
  if (trace_.trace_gc) trace_lines_.push_back(line);
  if (out_) *out_ << FormatGCEventTrace(e, trace_, line);
}

RunRecorder::TraceOptions TraceOptionsFor(const Heap& heap) {
  RunRecorder::TraceOptions to;
  to.trace_gc = heap.flags().trace_gc;
  to.trace_gc_nvp = heap.flags().trace_gc_nvp;
  to.trace_gc_verbose = heap.flags().trace_gc_verbose;
  to.context.pid = heap.options().pid;
  to.context.isolate_address = heap.options().isolate_address;
  to.context.legacy = heap.config().legacy_profile;
  to.context.has_map_space = heap.config().has_map_space;
  return to;
}

std::string FormatGCEventTrace(const GCEvent& e,
                               const RunRecorder::TraceOptions& trace,
                               const std::string& trace_gc_line) {
  std::string out;
  if (trace.trace_gc_verbose && e.recomputed_limit_bytes > 0)
    out += FormatHeapControllerLines(e, trace.context);
  if (trace.trace_gc) out += trace_gc_line + '\n';
  if (trace.trace_gc_nvp) out += FormatTraceGCNvpLine(e, trace.context) + '\n';
  if (trace.trace_gc_verbose)
    out += FormatTraceGCVerbose(e, trace.context, trace.context.has_map_space);
  return out;
}

void RunRecorder::OnTraceMessage(const TraceMessage& m) {
  if (out_) *out_ << FormatTraceMessage(m, trace_.context) << '\n';
}

void RunRecorder::OnSample(const HeapSample& s) {
  samples_.push_back(s);
}
void RunRecorder::OnOutOfMemory(const OutOfMemoryEvent& e) {
  oom_ = e;
}

double Median(std::vector<double> v) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  return v.size() % 2 ? v[v.size() / 2] : (v[v.size() / 2 - 1] + v[v.size() / 2]) / 2;
}

double Percentile(std::vector<double> v, double p) {
  if (v.empty()) return 0;
  const double rank = std::ceil(p / 100.0 * static_cast<double>(v.size()));
  const std::size_t i =
      static_cast<std::size_t>(std::clamp(rank, 1.0, static_cast<double>(v.size()))) - 1;
  std::nth_element(v.begin(), v.begin() + static_cast<std::ptrdiff_t>(i), v.end());
  return v[i];
}

PauseStats ComputePauseStats(const std::vector<double>& pauses_ms) {
  PauseStats s;
  s.count = pauses_ms.size();
  s.p50_ms = Percentile(pauses_ms, 50);
  s.p95_ms = Percentile(pauses_ms, 95);
  s.p99_ms = Percentile(pauses_ms, 99);
  for (double p : pauses_ms) {
    s.max_ms = std::max(s.max_ms, p);
    s.total_ms += p;
  }
  return s;
}

PauseStats ComputePauseStats(const std::vector<GCEvent>& events, GarbageCollector collector) {
  std::vector<double> pauses;
  for (const auto& e : events)
    if (e.collector == collector) pauses.push_back(e.pause_ms);
  return ComputePauseStats(pauses);
}

void TracedAllocation::Add(double before_mb, double after_mb) {
  total_mb_ += std::max(0.0, before_mb - previous_after_mb_);
  previous_after_mb_ = after_mb;
}

RunSummary Summarize(const RunRecorder& r, const Heap& heap) {
  RunSummary s;
  s.scavenge = ComputePauseStats(r.events(), GarbageCollector::kScavenger);
  s.mark_compact = ComputePauseStats(r.events(), GarbageCollector::kMarkCompactor);
  s.duration_ms = heap.now_ms();
  const double total_pause = s.scavenge.total_ms + s.mark_compact.total_ms;
  s.mutator_utilization = s.duration_ms > 0 ? 1.0 - total_pause / s.duration_ms : 1.0;
  s.allocated_mb = ToMB(heap.allocated_total_bytes());
  s.promoted_mb = ToMB(heap.promoted_total_bytes());
  if (s.duration_ms > 0) {
    s.allocation_rate_mb_per_s = s.allocated_mb / (s.duration_ms / 1000.0);
    s.promotion_rate_mb_per_s = s.promoted_mb / (s.duration_ms / 1000.0);
  }
  auto account = [&](const SpaceStatsArray& spaces) {
    std::size_t total = 0;
    for (std::size_t i = 0; i < spaces.size(); ++i) {
      auto& p = s.spaces[i];
      p.peak_used_bytes = std::max(p.peak_used_bytes, spaces[i].used_bytes);
      p.peak_committed_bytes = std::max(p.peak_committed_bytes, spaces[i].committed_bytes);
      total += spaces[i].used_bytes;
    }
    s.peak_heap_mb = std::max(s.peak_heap_mb, ToMB(total));
  };
  for (const auto& smp : r.samples())
    account(smp.spaces);
  for (const auto& e : r.events()) {
    account(e.before);
    account(e.after);
    if (e.collector == GarbageCollector::kMarkCompactor)
      s.old_after_mark_compact_mb.push_back(ToMB(e.old_generation_size_bytes));
  }
  const SpaceStatsArray final_spaces = heap.SpaceStatistics();
  account(final_spaces);
  for (std::size_t i = 0; i < final_spaces.size(); ++i) {
    s.spaces[i].final_used_bytes = final_spaces[i].used_bytes;
    s.spaces[i].final_committed_bytes = final_spaces[i].committed_bytes;
  }
  if (r.oom()) {
    s.out_of_memory = true;
    s.oom_message = r.oom()->message;
    TracedAllocation traced;
    for (const auto& e : r.events())
      traced.Add(ToMB(e.size_before_bytes()), ToMB(e.size_after_bytes()));
    s.oom_allocated_mb = traced.mb();
  }
  return s;
}

RunSummary SummarizeTraceLog(const TraceLog& log) {
  RunSummary r;
  std::vector<double> scav, mc;
  TracedAllocation traced;
  double promoted = 0;
  for (const TracedGC& gc : log.gcs) {
    (gc.collector == GarbageCollector::kScavenger ? scav : mc).push_back(gc.pause_ms);
    r.peak_heap_mb = std::max({r.peak_heap_mb, gc.before_mb, gc.after_mb});
    if (gc.collector == GarbageCollector::kMarkCompactor)
      r.old_after_mark_compact_mb.push_back(gc.after_mb);
    r.duration_ms = std::max(r.duration_ms, gc.time_ms);
    // node20-observed §8: nvp's allocated= is wrong during marking; recompute from sizes.
    traced.Add(gc.before_mb, gc.after_mb);
    if (auto it = gc.nvp.find("promoted"); it != gc.nvp.end())
      promoted += std::atof(it->second.c_str());
  }
  r.scavenge = ComputePauseStats(scav);
  r.mark_compact = ComputePauseStats(mc);
  r.allocated_mb = traced.mb();
  r.promoted_mb = promoted / (1024.0 * 1024.0);
  if (log.fatal_message) {
    r.out_of_memory = true;
    r.oom_message = *log.fatal_message;
    r.oom_allocated_mb = traced.mb();
  }
  return r;
}

std::string FormatSummary(const RunSummary& s, bool has_map_space) {
  std::ostringstream o;
  char buf[512];
  o << "\n=== HeapLab summary ===\n";
  std::snprintf(buf, sizeof buf, "%-14s %7s %9s %9s %9s %9s %11s\n", "GC", "count", "p50 ms",
                "p95 ms", "p99 ms", "max ms", "total ms");
  o << buf;
  auto row = [&](const char* name, const PauseStats& p) {
    std::snprintf(buf, sizeof buf, "%-14s %7zu %9.2f %9.2f %9.2f %9.2f %11.2f\n", name, p.count,
                  p.p50_ms, p.p95_ms, p.p99_ms, p.max_ms, p.total_ms);
    o << buf;
  };
  row("Scavenge", s.scavenge);
  row("Mark-Compact", s.mark_compact);
  std::snprintf(buf, sizeof buf,
                "simulated time %.1f ms, mutator utilization %.3f\n"
                "allocated %.1f MB (%.1f MB/s), promoted %.1f MB (%.1f MB/s, %.1f%% of allocated)\n"
                "peak heap %.1f MB\n",
                s.duration_ms, s.mutator_utilization, s.allocated_mb, s.allocation_rate_mb_per_s,
                s.promoted_mb, s.promotion_rate_mb_per_s,
                s.allocated_mb > 0 ? 100.0 * s.promoted_mb / s.allocated_mb : 0.0, s.peak_heap_mb);
  o << buf;
  std::snprintf(buf, sizeof buf, "%-24s %10s %10s %10s %10s\n", "space (MB)", "peak used",
                "peak comm.", "final used", "final comm.");
  o << buf;
  for (int i = 0; i < kNumberOfSpaces; ++i) {
    auto space = static_cast<AllocationSpace>(i);
    if (space == AllocationSpace::kMap && !has_map_space) continue;
    const auto& p = s.spaces[static_cast<std::size_t>(i)];
    std::snprintf(buf, sizeof buf, "%-24s %10.1f %10.1f %10.1f %10.1f\n",
                  std::string(ToString(space)).c_str(), ToMB(p.peak_used_bytes),
                  ToMB(p.peak_committed_bytes), ToMB(p.final_used_bytes),
                  ToMB(p.final_committed_bytes));
    o << buf;
  }
  if (s.out_of_memory) {
    std::snprintf(buf, sizeof buf,
                  "out of memory after %.1f MB allocated (the start-up heap included): %s\n",
                  s.oom_allocated_mb, s.oom_message.c_str());
    o << buf;
  }
  return o.str();
}

std::optional<std::string> WriteFileAtomically(const std::string& path, const std::string& text) {
  const std::string tmp = path + ".tmp";
  {
    std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
    if (!out) return "cannot write " + path + ": cannot create " + tmp;
    out << text;
    out.flush();
    if (!out) return "cannot write " + path + ": write failed";
  }
  if (std::rename(tmp.c_str(), path.c_str()) != 0) {
    std::remove(tmp.c_str());
    return "cannot write " + path + ": rename failed";
  }
  return std::nullopt;
}

namespace {

const char* kEventColumns[] = {"seq",
                               "collector",
                               "reason",
                               "collector_reason",
                               "reduce_memory",
                               "start_ms",
                               "pause_ms",
                               "mutator_ms",
                               "size_before_bytes",
                               "size_after_bytes",
                               "committed_before_bytes",
                               "committed_after_bytes",
                               "allocated_bytes",
                               "promoted_bytes",
                               "survived_bytes",
                               "incremental_steps",
                               "incremental_ms",
                               "marked_bytes",
                               "evacuated_bytes",
                               "old_generation_size_bytes",
                               "old_generation_limit_bytes",
                               "growing_factor",
                               "average_mu",
                               "current_mu"};

std::vector<std::string> EventValues(const GCEvent& e) {
  return {std::to_string(e.sequence),
          e.collector == GarbageCollector::kScavenger ? "scavenge" : "mark-compact",
          std::string(ToString(e.reason)),
          std::string(ToString(e.collector_reason)),
          e.reduce_memory ? "1" : "0",
          Num(e.start_ms),
          Num(e.pause_ms),
          Num(e.mutator_ms),
          std::to_string(TotalUsed(e.before)),
          std::to_string(TotalUsed(e.after)),
          std::to_string(TotalCommitted(e.before)),
          std::to_string(TotalCommitted(e.after)),
          std::to_string(e.allocated_bytes),
          std::to_string(e.promoted_bytes),
          std::to_string(e.survived_bytes),
          std::to_string(e.incremental_steps),
          Num(e.incremental_ms),
          std::to_string(e.marked_bytes),
          std::to_string(e.evacuated_bytes),
          std::to_string(e.old_generation_size_bytes),
          std::to_string(e.old_generation_limit_bytes),
          Num(e.growing_factor),
          Num(e.average_mu),
          Num(e.current_mu)};
}

bool IsTextColumn(std::size_t i) {
  return i == 1 || i == 2 || i == 3;
}

}  // namespace

std::optional<std::string> CheckDataExportPath(const std::string& path,
                                               std::initializer_list<const char*> endings) {
  if (std::none_of(endings.begin(), endings.end(),
                   [&](const char* e) { return EndsWith(path, e); })) {
    std::string names;
    for (const char* e : endings)
      names += (names.empty() ? "" : " or ") + std::string(e);
    return path + ": name it " + names + " (the format follows the name)";
  }
  const std::filesystem::path folder = std::filesystem::path(path).parent_path();
  std::error_code ec;
  if (!folder.empty() && !std::filesystem::is_directory(folder, ec))
    return path + ": no such folder " + folder.string();
  return std::nullopt;
}

std::optional<std::string> WriteEvents(const std::string& path,
                                       const std::vector<GCEvent>& events) {
  if (auto err = CheckDataExportPath(path)) return err;
  std::ostringstream o;
  if (EndsWith(path, ".csv")) {
    for (std::size_t i = 0; i < std::size(kEventColumns); ++i)
      o << (i ? "," : "") << kEventColumns[i];
    for (int s = 0; s < kNumberOfSpaces; ++s)
      o << "," << ToKey(static_cast<AllocationSpace>(s)) << "_used_after_bytes,"
        << ToKey(static_cast<AllocationSpace>(s)) << "_committed_after_bytes";
    o << "\n";
    for (const auto& e : events) {
      auto v = EventValues(e);
      for (std::size_t i = 0; i < v.size(); ++i)
        o << (i ? "," : "") << v[i];
      for (const auto& s : e.after)
        o << "," << s.used_bytes << "," << s.committed_bytes;
      o << "\n";
    }
  } else {
    o << "[\n";
    for (std::size_t n = 0; n < events.size(); ++n) {
      const auto& e = events[n];
      auto v = EventValues(e);
      o << "  {";
      for (std::size_t i = 0; i < v.size(); ++i)
        o << (i ? ", " : "") << JsonString(kEventColumns[i]) << ": "
          << (IsTextColumn(i) ? JsonString(v[i]) : v[i]);
      o << ", \"phases_ms\": {";
      for (std::size_t i = 0; i < e.phases.size(); ++i)
        o << (i ? ", " : "") << JsonString(e.phases[i].name) << ": " << Num(e.phases[i].ms);
      o << "}, \"spaces_after\": {";
      for (int s = 0; s < kNumberOfSpaces; ++s) {
        const auto& x = e.after[static_cast<std::size_t>(s)];
        o << (s ? ", " : "") << JsonString(ToKey(static_cast<AllocationSpace>(s)))
          << ": {\"used_bytes\": " << x.used_bytes << ", \"committed_bytes\": " << x.committed_bytes
          << "}";
      }
      o << "}}" << (n + 1 < events.size() ? "," : "") << "\n";
    }
    o << "]\n";
  }
  return WriteFileAtomically(path, o.str());
}

std::optional<std::string> WriteSamples(const std::string& path,
                                        const std::vector<HeapSample>& samples) {
  if (auto err = CheckDataExportPath(path)) return err;
  std::ostringstream o;
  const bool csv = EndsWith(path, ".csv");
  if (csv) {
    o << "time_ms";
    for (int s = 0; s < kNumberOfSpaces; ++s) {
      auto k = ToKey(static_cast<AllocationSpace>(s));
      o << "," << k << "_used_bytes," << k << "_committed_bytes," << k << "_available_bytes";
    }
    o << ",old_generation_limit_bytes,max_old_generation_bytes,heap_limit_bytes,allocated_total_"
         "bytes,promoted_total_bytes,marking\n";
    for (const auto& s : samples) {
      o << Num(s.time_ms);
      for (const auto& x : s.spaces)
        o << "," << x.used_bytes << "," << x.committed_bytes << "," << x.available_bytes;
      o << "," << s.old_generation_limit_bytes << "," << s.max_old_generation_bytes << ","
        << s.heap_limit_bytes << "," << s.allocated_total_bytes << "," << s.promoted_total_bytes
        << "," << (s.marking ? 1 : 0) << "\n";
    }
  } else {
    o << "[\n";
    for (std::size_t n = 0; n < samples.size(); ++n) {
      const auto& s = samples[n];
      o << "  {\"time_ms\": " << Num(s.time_ms) << ", \"spaces\": {";
      for (int i = 0; i < kNumberOfSpaces; ++i) {
        const auto& x = s.spaces[static_cast<std::size_t>(i)];
        o << (i ? ", " : "") << JsonString(ToKey(static_cast<AllocationSpace>(i)))
          << ": {\"used_bytes\": " << x.used_bytes << ", \"committed_bytes\": " << x.committed_bytes
          << ", \"available_bytes\": " << x.available_bytes << "}";
      }
      o << "}, \"old_generation_limit_bytes\": " << s.old_generation_limit_bytes
        << ", \"max_old_generation_bytes\": " << s.max_old_generation_bytes
        << ", \"heap_limit_bytes\": " << s.heap_limit_bytes
        << ", \"allocated_total_bytes\": " << s.allocated_total_bytes
        << ", \"promoted_total_bytes\": " << s.promoted_total_bytes
        << ", \"marking\": " << (s.marking ? "true" : "false") << "}"
        << (n + 1 < samples.size() ? "," : "") << "\n";
    }
    o << "]\n";
  }
  return WriteFileAtomically(path, o.str());
}

}  // namespace heaplab
