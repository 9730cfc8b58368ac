#include "app/cli/compare.h"

#include <fcntl.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <sstream>
#include <utility>

#include <boost/program_options.hpp>

#include "app/cli/node-runner.h"
#include "app/common/flag-options.h"
#include "sim/calibration.h"
#include "sim/heap.h"
#include "sim/report.h"
#include "sim/script/workload-host.h"
#include "sim/trace-parser.h"

extern char** environ;

namespace po = boost::program_options;
namespace fs = std::filesystem;

namespace heaplab::cli {

namespace {

struct Side {
  RunSummary summary;
  double wall_s = 0;
  std::string trace_file;
};

// The run whose series (old size after each mark-compact, the OOM message, the trace file)
// stand for all: among the runs with the majority's OOM verdict, the middle one ordered by
// mark-compact count, then scavenge count. Its series then has as many mark-compacts as the
// median count says (for an odd number of runs), which the run in the middle by order need not.
const Side& RepresentativeRun(const std::vector<Side>& runs) {
  std::size_t oom = 0;
  for (const auto& r : runs)
    oom += r.summary.out_of_memory;
  const bool majority_oom = oom * 2 > runs.size();
  std::vector<const Side*> same;
  for (const auto& r : runs)
    if (r.summary.out_of_memory == majority_oom) same.push_back(&r);
  std::stable_sort(same.begin(), same.end(), [](const Side* a, const Side* b) {
    return std::pair(a->summary.mark_compact.count, a->summary.scavenge.count) <
           std::pair(b->summary.mark_compact.count, b->summary.scavenge.count);
  });
  return *same[(same.size() - 1) / 2];
}

// The median of several node runs, field by field; series from the representative run.
Side MedianOf(const std::vector<Side>& runs) {
  Side m = RepresentativeRun(runs);
  auto med = [&](auto get) {
    std::vector<double> v;
    for (const auto& r : runs)
      v.push_back(get(r));
    return Median(v);
  };
  m.summary.scavenge.count = static_cast<std::size_t>(
      med([](const Side& s) { return static_cast<double>(s.summary.scavenge.count); }));
  m.summary.mark_compact.count = static_cast<std::size_t>(
      med([](const Side& s) { return static_cast<double>(s.summary.mark_compact.count); }));
  for (auto field : {&PauseStats::p50_ms, &PauseStats::p95_ms, &PauseStats::max_ms}) {
    m.summary.scavenge.*field = med([&](const Side& s) { return s.summary.scavenge.*field; });
    m.summary.mark_compact.*field =
        med([&](const Side& s) { return s.summary.mark_compact.*field; });
  }
  m.summary.promoted_mb = med([](const Side& s) { return s.summary.promoted_mb; });
  m.summary.peak_heap_mb = med([](const Side& s) { return s.summary.peak_heap_mb; });
  m.summary.oom_allocated_mb = med([](const Side& s) { return s.summary.oom_allocated_mb; });
  m.wall_s = med([](const Side& s) { return s.wall_s; });
  return m;  // its OOM verdict is the majority's
}

std::string Json(const Side& s) {
  std::ostringstream o;
  auto num = [&](double v) {
    char buf[64];
    std::snprintf(buf, sizeof buf, "%.6g", v);
    return std::string(buf);
  };
  auto pauses = [&](const PauseStats& p) {
    return "{\"p50\": " + num(p.p50_ms) + ", \"p95\": " + num(p.p95_ms) +
           ", \"max\": " + num(p.max_ms) + "}";
  };
  o << "{\"scavenges\": " << s.summary.scavenge.count
    << ", \"mark_compacts\": " << s.summary.mark_compact.count
    << ", \"scavenge_pause_ms\": " << pauses(s.summary.scavenge)
    << ", \"mark_compact_pause_ms\": " << pauses(s.summary.mark_compact)
    << ", \"promoted_mb\": " << num(s.summary.promoted_mb) << ", \"old_after_mark_compact_mb\": [";
  for (std::size_t i = 0; i < s.summary.old_after_mark_compact_mb.size(); ++i)
    o << (i ? ", " : "") << num(s.summary.old_after_mark_compact_mb[i]);
  o << "], \"peak_heap_mb\": " << num(s.summary.peak_heap_mb)
    << ", \"oom\": " << (s.summary.out_of_memory ? "true" : "false") << ", \"oom_message\": ";
  if (s.summary.out_of_memory) {
    std::string m = s.summary.oom_message;
    std::string esc;
    for (char c : m) {
      if (c == '"' || c == '\\') esc += '\\';
      esc += c;
    }
    o << "\"" << esc << "\"";
  } else {
    o << "null";
  }
  o << ", \"oom_allocated_mb\": "
    << (s.summary.out_of_memory ? num(s.summary.oom_allocated_mb) : "null")
    << ", \"wall_s\": " << num(s.wall_s) << ", \"trace\": \"" << s.trace_file << "\"}";
  return o.str();
}

}  // namespace

int Compare(const std::vector<std::string>& raw) {
  po::options_description desc("Compare options");
  std::string node_path, json_path, out_dir;
  int node_runs = 3;
  std::uint64_t seed = 1;
  double duration = 0;
  bool no_pace = false;
  desc.add_options()("help,h", "show this help")("node", po::value<std::string>(&node_path),
                                                 "the node binary (default: node on PATH)")(
      "node-runs", po::value<int>(&node_runs)->default_value(3), "node runs; medians are compared")(
      "json", po::value<std::string>(&json_path), "write both summaries as JSON to FILE")(
      "out-dir", po::value<std::string>(&out_dir),
      "where the traces go (default: compare-<workload>)")(
      "seed", cmdline::WholeNumber("seed", &seed)->default_value("1"),
      "random seed of the workload")("duration",
                                     cmdline::NonNegative("duration", &duration)->default_value(0),
                                     "simulated run length in ms")(
      "no-pace", po::bool_switch(&no_pace),
      "run node as fast as it can: idle time and sim.work take no wall time (by default the "
      "twin keeps the virtual clock in real time, as HeapLab's simulated clock runs, so that "
      "concurrent marking and GC tasks see the same time)");
  po::options_description all;
  all.add(desc);
  for (auto& g : cmdline::HeapFlagGroups(false))
    all.add(g);
  all.add_options()("workload", po::value<std::string>(), "");
  po::positional_options_description pos;
  pos.add("workload", 1);
  po::variables_map vm;
  try {
    po::store(po::command_line_parser(cmdline::NormalizeArguments(raw))
                  .options(all)
                  .positional(pos)
                  .run(),
              vm);
    po::notify(vm);
  } catch (const po::error& e) {
    std::cerr << "heaplab-cli compare: " << e.what() << "\n";
    return 2;
  }
  if (vm.count("help")) {
    std::cout << "Usage: heaplab-cli compare WORKLOAD.js [V8 flags] [--node PATH] [--node-runs N] "
                 "[--json FILE]\n\n"
              << desc << "\n";
    return 0;
  }
  if (!vm.count("workload")) {
    std::cerr << "heaplab-cli compare: missing WORKLOAD.js\n";
    return 2;
  }
  if (node_runs < 1 || node_runs > 50) {
    std::cerr << "heaplab-cli compare: --node-runs must be from 1 to 50\n";
    return 2;
  }
  const std::string workload = vm["workload"].as<std::string>();
  if (node_path.empty()) node_path = FindOnPath("node");
  if (node_path.empty() || ::access(node_path.c_str(), X_OK) != 0) {
    std::cerr << "heaplab-cli compare: node was not found"
              << (vm.count("node") ? " at " + node_path : " on PATH")
              << "; install Node.js 20 or pass --node PATH\n";
    return 2;
  }
  const std::string twin = TwinScript();
  if (twin.empty()) {
    std::cerr << "heaplab-cli compare: tools/node-twin/twin.js was not found next to heaplab-cli\n";
    return 2;
  }
  WorkloadOptions wo;
  wo.path = workload;
  wo.seed = seed;
  wo.duration_ms = duration;
  WorkloadHost host(wo);
  // HeapLab's wall time counts the script's load (parse and describe) as well as its run, as
  // node's counts its whole process.
  const auto load_start = std::chrono::steady_clock::now();
  if (auto err = host.Load()) {
    std::cerr << err->ToString() << "\n";
    return 1;
  }
  const double load_s =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - load_start).count();
  HeapFlags flags = CalibratedDefaults();
  if (!host.info().suggested_flags.empty()) ParseFlags(flags, host.info().suggested_flags);
  if (auto err = cmdline::ApplyHeapFlags(vm, flags)) {
    std::cerr << "heaplab-cli compare: " << *err << "\n";
    return 2;
  }
  const std::vector<std::string> v8_flags = NodeFlags(flags);
  if (out_dir.empty()) out_dir = "compare-" + host.info().name;
  std::error_code ec;
  fs::create_directories(out_dir, ec);
  if (ec) {
    std::cerr << "heaplab-cli compare: cannot create " << out_dir << ": " << ec.message() << "\n";
    return 2;
  }

  // Real node, through the twin, --node-runs times.
  std::vector<Side> node_sides;
  for (int run = 1; run <= node_runs; ++run) {
    const std::vector<std::string> argv =
        TwinCommand(node_path, v8_flags, twin, workload, seed, duration, !no_pace);
    Side side;
    side.trace_file = out_dir + "/node-" + std::to_string(run) + ".log";
    const std::string err_file = out_dir + "/node-" + std::to_string(run) + ".stderr";
    const int rc = RunProcess(argv, side.trace_file, err_file, &side.wall_s);
    std::cerr << "[node " << run << "/" << node_runs << "] exit " << rc << ", " << side.wall_s
              << " s\n";
    const std::string text = ReadFile(side.trace_file) + ReadFile(err_file);
    TraceParseError perr;
    auto log = ParseTraceLog(text, &perr);
    if (!log) {
      std::cerr << side.trace_file << ":" << perr.line << ": " << perr.message << "\n";
      return 1;
    }
    if (rc != 0 && !log->fatal_message) {
      std::cerr << "heaplab-cli compare: node exited " << rc << " (see " << err_file << ")\n";
      return 1;
    }
    side.summary = SummarizeTraceLog(*log);
    node_sides.push_back(side);
  }
  const Side node = MedianOf(node_sides);

  // HeapLab.
  Side sim;
  sim.trace_file = out_dir + "/heaplab.log";
  {
    RunRecorder::TraceOptions to;
    to.trace_gc = true;
    std::ofstream trace(sim.trace_file);
    Heap heap(flags);
    RunRecorder recorder(to, &trace);
    heap.set_sink(&recorder);
    const auto start = std::chrono::steady_clock::now();
    WorkloadResult result = host.Run(heap);
    sim.wall_s =
        load_s + std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    if (result.error) {
      std::cerr << result.error->ToString() << "\n";
      return 1;
    }
    sim.summary = Summarize(recorder, heap);
    if (heap.out_of_memory()) trace << heap.out_of_memory()->message << "\n";
    if (auto err = WriteEvents(out_dir + "/heaplab-events.csv", recorder.events()))
      std::cerr << *err << "\n";
  }

  // Side by side.
  auto row = [](const char* name, const std::string& a, const std::string& b) {
    std::printf("%-28s %24s %24s\n", name, a.c_str(), b.c_str());
  };
  auto f2 = [](double v) {
    char buf[64];
    std::snprintf(buf, sizeof buf, "%.2f", v);
    return std::string(buf);
  };
  auto series = [&](const std::vector<double>& v) {
    std::string s;
    for (std::size_t i = 0; i < v.size() && i < 6; ++i)
      s += (i ? " " : "") + f2(v[i]);
    if (v.size() > 6) s += " …";
    return s.empty() ? std::string("-") : s;
  };
  std::string flag_text;
  for (const auto& f : v8_flags)
    flag_text += " " + f;
  std::printf("%s%s\n", workload.c_str(), flag_text.c_str());
  row("", "node (median of " + std::to_string(node_runs) + ")", "heaplab");
  row("scavenges", std::to_string(node.summary.scavenge.count),
      std::to_string(sim.summary.scavenge.count));
  row("mark-compacts", std::to_string(node.summary.mark_compact.count),
      std::to_string(sim.summary.mark_compact.count));
  row("scavenge p50/p95/max ms",
      f2(node.summary.scavenge.p50_ms) + "/" + f2(node.summary.scavenge.p95_ms) + "/" +
          f2(node.summary.scavenge.max_ms),
      f2(sim.summary.scavenge.p50_ms) + "/" + f2(sim.summary.scavenge.p95_ms) + "/" +
          f2(sim.summary.scavenge.max_ms));
  row("mark-compact p50/p95/max ms",
      f2(node.summary.mark_compact.p50_ms) + "/" + f2(node.summary.mark_compact.p95_ms) + "/" +
          f2(node.summary.mark_compact.max_ms),
      f2(sim.summary.mark_compact.p50_ms) + "/" + f2(sim.summary.mark_compact.p95_ms) + "/" +
          f2(sim.summary.mark_compact.max_ms));
  row("promoted MB", f2(node.summary.promoted_mb), f2(sim.summary.promoted_mb));
  row("old after MC (MB)", series(node.summary.old_after_mark_compact_mb),
      series(sim.summary.old_after_mark_compact_mb));
  row("peak heap MB", f2(node.summary.peak_heap_mb), f2(sim.summary.peak_heap_mb));
  row("out of memory", node.summary.out_of_memory ? "yes" : "no",
      sim.summary.out_of_memory ? "yes" : "no");
  if (node.summary.out_of_memory || sim.summary.out_of_memory) {
    row("  allocated MB at OOM", f2(node.summary.oom_allocated_mb),
        f2(sim.summary.oom_allocated_mb));
    std::printf("  node:    %s\n  heaplab: %s\n", node.summary.oom_message.c_str(),
                sim.summary.oom_message.c_str());
  }
  row("wall-clock s", f2(node.wall_s), f2(sim.wall_s));
  std::printf("traces: %s/node-*.log, %s (import them in the workbench to overlay)\n",
              out_dir.c_str(), sim.trace_file.c_str());

  if (!json_path.empty()) {
    std::ostringstream o;
    o << "{\"workload\": \"" << workload << "\", \"flags\": [";
    for (std::size_t i = 0; i < v8_flags.size(); ++i)
      o << (i ? ", " : "") << "\"" << v8_flags[i] << "\"";
    o << "], \"node_runs\": " << node_runs << ", \"paced\": " << (no_pace ? "false" : "true")
      << ", \"node\": " << Json(node) << ", \"heaplab\": " << Json(sim) << "}\n";
    if (auto err = WriteFileAtomically(json_path, o.str())) {
      std::cerr << "heaplab-cli compare: --json: " << *err << "\n";
      return 2;
    }
  }
  return 0;
}

}  // namespace heaplab::cli
