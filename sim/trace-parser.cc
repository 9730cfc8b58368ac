#include "sim/trace-parser.h"

#include <cctype>
#include <cerrno>
#include <charconv>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <sstream>

namespace heaplab {

namespace {

// A cursor over one line with the few operations the format needs.
class Cursor {
 public:
  explicit Cursor(std::string_view s) : s_(s) {}
  bool done() const { return i_ >= s_.size(); }
  std::string_view rest() const { return s_.substr(i_); }
  void SkipSpaces() {
    while (i_ < s_.size() && s_[i_] == ' ')
      ++i_;
  }
  bool Eat(std::string_view token) {
    if (s_.substr(i_, token.size()) != token) return false;
    i_ += token.size();
    return true;
  }
  bool Number(double* out) {
    SkipSpaces();
    std::size_t start = i_;
    if (i_ < s_.size() && (s_[i_] == '-' || s_[i_] == '+')) ++i_;
    while (i_ < s_.size() && (std::isdigit(static_cast<unsigned char>(s_[i_])) || s_[i_] == '.'))
      ++i_;
    if (i_ == start) return false;
    const std::string text(s_.substr(start, i_ - start));
    char* end = nullptr;
    *out = std::strtod(text.c_str(), &end);
    return end == text.c_str() + text.size();
  }
  bool Integer(std::uint64_t* out, int base) {
    std::size_t start = i_;
    auto [ptr, ec] = std::from_chars(s_.data() + i_, s_.data() + s_.size(), *out, base);
    if (ec != std::errc()) return false;
    i_ = static_cast<std::size_t>(ptr - s_.data());
    return i_ > start;
  }
  std::size_t position() const { return i_; }
  // A " (words)" qualifier whose first character is a letter ("(interleaved)", "(during
  // sweeping)", "(reduce)"): returns its words, or empty (and moves nothing) if there is none.
  std::string_view Qualifier() {
    if (s_.substr(i_, 2) != " (" || i_ + 2 >= s_.size() ||
        !std::isalpha(static_cast<unsigned char>(s_[i_ + 2])))
      return {};
    const std::size_t close = s_.find(')', i_ + 2);
    if (close == std::string_view::npos) return {};
    const std::string_view words = s_.substr(i_ + 2, close - i_ - 2);
    i_ = close + 1;
    return words;
  }

 private:
  std::string_view s_;
  std::size_t i_ = 0;
};

// "[pid:0xaddr]  T ms: " — the PrintIsolate prefix with a time stamp. Windows prints the
// address without "0x" ("[6628:0000013B784AD000]").
bool ParsePrefix(Cursor& c, TracedGC* gc) {
  std::uint64_t pid = 0;
  if (!c.Eat("[") || !c.Integer(&pid, 10) || !c.Eat(":")) return false;
  c.Eat("0x");
  if (!c.Integer(&gc->isolate, 16) || !c.Eat("]")) return false;
  gc->pid = static_cast<std::uint32_t>(pid);
  double t = 0;
  if (!c.Number(&t)) return false;
  c.SkipSpaces();
  if (!c.Eat("ms: ")) return false;
  gc->time_ms = t;
  return true;
}

// A --trace-gc-verbose space line, "[pid:0xiso] New space,   used:    214 KB, available: ...":
// its process, isolate, space name and used KB. False for any other line.
bool ParseSpaceLine(std::string_view line,
                    std::uint32_t* pid,
                    std::uint64_t* isolate,
                    std::string* space,
                    double* used_kb) {
  const auto at = line.find('[');
  if (at == std::string_view::npos) return false;
  Cursor c(line.substr(at));
  std::uint64_t p = 0;
  if (!c.Eat("[") || !c.Integer(&p, 10) || !c.Eat(":")) return false;
  c.Eat("0x");
  if (!c.Integer(isolate, 16) || !c.Eat("]")) return false;
  c.SkipSpaces();
  const std::string_view body = c.rest();
  const auto comma = body.find(',');
  if (comma == std::string_view::npos || comma == 0) return false;
  const std::string_view name = body.substr(0, comma);
  if (name.find("space") == std::string_view::npos || name.find(':') != std::string_view::npos)
    return false;
  Cursor rest(body.substr(comma + 1));
  rest.SkipSpaces();
  if (!rest.Eat("used:")) return false;
  rest.SkipSpaces();
  if (!rest.Number(used_kb)) return false;
  rest.SkipSpaces();
  if (!rest.Eat("KB")) return false;
  *pid = static_cast<std::uint32_t>(p);
  *space = std::string(name);
  return true;
}

std::string Trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\r'))
    s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\r'))
    s.remove_suffix(1);
  return std::string(s);
}

// The body of a --trace-gc line after the prefix. Returns an error message or empty.
std::string ParseTraceGCBody(Cursor& c, TracedGC* gc) {
  if (c.Eat("Scavenge")) {
    gc->collector = GarbageCollector::kScavenger;
  } else if (c.Eat("Minor Mark-Compact") || c.Eat("Minor Mark-Sweep")) {
    gc->collector = GarbageCollector::kScavenger;
    gc->minor_mark_compact = true;
  } else if (c.Eat("Mark-Compact") || c.Eat("Mark-sweep")) {
    gc->collector = GarbageCollector::kMarkCompactor;
  } else {
    return "unknown collector";
  }
  // V8 qualifies the collector: "(reduce)", and newer V8 "(interleaved)", "(during sweeping)".
  for (std::string_view q = c.Qualifier(); !q.empty(); q = c.Qualifier())
    if (q == "reduce") gc->reduce = true;
  auto size_pair = [&](double* used, double* committed) {
    if (!c.Number(used)) return false;
    c.SkipSpaces();
    if (!c.Eat("(") || !c.Number(committed) || !c.Eat(")")) return false;
    return true;
  };
  if (!size_pair(&gc->before_mb, &gc->before_committed_mb))
    return "expected 'SIZE (COMMITTED)' before '->'";
  c.SkipSpaces();
  if (!c.Eat("->")) return "expected '->' between the sizes";
  if (!size_pair(&gc->after_mb, &gc->after_committed_mb))
    return "expected 'SIZE (COMMITTED)' after '->'";
  c.SkipSpaces();
  if (!c.Eat("MB,")) return "expected 'MB,' after the sizes";
  c.SkipSpaces();
  if (c.Eat("pooled:")) {  // newer V8: "pooled: N MB, "
    double pooled;
    c.Number(&pooled);
    c.SkipSpaces();
    c.Eat("MB,");
  }
  if (!c.Number(&gc->pause_ms)) return "expected the pause in ms";
  c.SkipSpaces();
  if (!c.Eat("/") || !c.Number(&gc->external_ms)) return "expected 'PAUSE / EXTERNAL ms'";
  c.SkipSpaces();
  if (!c.Eat("ms")) return "expected 'ms' after the pause";
  c.SkipSpaces();
  if (c.Eat("(+")) {
    gc->incremental = true;
    double steps = 0;
    if (!c.Number(&gc->incremental_ms)) return "expected the incremental marking time";
    c.SkipSpaces();
    if (!c.Eat("ms in") || !c.Number(&steps)) return "expected 'ms in N steps'";
    gc->incremental_steps = static_cast<int>(steps);
    c.SkipSpaces();
    if (!c.Eat("steps since start of marking, biggest step") || !c.Number(&gc->longest_step_ms))
      return "expected 'steps since start of marking, biggest step X'";
    c.SkipSpaces();
    if (!c.Eat("ms, walltime since start of marking") || !c.Number(&gc->marking_walltime_ms))
      return "expected 'walltime since start of marking W'";
    c.SkipSpaces();
    if (!c.Eat("ms)")) return "expected 'ms)' closing the incremental part";
    c.SkipSpaces();
  }
  if (c.Eat("(average mu =")) {
    double avg = 0, cur = 0;
    if (!c.Number(&avg)) return "expected the average mutator utilization";
    c.SkipSpaces();
    if (!c.Eat(", current mu =") || !c.Number(&cur)) return "expected ', current mu = X'";
    c.SkipSpaces();
    if (!c.Eat(")")) return "expected ')' after the mutator utilization";
    gc->average_mu = avg;
    gc->current_mu = cur;
    c.SkipSpaces();
  }
  // "reason; collector reason" (Node >= 14), or "reason collector reason" in older logs.
  const std::string rest = Trim(c.rest());
  if (auto semi = rest.find(';'); semi != std::string::npos) {
    gc->reason = Trim(std::string_view(rest).substr(0, semi));
    gc->collector_reason = Trim(std::string_view(rest).substr(semi + 1));
  } else {
    gc->reason = rest;
    for (const char* cr : {"GC in old space requested", "scavenge might not succeed"}) {
      if (auto at = rest.find(cr); at != std::string::npos && at > 0) {
        gc->reason = Trim(std::string_view(rest).substr(0, at));
        gc->collector_reason = cr;
      }
    }
  }
  if (gc->reason.empty()) return "expected the GC reason";
  return {};
}

std::string ParseNvpBody(std::string_view body, TracedGC* gc) {
  std::size_t i = 0;
  while (i < body.size()) {
    while (i < body.size() && body[i] == ' ')
      ++i;
    std::size_t end = body.find(' ', i);
    if (end == std::string_view::npos) end = body.size();
    std::string_view kv = body.substr(i, end - i);
    i = end;
    if (kv.empty()) continue;
    auto eq = kv.find('=');
    if (eq == std::string_view::npos || eq == 0)
      return "expected name=value, got '" + std::string(kv) + "'";
    gc->nvp[std::string(kv.substr(0, eq))] = std::string(kv.substr(eq + 1));
  }
  auto num = [&](const char* key, double* out) -> bool {
    auto it = gc->nvp.find(key);
    if (it == gc->nvp.end()) return false;
    char* end = nullptr;
    *out = std::strtod(it->second.c_str(), &end);
    return end != it->second.c_str();
  };
  const auto kind = gc->nvp.find("gc");
  if (kind == gc->nvp.end()) return "nvp line without gc=";
  if (kind->second == "s")
    gc->collector = GarbageCollector::kScavenger;
  else if (kind->second == "mc")
    gc->collector = GarbageCollector::kMarkCompactor;
  else if (kind->second == "mmc" || kind->second == "ms") {
    gc->collector = GarbageCollector::kScavenger;
    gc->minor_mark_compact = true;
  } else
    return "unknown gc=" + kind->second;
  if (!num("pause", &gc->pause_ms)) return "nvp line without a numeric pause=";
  double v = 0;
  if (num("reduce_memory", &v)) gc->reduce = v != 0;
  if (num("total_size_before", &v)) gc->before_mb = v / (1024.0 * 1024.0);
  if (num("total_size_after", &v)) gc->after_mb = v / (1024.0 * 1024.0);
  if (num("incremental_steps_count", &v) && v > 0) {
    gc->incremental = true;
    gc->incremental_steps = static_cast<int>(v);
    num("incremental", &gc->incremental_ms);
    num("incremental_longest_step", &gc->longest_step_ms);
    num("incremental_walltime_duration", &gc->marking_walltime_ms);
  }
  return {};
}

}  // namespace

std::optional<TraceLog> ParseTraceLog(std::string_view text, TraceParseError* error) {
  TraceLog log;
  int line_number = 0;
  bool in_last_gcs = false;
  std::size_t start = 0;
  while (start < text.size()) {
    std::size_t end = text.find('\n', start);
    if (end == std::string_view::npos) end = text.size();
    std::string_view line = text.substr(start, end - start);
    start = end + 1;
    ++line_number;
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    if (line.find("FATAL ERROR:") != std::string_view::npos) {
      log.fatal_message = Trim(line.substr(line.find("FATAL ERROR:")));
      log.fatal_line = line_number;
      continue;
    }
    if (line.find("<--- Last few GCs --->") != std::string_view::npos) in_last_gcs = true;
    if (in_last_gcs) {
      ++log.skipped_lines;
      continue;
    }
    // Only lines with the isolate prefix and a time stamp can be GC lines; the verbose space
    // lines and [HeapController] lines have other bodies and are skipped. The prefix may follow
    // what a log collector puts first ("2026-12-05T10:00:00Z [app] [1234:0x5a5a000] ...").
    TracedGC gc;
    gc.line = line_number;
    Cursor c(std::string_view{});
    bool found = false;
    for (auto at = line.find('['); at != std::string_view::npos && !found;
         at = line.find('[', at + 1)) {
      c = Cursor(line.substr(at));
      found = ParsePrefix(c, &gc);
    }
    if (!found) {
      // A verbose space line belongs to the GC of its isolate printed just before it.
      std::uint32_t pid = 0;
      std::uint64_t isolate = 0;
      std::string space;
      double used_kb = 0;
      if (ParseSpaceLine(line, &pid, &isolate, &space, &used_kb) && !log.gcs.empty() &&
          log.gcs.back().pid == pid && log.gcs.back().isolate == isolate)
        log.gcs.back().space_used_kb.emplace(space, used_kb);
      ++log.skipped_lines;
      continue;
    }
    const std::string_view body = c.rest();
    const bool trace_gc = body.rfind("Scavenge", 0) == 0 || body.rfind("Mark-", 0) == 0 ||
                          body.rfind("Minor Mark-", 0) == 0;
    const bool nvp = body.rfind("pause=", 0) == 0;
    if (!trace_gc && !nvp) {
      ++log.skipped_lines;
      continue;
    }
    const std::string problem = nvp ? ParseNvpBody(body, &gc) : ParseTraceGCBody(c, &gc);
    if (!problem.empty()) {
      if (error) *error = TraceParseError{line_number, "malformed GC line: " + problem};
      return std::nullopt;
    }
    log.gcs.push_back(std::move(gc));
  }
  return log;
}

std::optional<TraceLog> ReadTraceLog(const std::string& path, std::string* error) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    *error = path + ": cannot read: " + std::strerror(errno);
    return std::nullopt;
  }
  std::stringstream text;
  text << in.rdbuf();
  TraceParseError perr;
  auto log = ParseTraceLog(text.str(), &perr);
  if (!log) *error = path + ":" + std::to_string(perr.line) + ": " + perr.message;
  return log;
}

}  // namespace heaplab
