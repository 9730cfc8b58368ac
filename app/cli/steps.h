// heaplab-cli steps: step mode in the terminal. Prints the numbered steps of a workload's
// collections (or a lesson's stops) with their explanations.
#pragma once

#include <string>
#include <vector>

namespace heaplab::cli {

// Runs the steps command on its arguments (after "steps"). Returns the exit code.
int Steps(const std::vector<std::string>& args);

}  // namespace heaplab::cli
