// heaplab: the desktop workbench.
//   heaplab [WORKLOAD.js] [options] [V8 flags]   (heaplab --help; app/gui/gui-options.h)
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

#include "app/gui/gui-options.h"
#include "app/gui/main-window.h"
#include "sim/calibration.h"
#include "widgets/charts-panel.h"
#include "widgets/comparison.h"
#include "widgets/heap-map.h"
#include "widgets/step-view.h"

using namespace heaplab;

int main(int argc, char** argv) {
  // Help needs no display: it is printed before Qt looks for one.
  if (WantsGuiHelp(std::vector<std::string>(argv + 1, argv + argc))) {
    std::fputs(GuiHelpText().c_str(), stdout);
    return 0;
  }
  QApplication app(argc, argv);  // takes Qt's own options (-platform, -style...) out of argv
  QApplication::setOrganizationName("HeapLab");
  QApplication::setApplicationName("HeapLab");
  QApplication::setWindowIcon(QIcon(":/heaplab/heaplab.svg"));

  std::vector<std::string> args(argv + 1, argv + argc);
  // The speed profile (heaplab-cli calibrate's, or --calibration FILE|none) under the flags.
  if (auto err = SetUpCalibration(args)) {
    std::fprintf(stderr, "heaplab: %s\n", err->c_str());
    return 2;
  }
  GuiOptions options;
  options.flags = CalibratedDefaults();
  if (auto err = ParseGuiOptions(args, options)) {
    std::fprintf(stderr, "heaplab: %s\n(heaplab --help lists the options and flags)\n",
                 err->c_str());
    return 2;
  }
  const QString workload_arg = QString::fromStdString(options.workload);
  const QString export_dir = QString::fromStdString(options.export_charts_dir);
  const QString screenshot = QString::fromStdString(options.screenshot_path);
  const QString import_log = QString::fromStdString(options.import_log_path);
  const QString lesson = QString::fromStdString(options.lesson_path);
  const QString heap_map_out = QString::fromStdString(options.heap_map_path);
  const int width = options.chart_width, height = options.chart_height;
  const bool run = options.run, quit = options.quit;
  QStringList compare;
  for (const std::string& set : options.compare_flag_sets)
    compare << QString::fromStdString(set);

  MainWindow window;
  QString workload = workload_arg;
  if (workload.isEmpty())
    workload =
        QSettings().value("workload/last", WorkloadsDirectory() + "/request-churn.js").toString();
  if (!options.from_log_path.empty()) {
    const QString err = window.newWorkloadFromLog(QString::fromStdString(options.from_log_path));
    if (!err.isEmpty()) {
      std::fprintf(stderr, "heaplab: %s\n", err.toUtf8().constData());
      return 1;
    }
  } else if (!window.openWorkload(workload) && quit && lesson.isEmpty()) {
    std::fprintf(stderr, "heaplab: cannot read %s\n", workload.toUtf8().constData());
    return 1;
  }
  window.setFlags(options.flags);
  window.controller()->setDuration(options.duration_ms);
  window.controller()->setSeed(options.seed);
  window.show();
  if (options.show_heap_map) window.showHeapMap();
  if (options.show_trace) window.showTrace();

  int exit_code = 0;
  if (!lesson.isEmpty()) {
    // Step mode on a lesson: open it, go to the stop (or step), screenshot the step window.
    const QString err = window.openLesson(lesson);
    if (!err.isEmpty()) {
      std::fprintf(stderr, "%s\n", err.toUtf8().constData());
      return 1;
    }
    StepView* view = window.stepView();
    const int lesson_stop = options.lesson_stop;
    if (static_cast<std::size_t>(lesson_stop) > view->stopCount()) {
      std::fprintf(stderr, "heaplab: --lesson-stop must be 1..%zu\n", view->stopCount());
      return 2;
    }
    view->goToStop(static_cast<std::size_t>(lesson_stop - 1));
    if (options.step) view->goToStep(static_cast<std::size_t>(*options.step));
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
          if (!compare.isEmpty()) {
            window.comparison()->setVariantsText(compare.join('\n'));
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
          // After the comparison and the imported log: the exports show their overlays.
          if (!export_dir.isEmpty()) {
            QString err = window.charts()->exportAll(export_dir, width, height);
            if (!err.isEmpty()) {
              std::fprintf(stderr, "heaplab: %s\n", err.toUtf8().constData());
              exit_code = 1;
            }
          }
          if (options.show_heap_map || !heap_map_out.isEmpty()) {
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
          if (options.latency_report) {
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
