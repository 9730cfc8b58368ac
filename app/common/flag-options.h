// Command-line options for heaplab-cli and heaplab, generated from the one flag table
// (sim/flag-definitions.h) with Boost.Program_options. Flags are accepted as node accepts them:
// dashes or underscores, "--flag=value" or "--flag value", and "--no-flag" for booleans.
#pragma once

#include <boost/program_options.hpp>

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "sim/flags.h"

namespace heaplab::cmdline {

// The heap flags, one options_description per table group, in table order.
std::vector<boost::program_options::options_description> HeapFlagGroups(bool allow_lists);
// Rewrites arguments to the dashed spelling Program_options knows: "--max_semi_space_size" ->
// "--max-semi-space-size", "--no-trace-gc" -> "--trace-gc=false".
std::vector<std::string> NormalizeArguments(const std::vector<std::string>& args);
// Applies the table flags found in `vm` to `flags`, validating through the table. Returns an
// error naming the flag and its range.
std::optional<std::string> ApplyHeapFlags(const boost::program_options::variables_map& vm,
                                          HeapFlags& flags);
// A whole-number option 0..2^64-1 stored in `store`: "-1" or "1.5" is an error naming the
// option (Program_options' own conversion would wrap "-1" to 2^64-1).
boost::program_options::typed_value<std::string>* WholeNumber(const char* name,
                                                              std::uint64_t* store);
// The same for a count (std::size_t).
boost::program_options::typed_value<std::string>* Count(const char* name, std::size_t* store);
// A number option that must not be negative (a duration, a time limit).
boost::program_options::typed_value<double>* NonNegative(const char* name, double* store);

// For sweeps: the table flags whose values are comma-separated lists, by name.
std::map<std::string, std::vector<std::string>> ListFlags(
    const boost::program_options::variables_map& vm);

}  // namespace heaplab::cmdline
