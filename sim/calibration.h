// Calibration: fitting the simulator's speed flags ("Calibrated speeds" in the flag table) to
// real node's --trace-gc-nvp logs on this machine, and the profile file that carries them.
// A profile is node-style flags, one per line, with # comments, so it reads like the command
// line it stands for:
//   # HeapLab calibration profile: fitted 2026-11-25 ...
//   --scavenge-fixed-ms=0.21
// The CLI and the GUI apply it over the defaults and under the workload's and the user's flags.
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "sim/flags.h"
#include "sim/gc-event.h"
#include "sim/trace-parser.h"

namespace heaplab {

// What one GC of a node log tells about speeds.
struct CalibrationSample {
  bool mark_compact = false;
  double pause_ms = 0;
  double copied_bytes = 0;    // scavenge: copied within new space ("new_space_survived")
  double promoted_bytes = 0;  // promoted to old space
  // Scavenge: objects evacuated (copied or promoted). Node's log does not say: calibrate
  // estimates them from the bytes, at the objects per byte HeapLab's run of the same workload
  // evacuates (ScavengeObjectsPerByte). 0: unknown.
  double objects = 0;
  // Scavenge: the main thread's parallel phase ("scavenge.parallel") and the helpers' time in it
  // ("background.scavenge.parallel"): how parallel this scavenge was.
  double parallel_ms = 0;
  double background_ms = 0;
  // Scavenge: promoted more than the previous GC left in new space, so young large objects
  // (promoted by page at their first survival, not copied) are among the promoted bytes.
  bool promoted_large_objects = false;
  double mark_ms = 0;             // mark-compact: marking in the pause ("mark=")
  double incremental_ms = 0;      // mark-compact: incremental marking before it
  double background_mark_ms = 0;  // mark-compact: the concurrent markers' time ("background.mark")
  // Mark-compact: wall time from the start of marking to the atomic pause
  // ("incremental_walltime_duration" minus "pause"), while the concurrent markers ran.
  double concurrent_wall_ms = 0;
  double evacuate_ms = 0;  // mark-compact: evacuation in the pause ("evacuate=")
  // Mark-compact: new space refilled with pages after page promotion ("evacuate.rebalance",
  // part of evacuate_ms).
  double rebalance_ms = 0;
  // Mark-compact: semi-space pages page promotion moved whole to old space, and the live
  // objects and bytes on them (part of promoted_bytes). Node's log does not say: calibrate
  // estimates them from the promoted bytes, at what HeapLab's run of the same workload moves
  // per promoted byte (MarkCompactPageMovesPerPromotedByte). 0: unknown or none.
  double pages_promoted = 0;
  double page_moved_objects = 0;
  double page_moved_bytes = 0;
  bool reduce_memory = false;  // mark-compact: memory-reducing ("reduce_memory=1"): no page moves
  // Mark-compact: the finish phase ("finish="), where the concurrent sweepers start.
  double finish_ms = 0;
  double live_bytes = 0;       // mark-compact: size after (what marking found)
  double mutator_ms = 0;       // time the program ran since the previous GC ("mutator=")
  double allocated_bytes = 0;  // bytes allocated since the previous GC
};

// The samples of a --trace-gc-nvp log, and the scavenges of a --trace-gc-verbose one (copied:
// new space's use after it; promoted: old and large-object space's gain since the previous GC;
// no phases). Plain --trace-gc lines are skipped.
std::vector<CalibrationSample> CalibrationSamplesFromLog(const TraceLog& log);

// Objects per byte that `events`' scavenges evacuated (copied or promoted), over the scavenges
// that moved no young large object by page; 0 if none evacuated anything.
double ScavengeObjectsPerByte(const std::vector<GCEvent>& events);

// Sets each scavenge sample's `objects` to its copied and promoted bytes times
// `objects_per_byte` (what a workload's samples get from ScavengeObjectsPerByte).
void EstimateScavengeObjects(std::vector<CalibrationSample>& samples, double objects_per_byte);

// What mark-compacts moved whole out of new space (page promotion, young large objects), per
// byte they promoted.
struct PageMovesPerByte {
  double pages = 0;    // semi-space pages
  double objects = 0;  // live objects on the moved pages
  double bytes = 0;    // their bytes: the share of the promoted bytes not copied
};

// What `events`' mark-compacts moved per byte they promoted, over those that did not reduce
// memory (a memory-reducing one moves no page); all 0 if they promoted nothing.
PageMovesPerByte MarkCompactPageMovesPerPromotedByte(const std::vector<GCEvent>& events);

// Sets each mark-compact sample's pages_promoted, page_moved_objects and page_moved_bytes to its
// promoted bytes times `per_byte` (what a workload's samples get from
// MarkCompactPageMovesPerPromotedByte), or 0 where it reduced memory.
void EstimateMarkCompactPageMoves(std::vector<CalibrationSample>& samples,
                                  const PageMovesPerByte& per_byte);

struct CalibrationFit {
  // Fitted flag values, by flag name (underscore spelling), in table order.
  std::vector<std::pair<std::string, double>> values;
  std::size_t scavenges = 0, mark_compacts = 0;
  // The scavenge byte speeds came from the samples (not base's): 8 scavenges or more, and
  // copied bytes, or promoted bytes and objects, explained their pauses.
  bool scavenge_speeds_fitted = false;
  // Median of |predicted - real| / real over the scavenges fitted.
  double scavenge_median_error = 0;
  std::vector<std::string> notes;  // what could not be fitted and why
};

// Fits scavenge_fixed_ms, scavenge_copy_speed, scavenge_promote_speed and, when the samples
// know their objects, scavenge_object_speed (non-negative least squares of the pause on copied
// bytes, promoted bytes and objects, each scavenge's work divided by its own parallel
// speed-up, 1 + background / main thread, at most base's scavenge_parallel_speedup),
// mark_compact_fixed_ms, marking_speed, evacuation_speed, sweeper_contention_ms and, when the
// samples know their pages promoted, new_space_rebalance_speed (from the mark-compacts' phases:
// the mean finish phase of those that leave 4 MB or more; the pages over the rebalance time; the
// copied bytes over the rest of the evacuation, less the moved pages' objects at base's
// moved_page_object_speed), and
// mutator_speed (allocation over mutator time). Values are clamped to the flags' ranges; a
// parameter without enough data keeps `base`'s value and says so in notes.
CalibrationFit FitCalibration(const std::vector<CalibrationSample>& samples, const HeapFlags& base);

// A pause's fixed cost (a scavenge's or a mark-compact's), checked by simulation:
// node_p50_ms[i] is node's pause p50 on calibration workload i, simulated_p50_ms[i] HeapLab's
// with the fixed cost simulated_fixed_ms (a pause pays it once, so a p50 moves one for one with
// it). Returns the value in [0, 10] ms, by 0.01 ms, that puts the most workloads within the
// issue's ±30% of node's p50; among equals the one whose p50s lie nearest node's
// (PauseLogDistance), then the one nearest prior_ms. (What node's own phases
// leave over leaves out per-GC work that HeapLab's per-byte phases do not charge.)
double FitFixedCostBySimulation(const std::vector<double>& node_p50_ms,
                                const std::vector<double>& simulated_p50_ms,
                                double simulated_fixed_ms,
                                double prior_ms);

// The fixed costs ChooseBySimulation tries for a fixed cost: the one-for-one estimate, 0.25 and 0.5
// ms either side of it, and the prior; none below 0, each once, in increasing order.
std::vector<double> FixedCostCandidates(double estimate_ms, double prior_ms);

// How many workloads' simulated p50 lie within the issue's ±30% of node's (NaN on either side:
// no such pause, not met).
int PausesWithinTarget(const std::vector<double>& node_p50_ms,
                       const std::vector<double>& simulated_p50_ms);

// How far simulated pause p50s lie from node's: the sum of |ln(simulated / node)| over the
// workloads with both.
double PauseLogDistance(const std::vector<double>& node_p50_ms,
                        const std::vector<double>& simulated_p50_ms);

// The speeds ChooseBySimulation tries for a fitted speed: the estimate, 0.8 and 1.25 times it,
// and the prior; each to 3 significant digits, once, in increasing order.
std::vector<double> SpeedCandidates(double estimate, double prior);

// The candidate whose re-simulation puts the most workloads within ±30% of node's p50; among
// equals `prior` if it is a candidate (a few workloads' p50s are noisy: the table's value
// stays unless another meets more), else the one whose p50s lie nearest node's
// (PauseLogDistance), then the one nearest `prior`. `simulate(value)` returns one p50 per workload,
// aligned with node_p50_ms (NaN: no such pause), or nothing on failure (that candidate is skipped).
// Returns `estimate` when no candidate simulates.
double ChooseBySimulation(
    const std::vector<double>& node_p50_ms,
    const std::vector<double>& candidates,
    double estimate,
    double prior,
    const std::function<std::optional<std::vector<double>>(double)>& simulate);

// A fitted value as a profile line or a workload's flag: "--scavenge-copy-speed=374563"
// (`name` in either spelling; 6 significant digits).
std::string CalibratedFlagArgument(std::string_view name, double value);

// The profile text for `fit`, with `header` (one or more lines) as comments on top.
std::string FormatCalibrationProfile(const CalibrationFit& fit, const std::string& header);

// The scavenge object speed that costs nothing (the flag's maximum).
inline constexpr double kNoObjectCostSpeed = 1e12;

// Applies the profile file at `path` to `flags`. Only calibrated-speed flags are allowed; a
// profile that sets the scavenge copy speed but no object speed (written before HeapLab
// charged objects) gets no object cost. On error returns "path:line: message" and leaves
// `flags` unchanged.
std::optional<std::string> ApplyCalibrationFile(const std::string& path, HeapFlags& flags);

// Where `heaplab-cli calibrate` saves and the programs look: $HEAPLAB_CALIBRATION if set (the
// value "none" turns calibration files off: returns ""), else
// $XDG_CONFIG_HOME/heaplab/calibration.flags or ~/.config/heaplab/calibration.flags.
std::string DefaultCalibrationPath();

// Applies the default profile if one exists. Returns an error as ApplyCalibrationFile does.
std::optional<std::string> ApplyDefaultCalibration(HeapFlags& flags, std::string* applied_path);

// The flag table's defaults with the default profile applied (a bad profile is ignored here:
// programs check it once at start-up with ApplyDefaultCalibration).
HeapFlags CalibratedDefaults();

// Takes a "--calibration=FILE" / "--calibration FILE" argument out of `args` and makes FILE
// the default profile (FILE "none": no profile). Returns an error for a missing value.
std::optional<std::string> TakeCalibrationArgument(std::vector<std::string>& args);

// A program's start-up: takes --calibration out of `args` and checks the profile it selects.
// Returns an error (a missing value, or "FILE:LINE: ..." for a bad profile).
std::optional<std::string> SetUpCalibration(std::vector<std::string>& args);

}  // namespace heaplab
