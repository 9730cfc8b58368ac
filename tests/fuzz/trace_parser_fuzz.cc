// libFuzzer target: the --trace-gc log parser must never crash, hang or read out of bounds, and
// whatever it accepts must be consistent (line numbers inside the input, in order).
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "sim/trace-parser.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  heaplab::TraceParseError error;
  auto log = heaplab::ParseTraceLog(text, &error);
  std::size_t lines = 1;
  for (char c : text)
    lines += c == '\n';
  if (!log) {
    if (error.line < 1 || static_cast<std::size_t>(error.line) > lines) std::abort();
    return 0;
  }
  int previous = 0;
  for (const auto& gc : log->gcs) {
    if (gc.line <= previous || static_cast<std::size_t>(gc.line) > lines) std::abort();
    previous = gc.line;
  }
  return 0;
}
