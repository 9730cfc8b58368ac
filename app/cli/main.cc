// heaplab-cli: run a workload on the simulated V8 heap, as `node --trace-gc app.js` would,
// sweep flag grids, and describe workloads.
//
//   heaplab-cli run WORKLOAD.js [flags] [--seed N] [--duration MS] [--events FILE] ...
//   heaplab-cli sweep WORKLOAD.js --max-semi-space-size 1,2,4,8 [--max-old-space-size ...]
//   heaplab-cli describe WORKLOAD.js
//   heaplab-cli from-log NODE.log [-o WORKLOAD.js]
//
// Exit codes: 0 success, 1 workload error, 2 usage error, 134 out of memory (as node).
#include <QCoreApplication>

#include <algorithm>
#include <atomic>
#include <cstdio>
#include <iostream>
#include <mutex>
#include <thread>

#include "app/cli/calibrate.h"
#include "app/cli/compare.h"
#include "app/cli/from-log.h"
#include "app/cli/steps.h"
#include "app/common/flag-options.h"
#include "sim/calibration.h"
#include "sim/heap.h"
#include "sim/report.h"
#include "sim/script/workload-host.h"

namespace po = boost::program_options;
using namespace heaplab;

namespace {

constexpr int kExitWorkloadError = 1;
constexpr int kExitUsage = 2;
constexpr int kExitOutOfMemory = 134;  // node aborts (SIGABRT) on a fatal OOM

void PrintUsage(std::ostream& out) {
  out << "Usage: heaplab-cli <command> WORKLOAD.js [options] [V8 flags]\n\n"
         "Commands:\n"
         "  run       simulate the workload; --trace-gc prints Node 20's trace lines\n"
         "  sweep     run a grid of flag values in parallel (comma-separated lists)\n"
         "  describe  print the workload's description and suggested flags\n"
         "  compare   run the workload in real node (tools/node-twin) and in HeapLab, side by "
         "side\n"
         "  steps     step through the collectors object by object, or walk a lesson\n"
         "  calibrate fit the simulator's speeds to real node on this machine\n"
         "  from-log  write a workload that allocates as a real node --trace-gc log shows\n\n"
         "--calibration FILE|none (any command): the speed profile to use (default: the one\n"
         "calibrate saved, $HEAPLAB_CALIBRATION or ~/.config/heaplab/calibration.flags).\n\n"
         "Run 'heaplab-cli <command> --help' for the options of a command.\n";
}

struct RunOptions {
  std::uint64_t seed = 1;
  double duration_ms = 0;
  double watchdog_s = 10;
  bool suggested_flags = true;
};

po::options_description RunOptionsDescription(RunOptions& o, bool sweep) {
  po::options_description d(sweep ? "Sweep options" : "Run options");
  auto add = d.add_options();
  add("help,h", "show this help");
  add("seed", cmdline::WholeNumber("seed", &o.seed)->default_value("1"),
      "random seed of the workload");
  add("duration", cmdline::NonNegative("duration", &o.duration_ms)->default_value(0),
      "stop at this simulated time in ms (0: the workload's durationMs, or until no callbacks "
      "remain)");
  add("watchdog", cmdline::NonNegative("watchdog", &o.watchdog_s)->default_value(10),
      "abort a script that makes no simulated progress for this many wall-clock seconds");
  add("no-suggested-flags", "ignore the flags the workload suggests in workload({flags})");
  if (sweep) {
    add("objective", po::value<std::string>()->default_value("p99"),
        "what 'best' minimizes: p99 (pause), total (GC time) or peak (heap)");
    add("csv", po::value<std::string>(), "write the sweep table as CSV to FILE");
    add("jobs,j",
        po::value<unsigned>()->default_value(std::max(1u, std::thread::hardware_concurrency())),
        "parallel runs");
  } else {
    add("events", po::value<std::string>(), "write every GC event to FILE (.csv or .json)");
    add("samples", po::value<std::string>(),
        "write periodic space samples to FILE (.csv or .json)");
    add("no-summary", "do not print the summary at the end");
  }
  return d;
}

struct Parsed {
  po::variables_map vm;
  std::string workload;
  std::string error;
};

Parsed Parse(const std::vector<std::string>& raw, po::options_description& command, bool lists) {
  Parsed p;
  po::options_description all;
  all.add(command);
  for (auto& g : cmdline::HeapFlagGroups(lists))
    all.add(g);
  po::options_description hidden;
  hidden.add_options()("workload", po::value<std::string>(), "workload file");
  po::options_description parsing;
  parsing.add(all).add(hidden);
  po::positional_options_description pos;
  pos.add("workload", 1);
  try {
    auto args = cmdline::NormalizeArguments(raw);
    po::store(po::command_line_parser(args).options(parsing).positional(pos).run(), p.vm);
    po::notify(p.vm);
  } catch (const po::error& e) {
    p.error = e.what();
    return p;
  }
  if (p.vm.count("workload")) p.workload = p.vm["workload"].as<std::string>();
  return p;
}

void PrintCommandHelp(const char* command, po::options_description& d, bool lists) {
  std::cout << "Usage: heaplab-cli " << command << " WORKLOAD.js [options] [V8 flags]\n\n"
            << d << "\n";
  for (auto& g : cmdline::HeapFlagGroups(lists))
    std::cout << g << "\n";
}

// Parses a command's arguments; prints usage or errors. Returns the exit code when the command
// must stop here (help, a bad command line, no workload).
std::optional<int> ParseCommand(const char* command,
                                const std::vector<std::string>& raw,
                                po::options_description& desc,
                                bool lists,
                                Parsed* p) {
  *p = Parse(raw, desc, lists);
  if (!p->error.empty()) {
    std::cerr << "heaplab-cli " << command << ": " << p->error << "\n";
    return kExitUsage;
  }
  if (p->vm.count("help")) {
    PrintCommandHelp(command, desc, lists);
    return 0;
  }
  if (p->workload.empty()) {
    std::cerr << "heaplab-cli " << command << ": missing WORKLOAD.js\n";
    return kExitUsage;
  }
  return std::nullopt;
}

WorkloadOptions MakeWorkloadOptions(const Parsed& p, const RunOptions& ro) {
  WorkloadOptions wo;
  wo.path = p.workload;
  wo.seed = ro.seed;
  wo.duration_ms = ro.duration_ms;
  wo.watchdog_seconds = ro.watchdog_s;
  return wo;
}

// Flags for a run: the workload's suggestions, then the command line's.
std::optional<std::string> ResolveFlags(const WorkloadHost& host,
                                        const std::string& path,
                                        const po::variables_map& vm,
                                        bool use_suggested,
                                        HeapFlags& flags) {
  if (use_suggested && !host.info().suggested_flags.empty()) {
    if (auto err = ParseFlags(flags, host.info().suggested_flags))
      return path + ": workload({flags}): " + *err;
  }
  return cmdline::ApplyHeapFlags(vm, flags);
}

int Run(const std::vector<std::string>& raw) {
  RunOptions ro;
  auto desc = RunOptionsDescription(ro, false);
  Parsed p;
  if (auto code = ParseCommand("run", raw, desc, false, &p)) return *code;
  // The export files are checked before the run, which may be long.
  for (const char* option : {"events", "samples"}) {
    if (!p.vm.count(option)) continue;
    if (auto err = CheckDataExportPath(p.vm[option].as<std::string>())) {
      std::cerr << "heaplab-cli run: --" << option << ": " << *err << "\n";
      return kExitUsage;
    }
  }
  WorkloadHost host(MakeWorkloadOptions(p, ro));
  if (auto err = host.Load()) {
    std::cerr << err->ToString() << "\n";
    return kExitWorkloadError;
  }
  HeapFlags flags = CalibratedDefaults();
  if (auto err = ResolveFlags(host, p.workload, p.vm, !p.vm.count("no-suggested-flags"), flags)) {
    std::cerr << "heaplab-cli run: " << *err << "\n";
    return kExitUsage;
  }
  Heap heap(flags);
  RunRecorder recorder(TraceOptionsFor(heap), &std::cout);
  heap.set_sink(&recorder);
  WorkloadResult result;
  try {
    result = host.Run(heap);
  } catch (const std::exception& e) {
    std::cout.flush();
    std::cerr << p.workload << ": internal error: " << e.what() << "\n";
    return kExitWorkloadError;
  }
  std::cout.flush();
  if (result.error) {
    std::cerr << result.error->ToString() << "\n";
    return kExitWorkloadError;
  }
  RunSummary summary = Summarize(recorder, heap);
  if (p.vm.count("events"))
    if (auto err = WriteEvents(p.vm["events"].as<std::string>(), recorder.events())) {
      std::cerr << "heaplab-cli run: --events: " << *err << "\n";
      return kExitUsage;
    }
  if (p.vm.count("samples"))
    if (auto err = WriteSamples(p.vm["samples"].as<std::string>(), recorder.samples())) {
      std::cerr << "heaplab-cli run: --samples: " << *err << "\n";
      return kExitUsage;
    }
  if (!p.vm.count("no-summary")) std::cout << FormatSummary(summary, heap.config().has_map_space);
  std::cout.flush();
  if (result.out_of_memory && heap.out_of_memory()) {
    std::cerr << FormatOutOfMemoryReport(*heap.out_of_memory(), recorder.last_gc_lines());
    return kExitOutOfMemory;
  }
  return 0;
}

int Describe(const std::vector<std::string>& raw) {
  if (raw.empty() || raw[0] == "--help") {
    std::cout << "Usage: heaplab-cli describe WORKLOAD.js\n";
    return raw.empty() ? kExitUsage : 0;
  }
  WorkloadOptions wo;
  wo.path = raw[0];
  WorkloadHost host(wo);
  if (auto err = host.Load()) {
    std::cerr << err->ToString() << "\n";
    return kExitWorkloadError;
  }
  std::cout << host.info().name << "\n" << host.info().description << "\n";
  std::cout << "suggested flags:";
  for (const auto& f : host.info().suggested_flags)
    std::cout << " " << f;
  std::cout << "\n";
  return 0;
}

struct SweepRow {
  std::vector<std::string> flags;
  RunSummary summary;
  std::string error;
};

int Sweep(const std::vector<std::string>& raw) {
  RunOptions ro;
  auto desc = RunOptionsDescription(ro, true);
  Parsed p;
  if (auto code = ParseCommand("sweep", raw, desc, true, &p)) return *code;
  const std::string objective = p.vm["objective"].as<std::string>();
  if (objective != "p99" && objective != "total" && objective != "peak") {
    std::cerr << "heaplab-cli sweep: --objective must be p99, total or peak\n";
    return kExitUsage;
  }
  if (p.vm.count("csv")) {
    if (auto err = CheckDataExportPath(p.vm["csv"].as<std::string>(), {".csv"})) {
      std::cerr << "heaplab-cli sweep: --csv: " << *err << "\n";
      return kExitUsage;
    }
  }
  const WorkloadOptions wo = MakeWorkloadOptions(p, ro);
  {
    WorkloadHost probe(wo);
    if (auto err = probe.Load()) {
      std::cerr << err->ToString() << "\n";
      return kExitWorkloadError;
    }
  }
  // The grid: every combination of the list-valued flags; single values apply to all.
  auto lists = cmdline::ListFlags(p.vm);
  std::vector<std::vector<std::string>> grid{{}};
  for (const auto& [name, values] : lists) {
    std::vector<std::vector<std::string>> next;
    for (const auto& g : grid)
      for (const auto& v : values) {
        auto row = g;
        row.push_back("--" + name + "=" + v);
        next.push_back(row);
      }
    grid = next;
  }
  // Validate every combination before running anything.
  po::variables_map single = p.vm;
  for (const auto& [name, values] : lists)
    single.erase(name);
  for (const auto& g : grid) {
    HeapFlags f = CalibratedDefaults();
    if (auto err = cmdline::ApplyHeapFlags(single, f)) {
      std::cerr << "heaplab-cli sweep: " << *err << "\n";
      return kExitUsage;
    }
    if (auto err = ParseFlags(f, g)) {
      std::cerr << "heaplab-cli sweep: " << *err << "\n";
      return kExitUsage;
    }
  }
  std::vector<SweepRow> rows(grid.size());
  std::atomic<std::size_t> next{0}, done{0};
  std::mutex progress_mutex;
  const bool suggested = !p.vm.count("no-suggested-flags");
  auto worker = [&] {
    for (std::size_t i = next++; i < grid.size(); i = next++) {
      SweepRow& row = rows[i];
      row.flags = grid[i];
      WorkloadHost host(wo);
      if (auto err = host.Load()) {
        row.error = err->ToString();
      } else {
        HeapFlags f = CalibratedDefaults();
        if (suggested && !host.info().suggested_flags.empty())
          ParseFlags(f, host.info().suggested_flags);
        cmdline::ApplyHeapFlags(single, f);
        ParseFlags(f, grid[i]);
        Heap heap(f);
        RunRecorder rec;
        heap.set_sink(&rec);
        try {
          WorkloadResult r = host.Run(heap);
          if (r.error) row.error = r.error->ToString();
          row.summary = Summarize(rec, heap);
        } catch (const std::exception& e) {
          row.error = e.what();
        }
      }
      std::lock_guard<std::mutex> lock(progress_mutex);
      std::string label;
      for (const auto& f : row.flags)
        label += (label.empty() ? "" : " ") + f;
      std::fprintf(stderr, "[%zu/%zu] %s%s\n", ++done, grid.size(),
                   label.empty() ? "(defaults)" : label.c_str(),
                   row.error.empty() ? "" : "  (error)");
    }
  };
  const unsigned jobs = std::max(
      1u, std::min<unsigned>(p.vm["jobs"].as<unsigned>(), static_cast<unsigned>(grid.size())));
  std::vector<std::thread> threads;
  for (unsigned j = 0; j < jobs; ++j)
    threads.emplace_back(worker);
  for (auto& t : threads)
    t.join();

  // Table and the best setting for the objective (runs that ran out of memory never win).
  auto score = [&](const RunSummary& s) {
    if (objective == "total") return s.scavenge.total_ms + s.mark_compact.total_ms;
    if (objective == "peak") return s.peak_heap_mb;
    return std::max(s.scavenge.p99_ms, s.mark_compact.p99_ms);
  };
  std::optional<std::size_t> best;
  std::string csv =
      "flags,scavenges,mark_compacts,scavenge_p50_ms,scavenge_p99_ms,scavenge_max_ms,mc_p50_ms,mc_"
      "p99_ms,mc_max_ms,total_gc_ms,peak_heap_mb,oom,error\n";
  std::printf("%-48s %6s %5s %8s %8s %8s %8s %9s %9s %4s\n", "flags", "scav", "mc", "s.p50",
              "s.p99", "mc.p99", "max", "gc ms", "peak MB", "oom");
  for (std::size_t i = 0; i < rows.size(); ++i) {
    const auto& r = rows[i];
    std::string label;
    for (const auto& f : r.flags)
      label += (label.empty() ? "" : " ") + f;
    if (label.empty()) label = "(defaults)";
    const auto& s = r.summary;
    const double total = s.scavenge.total_ms + s.mark_compact.total_ms;
    const double mx = std::max(s.scavenge.max_ms, s.mark_compact.max_ms);
    std::printf("%-48s %6zu %5zu %8.2f %8.2f %8.2f %8.2f %9.1f %9.1f %4s%s\n", label.c_str(),
                s.scavenge.count, s.mark_compact.count, s.scavenge.p50_ms, s.scavenge.p99_ms,
                s.mark_compact.p99_ms, mx, total, s.peak_heap_mb, s.out_of_memory ? "yes" : "no",
                r.error.empty() ? "" : ("  " + r.error).c_str());
    char line[512];
    std::snprintf(
        line, sizeof line, "\"%s\",%zu,%zu,%.3f,%.3f,%.3f,%.3f,%.3f,%.3f,%.3f,%.3f,%d,\"%s\"\n",
        label.c_str(), s.scavenge.count, s.mark_compact.count, s.scavenge.p50_ms, s.scavenge.p99_ms,
        s.scavenge.max_ms, s.mark_compact.p50_ms, s.mark_compact.p99_ms, s.mark_compact.max_ms,
        total, s.peak_heap_mb, s.out_of_memory ? 1 : 0, r.error.c_str());
    csv += line;
    if (r.error.empty() && !s.out_of_memory && (!best || score(s) < score(rows[*best].summary)))
      best = i;
  }
  if (best) {
    std::string label;
    for (const auto& f : rows[*best].flags)
      label += (label.empty() ? "" : " ") + f;
    std::printf("\nbest for %s: %s (%.2f %s)\n", objective.c_str(),
                label.empty() ? "(defaults)" : label.c_str(), score(rows[*best].summary),
                objective == "peak" ? "MB" : "ms");
  } else {
    std::printf("\nno setting completed without running out of memory\n");
  }
  if (p.vm.count("csv"))
    if (auto err = WriteFileAtomically(p.vm["csv"].as<std::string>(), csv)) {
      std::cerr << "heaplab-cli sweep: --csv: " << *err << "\n";
      return kExitUsage;
    }
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  QCoreApplication app(argc, argv);
  std::vector<std::string> args(argv + 1, argv + argc);
  if (args.empty() || args[0] == "--help" || args[0] == "-h" || args[0] == "help") {
    PrintUsage(args.empty() ? std::cerr : std::cout);
    if (!args.empty()) {
      std::cout << "\n";
      for (auto& g : cmdline::HeapFlagGroups(false))
        std::cout << g << "\n";
    }
    return args.empty() ? kExitUsage : 0;
  }
  // --calibration FILE|none, anywhere: the speed profile under every command's flags.
  if (auto err = SetUpCalibration(args)) {
    std::cerr << "heaplab-cli: " << *err << "\n";
    return kExitUsage;
  }
  if (args.empty()) {
    PrintUsage(std::cerr);
    return kExitUsage;
  }
  const std::string command = args[0];
  args.erase(args.begin());
  if (command == "run") return Run(args);
  if (command == "sweep") return Sweep(args);
  if (command == "describe") return Describe(args);
  if (command == "compare") return cli::Compare(args);
  if (command == "steps") return cli::Steps(args);
  if (command == "calibrate") return cli::Calibrate(args);
  if (command == "from-log") return cli::FromLog(args);
  std::cerr << "heaplab-cli: unknown command '" << command << "'\n";
  PrintUsage(std::cerr);
  return kExitUsage;
}
