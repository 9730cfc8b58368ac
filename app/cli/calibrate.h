// heaplab-cli calibrate: runs calibration workloads in real node on this machine, fits the
// simulator's speed flags to the pauses node logs, checks the fit by simulating the same
// workloads, and saves a profile that heaplab-cli and heaplab load.
#pragma once

#include <string>
#include <vector>

namespace heaplab::cli {

// Runs the calibrate command on its arguments (after "calibrate"). Returns the exit code.
int Calibrate(const std::vector<std::string>& args);

}  // namespace heaplab::cli
