#include "app/cli/calibrate.h"

#include <unistd.h>

#include <boost/program_options.hpp>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <iomanip>
#include <iostream>
#include <optional>
#include <sstream>
#include <thread>

#include "app/cli/node-runner.h"
#include "app/common/flag-options.h"
#include "sim/calibration.h"
#include "sim/heap.h"
#include "sim/report.h"
#include "sim/script/workload-host.h"
#include "sim/trace-parser.h"

namespace po = boost::program_options;
namespace fs = std::filesystem;

namespace heaplab::cli {

namespace {

constexpr int kExitUsage = 2;
constexpr int kExitFailure = 1;

std::string WorkloadsDir() {
  const std::string dir = FindShippedFile("workloads/sessions.js", "workloads/sessions.js");
  return dir.empty() ? std::string("workloads") : fs::path(dir).parent_path().string();
}

std::string CpuModel() {
  std::ifstream in("/proc/cpuinfo");
  for (std::string line; std::getline(in, line);)
    if (line.rfind("model name", 0) == 0) return line.substr(line.find(':') + 2);
  return "unknown CPU";
}

struct Row {
  std::string workload;
  PauseStats node_scavenge, node_mark_compact;
  PauseStats before_scavenge, before_mark_compact;
  PauseStats after_scavenge, after_mark_compact;
};

// What HeapLab's run of a workload says about the work node's log does not count.
struct WorkPerByte {
  double scavenge_objects = 0;               // ScavengeObjectsPerByte
  PageMovesPerByte mark_compact_page_moves;  // MarkCompactPageMovesPerPromotedByte
};

// Simulates `path` with `flags` for `duration_ms`; false on a workload error. With
// `work_per_byte`, also what its GCs evacuated per byte.
bool Simulate(const std::string& path,
              double duration_ms,
              const HeapFlags& base,
              RunSummary* out,
              WorkPerByte* work_per_byte = nullptr) {
  WorkloadOptions wo;
  wo.path = path;
  wo.duration_ms = duration_ms;
  WorkloadHost host(wo);
  if (auto err = host.Load()) {
    std::cerr << err->ToString() << "\n";
    return false;
  }
  HeapFlags flags = base;
  if (!host.info().suggested_flags.empty()) ParseFlags(flags, host.info().suggested_flags);
  Heap heap(flags);
  RunRecorder recorder;
  heap.set_sink(&recorder);
  WorkloadResult result = host.Run(heap);
  if (result.error) {
    std::cerr << result.error->ToString() << "\n";
    return false;
  }
  *out = Summarize(recorder, heap);
  if (work_per_byte) {
    work_per_byte->scavenge_objects = ScavengeObjectsPerByte(recorder.events());
    work_per_byte->mark_compact_page_moves = MarkCompactPageMovesPerPromotedByte(recorder.events());
  }
  return true;
}

std::string Ms(double v) {
  std::ostringstream s;
  s << std::fixed << std::setprecision(v < 10 ? 2 : 1) << v;
  return s.str();
}

}  // namespace

int Calibrate(const std::vector<std::string>& args) {
  po::options_description desc("Calibrate options");
  std::string node_path, out_path, workloads_arg, log_dir;
  int node_runs = 1;
  double duration = 4000;
  bool no_pace = false;
  desc.add_options()("help,h", "show this help")("node", po::value(&node_path),
                                                 "node executable (default: node on PATH)")(
      "node-runs", po::value(&node_runs)->default_value(1), "node runs per workload")(
      "workloads", po::value(&workloads_arg),
      "comma-separated workload files (default: sessions, lru-cache, listener-leak, "
      "request-churn, large-objects, oom-growth)")(
      "duration", cmdline::NonNegative("duration", &duration)->default_value(4000),
      "simulated ms per workload")(
      "out", po::value(&out_path),
      "profile to write (default: $HEAPLAB_CALIBRATION or ~/.config/heaplab/calibration.flags)")(
      "logs", po::value(&log_dir)->default_value("calibration-logs"), "directory for node's logs")(
      "dry-run", "fit and report, but write no profile")(
      "no-pace", po::bool_switch(&no_pace),
      "run node as fast as it can; by default it runs paced, as compare runs it (a service's "
      "GC pauses after idle time are longer than a busy loop's), and the mutator speed, "
      "which only an unpaced run measures, is kept");
  po::variables_map vm;
  try {
    po::store(po::command_line_parser(args).options(desc).run(), vm);
    po::notify(vm);
  } catch (const po::error& e) {
    std::cerr << "heaplab-cli calibrate: " << e.what() << "\n";
    return kExitUsage;
  }
  if (vm.count("help")) {
    std::cout << "Usage: heaplab-cli calibrate [options]\n\nRuns calibration workloads in real "
                 "node (tools/node-twin) with --trace-gc-nvp, fits the\nsimulator's "
                 "\"Calibrated speeds\" flags to node's pauses and saves them as a profile.\n\n"
              << desc << "\n";
    return 0;
  }
  if (node_runs < 1 || node_runs > 20) {
    std::cerr << "heaplab-cli calibrate: --node-runs must be 1..20\n";
    return kExitUsage;
  }
  if (!(duration > 0)) {
    std::cerr << "heaplab-cli calibrate: --duration must be > 0\n";
    return kExitUsage;
  }
  if (node_path.empty()) node_path = FindOnPath("node");
  if (node_path.empty() || ::access(node_path.c_str(), X_OK) != 0) {
    std::cerr << "heaplab-cli calibrate: node not found (install Node.js 20, or pass --node "
                 "PATH)\n";
    return kExitFailure;
  }
  const std::string twin = TwinScript();
  if (twin.empty()) {
    std::cerr << "heaplab-cli calibrate: tools/node-twin/twin.js not found\n";
    return kExitFailure;
  }
  std::vector<std::string> workloads;
  if (workloads_arg.empty()) {
    for (const char* w :
         {"sessions", "lru-cache", "listener-leak", "request-churn", "large-objects", "oom-growth"})
      workloads.push_back(WorkloadsDir() + "/" + w + ".js");
  } else {
    std::stringstream ss(workloads_arg);
    for (std::string w; std::getline(ss, w, ',');)
      if (!w.empty()) workloads.push_back(w);
  }
  std::error_code ec;
  fs::create_directories(log_dir, ec);
  if (ec) {
    std::cerr << "heaplab-cli calibrate: cannot create " << log_dir << ": " << ec.message() << "\n";
    return kExitUsage;
  }
  // What the runs were, beside them, so that scripts/calibrate-replay.sh simulates the same.
  {
    std::ofstream list(log_dir + "/workloads.txt");
    for (const std::string& w : workloads)
      list << fs::absolute(w, ec).string() << "\n";
    std::ofstream(log_dir + "/duration-ms.txt") << duration << "\n";
  }

  // 1. Real node.
  std::vector<std::vector<CalibrationSample>> samples_by_workload;
  std::vector<Row> rows;
  for (const std::string& w : workloads) {
    Row row;
    row.workload = fs::path(w).stem().string();
    // The workload's own flag suggestions apply in node too (oom-growth's small old space is
    // what gives mark-compacts of a large live set).
    std::vector<std::string> node_flags;
    {
      WorkloadOptions wo;
      wo.path = w;
      WorkloadHost host(wo);
      if (auto err = host.Load()) {
        std::cerr << err->ToString() << "\n";
        return kExitFailure;
      }
      HeapFlags suggested;
      ParseFlags(suggested, host.info().suggested_flags);
      node_flags = NodeFlags(suggested);
    }
    TraceLog all;
    std::vector<CalibrationSample>& workload_samples = samples_by_workload.emplace_back();
    for (int run = 1; run <= node_runs; ++run) {
      const std::string base = log_dir + "/" + row.workload + "-" + std::to_string(run);
      double wall = 0;
      const std::vector<std::string> argv =
          TwinCommand(node_path, node_flags, twin, w, 1, duration, !no_pace);
      const int rc = RunProcess(argv, base + ".log", base + ".stderr", &wall);
      TraceParseError perr;
      auto log = ParseTraceLog(ReadFile(base + ".log") + ReadFile(base + ".stderr"), &perr);
      if (!log) {
        std::cerr << base << ".log:" << perr.line << ": " << perr.message << "\n";
        return kExitFailure;
      }
      if (rc != 0 && !log->fatal_message) {
        std::cerr << "heaplab-cli calibrate: node exited " << rc << " on " << w << " (see " << base
                  << ".stderr)\n";
        return kExitFailure;
      }
      std::cerr << "[node] " << row.workload << " run " << run << ": " << log->gcs.size()
                << " GCs, " << Ms(wall) << " s\n";
      auto s = CalibrationSamplesFromLog(*log);
      workload_samples.insert(workload_samples.end(), s.begin(), s.end());
      all.gcs.insert(all.gcs.end(), log->gcs.begin(), log->gcs.end());
    }
    const RunSummary node = SummarizeTraceLog(all);
    row.node_scavenge = node.scavenge;
    row.node_mark_compact = node.mark_compact;
    rows.push_back(row);
  }

  // 2. The fit, from the table's defaults. Node's log does not count the objects a scavenge
  // evacuates, nor the pages a mark-compact moves out of new space: each workload's are
  // estimated from its bytes, at the objects per byte HeapLab's run of it evacuates (the same
  // objects, so the same mix of sizes) and the pages, objects and bytes per promoted byte its
  // mark-compacts move whole.
  const HeapFlags defaults;
  std::vector<RunSummary> before(workloads.size());
  std::vector<CalibrationSample> samples;
  for (std::size_t i = 0; i < workloads.size(); ++i) {
    WorkPerByte per_byte;
    if (!Simulate(workloads[i], duration, defaults, &before[i], &per_byte)) return kExitFailure;
    EstimateScavengeObjects(samples_by_workload[i], per_byte.scavenge_objects);
    EstimateMarkCompactPageMoves(samples_by_workload[i], per_byte.mark_compact_page_moves);
    samples.insert(samples.end(), samples_by_workload[i].begin(), samples_by_workload[i].end());
  }
  // A paced run's mutator time includes the idle time between requests: it does not measure
  // the program's own speed.
  if (!no_pace)
    for (CalibrationSample& s : samples)
      s.mutator_ms = 0;
  // Node's scavenge and marking helpers share this machine's cores with its main thread: at
  // most that many run at once, however many tasks V8 starts.
  HeapFlags fit_base = defaults;
  fit_base.scavenge_parallel_speedup =
      std::clamp(static_cast<double>(std::thread::hardware_concurrency()), 1.0, 8.0);
  fit_base.marking_parallel_speedup = fit_base.scavenge_parallel_speedup;
  CalibrationFit fit = FitCalibration(samples, fit_base);
  if (!no_pace) {
    std::erase(fit.notes, std::string("no mutator time in the logs: mutator speed kept"));
    fit.notes.push_back("paced node runs: mutator speed kept (--no-pace fits it)");
  }
  HeapFlags fitted = defaults;
  for (const auto& [name, value] : fit.values) {
    std::ostringstream v;
    v << std::setprecision(6) << value;
    SetFlag(fitted, *FindFlag(name), v.str());
  }

  // 3. Check: simulate each workload before and after.
  for (std::size_t i = 0; i < workloads.size(); ++i) {
    RunSummary after;
    if (!Simulate(workloads[i], duration, fitted, &after)) return kExitFailure;
    rows[i].before_scavenge = before[i].scavenge;
    rows[i].before_mark_compact = before[i].mark_compact;
    rows[i].after_scavenge = after.scavenge;
    rows[i].after_mark_compact = after.mark_compact;
  }

  // 4. The fixed costs and the marking speed, checked by simulation: node's phases leave out
  // per-GC work that HeapLab's per-byte phases do not charge, so what they leave over is too
  // small a fixed cost (and a scavenge's fit over paced runs' floors is noisy); the marking
  // fit counts the pause's marking as shared by every helper, which a list is not.
  bool changed = false;
  // `kind`: a fixed cost adds to every pause of its kind, so a first estimate shifts the
  // simulated p50s by it one for one before the candidates around it are simulated
  // (kOneForOne), or the fit's value is the estimate (kNearFit); a speed's candidates are
  // multiples of the fit's (kSpeed).
  enum class Check { kOneForOne, kNearFit, kSpeed };
  auto check = [&](const char* what, const char* flag, double HeapFlags::*field,
                   PauseStats Row::*node_stats, PauseStats Row::*after_stats,
                   PauseStats RunSummary::*summary_stats, Check kind) {
    std::vector<double> node_p50, simulated_p50;
    for (const Row& r : rows) {
      if ((r.*node_stats).count == 0 || (r.*after_stats).count == 0) continue;
      node_p50.push_back((r.*node_stats).p50_ms);
      simulated_p50.push_back((r.*after_stats).p50_ms);
    }
    if (node_p50.empty()) return;
    const double from_fit = fitted.*field;
    const double estimate =
        kind == Check::kOneForOne
            ? FitFixedCostBySimulation(node_p50, simulated_p50, from_fit, defaults.*field)
            : from_fit;
    // Each candidate near the estimate is simulated on every workload.
    std::vector<double> node_by_workload;
    for (const Row& r : rows)
      node_by_workload.push_back((r.*node_stats).count > 0 ? (r.*node_stats).p50_ms : NAN);
    const std::vector<double> candidates = kind == Check::kSpeed
                                               ? SpeedCandidates(estimate, defaults.*field)
                                               : FixedCostCandidates(estimate, defaults.*field);
    const double chosen =
        ChooseBySimulation(node_by_workload, candidates, estimate, defaults.*field,
                           [&](double candidate) -> std::optional<std::vector<double>> {
                             HeapFlags flags = fitted;
                             flags.*field = candidate;
                             std::vector<double> p50;
                             for (const std::string& w : workloads) {
                               RunSummary summary;
                               if (!Simulate(w, duration, flags, &summary)) return std::nullopt;
                               const PauseStats& stats = summary.*summary_stats;
                               p50.push_back(stats.count > 0 ? stats.p50_ms : NAN);
                             }
                             return p50;
                           });
    if (chosen != from_fit) {
      fitted.*field = chosen;
      for (auto& [name, value] : fit.values)
        if (name == flag) value = chosen;
      changed = true;
    }
    const char* unit = kind == Check::kSpeed ? " bytes/ms" : " ms";
    std::ostringstream note;
    note << what << " " << std::setprecision(3) << chosen << unit
         << ": of the values re-simulated around " << estimate << unit
         << ", the one that puts the most workloads' simulated p50 within 30% of node's (the "
            "table's value unless another does in more; else, among equals, the one whose p50s "
            "lie nearest node's; the fit gave "
         << from_fit << unit << ")";
    fit.notes.push_back(note.str());
  };
  // After a value changed, the rows' simulated pauses are simulated again.
  auto resimulate_if_changed = [&]() {
    if (!changed) return true;
    changed = false;
    for (std::size_t i = 0; i < workloads.size(); ++i) {
      RunSummary after;
      if (!Simulate(workloads[i], duration, fitted, &after)) return false;
      rows[i].after_scavenge = after.scavenge;
      rows[i].after_mark_compact = after.mark_compact;
    }
    return true;
  };
  check("scavenge fixed cost", "scavenge_fixed_ms", &HeapFlags::scavenge_fixed_ms,
        &Row::node_scavenge, &Row::after_scavenge, &RunSummary::scavenge, Check::kOneForOne);
  if (!resimulate_if_changed()) return kExitFailure;
  // The marking speed sets how long the pause marks what the concurrent markers left; then the
  // sweepers' delay (the finish phase's mean over a few mark-compacts is noisy), then the fixed
  // cost with both.
  check("marking speed", "marking_speed", &HeapFlags::marking_speed, &Row::node_mark_compact,
        &Row::after_mark_compact, &RunSummary::mark_compact, Check::kSpeed);
  if (!resimulate_if_changed()) return kExitFailure;
  check("sweeper contention", "sweeper_contention_ms", &HeapFlags::sweeper_contention_ms,
        &Row::node_mark_compact, &Row::after_mark_compact, &RunSummary::mark_compact,
        Check::kNearFit);
  if (!resimulate_if_changed()) return kExitFailure;
  check("mark-compact fixed cost", "mark_compact_fixed_ms", &HeapFlags::mark_compact_fixed_ms,
        &Row::node_mark_compact, &Row::after_mark_compact, &RunSummary::mark_compact,
        Check::kOneForOne);
  if (!resimulate_if_changed()) return kExitFailure;

  std::cout << "Fitted from " << fit.scavenges << " scavenges and " << fit.mark_compacts
            << " mark-compacts; the scavenge pause model's median error on node's own "
               "scavenges: "
            << std::setprecision(2) << 100 * fit.scavenge_median_error << "%\n";
  for (const auto& [name, value] : fit.values) {
    const FlagInfo* f = FindFlag(name);
    std::cout << "  --" << f->cli_name << "=" << std::setprecision(6) << value << "  (default "
              << f->default_text << ")\n";
  }
  for (const std::string& note : fit.notes)
    std::cout << "  note: " << note << "\n";
  std::cout << "\nPause p50, ms        node   default  calibrated  calibrated/node\n";
  auto line = [](const std::string& label, const PauseStats& n, const PauseStats& b,
                 const PauseStats& a) {
    if (n.count == 0) return;
    std::ostringstream ratio;
    ratio << std::fixed << std::setprecision(2) << (n.p50_ms > 0 ? a.p50_ms / n.p50_ms : 0);
    std::cout << "  " << std::left << std::setw(18) << label << std::right << std::setw(6)
              << Ms(n.p50_ms) << std::setw(10) << Ms(b.p50_ms) << std::setw(12) << Ms(a.p50_ms)
              << std::setw(17) << ratio.str() << "\n";
  };
  for (const Row& r : rows) {
    line(r.workload + " scav", r.node_scavenge, r.before_scavenge, r.after_scavenge);
    line(r.workload + " mc", r.node_mark_compact, r.before_mark_compact, r.after_mark_compact);
  }

  if (vm.count("dry-run")) return 0;
  if (out_path.empty()) out_path = DefaultCalibrationPath();
  if (out_path.empty()) {
    std::cerr << "heaplab-cli calibrate: no profile path (HEAPLAB_CALIBRATION=none): use --out\n";
    return kExitUsage;
  }
  fs::create_directories(fs::path(out_path).parent_path(), ec);
  std::string node_version = "node";
  {
    double wall = 0;
    const std::string v = log_dir + "/node-version.txt";
    RunProcess({node_path, "--version"}, v, v + ".err", &wall);
    node_version = ReadFile(v);
    while (!node_version.empty() && std::isspace(static_cast<unsigned char>(node_version.back())))
      node_version.pop_back();
  }
  const std::time_t now = std::time(nullptr);
  char date[32];
  std::strftime(date, sizeof date, "%Y-%m-%d", std::gmtime(&now));
  std::ostringstream header;
  header << "HeapLab calibration profile, written by heaplab-cli calibrate on " << date << "\n"
         << "machine: " << CpuModel() << ", " << ::sysconf(_SC_NPROCESSORS_ONLN) << " cores; node "
         << node_version << "\n"
         << "workloads:";
  for (const Row& r : rows)
    header << " " << r.workload;
  header << " (" << duration << " ms each, " << node_runs << " node run(s))";
  if (auto err = WriteFileAtomically(out_path, FormatCalibrationProfile(fit, header.str()))) {
    std::cerr << "heaplab-cli calibrate: " << *err << "\n";
    return kExitFailure;
  }
  std::cout << "\nWrote " << out_path << "\n";
  return 0;
}

}  // namespace heaplab::cli
