// The workbench through its controller, offscreen: a full run fills every chart; pause, step
// and reset behave; exported files are valid; a broken workload shows its error at its line
// and closes nothing; the settings form is the flag table.
#include <QFile>
#include <QImage>
#include <QLabel>
#include <QRegularExpression>
#include <QSignalSpy>
#include <QSpinBox>
#include <QTableView>
#include <QTemporaryDir>
#include <QTemporaryFile>
#include <QXmlStreamReader>
#include <QtTest>

#include <QTableWidget>
#include "app/gui/main-window.h"
#include "sim/calibration.h"
#include "widgets/charts-panel.h"
#include "widgets/comparison.h"
#include "widgets/event-table-model.h"
#include "widgets/qcustomplot-include.h"
#include "widgets/settings-panel.h"
#include "widgets/workload-editor.h"

using namespace heaplab;

class GuiTest : public QObject {
  Q_OBJECT

 private:
  static QString Workload(const char* name) { return WorkloadsDirectory() + "/" + name; }

  static void RunToEnd(MainWindow& w, int timeout_ms = 120000) {
    w.run();
    QVERIFY(w.controller()->waitForFinished(timeout_ms));
    QCoreApplication::processEvents();
  }

 private Q_SLOTS:
  // A script that allocates in bursts (10 MB in every other 10 ms sample) draws a steady rate,
  // one point per 100 ms of simulated time, not a swing between 0 and 1000 MB/s.
  void allocationRateAveragesOverAWindow() {
    ChartsPanel panel;
    std::vector<HeapSample> samples;
    for (int i = 0; i <= 100; ++i) {
      HeapSample s;
      s.time_ms = 10.0 * i;
      s.allocated_total_bytes = static_cast<std::size_t>((i + 1) / 2) * 10 * 1024 * 1024;
      samples.push_back(s);
    }
    panel.append({}, 0, samples, 0);
    QCustomPlot* plot = nullptr;
    for (auto [name, p] : panel.charts())
      if (name == "allocation-rate") plot = p;
    QVERIFY(plot != nullptr);
    const auto data = plot->graph(0)->data();
    QCOMPARE(data->size(), 10);
    double last_x = 0;
    for (auto it = data->constBegin(); it != data->constEnd(); ++it) {
      QVERIFY2(it->key - last_x >= 0.1 - 1e-9, "points closer than the window");
      QVERIFY2(std::abs(it->value - 500.0) < 1e-6, qPrintable(QString::number(it->value)));
      last_x = it->key;
    }
  }

  // Close percentiles (p95 and p99 one bin apart) get a row each, and a label near the axis's
  // end is drawn left of its line instead of running off the chart.
  void histogramPercentileLabelsDoNotOverlap() {
    ChartsPanel panel;
    panel.resize(800, 600);
    std::vector<GCEvent> events;
    for (int i = 0; i < 100; ++i) {
      GCEvent e;
      e.sequence = static_cast<std::uint64_t>(i);
      e.start_ms = i;
      e.pause_ms = i < 90 ? 2.0 + 0.01 * i : 30.0 + 0.1 * i;
      events.push_back(e);
    }
    panel.append(events, 0, {}, 0);
    panel.finish();
    QCustomPlot* plot = nullptr;
    for (auto [name, p] : panel.charts())
      if (name == "histogram") plot = p;
    QVERIFY(plot != nullptr);
    std::vector<QCPItemText*> labels;
    for (int i = 0; i < plot->itemCount(); ++i)
      if (auto* t = qobject_cast<QCPItemText*>(plot->item(i))) labels.push_back(t);
    QCOMPARE(labels.size(), std::size_t{3});
    const QCPRange y = plot->yAxis->range(), x = plot->xAxis->range();
    for (std::size_t i = 0; i < labels.size(); ++i) {
      const QPointF at = labels[i]->position->coords();
      QVERIFY(y.contains(at.y()));
      if (i > 0) QVERIFY2(at.y() < labels[i - 1]->position->coords().y(), "labels share a row");
      if (at.x() > 0.7 * x.upper) QVERIFY(labels[i]->positionAlignment() & Qt::AlignRight);
    }
  }

  // Compared flag sets are named in legends by what sets them apart; logs keep their names.
  void overlayLegendNamesShowWhatDiffers() {
    using V = std::vector<QString>;
    QCOMPARE(ChartsPanel::LegendNames(V{"--max-semi-space-size=1 --no-allocation-site-pretenuring",
                                        "--max-semi-space-size=64 --no-allocation-site-pretenuring",
                                        "node: gc.log"}),
             (V{"max-semi-space-size=1", "max-semi-space-size=64", "node: gc.log"}));
    QCOMPARE(ChartsPanel::LegendNames(
                 V{"--max-semi-space-size=1 --max-old-space-size=64", "--max-semi-space-size=1"}),
             (V{"max-old-space-size=64", "--max-semi-space-size=1"}));
    QCOMPARE(ChartsPanel::LegendNames(V{"--max-semi-space-size=16"}),
             (V{"--max-semi-space-size=16"}));
  }

  void legendEntriesAreNeverCutAndListOnlySpacesThatHeldBytes() {
    ChartsPanel panel;
    panel.resize(700, 600);
    panel.show();
    QCustomPlot* occupancy = nullptr;
    for (auto [name, p] : panel.charts())
      if (name == "occupancy") occupancy = p;
    QVERIFY(occupancy != nullptr);
    auto legend_names = [&] {
      QStringList names;
      for (int i = 0; i < occupancy->legend->itemCount(); ++i)
        if (auto* item = qobject_cast<QCPPlottableLegendItem*>(occupancy->legend->item(i)))
          names << item->plottable()->name();
      return names;
    };
    // Old and new space only: the other spaces are not listed.
    auto sample = [](double t, std::size_t large_object_bytes) {
      HeapSample s;
      s.time_ms = t;
      s.spaces[static_cast<std::size_t>(AllocationSpace::kOld)].used_bytes = 3 << 20;
      s.spaces[static_cast<std::size_t>(AllocationSpace::kNew)].used_bytes = 1 << 20;
      s.spaces[static_cast<std::size_t>(AllocationSpace::kLargeObject)].used_bytes =
          large_object_bytes;
      return s;
    };
    std::vector<HeapSample> samples{sample(0, 0), sample(10, 0)};
    panel.append({}, 0, samples, 0);
    QCOMPARE(legend_names(), (QStringList{"Old space", "New space", "committed",
                                          "old-gen allocation limit", "max old generation"}));
    // A large object joins the list in stack order, and stays after it dies.
    samples.push_back(sample(20, 300 << 10));
    samples.push_back(sample(30, 0));
    panel.append({}, 0, samples, 2);
    QCOMPARE(legend_names(),
             (QStringList{"Old space", "Large object space", "New space", "committed",
                          "old-gen allocation limit", "max old generation"}));
    // Comparisons' long names: every chart's legend entries get their whole width.
    ChartsPanel::Overlay o;
    o.name = "--max-semi-space-size=16 --max-old-space-size=64";
    o.scavenge_time_s = {0.01};
    o.scavenge_pause_ms = {1};
    o.heap_time_s = {0.01};
    o.heap_mb = {4};
    panel.addOverlay(o);
    o.name = "--max-semi-space-size=1 --max-old-space-size=4096";
    panel.addOverlay(o);
    panel.flush();
    QCOMPARE(legend_names().back(), QString("max-semi-space-size=1 max-old-space-size=4096"));
    for (auto [name, plot] : panel.charts()) {
      if (!plot->legend->visible()) continue;
      for (int i = 0; i < plot->legend->itemCount(); ++i) {
        const QCPAbstractLegendItem* item = plot->legend->item(i);
        if (!item) continue;
        QVERIFY2(item->outerRect().width() >= item->minimumOuterSizeHint().width(),
                 qPrintable(name + ": a legend entry is cut"));
        QVERIFY2(item->outerRect().right() <= plot->width(),
                 qPrintable(name + ": a legend entry runs past the chart"));
      }
    }
    // Without the overlays their entries go.
    panel.clearOverlays();
    QCOMPARE(legend_names().size(), 6);
  }

  // A node log becomes a new unsaved workload in the editor; the log joins the Compare table and
  // stays on the charts when the derived workload runs.
  void newWorkloadFromALogReplaysItBesideTheLog() {
    MainWindow w;
    const QString data = WorkloadsDirectory() + "/../tests/data/";
    QCOMPARE(w.newWorkloadFromLog(data + "node20-listener-leak-semi16.nvp.log"), QString());
    QVERIFY(w.editor()->toPlainText().contains("Derived from the GC log"));
    QVERIFY(w.windowTitle().contains("unsaved"));
    QCOMPARE(w.comparison()->results().size(), std::size_t{1});
    HeapFlags f;
    f.max_semi_space_size = 16;
    w.setFlags(f);
    RunToEnd(w);
    QVERIFY(!w.controller()->error());
    QVERIFY(w.eventModel()->rowCount() > 10);
    QCOMPARE(w.charts()->overlayCount(), 4);  // the log's pauses, heap and promotion
    // A missing file and a log too short to fit name themselves.
    QVERIFY(
        w.newWorkloadFromLog(data + "no-such.log").startsWith(data + "no-such.log: cannot read"));
    QTemporaryFile short_log;
    QVERIFY(short_log.open());
    short_log.write("[1:0x1]       5 ms: Scavenge 4.0 (4.2) -> 3.4 (5.2) MB, 0.5 / 0.0 ms task;\n");
    short_log.close();
    QVERIFY(w.newWorkloadFromLog(short_log.fileName()).contains("at least 3 are needed"));
  }

  // The "V8 trace" tab shows the run as heaplab-cli prints it: every --trace-gc line, and with
  // --trace-incremental-marking each marking cycle's start, steps and stop before its
  // mark-compact; a new run starts it afresh.
  void theTraceTabShowsV8sLinesAsTheCliPrintsThem() {
    MainWindow w;
    QVERIFY(w.openWorkload(Workload("large-objects.js")));
    HeapFlags f;
    f.trace_incremental_marking = true;
    f.trace_gc_nvp = true;  // and each GC's nvp line, as the CLI prints them
    w.setFlags(f);
    w.controller()->setDuration(1500);
    RunToEnd(w);
    QTRY_VERIFY_WITH_TIMEOUT(w.traceText().contains("Mark-Compact"), 5000);
    const QString text = w.traceText();
    const qsizetype start = text.indexOf("[IncrementalMarking] Start (");
    const qsizetype step = text.indexOf("[IncrementalMarking] Step in ");
    const qsizetype stop = text.indexOf("[IncrementalMarking] Stopping: old generation ");
    const qsizetype mc = text.indexOf(" ms: Mark-Compact ");
    QVERIFY2(start >= 0 && step > start && stop > step && mc > stop, qPrintable(text.left(2000)));
    QVERIFY(text.contains(" ms: Scavenge "));
    QVERIFY(text.contains(" gc=mc ") && text.contains(" gc=s "));
    // As many GC lines as the event table has rows.
    QCOMPARE(text.count(QRegularExpression(" ms: (Scavenge|Mark-Compact) ")),
             w.eventModel()->rowCount());
    w.reset();
    QVERIFY(w.traceText().isEmpty());
    // Off: only the GC lines.
    w.setFlags(HeapFlags{});
    RunToEnd(w);
    QTRY_VERIFY_WITH_TIMEOUT(w.traceText().contains("Mark-Compact"), 5000);
    QVERIFY(!w.traceText().contains("[IncrementalMarking]"));
  }

  void anUnreadableWorkloadNamesItselfAsTheCliDoes() {
    MainWindow w;
    const QString missing = QDir::temp().filePath("heaplab-no-such-workload.js");
    QVERIFY(!w.openWorkload(missing));
    QVERIFY2(w.messages().startsWith(missing + ": cannot read workload: "),
             qPrintable(w.messages()));
  }

  void fullRunFillsEveryChart() {
    MainWindow w;
    QVERIFY(w.openWorkload(Workload("oom-growth.js")));
    HeapFlags f;
    f.max_old_space_size = 64;
    w.setFlags(f);
    RunToEnd(w);
    for (auto [name, plot] : w.charts()->charts())
      QVERIFY2(w.charts()->pointCount(name) > 0, qPrintable(name + " is empty"));
    QVERIFY(w.eventModel()->rowCount() > 10);
    // Out of memory looks as V8 shows it, and the charts stay.
    QVERIFY(w.controller()->outOfMemory().has_value());
    QVERIFY(w.messages().contains("FATAL ERROR: "));
    QVERIFY(w.messages().contains("JavaScript heap out of memory"));
    QVERIFY(w.messages().contains("<--- Last few GCs --->"));
    QVERIFY(w.charts()->pointCount("scavenge") > 0);
  }

  void eventTableAndChartsAreLinked() {
    MainWindow w;
    QVERIFY(w.openWorkload(Workload("teaching-small.js")));
    RunToEnd(w);
    QVERIFY(w.eventModel()->rowCount() >= 3);
    QSignalSpy clicked(w.charts(), &ChartsPanel::eventClicked);
    Q_EMIT w.charts()->eventClicked(1);
    QCOMPARE(w.eventTable()->currentIndex().row(), 1);
    QCOMPARE(w.eventModel()
                 ->data(w.eventModel()->index(2, EventTableModel::kKind), Qt::DisplayRole)
                 .toString(),
             QString("Mark-Compact"));
  }

  void pauseStepAndReset() {
    MainWindow w;
    QVERIFY(w.openWorkload(Workload("sessions.js")));
    w.controller()->setDuration(20000);
    w.stepOneGC();
    QTRY_VERIFY_WITH_TIMEOUT(w.controller()->state() == SimulationController::State::kPaused,
                             20000);
    QTRY_COMPARE_WITH_TIMEOUT(w.controller()->events().size(), std::size_t{1}, 5000);
    QTest::qWait(150);
    QCOMPARE(w.controller()->events().size(), std::size_t{1});  // stays paused after one GC
    w.stepOneGC();
    QTRY_COMPARE_WITH_TIMEOUT(w.controller()->events().size(), std::size_t{2}, 20000);
    QTRY_VERIFY_WITH_TIMEOUT(w.controller()->state() == SimulationController::State::kPaused, 5000);
    w.togglePause();
    QCOMPARE(w.controller()->state(), SimulationController::State::kRunning);
    w.togglePause();
    QCOMPARE(w.controller()->state(), SimulationController::State::kPaused);
    w.reset();
    QCOMPARE(w.controller()->state(), SimulationController::State::kIdle);
    QCOMPARE(w.controller()->events().size(), std::size_t{0});
    QCOMPARE(w.eventModel()->rowCount(), 0);
    QCOMPARE(w.charts()->pointCount("scavenge"), 0);
  }

  void exportedFilesAreValid() {
    MainWindow w;
    QVERIFY(w.openWorkload(Workload("sessions.js")));
    w.controller()->setDuration(3000);
    RunToEnd(w);
    QTemporaryDir dir;
    QCOMPARE(w.charts()->exportAll(dir.path(), 800, 400), QString());
    for (auto [name, plot] : w.charts()->charts()) {
      QImage png(dir.filePath(name + ".png"));
      QVERIFY2(!png.isNull(), qPrintable(name + ".png does not decode"));
      QCOMPARE(png.width(), 800);
      QFile svg(dir.filePath(name + ".svg"));
      QVERIFY(svg.open(QIODevice::ReadOnly));
      QXmlStreamReader xml(&svg);
      int elements = 0;
      while (!xml.atEnd())
        elements += xml.readNext() == QXmlStreamReader::StartElement;
      QVERIFY2(!xml.hasError(), qPrintable(name + ".svg: " + xml.errorString()));
      QVERIFY(elements > 10);
      const QString pdf_path = dir.filePath(name + ".pdf");
      QCOMPARE(ChartsPanel::exportChart(plot, pdf_path, 800, 400), QString());
      QFile pdf(pdf_path);
      QVERIFY(pdf.open(QIODevice::ReadOnly));
      QVERIFY(pdf.read(4) == "%PDF");
    }
    QVERIFY(!ChartsPanel::exportChart(w.charts()->charts()[0].second, dir.filePath("x.bmp"), 10, 10)
                 .isEmpty());
  }

  // A workload's suggested flags win over the calibration profile, as in heaplab-cli: a log
  // replay suggests the speeds of the machine the log came from. The settings panel's own
  // changes still win.
  void aWorkloadsSuggestionsWinOverTheCalibrationProfile() {
    QTemporaryDir dir;
    const QString profile = dir.filePath("calibration.flags");
    {
      QFile f(profile);
      QVERIFY(f.open(QIODevice::WriteOnly));
      f.write("--scavenge-fixed-ms=3\n");
    }
    struct RestoreProfile {
      QByteArray value = qgetenv("HEAPLAB_CALIBRATION");
      ~RestoreProfile() { qputenv("HEAPLAB_CALIBRATION", value); }
    } restore;
    qputenv("HEAPLAB_CALIBRATION", profile.toUtf8());
    MainWindow w;
    QVERIFY(w.openWorkload(Workload("teaching-small.js")));
    w.setFlags(CalibratedDefaults());
    QCOMPARE(CalibratedDefaults().scavenge_fixed_ms, 3.0);
    w.editor()->setPlainText(
        "workload({ flags: [\"--scavenge-fixed-ms=40\"] "
        "});\nheap.alloc(64);\nheap.gc(\"young\");\n");
    RunToEnd(w);
    QVERIFY(!w.controller()->events().empty());
    QVERIFY(w.controller()->events()[0].pause_ms >= 40);
    HeapFlags mine = CalibratedDefaults();
    mine.scavenge_fixed_ms = 20;
    w.setFlags(mine);
    RunToEnd(w);
    QVERIFY(!w.controller()->events().empty());
    QVERIFY(w.controller()->events()[0].pause_ms >= 20);
    QVERIFY(w.controller()->events()[0].pause_ms < 40);
  }

  void brokenWorkloadShowsItsErrorAtItsLine() {
    MainWindow w;
    w.show();
    QVERIFY(w.openWorkload(Workload("teaching-small.js")));
    w.editor()->setPlainText(
        "workload({ description: \"broken\" });\nconst a = heap.alloc(64);\nconst b = "
        "heap.alloc(-1);\n");
    RunToEnd(w);
    QCOMPARE(w.editor()->errorLine(), 3);
    QVERIFY(w.messages().contains(":3:"));
    QVERIFY(w.messages().contains("size must be"));
    QVERIFY(w.isVisible());  // nothing closed
    // A syntax error too.
    w.editor()->setPlainText("workload({});\n\nlet x = ;\n");
    RunToEnd(w);
    QCOMPARE(w.editor()->errorLine(), 3);
    QVERIFY(w.messages().contains("SyntaxError"));
  }

  void sessionRoundTrips() {
    QTemporaryDir dir;
    const QString path = dir.filePath("run.heaplab");
    std::vector<GCEvent> events;
    std::vector<HeapSample> samples;
    QString source;
    {
      MainWindow w;
      QVERIFY(w.openWorkload(Workload("oom-growth.js")));
      HeapFlags f;
      f.max_old_space_size = 64;
      f.max_semi_space_size = 2;
      w.setFlags(f);
      RunToEnd(w);
      events = w.controller()->events();
      samples = w.controller()->samples();
      source = w.editor()->toPlainText();
      QCOMPARE(w.saveSession(path), QString());
      QVERIFY(!QFile::exists(path + ".tmp"));
    }
    MainWindow w2;
    QCOMPARE(w2.loadSession(path), QString());
    QCOMPARE(w2.editor()->toPlainText(), source);
    QCOMPARE(w2.settings()->flags().max_old_space_size, std::int64_t{64});
    QCOMPARE(w2.settings()->flags().max_semi_space_size, std::int64_t{2});
    QCOMPARE(w2.controller()->events().size(), events.size());
    QCOMPARE(w2.controller()->samples().size(), samples.size());
    for (std::size_t i = 0; i < events.size(); ++i) {
      QCOMPARE(w2.controller()->events()[i].pause_ms, events[i].pause_ms);
      QCOMPARE(w2.controller()->events()[i].after, events[i].after);
      QCOMPARE(w2.controller()->events()[i].reason, events[i].reason);
    }
    QVERIFY(w2.controller()->outOfMemory().has_value());
    QVERIFY(w2.charts()->pointCount("scavenge") > 0);
    QCOMPARE(w2.eventModel()->rowCount(), static_cast<int>(events.size()));
    // A damaged file is refused with its line, and nothing changes.
    QFile bad(dir.filePath("bad.heaplab"));
    QVERIFY(bad.open(QIODevice::WriteOnly));
    bad.write("{\n  \"heaplab_session\": 1,\n  \"flags\": {\n}, oops\n");
    bad.close();
    const QString err = w2.loadSession(bad.fileName());
    QVERIFY2(err.contains("bad.heaplab:4:"), qPrintable(err));
    QCOMPARE(w2.controller()->events().size(), events.size());
  }

  void comparisonOverlaysRunsAndANodeLog() {
    MainWindow w;
    QVERIFY(w.openWorkload(Workload("sessions.js")));
    w.controller()->setDuration(4000);
    // Pretenuring off: with it, a 1 MB new space is at its maximum at once and V8 tenures the
    // session site, which then skips new space (node20-observed §6.3).
    w.comparison()->setVariantsText(
        "--max-semi-space-size=1 --no-allocation-site-pretenuring\n"
        "--max-semi-space-size=16 --no-allocation-site-pretenuring\n");
    w.runComparison();
    QVERIFY(w.comparison()->running());  // the window stays free while the runs go
    QTRY_VERIFY_WITH_TIMEOUT(!w.comparison()->running(), 120000);
    const auto& r = w.comparison()->results();
    QCOMPARE(r.size(), std::size_t{2});
    QVERIFY(r[0].error.isEmpty());
    // A smaller new space means more scavenges.
    QVERIFY(r[0].summary.scavenge.count > r[1].summary.scavenge.count);
    QCOMPARE(w.comparison()->table()->rowCount(), 2);
    QCOMPARE(w.charts()->overlayCount(), 8);
    // A real node log goes over the same charts.
    QTemporaryDir dir;
    QFile log(dir.filePath("node.log"));
    QVERIFY(log.open(QIODevice::WriteOnly));
    log.write(
        "server listening\n"
        "[1:0x2]       52 ms: Scavenge 4.1 (4.2) -> 3.3 (5.2) MB, 5.73 / 0.00 ms  (average mu = "
        "1.000, current mu = 1.000) allocation failure; \n"
        "[1:0x2]      325 ms: Mark-Compact 33.5 (64.3) -> 31.1 (64.5) MB, 5.31 / 0.00 ms  (average "
        "mu = 1.000, current mu = 1.000) task; GC in old space requested\n");
    log.close();
    QCOMPARE(w.importNodeLog(log.fileName()), QString());
    QCOMPARE(w.comparison()->table()->rowCount(), 3);
    QCOMPARE(w.comparison()->results().back().summary.mark_compact.count, std::size_t{1});
    QCOMPARE(w.charts()->overlayCount(), 12);
    QFile bad(dir.filePath("bad.log"));
    QVERIFY(bad.open(QIODevice::WriteOnly));
    bad.write("ok\n[1:0x2]   5 ms: Scavenge 4.1 (4.2) -> oops\n");
    bad.close();
    QVERIFY(w.importNodeLog(bad.fileName()).contains("bad.log:2:"));
  }

  void settingsFormIsTheFlagTable() {
    SettingsPanel panel;
    for (const FlagInfo& f : AllFlags()) {
      QWidget* c = panel.control(std::string(f.name));
      QVERIFY2(c != nullptr, f.name.data());
      QVERIFY(
          c->toolTip().contains(QString::fromUtf8(f.help.data(), static_cast<int>(f.help.size()))));
    }
    QSignalSpy changed(&panel, &SettingsPanel::flagsChanged);
    auto* semi = qobject_cast<QSpinBox*>(panel.control("max-semi-space-size"));
    QVERIFY(semi);
    QCOMPARE(semi->maximum(), 1024);
    semi->setValue(4);
    QCOMPARE(changed.count(), 1);
    QCOMPARE(panel.flags().max_semi_space_size, 4);
  }
};

QTEST_MAIN(GuiTest)
#include "gui_test.moc"
