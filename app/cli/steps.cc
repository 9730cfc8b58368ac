#include "app/cli/steps.h"

#include <boost/program_options.hpp>

#include <iostream>

#include "app/common/flag-options.h"
#include "sim/script/step-session.h"

namespace po = boost::program_options;

namespace heaplab::cli {

namespace {

constexpr int kExitUsage = 2;
constexpr int kExitWorkloadError = 1;

bool EndsWith(const std::string& s, std::string_view suffix) {
  return s.size() >= suffix.size() &&
         s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

void PrintStep(const StepSession& session, std::size_t i) {
  const Step& s = session.step(i);
  std::cout << "step " << i << "  gc " << s.gc << "  " << ToString(s.kind) << "\n  " << s.text
            << "\n";
}

}  // namespace

int Steps(const std::vector<std::string>& args) {
  std::size_t from = 0, count = 50, max_steps = 400000;
  std::uint64_t seed = 1;
  po::options_description desc("Steps options");
  desc.add_options()("help,h", "show this help")(
      "granularity", po::value<std::string>()->default_value("object"),
      "object (every copy, scan, colour change, page swept) or collection (one step per GC)")(
      "from", cmdline::Count("from", &from)->default_value("0"), "first step to print")(
      "count", cmdline::Count("count", &count)->default_value("50"), "how many steps to print")(
      "kind", po::value<std::string>(), "print only steps of this kind (copy, promote, ...)")(
      "seed", cmdline::WholeNumber("seed", &seed)->default_value("1"),
      "random seed of the workload")(
      "max-steps", cmdline::Count("max-steps", &max_steps)->default_value("400000"),
      "stop recording after this many steps");
  po::options_description hidden;
  hidden.add_options()("input", po::value<std::string>(), "workload or lesson");
  po::options_description all;
  all.add(desc).add(hidden);
  po::positional_options_description pos;
  pos.add("input", 1);
  po::variables_map vm;
  std::vector<std::string> v8_flags;
  try {
    auto parsed =
        po::command_line_parser(args).options(all).positional(pos).allow_unregistered().run();
    po::store(parsed, vm);
    po::notify(vm);
    v8_flags = po::collect_unrecognized(parsed.options, po::exclude_positional);
  } catch (const po::error& e) {
    std::cerr << "heaplab-cli steps: " << e.what() << "\n";
    return kExitUsage;
  }
  if (vm.count("help")) {
    std::cout << "Usage: heaplab-cli steps WORKLOAD.js|LESSON.lesson.json [options] [V8 flags]\n"
                 "\nStep mode in the terminal: the collectors' steps with their explanations.\n"
                 "A lesson prints its stops.\n\n"
              << desc << "\n";
    return 0;
  }
  if (!vm.count("input")) {
    std::cerr << "heaplab-cli steps: missing WORKLOAD.js or LESSON.lesson.json\n";
    return kExitUsage;
  }
  const std::string input = vm["input"].as<std::string>();
  StepSessionOptions options;
  std::optional<Lesson> lesson;
  if (EndsWith(input, ".json")) {
    lesson.emplace();
    if (auto err = LoadLesson(input, &*lesson)) {
      std::cerr << err->ToString() << "\n";
      return kExitWorkloadError;
    }
    options = LessonSessionOptions(*lesson);
    options.flags.insert(options.flags.end(), v8_flags.begin(), v8_flags.end());
  } else {
    options.workload.path = input;
    options.workload.seed = seed;
    options.flags = v8_flags;
    const std::string g = vm["granularity"].as<std::string>();
    if (g == "collection") {
      options.granularity = StepGranularity::kCollection;
    } else if (g != "object") {
      std::cerr << "heaplab-cli steps: --granularity must be object or collection\n";
      return kExitUsage;
    }
  }
  options.max_steps = max_steps;
  StepSession session(options);
  if (auto err = session.Record()) {
    std::cerr << err->ToString() << "\n";
    return kExitWorkloadError;
  }
  std::cout << session.step_count() << " steps" << (session.truncated() ? " (truncated)" : "")
            << "\n";
  if (lesson) {
    std::vector<std::size_t> at;
    if (auto err = ResolveLessonStops(*lesson, session, &at)) {
      std::cerr << err->ToString() << "\n";
      return kExitWorkloadError;
    }
    std::cout << lesson->title << "\n\n" << lesson->intro << "\n";
    for (std::size_t k = 0; k < at.size(); ++k) {
      std::cout << "\n== stop " << k + 1 << ": " << lesson->stops[k].title << " ==\n"
                << lesson->stops[k].text << "\n";
      PrintStep(session, at[k]);
    }
    return 0;
  }
  std::optional<StepKind> kind;
  if (vm.count("kind")) {
    StepKind k;
    if (!ParseStepKind(vm["kind"].as<std::string>(), &k)) {
      std::cerr << "heaplab-cli steps: --kind: unknown step kind '" << vm["kind"].as<std::string>()
                << "'\n";
      return kExitUsage;
    }
    kind = k;
  }
  std::size_t printed = 0;
  for (std::size_t i = from; i < session.step_count() && printed < count; ++i) {
    if (kind && session.step(i).kind != *kind) continue;
    PrintStep(session, i);
    ++printed;
  }
  return 0;
}

}  // namespace heaplab::cli
