// Running real node from the CLI: finding it and the twin, and running a process with its
// output in files. Shared by compare and calibrate.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "sim/flags.h"

namespace heaplab::cli {

// The first executable `name` on PATH, or "".
std::string FindOnPath(const std::string& name);
// A file shipped with HeapLab: `source_path` relative to the source tree (next to build/bin
// or HEAPLAB_SOURCE_DIR), else `installed_path` under share/heaplab; "" if neither exists.
std::string FindShippedFile(const std::string& source_path, const std::string& installed_path);
// tools/node-twin/twin.js, found next to the binary, installed, or in the source tree; or "".
std::string TwinScript();
// Runs `argv` with stdout and stderr into files; returns the exit status (128+signal when
// killed, as a shell reports it) and the wall time in seconds.
int RunProcess(const std::vector<std::string>& argv,
               const std::string& out,
               const std::string& err,
               double* wall_s);
// The flags of `flags` that differ from the defaults and that real node understands, as node
// spells them (--max-semi-space-size=1, --no-page-promotion...).
std::vector<std::string> NodeFlags(const HeapFlags& flags);
// The command that runs `workload` in node through the twin: node with --trace-gc-nvp,
// --expose-gc (heap.gc() without loading the v8 module mid-run) and `node_flags`, then the
// twin's own options; `duration_ms` 0 keeps the workload's own duration.
std::vector<std::string> TwinCommand(const std::string& node_path,
                                     const std::vector<std::string>& node_flags,
                                     const std::string& twin,
                                     const std::string& workload,
                                     std::uint64_t seed,
                                     double duration_ms,
                                     bool pace);
// The whole file, or "" if unreadable.
std::string ReadFile(const std::string& path);

}  // namespace heaplab::cli
