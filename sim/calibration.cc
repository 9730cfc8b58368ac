#include "sim/calibration.h"

#include <stdlib.h>
#include <algorithm>
#include <array>
#include <cmath>
#include <fstream>
#include <limits>
#include <sstream>

#include "sim/globals.h"
#include "sim/report.h"

namespace heaplab {

namespace {

constexpr std::string_view kCalibratedGroup = "Calibrated speeds";
// Promoted bytes beyond the previous scavenge's survivors that still count as copies: half the
// smallest large object.
constexpr double kLargeObjectSlackBytes = kMaxRegularHeapObjectSizeNode20 / 2.0;

double Key(const TracedGC& gc, const char* key) {
  auto it = gc.nvp.find(key);
  if (it == gc.nvp.end()) return 0;
  return std::strtod(it->second.c_str(), nullptr);
}

// Least squares of y on the columns `use` of x (an intercept is column 0), by the normal
// equations. Returns false if singular.
template <std::size_t N>
bool SolveLeastSquares(const std::vector<std::array<double, N>>& x,
                       const std::vector<double>& y,
                       const std::array<bool, N>& use,
                       std::array<double, N>* beta) {
  std::vector<std::size_t> cols;
  for (std::size_t j = 0; j < N; ++j)
    if (use[j]) cols.push_back(j);
  const std::size_t n = cols.size();
  double a[N][N + 1] = {};
  for (std::size_t i = 0; i < x.size(); ++i)
    for (std::size_t r = 0; r < n; ++r) {
      for (std::size_t c = 0; c < n; ++c)
        a[r][c] += x[i][cols[r]] * x[i][cols[c]];
      a[r][n] += x[i][cols[r]] * y[i];
    }
  // Singular relative to the largest diagonal entry: the entries are (ms per byte)², about
  // 1e-12 each, so an absolute threshold would turn down a few fast mark-compacts.
  double scale = 0;
  for (std::size_t r = 0; r < n; ++r)
    scale = std::max(scale, std::fabs(a[r][r]));
  if (!(scale > 0)) return false;
  for (std::size_t c = 0; c < n; ++c) {  // Gauss-Jordan with partial pivoting
    std::size_t piv = c;
    for (std::size_t r = c + 1; r < n; ++r)
      if (std::fabs(a[r][c]) > std::fabs(a[piv][c])) piv = r;
    if (std::fabs(a[piv][c]) < 1e-12 * scale) return false;
    for (std::size_t k = 0; k <= n; ++k)
      std::swap(a[c][k], a[piv][k]);
    for (std::size_t r = 0; r < n; ++r) {
      if (r == c) continue;
      const double f = a[r][c] / a[c][c];
      for (std::size_t k = c; k <= n; ++k)
        a[r][k] -= f * a[c][k];
    }
  }
  beta->fill(0);
  for (std::size_t r = 0; r < n; ++r)
    (*beta)[cols[r]] = a[r][n] / a[r][r];
  return true;
}

// How many times faster than one thread node ran scavenge `s`: its helpers' time over the main
// thread's in the parallel phase, at most the cores they share (`most`).
double ObservedSpeedup(const CalibrationSample& s, double most) {
  if (s.parallel_ms <= 0) return 1;
  return std::clamp(1 + s.background_ms / s.parallel_ms, 1.0, std::max(1.0, most));
}

// The scavenge pause the fit's beta (fixed ms; ms per copied byte, per promoted byte and per
// object on one thread) gives `s`.
double PredictScavenge(const std::array<double, 4>& beta, const CalibrationSample& s, double most) {
  return beta[0] + (beta[1] * s.copied_bytes + beta[2] * s.promoted_bytes + beta[3] * s.objects) /
                       ObservedSpeedup(s, most);
}

}  // namespace

std::vector<CalibrationSample> CalibrationSamplesFromLog(const TraceLog& log) {
  std::vector<CalibrationSample> out;
  double previous_after = -1;
  double previous_survived = 0;  // what the previous GC left in new space
  // --trace-gc-verbose: each space's use after the previous GC (-1: none seen yet).
  double previous_old_kb = -1, previous_large_kb = 0, previous_new_kb = 0;
  for (const TracedGC& gc : log.gcs) {
    if (gc.nvp.empty()) {
      // A verbose log's scavenge: what new space holds after it was copied there, and what
      // old space gained was promoted (with what V8 allocated there directly since the last GC,
      // which the log cannot tell apart); large-object space's gain is young large objects,
      // moved by page. Its pause is not split into phases: one thread's, as far as the fit
      // knows.
      const auto& used = gc.space_used_kb;
      const auto new_kb = used.find("New space"), old_kb = used.find("Old space");
      if (new_kb == used.end() || old_kb == used.end()) continue;
      const auto large = used.find("Large object space");
      const double large_kb = large == used.end() ? 0 : large->second;
      if (gc.collector == GarbageCollector::kScavenger && previous_old_kb >= 0 && gc.pause_ms > 0) {
        CalibrationSample s;
        s.pause_ms = gc.pause_ms;
        s.copied_bytes = new_kb->second * KB;
        s.promoted_bytes = std::max(0.0, old_kb->second - previous_old_kb) * KB;
        const double large_promoted = std::max(0.0, large_kb - previous_large_kb) * KB;
        s.promoted_bytes += large_promoted;
        s.promoted_large_objects =
            large_promoted > 0 || s.promoted_bytes > previous_new_kb * KB + kLargeObjectSlackBytes;
        out.push_back(s);
      }
      previous_old_kb = old_kb->second;
      previous_large_kb = large_kb;
      previous_new_kb = new_kb->second;
      continue;
    }
    CalibrationSample s;
    s.mark_compact = gc.collector == GarbageCollector::kMarkCompactor;
    s.pause_ms = Key(gc, "pause");
    s.promoted_bytes = Key(gc, "promoted");
    s.mutator_ms = Key(gc, "mutator");
    const double before = Key(gc, "total_size_before"), after = Key(gc, "total_size_after");
    // V8 11's new_space_survived is new_space_surviving_object_size(): the bytes copied inside
    // new space, promotion not included.
    const double survived = Key(gc, "new_space_survived");
    // nvp's own allocated= is wrong during incremental marking (node20-observed §8): recompute.
    if (previous_after >= 0) s.allocated_bytes = std::max(0.0, before - previous_after);
    previous_after = after;
    if (s.mark_compact) {
      s.mark_ms = Key(gc, "mark");
      s.incremental_ms = Key(gc, "incremental");
      s.background_mark_ms = Key(gc, "background.mark");
      if (gc.incremental) s.concurrent_wall_ms = std::max(0.0, gc.marking_walltime_ms - s.pause_ms);
      s.evacuate_ms = Key(gc, "evacuate");
      s.rebalance_ms = Key(gc, "evacuate.rebalance");
      s.reduce_memory = Key(gc, "reduce_memory") > 0;
      s.finish_ms = Key(gc, "finish");
      s.live_bytes = after;
    } else {
      s.copied_bytes = survived;
      s.parallel_ms = Key(gc, "scavenge.parallel");
      s.background_ms = Key(gc, "background.scavenge.parallel");
      // An object is promoted at its second survival, so a scavenge promotes at most what the
      // previous one copied (node20-observed §6.2), unless young large objects moved by page.
      s.promoted_large_objects = s.promoted_bytes > previous_survived + kLargeObjectSlackBytes;
    }
    previous_survived = survived;
    out.push_back(s);
  }
  return out;
}

double ScavengeObjectsPerByte(const std::vector<GCEvent>& events) {
  double objects = 0, bytes = 0;
  for (const GCEvent& e : events) {
    if (e.collector != GarbageCollector::kScavenger || e.page_moved_bytes > 0) continue;
    objects += static_cast<double>(e.objects_copied + e.objects_promoted);
    bytes += static_cast<double>(e.survived_bytes + e.promoted_bytes);
  }
  return bytes > 0 ? objects / bytes : 0;
}

void EstimateScavengeObjects(std::vector<CalibrationSample>& samples, double objects_per_byte) {
  for (CalibrationSample& s : samples)
    if (!s.mark_compact) s.objects = (s.copied_bytes + s.promoted_bytes) * objects_per_byte;
}

PageMovesPerByte MarkCompactPageMovesPerPromotedByte(const std::vector<GCEvent>& events) {
  double pages = 0, objects = 0, moved = 0, promoted = 0;
  for (const GCEvent& e : events) {
    if (e.collector != GarbageCollector::kMarkCompactor || e.reduce_memory) continue;
    pages += static_cast<double>(e.pages_promoted);
    objects += static_cast<double>(e.page_moved_objects);
    moved += static_cast<double>(e.page_moved_bytes);
    promoted += static_cast<double>(e.promoted_bytes);
  }
  if (promoted <= 0) return {};
  return {pages / promoted, objects / promoted, moved / promoted};
}

void EstimateMarkCompactPageMoves(std::vector<CalibrationSample>& samples,
                                  const PageMovesPerByte& per_byte) {
  for (CalibrationSample& s : samples) {
    if (!s.mark_compact) continue;
    const double promoted = s.reduce_memory ? 0 : s.promoted_bytes;
    s.pages_promoted = promoted * per_byte.pages;
    s.page_moved_objects = promoted * per_byte.objects;
    s.page_moved_bytes = promoted * per_byte.bytes;
  }
}

int PausesWithinTarget(const std::vector<double>& node_p50_ms,
                       const std::vector<double>& simulated_p50_ms) {
  int met = 0;
  for (std::size_t i = 0; i < std::min(node_p50_ms.size(), simulated_p50_ms.size()); ++i) {
    const double node = node_p50_ms[i], simulated = simulated_p50_ms[i];
    met += std::isfinite(node) && std::isfinite(simulated) &&
           std::abs(simulated - node) <= 0.3 * std::max(simulated, node);
  }
  return met;
}

double PauseLogDistance(const std::vector<double>& node_p50_ms,
                        const std::vector<double>& simulated_p50_ms) {
  double distance = 0;
  for (std::size_t i = 0; i < std::min(node_p50_ms.size(), simulated_p50_ms.size()); ++i) {
    const double node = node_p50_ms[i], simulated = simulated_p50_ms[i];
    if (std::isfinite(node) && std::isfinite(simulated) && node > 0 && simulated > 0)
      distance += std::abs(std::log(simulated / node));
  }
  return distance;
}

namespace {
// `values` in increasing order, each once.
std::vector<double> SortedUnique(std::vector<double> values) {
  std::sort(values.begin(), values.end());
  values.erase(std::unique(values.begin(), values.end()), values.end());
  return values;
}

// The best of the candidates offered: the one that meets node's p50 in the most workloads; among
// equals (unless the prior wins ties and is one of them) the one whose p50s lie nearest node's,
// then the one nearest the prior.
struct BestCandidate {
  double prior;
  double best;
  // Whether the prior keeps its place against candidates that meet as many.
  bool prior_wins_ties = false;
  int best_met = -1;
  double best_distance = std::numeric_limits<double>::infinity();
  void Offer(double value, int met, double distance) {
    constexpr double kSameDistance = 1e-9;
    bool better;
    if (met != best_met)
      better = met > best_met;
    else if (prior_wins_ties && (value == prior || best == prior))
      better = value == prior;
    else
      better = distance < best_distance - kSameDistance ||
               (distance <= best_distance + kSameDistance &&
                std::abs(value - prior) < std::abs(best - prior));
    if (!better) return;
    best_met = met;
    best = value;
    best_distance = distance;
  }
};
}  // namespace

double FitFixedCostBySimulation(const std::vector<double>& node_p50_ms,
                                const std::vector<double>& simulated_p50_ms,
                                double simulated_fixed_ms,
                                double prior_ms) {
  BestCandidate best{prior_ms, prior_ms};
  std::vector<double> shifted(simulated_p50_ms.size());
  for (int step = 0; step <= 1000; ++step) {
    const double fixed_ms = step / 100.0;
    for (std::size_t i = 0; i < shifted.size(); ++i)
      shifted[i] = std::max(0.0, simulated_p50_ms[i] + fixed_ms - simulated_fixed_ms);
    best.Offer(fixed_ms, PausesWithinTarget(node_p50_ms, shifted),
               PauseLogDistance(node_p50_ms, shifted));
  }
  return best.best;
}

std::vector<double> FixedCostCandidates(double estimate_ms, double prior_ms) {
  std::vector<double> out;
  for (double d : {-0.5, -0.25, 0.0, 0.25, 0.5})
    if (estimate_ms + d >= 0) out.push_back(std::round((estimate_ms + d) * 100) / 100);
  out.push_back(prior_ms);
  return SortedUnique(std::move(out));
}

std::vector<double> SpeedCandidates(double estimate, double prior) {
  auto round3 = [](double v) {
    if (!(v > 0)) return v;
    const double scale = std::pow(10.0, std::floor(std::log10(v)) - 2);
    return std::round(v / scale) * scale;
  };
  return SortedUnique({round3(0.8 * estimate), round3(estimate), round3(1.25 * estimate), prior});
}

double ChooseBySimulation(
    const std::vector<double>& node_p50_ms,
    const std::vector<double>& candidates,
    double estimate,
    double prior,
    const std::function<std::optional<std::vector<double>>(double)>& simulate) {
  // A handful of calibration workloads' p50s are noisy: the table's value stays unless another
  // meets node's in more of them.
  BestCandidate best{prior, estimate, true};
  for (double candidate : candidates)
    if (const std::optional<std::vector<double>> p50 = simulate(candidate))
      best.Offer(candidate, PausesWithinTarget(node_p50_ms, *p50),
                 PauseLogDistance(node_p50_ms, *p50));
  return best.best;
}

CalibrationFit FitCalibration(const std::vector<CalibrationSample>& samples,
                              const HeapFlags& base) {
  CalibrationFit fit;
  HeapFlags f = base;

  // Scavenges: pause = fixed + (copied / copy_speed + promoted / promote_speed) / speed-up,
  // non-negative, where the speed-up is what node's own helpers gave that scavenge (so the
  // speeds are one thread's, as the simulator's are). Each row is divided by its pause: the fit
  // minimizes relative error, so the many short pauses (which set the p50) weigh as much as the
  // few long ones.
  const double most = f.scavenge_parallel_speedup;
  std::vector<std::array<double, 4>> x;
  std::vector<double> y;
  // Scavenges that promoted young large objects are left out: a large object moves by page
  // and costs its slot visits, not a copy, so its bytes would make promotion look fast.
  auto fitted_scavenge = [](const CalibrationSample& s) {
    return !s.mark_compact && s.pause_ms > 0 && !s.promoted_large_objects;
  };
  bool objects_known = false;
  for (const CalibrationSample& s : samples) {
    if (!fitted_scavenge(s)) continue;
    const double w = 1 / std::max(s.pause_ms, 0.05);
    const double speedup = ObservedSpeedup(s, most);
    x.push_back(
        {w, w * s.copied_bytes / speedup, w * s.promoted_bytes / speedup, w * s.objects / speedup});
    y.push_back(w * s.pause_ms);
    objects_known = objects_known || s.objects > 0;
  }
  fit.scavenges = y.size();
  if (y.size() >= 8) {
    // Non-negative least squares over the 4 unknowns: the best of the subsets whose solution
    // is non-negative (without object counts, of the first 3).
    double best_sse = std::numeric_limits<double>::infinity();
    std::array<double, 4> best{};
    for (int mask = 1; mask < (objects_known ? 16 : 8); ++mask) {
      std::array<bool, 4> use{};
      for (std::size_t j = 0; j < 4; ++j)
        use[j] = (mask & (1 << j)) != 0;
      std::array<double, 4> beta{};
      if (!SolveLeastSquares(x, y, use, &beta)) continue;
      if (std::any_of(beta.begin(), beta.end(), [](double b) { return b < 0; })) continue;
      double sse = 0;
      for (std::size_t i = 0; i < y.size(); ++i) {
        double predicted = 0;
        for (std::size_t j = 0; j < 4; ++j)
          predicted += beta[j] * x[i][j];
        sse += (y[i] - predicted) * (y[i] - predicted);
      }
      if (sse < best_sse) best_sse = sse, best = beta;
    }
    // How well the model predicts node's own pauses: the median relative error.
    std::vector<double> errors;
    for (const CalibrationSample& smp : samples) {
      if (!fitted_scavenge(smp)) continue;
      errors.push_back(std::fabs(PredictScavenge(best, smp, most) - smp.pause_ms) / smp.pause_ms);
    }
    fit.scavenge_median_error = Median(errors);
    f.scavenge_fixed_ms = best[0];
    // A byte kind the fit dropped costs no more than the other: what its speed means when
    // the objects carry the rest.
    fit.scavenge_speeds_fitted = best[1] > 0 || (best[2] > 0 && best[3] > 0);
    if (best[1] > 0)
      f.scavenge_copy_speed = 1 / best[1];
    else if (best[2] > 0 && best[3] > 0)
      f.scavenge_copy_speed = 1 / best[2];
    else
      fit.notes.push_back("copied bytes did not explain scavenge pauses: copy speed kept");
    if (best[2] > 0)
      f.scavenge_promote_speed = 1 / best[2];
    else if (best[1] > 0 && best[3] > 0)
      f.scavenge_promote_speed = 1 / best[1];
    else
      fit.notes.push_back("promoted bytes did not explain scavenge pauses: promotion speed kept");
    if (best[3] > 0)
      f.scavenge_object_speed = 1 / best[3];
    else if (objects_known)
      fit.notes.push_back(
          "objects did not explain scavenge pauses beyond their bytes: "
          "object speed kept");
    else
      fit.notes.push_back("no object counts: object speed kept");
  } else {
    fit.notes.push_back("fewer than 8 scavenges: scavenge speeds kept");
  }

  // Mark-compacts: the live bytes are marked by the main thread in incremental steps, by it
  // and the parallel helpers in the pause's mark phase (up to marking_parallel_speedup threads,
  // as the simulator shares the pause's marking), and by the concurrent markers while marking
  // ran before the pause:
  //   live = marking_speed * (marking_parallel_speedup * mark + incremental)
  //          + concurrent_marking_speed * (incremental_walltime_duration - pause),
  // fitted over the mark-compacts, each divided by its live bytes so that each counts alike.
  // The concurrent term is wall time, which is what --concurrent-marking-speed means (the
  // markers together, sharing the cores with the main thread); background.mark sums the
  // markers' own times and is not used. The finish phase is where the concurrent sweepers
  // start and, on a machine with fewer cores than they and the main thread, delay the pause:
  // its mean over the mark-compacts that leave a heap to sweep is the most they delay it. The
  // rest of the pause beyond marking, evacuation and the finish phase is the fixed cost.
  std::vector<std::array<double, 3>> mx;
  std::vector<double> my;
  // Refilling new space after page promotion (evacuate.rebalance) is HeapLab's own term, per
  // page moved: it is fitted over the mark-compacts estimated to have moved pages. The rest of
  // the evacuation phase, less the moved pages' objects at base's speed, copied the promoted
  // bytes that were not moved, on top of a floor every mark-compact pays (node's evacuate.copy
  // and update_pointers take 0.5 ms when nothing is promoted; HeapLab's fixed cost holds it):
  // a least-squares line through them gives the evacuation speed as its slope, if 2 of them or
  // more copied 1 MB (node's page promotion moves most young survivors: the paced calibration
  // workloads' mark-compacts copy under 0.5 MB each, too little to time the copying).
  std::vector<std::array<double, 2>> ex;
  std::vector<double> ey;
  std::size_t copying = 0;
  double finish_ms = 0;
  double pages_promoted = 0, rebalance_ms = 0;
  std::size_t finish_count = 0, page_moving = 0;
  std::vector<double> rest_ms;
  for (const CalibrationSample& s : samples) {
    if (!s.mark_compact) continue;
    ++fit.mark_compacts;
    ex.push_back({1, std::max(0.0, s.promoted_bytes - s.page_moved_bytes)});
    if (ex.back()[1] >= static_cast<double>(MB)) ++copying;
    ey.push_back(std::max(
        0.0, s.evacuate_ms - s.rebalance_ms - s.page_moved_objects / base.moved_page_object_speed));
    if (s.pages_promoted > 0) {
      pages_promoted += s.pages_promoted;
      rebalance_ms += s.rebalance_ms;
      ++page_moving;
    }
    rest_ms.push_back(std::max(0.0, s.pause_ms - s.mark_ms - s.evacuate_ms - s.finish_ms));
    // The mark-compacts that leave pages enough for the sweepers' start to show in full.
    if (s.live_bytes >= static_cast<double>(kSweeperContentionBytes)) {
      finish_ms += s.finish_ms;
      ++finish_count;
    }
    if (s.live_bytes > 0 && s.mark_ms + s.incremental_ms > 0) {
      mx.push_back({0, (f.marking_parallel_speedup * s.mark_ms + s.incremental_ms) / s.live_bytes,
                    s.concurrent_wall_ms / s.live_bytes});
      my.push_back(1);
    }
  }
  double main_speed = 0, concurrent_speed = 0;
  for (const std::array<bool, 3>& use :
       {std::array<bool, 3>{false, true, true}, std::array<bool, 3>{false, true, false}}) {
    std::array<double, 3> beta{};
    if (SolveLeastSquares<3>(mx, my, use, &beta) && beta[1] > 0 && beta[2] >= 0) {
      main_speed = beta[1];
      concurrent_speed = beta[2];
      break;
    }
  }
  if (fit.mark_compacts >= 2 && main_speed > 0) {
    f.marking_speed = main_speed;
    if (concurrent_speed > 0)
      f.concurrent_marking_speed = concurrent_speed;
    else
      fit.notes.push_back(
          "no incremental marking in the mark-compacts: concurrent marking speed kept");
    f.mark_compact_fixed_ms = Median(rest_ms);
    if (finish_count >= 2)
      f.sweeper_contention_ms = finish_ms / static_cast<double>(finish_count);
    else
      fit.notes.push_back("fewer than 2 mark-compacts of a 4 MB heap: sweeper contention kept");
    if (copying < 2) {
      fit.notes.push_back(
          "fewer than 2 mark-compacts that copied 1 MB (the rest moved by page): evacuation "
          "speed kept");
    } else {
      // With the floor as intercept if that is non-negative, else through 0.
      double ms_per_byte = 0;
      for (const std::array<bool, 2>& use :
           {std::array<bool, 2>{true, true}, std::array<bool, 2>{false, true}}) {
        std::array<double, 2> beta{};
        if (SolveLeastSquares<2>(ex, ey, use, &beta) && beta[0] >= 0 && beta[1] > 0) {
          ms_per_byte = beta[1];
          break;
        }
      }
      if (ms_per_byte > 0)
        f.evacuation_speed = 1 / ms_per_byte;
      else
        fit.notes.push_back(
            "copied bytes did not explain the mark-compacts' evacuation: evacuation speed kept");
    }
    if (page_moving >= 2 && rebalance_ms > 0)
      f.new_space_rebalance_speed = pages_promoted / rebalance_ms;
    else
      fit.notes.push_back(
          "fewer than 2 mark-compacts that moved pages out of new space: rebalance speed kept");
  } else {
    fit.notes.push_back("fewer than 2 mark-compacts: mark-compact speeds kept");
  }

  // The program itself: bytes allocated per ms of mutator time.
  double allocated = 0, mutator = 0;
  // nvp's mutator= is sometimes absurd (tens of millions of ms after a memory-reducing GC):
  // only gaps under 10 s count.
  for (const CalibrationSample& s : samples) {
    if (s.allocated_bytes > 0 && s.mutator_ms > 0 && s.mutator_ms < 10000) {
      allocated += s.allocated_bytes;
      mutator += s.mutator_ms;
    }
  }
  if (mutator > 0)
    f.mutator_speed = allocated / mutator;
  else
    fit.notes.push_back("no mutator time in the logs: mutator speed kept");

  for (const FlagInfo& info : AllFlags()) {
    if (info.group != kCalibratedGroup || info.type != FlagType::kDouble) continue;
    double& v = f.*std::get<double HeapFlags::*>(info.field);
    if (!std::isfinite(v)) v = base.*std::get<double HeapFlags::*>(info.field);
    v = std::clamp(v, info.min_value, info.max_value);
    fit.values.emplace_back(std::string(info.name), v);
  }
  return fit;
}

std::string FormatCalibrationProfile(const CalibrationFit& fit, const std::string& header) {
  std::ostringstream out;
  std::istringstream lines(header);
  for (std::string line; std::getline(lines, line);)
    out << "# " << line << "\n";
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.0f%%", 100 * fit.scavenge_median_error);
  out << "# " << fit.scavenges << " scavenges and " << fit.mark_compacts
      << " mark-compacts; the scavenge pause model's median error on them: " << buf << "\n";
  for (const std::string& note : fit.notes)
    out << "# note: " << note << "\n";
  for (const auto& [name, value] : fit.values)
    out << CalibratedFlagArgument(name, value) << "\n";
  return out.str();
}

std::string CalibratedFlagArgument(std::string_view name, double value) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.6g", value);
  return "--" + std::string(FindFlag(name)->cli_name) + "=" + buf;
}

std::optional<std::string> ApplyCalibrationFile(const std::string& path, HeapFlags& flags) {
  std::ifstream in(path);
  if (!in) return path + ": cannot read calibration profile";
  HeapFlags result = flags;
  int line_no = 0;
  bool copy_speed_set = false, object_speed_set = false;
  for (std::string line; std::getline(in, line);) {
    ++line_no;
    const auto first = line.find_first_not_of(" \t\r");
    if (first == std::string::npos || line[first] == '#') continue;
    line = line.substr(first, line.find_last_not_of(" \t\r") - first + 1);
    std::string name = line.substr(0, line.find('='));
    while (!name.empty() && name.front() == '-')
      name.erase(name.begin());
    const FlagInfo* info = FindFlag(name);
    if (info == nullptr)
      return path + ":" + std::to_string(line_no) + ": unknown flag '" + line + "'";
    if (info->group != kCalibratedGroup)
      return path + ":" + std::to_string(line_no) + ": --" + std::string(info->cli_name) +
             " is not a calibrated speed; a profile sets only those";
    const std::vector<std::string> args{line};
    if (auto err = ParseFlags(result, args))
      return path + ":" + std::to_string(line_no) + ": " + *err;
    copy_speed_set = copy_speed_set || info->name == "scavenge_copy_speed";
    object_speed_set = object_speed_set || info->name == "scavenge_object_speed";
  }
  // A profile written before scavenges cost per object (2026-12-06) fitted its byte speeds to
  // the whole of node's pauses: no object cost on top of them.
  if (copy_speed_set && !object_speed_set) result.scavenge_object_speed = kNoObjectCostSpeed;
  flags = result;
  return std::nullopt;
}

std::string DefaultCalibrationPath() {
  if (const char* env = std::getenv("HEAPLAB_CALIBRATION"); env && *env)
    return std::string(env) == "none" ? std::string() : std::string(env);
  if (const char* xdg = std::getenv("XDG_CONFIG_HOME"); xdg && *xdg)
    return std::string(xdg) + "/heaplab/calibration.flags";
  if (const char* home = std::getenv("HOME"); home && *home)
    return std::string(home) + "/.config/heaplab/calibration.flags";
  return {};
}

std::optional<std::string> ApplyDefaultCalibration(HeapFlags& flags, std::string* applied_path) {
  const std::string path = DefaultCalibrationPath();
  if (path.empty()) return std::nullopt;
  std::ifstream probe(path);
  if (!probe) {
    // A path named explicitly must exist; the default location is optional.
    if (const char* env = std::getenv("HEAPLAB_CALIBRATION"); env && *env)
      return path + ": cannot read calibration profile (HEAPLAB_CALIBRATION)";
    return std::nullopt;
  }
  if (auto err = ApplyCalibrationFile(path, flags)) return err;
  if (applied_path) *applied_path = path;
  return std::nullopt;
}

HeapFlags CalibratedDefaults() {
  HeapFlags flags;
  HeapFlags calibrated = flags;
  if (!ApplyDefaultCalibration(calibrated, nullptr)) flags = calibrated;
  return flags;
}

std::optional<std::string> TakeCalibrationArgument(std::vector<std::string>& args) {
  for (std::size_t i = 0; i < args.size(); ++i) {
    std::string value;
    if (args[i] == "--calibration") {
      // "--calibration --run": the next argument is an option, not a file.
      if (i + 1 >= args.size() || args[i + 1].rfind("--", 0) == 0)
        return "--calibration needs a FILE (or none)";
      value = args[i + 1];
      args.erase(args.begin() + static_cast<std::ptrdiff_t>(i),
                 args.begin() + static_cast<std::ptrdiff_t>(i) + 2);
    } else if (args[i].rfind("--calibration=", 0) == 0) {
      value = args[i].substr(14);
      args.erase(args.begin() + static_cast<std::ptrdiff_t>(i));
    } else {
      continue;
    }
    if (value.empty()) return "--calibration needs a FILE (or none)";
    ::setenv("HEAPLAB_CALIBRATION", value.c_str(), 1);
    return std::nullopt;
  }
  return std::nullopt;
}

std::optional<std::string> SetUpCalibration(std::vector<std::string>& args) {
  if (auto err = TakeCalibrationArgument(args)) return err;
  HeapFlags check;
  return ApplyDefaultCalibration(check, nullptr);
}

}  // namespace heaplab
