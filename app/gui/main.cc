// heaplab: the desktop workbench.
//   heaplab [WORKLOAD.js] [V8 flags] [--run] [--export-charts DIR] [--chart-size WxH] [--quit]
// Headless: `heaplab W.js --run --export-charts DIR --quit` runs as fast as possible, writes
// every chart as PNG and SVG into DIR and exits 0 (works with QT_QPA_PLATFORM=offscreen).
#include <QApplication>
#include <QIcon>
#include <QSettings>
#include <QTimer>

#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "app/gui/main-window.h"
#include "sim/calibration.h"
#include "widgets/charts-panel.h"
#include "widgets/comparison.h"
#include "widgets/heap-map.h"
#include "widgets/step-view.h"

using namespace heaplab;

int main(int argc, char** argv) {
  QApplication app(argc, argv);
  QApplication::setOrganizationName("HeapLab");
  QApplication::setApplicationName("HeapLab");
  QApplication::setWindowIcon(QIcon(":/heaplab/heaplab.svg"));

  std::vector<std::string> all(argv + 1, argv + argc);
  // Options of the workbench whose values may look like flags are taken out first.
  std::vector<std::string> args, rest;
  for (std::size_t i = 0; i < all.size(); ++i) {
    if ((all[i] == "--compare" || all[i] == "--import-log") && i + 1 < all.size()) {
      rest.push_back(all[i]);
      rest.push_back(all[++i]);
    } else {
      args.push_back(all[i]);
    }
  }
  // The speed profile (heaplab-cli calibrate's, or --calibration FILE|none) under the flags.
  if (auto err = SetUpCalibration(args)) {
    std::fprintf(stderr, "heaplab: %s\n", err->c_str());
    return 2;
  }
  HeapFlags flags = CalibratedDefaults();
  if (auto err = ParseFlags(flags, args, &rest)) {
    std::fprintf(stderr, "heaplab: %s\n", err->c_str());
    return 2;
  }
  QString workload, export_dir;
  bool run = false, quit = false;
  int width = 1200, height = 500;
  double window_duration = 0;
  std::uint64_t window_seed = 1;
  QString screenshot;
  bool latency_report = false;
  QString compare;     // flag sets separated by ';', compared after the run
  QString import_log;  // a node --trace-gc log overlaid after the run
  QString lesson;      // opened in step mode
  int lesson_stop = 1;
  long step = -1;        // step mode: go to this step (0-based) after opening
  QString heap_map_out;  // after the run, the heap map exported to this file
  bool show_heap_map = false;
  for (std::size_t i = 0; i < rest.size(); ++i) {
    const std::string& a = rest[i];
    if (a == "--run")
      run = true;
    else if (a == "--quit")
      quit = true;
    else if (a == "--export-charts" && i + 1 < rest.size())
      export_dir = QString::fromStdString(rest[++i]);
    else if (a.rfind("--export-charts=", 0) == 0)
      export_dir = QString::fromStdString(a.substr(16));
    else if (a.rfind("--duration=", 0) == 0)
      window_duration = std::atof(a.c_str() + 11);
    else if (a == "--duration" && i + 1 < rest.size())
      window_duration = std::atof(rest[++i].c_str());
    else if (a.rfind("--seed=", 0) == 0)
      window_seed = std::strtoull(a.c_str() + 7, nullptr, 10);
    else if (a == "--screenshot" && i + 1 < rest.size())
      screenshot = QString::fromStdString(rest[++i]);
    else if (a == "--latency-report")
      latency_report = true;
    else if (a == "--compare" && i + 1 < rest.size())
      compare = QString::fromStdString(rest[++i]);
    else if (a == "--lesson" && i + 1 < rest.size())
      lesson = QString::fromStdString(rest[++i]);
    else if (a == "--lesson-stop" && i + 1 < rest.size())
      lesson_stop = std::atoi(rest[++i].c_str());
    else if (a == "--step" && i + 1 < rest.size())
      step = std::atol(rest[++i].c_str());
    else if (a == "--export-heap-map" && i + 1 < rest.size())
      heap_map_out = QString::fromStdString(rest[++i]);
    else if (a == "--show-heap-map")
      show_heap_map = true;
    else if (a == "--import-log" && i + 1 < rest.size())
      import_log = QString::fromStdString(rest[++i]);
    else if (a == "--chart-size" && i + 1 < rest.size())
      std::sscanf(rest[++i].c_str(), "%dx%d", &width, &height);
    else if (a == "--help" || a == "-h") {
      std::printf(
          "Usage: heaplab [WORKLOAD.js] [V8 flags] [--seed N] [--duration MS] [--run]\n"
          "               [--export-charts DIR] [--chart-size WxH] [--screenshot FILE.png] "
          "[--quit]\n"
          "               [--show-heap-map] [--export-heap-map FILE.png|svg]\n"
          "       heaplab --lesson FILE.lesson.json [--lesson-stop K] [--step N] "
          "[--screenshot FILE.png] [--quit]\n");
      return 0;
    } else if (a.rfind("--", 0) == 0) {
      std::fprintf(stderr, "heaplab: unknown option '%s'\n", a.c_str());
      return 2;
    } else
      workload = QString::fromStdString(a);
  }

  MainWindow window;
  if (workload.isEmpty())
    workload =
        QSettings().value("workload/last", WorkloadsDirectory() + "/request-churn.js").toString();
  if (!window.openWorkload(workload) && quit && lesson.isEmpty()) {
    std::fprintf(stderr, "heaplab: cannot read %s\n", workload.toUtf8().constData());
    return 1;
  }
  window.setFlags(flags);
  window.controller()->setDuration(window_duration);
  window.controller()->setSeed(window_seed);
  window.show();
  if (show_heap_map) window.showHeapMap();

  int exit_code = 0;
  if (!lesson.isEmpty()) {
    // Step mode on a lesson: open it, go to the stop (or step), screenshot the step window.
    const QString err = window.openLesson(lesson);
    if (!err.isEmpty()) {
      std::fprintf(stderr, "%s\n", err.toUtf8().constData());
      return 1;
    }
    StepView* view = window.stepView();
    if (lesson_stop < 1 || static_cast<std::size_t>(lesson_stop) > view->stopCount()) {
      std::fprintf(stderr, "heaplab: --lesson-stop must be 1..%zu\n", view->stopCount());
      return 2;
    }
    view->goToStop(static_cast<std::size_t>(lesson_stop - 1));
    if (step >= 0) view->goToStep(static_cast<std::size_t>(step));
    QCoreApplication::processEvents();
    if (!screenshot.isEmpty() && !view->window()->grab().save(screenshot)) {
      std::fprintf(stderr, "heaplab: cannot write %s\n", screenshot.toUtf8().constData());
      return 1;
    }
    if (quit) return 0;
    return app.exec();
  }
  if (run) {
    QObject::connect(
        window.controller(), &SimulationController::stateChanged, &window,
        [&](SimulationController::State s) {
          if (s != SimulationController::State::kFinished) return;
          if (window.controller()->error()) {
            std::fprintf(stderr, "%s\n", window.controller()->error()->ToString().c_str());
            exit_code = 1;
          }
          if (!export_dir.isEmpty()) {
            QString err = window.charts()->exportAll(export_dir, width, height);
            if (!err.isEmpty()) {
              std::fprintf(stderr, "heaplab: %s\n", err.toUtf8().constData());
              exit_code = 1;
            }
          }
          if (!compare.isEmpty()) {
            window.comparison()->setVariantsText(compare.split(';').join('\n'));
            window.runComparison();
            while (window.comparison()->running())
              QCoreApplication::processEvents(QEventLoop::AllEvents, 50);
          }
          if (!import_log.isEmpty()) {
            const QString err = window.importNodeLog(import_log);
            if (!err.isEmpty()) {
              std::fprintf(stderr, "%s\n", err.toUtf8().constData());
              exit_code = 1;
            }
          }
          window.charts()->flush();
          if (show_heap_map || !heap_map_out.isEmpty()) {
            // The run's last heap picture arrives with its final drain.
            QCoreApplication::processEvents();
            if (auto snap = window.controller()->lastSnapshot())
              window.heapMap()->setSnapshot(snap);
          }
          if (!heap_map_out.isEmpty()) {
            const QString err = window.heapMap()->exportTo(heap_map_out, width, height);
            if (!err.isEmpty()) {
              std::fprintf(stderr, "heaplab: %s\n", err.toUtf8().constData());
              exit_code = 1;
            }
          }
          if (!screenshot.isEmpty() && !window.grab().save(screenshot)) {
            std::fprintf(stderr, "heaplab: cannot write %s\n", screenshot.toUtf8().constData());
            exit_code = 1;
          }
          if (latency_report) {
            // Event-loop delay during the run, and the process's memory after it.
            const auto l = window.latency();
            long rss_kb = 0;
            if (FILE* f = std::fopen("/proc/self/status", "r")) {
              char line[256];
              while (std::fgets(line, sizeof line, f))
                if (std::sscanf(line, "VmRSS: %ld kB", &rss_kb) == 1) break;
              std::fclose(f);
            }
            std::printf(
                "gc_events %zu samples %zu\nevent_loop_delay_ms p50 %.2f p99 %.2f max %.2f "
                "(%zu probes)\nrss_mb %.1f\n",
                window.controller()->events().size(), window.controller()->samples().size(),
                l.p50_ms, l.p99_ms, l.max_ms, l.samples, static_cast<double>(rss_kb) / 1024.0);
          }
          if (quit) QTimer::singleShot(0, &app, [&] { app.exit(exit_code); });
        });
    QTimer::singleShot(0, &window, [&] { window.run(); });
  } else if (quit) {
    return 0;
  }
  const int rc = app.exec();
  return exit_code ? exit_code : rc;
}
