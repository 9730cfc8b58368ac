// heaplab-cli compare: the same workload in real node (through the twin) and in HeapLab.
#pragma once

#include <string>
#include <vector>

namespace heaplab::cli {

// Runs the compare command on its arguments (after "compare"). Returns the exit code.
int Compare(const std::vector<std::string>& args);

}  // namespace heaplab::cli
