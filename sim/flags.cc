#include "sim/flags.h"

#include <charconv>
#include <cmath>
#include <cstdio>
#include <string>

namespace heaplab {

namespace {

std::string Dashed(std::string_view name) {
  std::string out(name);
  for (char& c : out)
    if (c == '_') c = '-';
  return out;
}

std::vector<std::string_view> SplitChoices(std::string_view text) {
  std::vector<std::string_view> out;
  while (!text.empty()) {
    auto bar = text.find('|');
    out.push_back(text.substr(0, bar));
    if (bar == std::string_view::npos) break;
    text.remove_prefix(bar + 1);
  }
  return out;
}

std::string FormatNumber(double v) {
  char buf[64];
  if (v == std::floor(v) && std::fabs(v) < 1e15) {
    std::snprintf(buf, sizeof buf, "%.0f", v);
  } else {
    std::snprintf(buf, sizeof buf, "%g", v);
  }
  return buf;
}

// Storage for the dashed names: FlagInfo holds string_views into it.
struct Table {
  std::vector<std::string> cli_names;
  std::vector<FlagInfo> rows;
  Table() {
    cli_names.reserve(64);
#define HEAPLAB_ROW_BOOL(name, def, group, help)    \
  cli_names.push_back(Dashed(#name));               \
  rows.push_back(FlagInfo{#name,                    \
                          cli_names.back(),         \
                          FlagType::kBool,          \
                          0,                        \
                          1,                        \
                          "",                       \
                          group,                    \
                          help,                     \
                          (def) ? "true" : "false", \
                          {},                       \
                          &HeapFlags::name});
// Integer and double rows differ only in their type.
#define HEAPLAB_ROW_NUMBER(type, name, def, lo, hi, unit, group, help) \
  cli_names.push_back(Dashed(#name));                                  \
  rows.push_back(FlagInfo{                                             \
      #name, cli_names.back(), type, lo, hi, unit, group, help, #def, {}, &HeapFlags::name});
#define HEAPLAB_ROW_INT(name, def, lo, hi, unit, group, help) \
  HEAPLAB_ROW_NUMBER(FlagType::kInt, name, def, lo, hi, unit, group, help)
#define HEAPLAB_ROW_DOUBLE(name, def, lo, hi, unit, group, help) \
  HEAPLAB_ROW_NUMBER(FlagType::kDouble, name, def, lo, hi, unit, group, help)
#define HEAPLAB_ROW_CHOICE(name, def, choices, group, help)                                       \
  cli_names.push_back(Dashed(#name));                                                             \
  rows.push_back(FlagInfo{#name, cli_names.back(), FlagType::kChoice, 0, 0, "", group, help, def, \
                          SplitChoices(choices), &HeapFlags::name});
    HEAPLAB_FLAG_LIST(HEAPLAB_ROW_BOOL, HEAPLAB_ROW_INT, HEAPLAB_ROW_DOUBLE, HEAPLAB_ROW_CHOICE)
#undef HEAPLAB_ROW_BOOL
#undef HEAPLAB_ROW_NUMBER
#undef HEAPLAB_ROW_INT
#undef HEAPLAB_ROW_DOUBLE
#undef HEAPLAB_ROW_CHOICE
  }
};

const Table& GetTable() {
  static const Table table;
  return table;
}

std::string RangeText(const FlagInfo& f) {
  switch (f.type) {
    case FlagType::kBool:
      return "true or false";
    case FlagType::kChoice: {
      std::string s;
      for (auto c : f.choices) {
        if (!s.empty()) s += " | ";
        s += c;
      }
      return "one of " + s;
    }
    default: {
      std::string s =
          "a number from " + FormatNumber(f.min_value) + " to " + FormatNumber(f.max_value);
      if (!f.unit.empty()) s += " (" + std::string(f.unit) + ")";
      return s;
    }
  }
}

std::string Trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t'))
    s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t'))
    s.remove_suffix(1);
  return std::string(s);
}

}  // namespace

std::span<const FlagInfo> AllFlags() {
  return GetTable().rows;
}

const FlagInfo* FindFlag(std::string_view name) {
  std::string key(name);
  for (char& c : key)
    if (c == '-') c = '_';
  for (const auto& f : GetTable().rows)
    if (f.name == key) return &f;
  return nullptr;
}

std::optional<std::string> SetFlag(HeapFlags& flags, const FlagInfo& f, std::string_view raw) {
  const std::string value = Trim(raw);
  auto bad = [&]() {
    return "invalid value '" + value + "' for --" + std::string(f.cli_name) + ": expected " +
           RangeText(f);
  };
  switch (f.type) {
    case FlagType::kBool: {
      bool v;
      if (value == "true" || value == "1" || value == "yes" || value == "on")
        v = true;
      else if (value == "false" || value == "0" || value == "no" || value == "off")
        v = false;
      else
        return bad();
      flags.*std::get<bool HeapFlags::*>(f.field) = v;
      return std::nullopt;
    }
    case FlagType::kInt: {
      std::int64_t v = 0;
      auto [ptr, ec] = std::from_chars(value.data(), value.data() + value.size(), v);
      if (ec != std::errc() || ptr != value.data() + value.size() || value.empty()) return bad();
      if (static_cast<double>(v) < f.min_value || static_cast<double>(v) > f.max_value)
        return bad();
      flags.*std::get<std::int64_t HeapFlags::*>(f.field) = v;
      return std::nullopt;
    }
    case FlagType::kDouble: {
      double v = 0;
      auto [ptr, ec] = std::from_chars(value.data(), value.data() + value.size(), v);
      if (ec != std::errc() || ptr != value.data() + value.size() || value.empty() ||
          !std::isfinite(v))
        return bad();
      if (v < f.min_value || v > f.max_value) return bad();
      flags.*std::get<double HeapFlags::*>(f.field) = v;
      return std::nullopt;
    }
    case FlagType::kChoice: {
      for (auto c : f.choices) {
        if (c == value) {
          flags.*std::get<std::string HeapFlags::*>(f.field) = value;
          return std::nullopt;
        }
      }
      return bad();
    }
  }
  return bad();
}

std::string GetFlag(const HeapFlags& flags, const FlagInfo& f) {
  switch (f.type) {
    case FlagType::kBool:
      return flags.*std::get<bool HeapFlags::*>(f.field) ? "true" : "false";
    case FlagType::kInt:
      return std::to_string(flags.*std::get<std::int64_t HeapFlags::*>(f.field));
    case FlagType::kDouble:
      return FormatNumber(flags.*std::get<double HeapFlags::*>(f.field));
    case FlagType::kChoice:
      return flags.*std::get<std::string HeapFlags::*>(f.field);
  }
  return {};
}

std::optional<std::string> ParseFlags(HeapFlags& flags,
                                      std::span<const std::string> args,
                                      std::vector<std::string>* rest) {
  for (std::size_t i = 0; i < args.size(); ++i) {
    const std::string& arg = args[i];
    if (arg.size() < 3 || arg.compare(0, 2, "--") != 0) {
      if (rest) {
        rest->push_back(arg);
        continue;
      }
      return "unexpected argument '" + arg + "'";
    }
    std::string_view body(arg);
    body.remove_prefix(2);
    std::optional<std::string_view> value;
    if (auto eq = body.find('='); eq != std::string_view::npos) {
      value = body.substr(eq + 1);
      body = body.substr(0, eq);
    }
    const FlagInfo* f = FindFlag(body);
    bool negated = false;
    if (!f && (body.starts_with("no-") || body.starts_with("no_"))) {
      f = FindFlag(body.substr(3));
      negated = f && f->type == FlagType::kBool;
      if (!negated) f = nullptr;
    }
    if (!f) {
      if (rest) {
        rest->push_back(arg);
        continue;
      }
      return "unknown flag '--" + std::string(body) + "'";
    }
    if (negated) {
      if (value) return "--no-" + std::string(f->cli_name) + " takes no value";
      flags.*std::get<bool HeapFlags::*>(f->field) = false;
      continue;
    }
    if (!value) {
      if (f->type == FlagType::kBool) {
        // node accepts "--flag" alone, and also "--flag true"/"--flag false".
        if (i + 1 < args.size() && (args[i + 1] == "true" || args[i + 1] == "false")) {
          value = args[++i];
        } else {
          flags.*std::get<bool HeapFlags::*>(f->field) = true;
          continue;
        }
      } else {
        if (i + 1 >= args.size())
          return "missing value for --" + std::string(f->cli_name) + ": expected " + RangeText(*f);
        value = args[++i];
      }
    }
    if (auto err = SetFlag(flags, *f, *value)) return err;
  }
  return ValidateFlagCombination(flags);
}

std::vector<std::string> NonDefaultFlags(const HeapFlags& flags) {
  static const HeapFlags defaults;
  std::vector<std::string> out;
  for (const auto& f : AllFlags()) {
    std::string v = GetFlag(flags, f);
    if (v == GetFlag(defaults, f)) continue;
    if (f.type == FlagType::kBool)
      out.push_back(v == "true" ? "--" + std::string(f.cli_name)
                                : "--no-" + std::string(f.cli_name));
    else
      out.push_back("--" + std::string(f.cli_name) + "=" + v);
  }
  return out;
}

std::optional<std::string> ValidateFlagCombination(const HeapFlags& flags) {
  // Heap::ConfigureHeap: CHECK_IMPLIES(max_heap_size > 0,
  //                                    max_semi_space_size == 0 || max_old_space_size == 0)
  if (flags.max_heap_size > 0 && flags.max_semi_space_size > 0 && flags.max_old_space_size > 0)
    return "--max-heap-size cannot be combined with both --max-semi-space-size and "
           "--max-old-space-size";
  return std::nullopt;
}

}  // namespace heaplab
