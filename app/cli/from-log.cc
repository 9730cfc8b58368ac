#include "app/cli/from-log.h"

#include <boost/program_options.hpp>

#include <cstdio>
#include <filesystem>
#include <iostream>

#include "sim/log-workload.h"
#include "sim/report.h"
#include "sim/trace-parser.h"

namespace po = boost::program_options;

namespace heaplab::cli {

int FromLog(const std::vector<std::string>& args) {
  std::string log_path, out_path;
  po::options_description desc("from-log options");
  desc.add_options()("help,h", "show this help")(
      "out,o", po::value(&out_path)->value_name("FILE.js"),
      "write the workload here (default: standard output)");
  po::options_description hidden;
  hidden.add_options()("log", po::value(&log_path));
  po::options_description all;
  all.add(desc).add(hidden);
  po::positional_options_description positional;
  positional.add("log", 1);
  po::variables_map vm;
  try {
    po::store(po::command_line_parser(args).options(all).positional(positional).run(), vm);
    po::notify(vm);
  } catch (const po::error& e) {
    std::cerr << "heaplab-cli from-log: " << e.what() << "\n";
    return 2;
  }
  if (vm.count("help") || log_path.empty()) {
    (vm.count("help") ? std::cout : std::cerr)
        << "Usage: heaplab-cli from-log NODE.log [-o WORKLOAD.js]\n"
           "Writes a workload that allocates as the program of a node --trace-gc (or\n"
           "--trace-gc-nvp) log did: its rate over time, and which share of it dies young,\n"
           "lives a while or leaks. Run it with other flags to see what they would do.\n\n"
        << desc;
    return vm.count("help") ? 0 : 2;
  }
  std::string read_error;
  auto log = ReadTraceLog(log_path, &read_error);
  if (!log) {
    std::cerr << read_error << "\n";
    return 1;
  }
  DerivedWorkload derived;
  if (auto err = DeriveWorkload(*log, &derived)) {
    std::cerr << log_path << ": " << *err << "\n";
    return 1;
  }
  const std::string name = std::filesystem::path(log_path).filename().string();
  const std::string script = DerivedWorkloadScript(derived, name);
  if (out_path.empty()) {
    std::cout << script;
  } else if (auto err = WriteFileAtomically(out_path, script)) {
    std::cerr << "heaplab-cli from-log: " << *err << "\n";
    return 1;
  }
  char totals[96];
  std::snprintf(totals, sizeof totals, "%.1f MB allocated over %.1f s", derived.allocated_mb,
                derived.duration_ms / 1000);
  std::cerr << name << ": " << derived.scavenges << " scavenges, " << derived.mark_compacts
            << " mark-compacts, " << totals << " -> " << derived.phases.size() << " phases"
            << (out_path.empty() ? "" : " in " + out_path) << "\n";
  for (const std::string& note : derived.notes)
    std::cerr << "note: " << note << "\n";
  return 0;
}

}  // namespace heaplab::cli
