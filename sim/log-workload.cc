#include "sim/log-workload.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <map>
#include <sstream>

#include "sim/calibration.h"

namespace heaplab {

namespace {

constexpr double kMB = 1024.0 * 1024.0;  // V8 prints MB of 2^20 bytes
// Windows: at least this long, and at most kMaxWindows of them.
constexpr double kMinWindowMs = 250;
constexpr int kMaxWindows = 100;
// Scavenges whose heap growths give a window's promotion share (they telescope).
constexpr std::size_t kNearestScavenges = 8;
// The longest mean lifetime the fit considers (longer is a leak in all but name).
constexpr double kLongestLifetimeMs = 1e7;
// A lifetime is accepted when its model keeps at least this share of the observed rate.
constexpr double kFitTolerance = 0.9;
// What the derived script allocates per object (sizes 32..288, as the twin lays them out).
constexpr double kMeanObjectBytes = 156;

struct Scavenge {
  double t_ms;
  double allocated;  // bytes since the previous GC
  double promoted;   // bytes the old generation gained (or, after a mark-compact, the copies)
  double interval_ms;
  bool after_mark_compact;  // new space was empty before it: `promoted` is its first survivors
};

double Nvp(const TracedGC& gc, const char* key, double fallback) {
  auto it = gc.nvp.find(key);
  if (it == gc.nvp.end()) return fallback;
  char* end = nullptr;
  const double v = std::strtod(it->second.c_str(), &end);
  return end == it->second.c_str() ? fallback : v;
}

// The share of an interval's objects with exponential lifetimes of mean `tau` alive at the
// interval's end, when allocated evenly over an interval of `t`.
double FirstSurvival(double tau, double t) {
  if (t <= 0) return 1;
  return tau / t * (1 - std::exp(-t / tau));
}

std::string Fixed(double v, int decimals) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.*f", decimals, v);
  return buf;
}

}  // namespace

std::optional<std::string> DeriveWorkload(const TraceLog& log, DerivedWorkload* out) {
  // The busiest process (a log may hold workers' isolates too).
  std::map<std::pair<std::uint32_t, std::uint64_t>, std::size_t> per_isolate;
  for (const TracedGC& gc : log.gcs)
    ++per_isolate[{gc.pid, gc.isolate}];
  if (per_isolate.empty()) return "the log holds no GC lines";
  const auto busiest =
      std::max_element(per_isolate.begin(), per_isolate.end(), [](const auto& a, const auto& b) {
        return a.second < b.second;
      })->first;
  std::vector<const TracedGC*> gcs;
  for (const TracedGC& gc : log.gcs)
    if (gc.pid == busiest.first && gc.isolate == busiest.second) gcs.push_back(&gc);

  DerivedWorkload w;
  w.pid = busiest.first;
  w.log_ended_out_of_memory = log.fatal_message.has_value();
  w.fatal_message = log.fatal_message.value_or("");
  w.used_nvp = !gcs.front()->nvp.empty();
  for (const TracedGC* gc : gcs) {
    (gc->collector == GarbageCollector::kScavenger ? w.scavenges : w.mark_compacts)++;
    w.peak_heap_mb = std::max(w.peak_heap_mb, gc->before_mb);
  }
  if (w.scavenges < 3)
    return "the log has " + std::to_string(w.scavenges) +
           " scavenges: at least 3 are needed to see how the program allocates";
  for (std::size_t i = 1; i < gcs.size(); ++i)
    if (gcs[i]->time_ms < gcs[i - 1]->time_ms)
      return "line " + std::to_string(gcs[i]->line) + ": the GC times go back (" +
             std::to_string(static_cast<long long>(gcs[i]->time_ms)) + " ms after " +
             std::to_string(static_cast<long long>(gcs[i - 1]->time_ms)) +
             " ms): two runs in one log? Give each its own file";
  if (per_isolate.size() > 1)
    w.notes.push_back("the log holds " + std::to_string(per_isolate.size()) +
                      " isolates; the busiest (pid " + std::to_string(w.pid) + ") was used");

  const double end_ms = std::max(gcs.back()->time_ms, 1.0) + 1;
  const double window_ms = std::max(kMinWindowMs, end_ms / kMaxWindows);
  const auto windows = static_cast<std::size_t>(std::ceil(end_ms / window_ms));
  std::vector<double> allocated(windows, 0);
  auto window_of = [&](double t) {
    return std::min(windows - 1, static_cast<std::size_t>(std::max(0.0, t) / window_ms));
  };
  // Spreads `bytes` allocated over (t0, t1] evenly across the windows.
  auto spread = [&](double t0, double t1, double bytes) {
    if (t1 <= t0) {
      allocated[window_of(t0)] += bytes;
      return;
    }
    for (std::size_t k = window_of(t0); k <= window_of(t1 - 1e-9); ++k) {
      const double a = std::max(t0, static_cast<double>(k) * window_ms);
      const double b = std::min(t1, static_cast<double>(k + 1) * window_ms);
      if (b > a) allocated[k] += bytes * (b - a) / (t1 - t0);
    }
  };

  std::vector<Scavenge> scavenges;
  double last_scavenge_ms = 0;
  for (std::size_t i = 1; i < gcs.size(); ++i) {
    const TracedGC& g = *gcs[i];
    const TracedGC& p = *gcs[i - 1];
    const double alloc = Nvp(g, "allocated", std::max(0.0, (g.before_mb - p.after_mb) * kMB));
    spread(p.time_ms, g.time_ms, alloc);
    w.allocated_mb += alloc / kMB;
    if (g.collector != GarbageCollector::kScavenger) continue;
    const bool after_mc = p.collector != GarbageCollector::kScavenger;
    Scavenge s;
    s.t_ms = g.time_ms;
    s.allocated = alloc;
    s.promoted = Nvp(g, "promoted", std::max(0.0, (g.after_mb - p.after_mb) * kMB));
    s.interval_ms = g.time_ms - last_scavenge_ms;
    s.after_mark_compact = after_mc && !w.used_nvp;
    scavenges.push_back(s);
    last_scavenge_ms = g.time_ms;
  }
  const double live0 = gcs.front()->after_mb * kMB;

  // The live heap at mark-compacts, and its lower envelope (never undercut later): leaks.
  std::vector<std::pair<double, double>> marks;  // (time, live bytes)
  for (const TracedGC* gc : gcs)
    if (gc->collector == GarbageCollector::kMarkCompactor)
      marks.emplace_back(gc->time_ms, gc->after_mb * kMB);
  std::vector<double> envelope(marks.size());
  for (std::size_t i = marks.size(); i-- > 0;)
    envelope[i] =
        i + 1 < marks.size() ? std::min(marks[i].second, envelope[i + 1]) : marks[i].second;
  std::vector<double> segment_leak;  // bytes/ms between consecutive mark-compacts
  for (std::size_t i = 0; i + 1 < marks.size(); ++i)
    segment_leak.push_back(std::max(0.0, envelope[i + 1] - envelope[i]) /
                           std::max(1.0, marks[i + 1].first - marks[i].first));
  auto leak_rate_at = [&](double t) {
    if (marks.size() < 2) return 0.0;
    if (t < marks[0].first)
      return std::min(segment_leak[0], std::max(0.0, envelope[0] - live0) / marks[0].first);
    for (std::size_t i = 0; i + 1 < marks.size(); ++i)
      if (t < marks[i + 1].first) return segment_leak[i];
    return segment_leak.back();
  };
  auto live_at = [&](double t) {
    double t0 = 0, l0 = live0;
    for (const auto& [tm, live] : marks) {
      if (t <= tm) return l0 + (live - l0) * (t - t0) / std::max(1e-9, tm - t0);
      t0 = tm;
      l0 = live;
    }
    return l0;
  };
  if (marks.empty())
    w.notes.push_back(
        "no mark-compact in the log: nothing shows which promoted objects die, so they get a "
        "lifetime of four scavenge intervals and no leak is assumed");
  if (!w.used_nvp)
    w.notes.push_back(
        "a --trace-gc log: promotion is read from the heap's growth across scavenges "
        "(--trace-gc-nvp gives it exactly)");

  double leaked = 0;
  double last_promoted_share = 0, last_first_share = -1, last_interval = 1000;
  for (std::size_t k = 0; k < windows; ++k) {
    const double t0 = static_cast<double>(k) * window_ms;
    const double t1 = std::min(end_ms, t0 + window_ms);
    const double tm = (t0 + t1) / 2;
    const double rate = allocated[k] / std::max(1e-9, t1 - t0);
    // The scavenge interval: the intervals overlapping the window, by overlap; the share
    // reaching a scavenge after a mark-compact likewise.
    double interval = 0, weight = 0, first_alloc = 0, first_kept = 0;
    for (const Scavenge& s : scavenges) {
      const double a = std::max(t0, s.t_ms - s.interval_ms), b = std::min(t1, s.t_ms);
      const double overlap = s.interval_ms > 0 ? std::max(0.0, b - a) / s.interval_ms
                                               : (s.t_ms >= t0 && s.t_ms < t1 ? 1.0 : 0.0);
      if (overlap <= 0) continue;
      interval += s.interval_ms * overlap;
      weight += overlap;
      if (s.after_mark_compact) {
        first_alloc += s.allocated * overlap;
        first_kept += s.promoted * overlap;
      }
    }
    if (weight > 0) last_interval = interval / weight;
    const double t = std::max(1.0, last_interval);
    // The promotion share: the nearest scavenges that followed a scavenge.
    std::vector<const Scavenge*> nearest;
    for (const Scavenge& s : scavenges)
      if (!s.after_mark_compact) nearest.push_back(&s);
    const std::size_t n = std::min(kNearestScavenges, nearest.size());
    std::partial_sort(nearest.begin(), nearest.begin() + static_cast<std::ptrdiff_t>(n),
                      nearest.end(), [&](const Scavenge* a, const Scavenge* b) {
                        return std::abs(a->t_ms - tm) < std::abs(b->t_ms - tm);
                      });
    double near_alloc = 0, near_promoted = 0;
    for (std::size_t i = 0; i < n; ++i) {
      near_alloc += nearest[i]->allocated;
      near_promoted += nearest[i]->promoted;
    }
    const bool have_promotion = near_alloc > 0;
    if (have_promotion) last_promoted_share = std::min(1.0, near_promoted / near_alloc);
    if (first_alloc > 0) last_first_share = std::min(1.0, first_kept / first_alloc);

    const double leak = leak_rate_at(tm);
    DerivedPhase phase;
    phase.until_ms = t1;
    phase.allocation_bytes_per_ms = rate;
    phase.leak_share = rate > 0 ? std::min(1.0, leak / rate) : 0;
    const double leaked_before = leaked;
    leaked += leak * (t1 - t0);
    const double mid_live = std::max(0.0, live_at(tm) - live0 - leaked);
    const double mid_growth = (std::max(0.0, live_at(t1) - live0 - leaked) -
                               std::max(0.0, live_at(t0) - live0 - leaked_before)) /
                              std::max(1e-9, t1 - t0);
    double tau = t;
    double mid = 0;
    if (rate > 0 && !marks.empty() && mid_live > 0) {
      // The observed rate the mid-lived must explain: promotion (or first survival).
      const bool by_promotion = have_promotion || last_first_share < 0;
      const double target = std::max(0.0, (by_promotion ? last_promoted_share : last_first_share) -
                                              phase.leak_share) *
                            rate;
      auto model = [&](double tau_ms) {
        const double x = t / tau_ms;
        const double arrivals = std::max(0.0, mid_growth) + mid_live / tau_ms;  // share x rate
        const double first = FirstSurvival(tau_ms, t);
        return arrivals * first * (by_promotion ? std::exp(-x) : 1.0);
      };
      if (target > 0) {
        // The longest lifetime whose model keeps the observed rate, else the closest.
        double best = t, best_gap = -1;
        for (double lt = std::log(kLongestLifetimeMs); lt >= std::log(t / 20); lt -= 0.02) {
          const double v = model(std::exp(lt));
          if (v >= kFitTolerance * target) {
            best = std::exp(lt);
            break;
          }
          if (best_gap < 0 || std::abs(v - target) < best_gap) {
            best_gap = std::abs(v - target);
            best = std::exp(lt);
          }
        }
        tau = best;
        mid = (std::max(0.0, mid_growth) + mid_live / tau) / rate;
      }
    } else if (rate > 0) {
      const double target = std::max(0.0, last_promoted_share - phase.leak_share);
      tau = 4 * t;
      const double survive_two = FirstSurvival(tau, t) * std::exp(-t / tau);
      mid = survive_two > 0 ? target / survive_two : 0;
    }
    phase.mid_share = std::clamp(mid, 0.0, 1.0 - phase.leak_share);
    phase.mid_lifetime_ms = tau;
    // Merge with the previous phase when nothing differs by more than 2%.
    auto close = [](double a, double b) {
      return std::abs(a - b) <= 0.02 * std::max({std::abs(a), std::abs(b), 1e-9});
    };
    if (!w.phases.empty()) {
      DerivedPhase& last = w.phases.back();
      if (close(last.allocation_bytes_per_ms, phase.allocation_bytes_per_ms) &&
          close(last.leak_share, phase.leak_share) && close(last.mid_share, phase.mid_share) &&
          close(last.mid_lifetime_ms, phase.mid_lifetime_ms)) {
        last.until_ms = phase.until_ms;
        continue;
      }
    }
    w.phases.push_back(phase);
  }
  // The scavenge speeds of the machine the log came from: its own pauses fitted as calibrate
  // fits them, on bytes alone (the log does not count objects, and no run of the program tells
  // its objects per byte). An nvp log gives each scavenge's bytes and phases, a verbose log its
  // spaces' use; a plain log neither.
  {
    TraceLog own;
    for (const TracedGC* gc : gcs)
      own.gcs.push_back(*gc);
    HeapFlags base;
    base.scavenge_object_speed = kNoObjectCostSpeed;
    const CalibrationFit fit = FitCalibration(CalibrationSamplesFromLog(own), base);
    if (fit.scavenge_speeds_fitted)
      for (const auto& [name, value] : fit.values)
        if (name == "scavenge_fixed_ms" || name == "scavenge_copy_speed" ||
            name == "scavenge_promote_speed" || name == "scavenge_object_speed")
          w.speed_flags.push_back(CalibratedFlagArgument(name, value));
  }
  // A log that ends out of memory: the derived run goes on with the last phase past the same
  // point, so that under the same flags it runs out of memory too.
  w.duration_ms = w.log_ended_out_of_memory ? end_ms * 1.5 : end_ms;
  if (w.log_ended_out_of_memory) w.phases.back().until_ms = w.duration_ms;
  *out = std::move(w);
  return std::nullopt;
}

std::string DerivedWorkloadScript(const DerivedWorkload& w, std::string_view log_name) {
  std::ostringstream s;
  s << "// Derived by HeapLab from " << log_name << " (" << w.scavenges << " scavenges, "
    << w.mark_compacts << " mark-compacts over " << Fixed(w.duration_ms / 1000, 1) << " s; pid "
    << w.pid << ").\n"
    << "// Each phase is a stretch of the log: how fast the program allocated, and which share of\n"
    << "// it never died (leak), or lived an exponential lifetime (mid) rather than dying young.\n"
    << "// Run it with other flags to see what they would do to this program.\n";
  for (const std::string& note : w.notes)
    s << "// Note: " << note << ".\n";
  if (!w.speed_flags.empty())
    s << "// Its flags are the scavenge speeds fitted to the log's own pauses: node's heuristics\n"
      << "// compare allocation with GC speed, so the replay runs at the speed of the machine the\n"
      << "// log came from (flags given on the command line override them).\n";
  if (w.log_ended_out_of_memory)
    s << "// The log ended: " << w.fatal_message << "\n"
      << "// Its heap reached " << Fixed(w.peak_heap_mb, 1)
      << " MB: run this with the --max-old-space-size the process had (HeapLab's default is\n"
      << "// this machine's, as node's is) to see it run out of memory at the same point.\n";
  s << "workload({\n"
    << "  description: \"Derived from the GC log " << log_name << "\",\n"
    << "  flags: [";
  for (std::size_t i = 0; i < w.speed_flags.size(); ++i)
    s << (i ? ", " : "") << '"' << w.speed_flags[i] << '"';
  s << "],\n"
    << "  durationMs: " << Fixed(w.duration_ms, 0) << ",\n"
    << "});\n\n"
    << "// until: ms; rate: bytes allocated per ms; leak, mid: shares of them; midMs: mean life.\n"
    << "const PHASES = [\n";
  for (const DerivedPhase& p : w.phases)
    s << "  { until: " << Fixed(p.until_ms, 0) << ", rate: " << Fixed(p.allocation_bytes_per_ms, 0)
      << ", leak: " << Fixed(p.leak_share, 4) << ", mid: " << Fixed(p.mid_share, 4)
      << ", midMs: " << Fixed(p.mid_lifetime_ms, 0) << " },\n";
  s << "];\n"
    << "const TICK = 10;         // ms between allocation bursts\n"
    << "const TURN_BYTES = 860;  // node's event loop allocates this per timer turn (HeapLab "
       "adds it)\n"
    << "const SIZE = { min: 32, max: 288 };\n"
    << "const MEAN_BYTES = " << Fixed(kMeanObjectBytes, 0) << ";\n"
    << "// One options object each, made once: HeapLab counts their allocation only once. Strings\n"
    << "// and site-less objects carry no allocation mementos: the log already shows what V8\n"
    << "// pretenured (as promotion), so the replay must not pretenure on top of it.\n"
    << "const LEAK = { count: 0, size: SIZE, slots: 1, shape: \"list\" };\n"
    << "const MID = { count: 0, size: SIZE, kind: \"string\", site: \"mid-lived\", lifetime: { "
       "mean: 1 } };\n"
    << "const SHORT = { count: 0, size: SIZE, kind: \"string\", site: \"short-lived\" };\n"
    << "let phase = 0, carry = 0;\n\n"
    << "sim.every(TICK, () => {\n"
    << "  while (phase < PHASES.length - 1 && sim.now() >= PHASES[phase].until) phase++;\n"
    << "  const p = PHASES[phase];\n"
    << "  carry += p.rate * TICK - TURN_BYTES;\n"
    << "  const n = Math.floor(carry / MEAN_BYTES);\n"
    << "  if (n <= 0) return;\n"
    << "  carry -= n * MEAN_BYTES;\n"
    << "  const leaked = Math.round(n * p.leak), mid = Math.round(n * p.mid);\n"
    << "  const young = n - leaked - mid;\n"
    << "  if (leaked > 0) { LEAK.count = leaked; heap.global(heap.allocMany(LEAK)); }\n"
    << "  if (mid > 0) { MID.count = mid; MID.lifetime.mean = p.midMs; heap.allocMany(MID); }\n"
    << "  if (young > 0) { SHORT.count = young; heap.allocMany(SHORT); }\n"
    << "});\n";
  return s.str();
}

}  // namespace heaplab
