#include "app/gui/gui-options.h"

#include <boost/program_options.hpp>

#include <sstream>

#include "app/common/flag-options.h"

namespace po = boost::program_options;

namespace heaplab {

namespace {

// The workbench's own options (the heap flags come from the table); numbers go to `out` and
// `step`, checked as heaplab-cli checks them.
po::options_description WorkbenchOptions(GuiOptions& out, std::uint64_t* step) {
  po::options_description d("Workbench options", 100, 50);
  d.add_options()("help,h", "show this help")("run", "start the run at once")(
      "quit", "exit when the run, its exports and screenshot are done")(
      "duration", cmdline::NonNegative("duration", &out.duration_ms)->value_name("MS"),
      "simulated milliseconds to run (default: the workload's own)")(
      "seed", cmdline::WholeNumber("seed", &out.seed)->value_name("N"), "random seed (default: 1)")(
      "export-charts", po::value<std::string>()->value_name("DIR"),
      "after the run, write every chart as PNG and SVG into DIR")(
      "chart-size", po::value<std::string>()->value_name("WxH"),
      "pixel size of exported charts and heap map (default: 1200x500)")(
      "screenshot", po::value<std::string>()->value_name("FILE.png"),
      "after the run (or at the lesson's step), save the window")(
      "latency-report", "after the run, print the GUI's event-loop delay and memory")(
      "compare", po::value<std::string>()->value_name("FLAGS;FLAGS"),
      "after the run, compare these flag sets side by side (';' between sets)")(
      "import-log", po::value<std::string>()->value_name("FILE"),
      "after the run, overlay a node --trace-gc log")(
      "from-log", po::value<std::string>()->value_name("FILE"),
      "open a new workload that replays a node --trace-gc log (heaplab-cli from-log)")(
      "show-heap-map", "open the heap map")("show-trace", "open the V8 trace tab")(
      "export-heap-map", po::value<std::string>()->value_name("FILE.png|svg"),
      "after the run, export the heap map")(
      "lesson", po::value<std::string>()->value_name("FILE.lesson.json"),
      "open a lesson in step mode")("lesson-stop", po::value<int>()->value_name("K"),
                                    "go to the lesson's K-th stop (default: 1)")(
      "step", cmdline::WholeNumber("step", step)->value_name("N"),
      "in step mode, go to step N (0-based)")(
      "calibration", po::value<std::string>()->value_name("FILE|none"),
      "speed profile of heaplab-cli calibrate (default: ~/.config/heaplab/calibration.flags)");
  return d;
}

// The value of an option that takes one: a separate argument after it becomes "--name=value"
// so that values starting with "--" (flag sets) are not read as options.
std::vector<std::string> JoinValues(const std::vector<std::string>& args) {
  std::vector<std::string> out;
  for (std::size_t i = 0; i < args.size(); ++i) {
    const std::string& a = args[i];
    if ((a == "--compare" || a == "--import-log" || a == "--from-log") && i + 1 < args.size())
      out.push_back(a + "=" + args[++i]);
    else
      out.push_back(a);
  }
  return out;
}

std::optional<std::string> ParseChartSize(const std::string& text, int& width, int& height) {
  int w = 0, h = 0;
  char x = 0, extra = 0;
  std::istringstream in(text);
  if (!(in >> w >> x >> h) || (x != 'x' && x != 'X') || (in >> extra) || w < 100 || h < 100 ||
      w > 16384 || h > 16384)
    return "--chart-size: '" + text + "' is not WIDTHxHEIGHT in pixels, each 100..16384";
  width = w;
  height = h;
  return std::nullopt;
}

}  // namespace

std::optional<std::string> ParseGuiOptions(const std::vector<std::string>& args, GuiOptions& out) {
  std::uint64_t step = 0;
  po::options_description all;
  all.add(WorkbenchOptions(out, &step));
  for (auto& g : cmdline::HeapFlagGroups(false))
    all.add(g);
  po::options_description hidden;
  hidden.add_options()("workload", po::value<std::string>(), "workload file");
  all.add(hidden);
  po::positional_options_description positional;
  positional.add("workload", 1);
  po::variables_map vm;
  try {
    po::store(po::command_line_parser(cmdline::NormalizeArguments(JoinValues(args)))
                  .options(all)
                  .positional(positional)
                  .run(),
              vm);
    po::notify(vm);
  } catch (const po::too_many_positional_options_error&) {
    return "one workload at a time: the arguments hold more than one file name";
  } catch (const po::error& e) {
    return e.what();
  }
  if (auto err = cmdline::ApplyHeapFlags(vm, out.flags)) return err;
  out.help = vm.count("help") > 0;
  out.run = vm.count("run") > 0;
  out.quit = vm.count("quit") > 0;
  out.latency_report = vm.count("latency-report") > 0;
  out.show_heap_map = vm.count("show-heap-map") > 0;
  out.show_trace = vm.count("show-trace") > 0;
  if (vm.count("workload")) out.workload = vm["workload"].as<std::string>();
  if (vm.count("export-charts")) out.export_charts_dir = vm["export-charts"].as<std::string>();
  if (vm.count("chart-size")) {
    if (auto err =
            ParseChartSize(vm["chart-size"].as<std::string>(), out.chart_width, out.chart_height))
      return err;
  }
  if (vm.count("screenshot")) out.screenshot_path = vm["screenshot"].as<std::string>();
  if (vm.count("compare")) {
    std::istringstream sets(vm["compare"].as<std::string>());
    std::string set;
    while (std::getline(sets, set, ';'))
      if (set.find_first_not_of(" \t") != std::string::npos) out.compare_flag_sets.push_back(set);
    if (out.compare_flag_sets.empty()) return "--compare: no flag set (';' between sets)";
  }
  if (vm.count("import-log")) out.import_log_path = vm["import-log"].as<std::string>();
  if (vm.count("from-log")) {
    out.from_log_path = vm["from-log"].as<std::string>();
    if (!out.workload.empty()) return "--from-log makes the workload: give no workload file too";
  }
  if (vm.count("export-heap-map")) out.heap_map_path = vm["export-heap-map"].as<std::string>();
  if (vm.count("lesson")) out.lesson_path = vm["lesson"].as<std::string>();
  if (vm.count("lesson-stop")) {
    out.lesson_stop = vm["lesson-stop"].as<int>();
    if (out.lesson_stop < 1) return "--lesson-stop: stops count from 1";
    if (out.lesson_path.empty()) return "--lesson-stop needs --lesson";
  }
  if (vm.count("step")) {
    if (out.lesson_path.empty()) return "--step needs --lesson";
    out.step = step;
  }
  if (vm.count("calibration"))
    return "--calibration: give it once, as --calibration FILE or --calibration=FILE";
  return std::nullopt;
}

std::string GuiHelpText() {
  GuiOptions unused;  // the options print their names only
  std::uint64_t unused_step = 0;
  std::ostringstream o;
  o << "Usage: heaplab [WORKLOAD.js] [options] [V8 flags]\n"
       "       heaplab --lesson FILE.lesson.json [--lesson-stop K] [--step N]\n"
       "Opens the workbench on the workload (default: the last one opened). Headless:\n"
       "  QT_QPA_PLATFORM=offscreen heaplab W.js --run --export-charts DIR --quit\n\n"
    << WorkbenchOptions(unused, &unused_step) << "\n";
  for (auto& g : cmdline::HeapFlagGroups(false))
    o << g << "\n";
  return o.str();
}

bool WantsGuiHelp(const std::vector<std::string>& args) {
  for (const std::string& a : args)
    if (a == "--help" || a == "-h") return true;
  return false;
}

}  // namespace heaplab
