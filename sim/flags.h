// HeapFlags: the values of the one flag table (flag-definitions.h), with parsing and validation
// shared by the CLI, the GUI and the simulator.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "sim/flag-definitions.h"

namespace heaplab {

// Every flag's value. Defaults are the table's; 0 for a size means "derive it as Node does".
struct HeapFlags {
#define HEAPLAB_DECLARE_BOOL(name, def, group, help) bool name = def;
#define HEAPLAB_DECLARE_INT(name, def, lo, hi, unit, group, help) std::int64_t name = def;
#define HEAPLAB_DECLARE_DOUBLE(name, def, lo, hi, unit, group, help) double name = def;
#define HEAPLAB_DECLARE_CHOICE(name, def, choices, group, help) std::string name = def;
  HEAPLAB_FLAG_LIST(HEAPLAB_DECLARE_BOOL,
                    HEAPLAB_DECLARE_INT,
                    HEAPLAB_DECLARE_DOUBLE,
                    HEAPLAB_DECLARE_CHOICE)
#undef HEAPLAB_DECLARE_BOOL
#undef HEAPLAB_DECLARE_INT
#undef HEAPLAB_DECLARE_DOUBLE
#undef HEAPLAB_DECLARE_CHOICE

  bool operator==(const HeapFlags&) const = default;
};

enum class FlagType : std::uint8_t { kBool, kInt, kDouble, kChoice };

// One row of the flag table, for front ends: name with underscores (V8's C++ spelling), its
// command-line spelling with dashes, type, range, unit, group and help.
struct FlagInfo {
  std::string_view name;      // "max_semi_space_size"
  std::string_view cli_name;  // "max-semi-space-size"
  FlagType type;
  double min_value;
  double max_value;
  std::string_view unit;
  std::string_view group;
  std::string_view help;
  std::string_view default_text;
  std::vector<std::string_view> choices;  // kChoice only
  std::variant<bool HeapFlags::*,
               std::int64_t HeapFlags::*,
               double HeapFlags::*,
               std::string HeapFlags::*>
      field;
};

// The whole table, in declaration order.
std::span<const FlagInfo> AllFlags();
// Finds a flag by either spelling ("max_semi_space_size" or "max-semi-space-size"); nullptr if
// there is none.
const FlagInfo* FindFlag(std::string_view name);

// Sets `flag` from its textual value. On a bad value returns an error naming the flag and its
// allowed range, and leaves `flags` unchanged.
std::optional<std::string> SetFlag(HeapFlags& flags, const FlagInfo& flag, std::string_view value);
// The flag's current value as text, as SetFlag accepts it.
std::string GetFlag(const HeapFlags& flags, const FlagInfo& flag);
// Parses node-style arguments: --name=value, --name value, --name (bool true), --no-name,
// with dashes or underscores. Unknown flags and bad values produce errors that name them.
// Arguments that are not flags of the table are returned in `rest` when it is not null, and
// are errors otherwise.
std::optional<std::string> ParseFlags(HeapFlags& flags,
                                      std::span<const std::string> args,
                                      std::vector<std::string>* rest = nullptr);
// The flags that differ from their defaults, as "--name=value" strings in table order.
std::vector<std::string> NonDefaultFlags(const HeapFlags& flags);
// Checks combinations that single flags cannot (V8's CHECK_IMPLIES in Heap::ConfigureHeap).
std::optional<std::string> ValidateFlagCombination(const HeapFlags& flags);

}  // namespace heaplab
