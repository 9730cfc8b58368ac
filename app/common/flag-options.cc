#include "app/common/flag-options.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <limits>
#include <sstream>

namespace po = boost::program_options;

namespace heaplab::cmdline {

namespace {
std::string HelpText(const FlagInfo& f) {
  std::ostringstream o;
  o << f.help;
  if (f.type == FlagType::kInt || f.type == FlagType::kDouble) {
    o << " [" << f.min_value << ".." << f.max_value;
    if (!f.unit.empty()) o << " " << f.unit;
    o << "]";
  }
  o << " (default: " << f.default_text << ")";
  return o.str();
}
}  // namespace

std::vector<po::options_description> HeapFlagGroups(bool allow_lists) {
  std::vector<po::options_description> groups;
  std::vector<std::string> names;
  for (const FlagInfo& f : AllFlags()) {
    std::string group(f.group);
    auto it = std::find(names.begin(), names.end(), group);
    if (it == names.end()) {
      names.push_back(group);
      groups.emplace_back(group + " flags", 100, 50);
      it = names.end() - 1;
    }
    po::options_description& d = groups[static_cast<std::size_t>(it - names.begin())];
    std::string value_name = f.type == FlagType::kBool ? "BOOL"
                             : f.unit.empty()          ? "VALUE"
                                                       : std::string(f.unit);
    if (allow_lists && f.type != FlagType::kBool) value_name += "[,...]";
    auto* semantic = po::value<std::string>()->value_name(value_name);
    if (f.type == FlagType::kBool) semantic->implicit_value("true");
    d.add_options()(std::string(f.cli_name).c_str(), semantic, HelpText(f).c_str());
  }
  return groups;
}

std::vector<std::string> NormalizeArguments(const std::vector<std::string>& args) {
  std::vector<std::string> out;
  for (const std::string& a : args) {
    if (a.size() < 3 || a.compare(0, 2, "--") != 0) {
      out.push_back(a);
      continue;
    }
    std::string name = a.substr(2), value;
    bool has_value = false;
    if (auto eq = name.find('='); eq != std::string::npos) {
      value = name.substr(eq + 1);
      name = name.substr(0, eq);
      has_value = true;
    }
    for (char& c : name)
      if (c == '_') c = '-';
    const FlagInfo* f = FindFlag(name);
    if (!f && (name.rfind("no-", 0) == 0) && !has_value) {
      const FlagInfo* neg = FindFlag(name.substr(3));
      if (neg && neg->type == FlagType::kBool) {
        out.push_back("--" + std::string(neg->cli_name) + "=false");
        continue;
      }
    }
    out.push_back("--" + name + (has_value ? "=" + value : ""));
  }
  return out;
}

std::optional<std::string> ApplyHeapFlags(const po::variables_map& vm, HeapFlags& flags) {
  for (const FlagInfo& f : AllFlags()) {
    const std::string key(f.cli_name);
    if (!vm.count(key)) continue;
    if (auto err = SetFlag(flags, f, vm[key].as<std::string>())) return err;
  }
  return ValidateFlagCombination(flags);
}

namespace {
// A whole-number option of type T, parsed by std::from_chars: no sign, no fraction, in range.
template <typename T>
po::typed_value<std::string>* WholeNumberOf(const char* name, T* store) {
  const std::string option = std::string("--") + name;
  return po::value<std::string>()->notifier([option, store](const std::string& text) {
    T v = 0;
    const char* end = text.data() + text.size();
    auto [ptr, ec] = std::from_chars(text.data(), end, v);
    if (text.empty() || ec != std::errc() || ptr != end)
      throw po::error(option + ": '" + text + "' is not a whole number 0.." +
                      std::to_string(std::numeric_limits<T>::max()));
    *store = v;
  });
}
}  // namespace

po::typed_value<std::string>* WholeNumber(const char* name, std::uint64_t* store) {
  return WholeNumberOf(name, store);
}

po::typed_value<std::string>* Count(const char* name, std::size_t* store) {
  return WholeNumberOf(name, store);
}

po::typed_value<double>* NonNegative(const char* name, double* store) {
  const std::string option = std::string("--") + name;
  return po::value<double>(store)->notifier([option](double v) {
    if (!(v >= 0) || !std::isfinite(v)) throw po::error(option + ": must be 0 or more");
  });
}

std::map<std::string, std::vector<std::string>> ListFlags(const po::variables_map& vm) {
  std::map<std::string, std::vector<std::string>> out;
  for (const FlagInfo& f : AllFlags()) {
    const std::string key(f.cli_name);
    if (!vm.count(key)) continue;
    const std::string v = vm[key].as<std::string>();
    if (v.find(',') == std::string::npos) continue;
    std::vector<std::string> parts;
    std::stringstream ss(v);
    std::string part;
    while (std::getline(ss, part, ','))
      parts.push_back(part);
    out[key] = parts;
  }
  return out;
}

}  // namespace heaplab::cmdline
