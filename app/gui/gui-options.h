// The workbench's command line (heaplab), parsed with Boost.Program_options: its own options
// and the heap flags of the one flag table (sim/flag-definitions.h), spelled as node spells them.
// No Qt here, so that `heaplab --help` needs no display.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "sim/flags.h"

namespace heaplab {

// What one heaplab command line asks for.
struct GuiOptions {
  HeapFlags flags;         // the heap flags, over `flags`' values on entry to ParseGuiOptions
  std::string workload;    // the workload script ("" = the last one opened)
  bool help = false;       // --help: print GuiHelpText and exit
  bool run = false;        // --run: start the run at once
  bool quit = false;       // --quit: exit when the run (or the lesson screenshot) is done
  double duration_ms = 0;  // --duration: simulated ms (0 = the workload's own)
  std::uint64_t seed = 1;  // --seed
  std::string export_charts_dir;  // --export-charts DIR: every chart as PNG and SVG
  int chart_width = 1200;         // --chart-size WxH, exported charts and heap map
  int chart_height = 500;
  std::string screenshot_path;                 // --screenshot FILE.png
  bool latency_report = false;                 // --latency-report: event-loop delay and RSS
  std::vector<std::string> compare_flag_sets;  // --compare "A;B": variants run after the run
  std::string import_log_path;                 // --import-log FILE: node's trace overlaid
  std::string from_log_path;                   // --from-log FILE: a new workload replaying the log
  std::string lesson_path;                     // --lesson FILE.lesson.json: step mode
  int lesson_stop = 1;                         // --lesson-stop K (1-based)
  std::optional<std::uint64_t> step;           // --step N (0-based) in step mode
  std::string heap_map_path;                   // --export-heap-map FILE.png|svg
  bool show_heap_map = false;                  // --show-heap-map
  bool show_trace = false;                     // --show-trace
};

// Parses heaplab's arguments (without the program name; Qt's own options already taken out by
// QApplication, --calibration by SetUpCalibration). Returns an error naming the option or flag
// and what it accepts; `out` is complete only when there is none.
std::optional<std::string> ParseGuiOptions(const std::vector<std::string>& args, GuiOptions& out);

// The usage text: the workbench's options, then every heap flag group of the table.
std::string GuiHelpText();

// Whether the arguments ask for help (--help or -h anywhere), checked before Qt starts.
bool WantsGuiHelp(const std::vector<std::string>& args);

}  // namespace heaplab
