// heaplab-cli from-log: writes a workload script that replays the allocation behaviour recorded
// in a real `node --trace-gc` (or --trace-gc-nvp) log (sim/log-workload.h), so that the same
// program can be run under other flags.
#pragma once

#include <string>
#include <vector>

namespace heaplab::cli {

// Runs the from-log command on its arguments (after "from-log"). Returns the exit code.
int FromLog(const std::vector<std::string>& args);

}  // namespace heaplab::cli
