#include "app/gui/main-window.h"

#include <QApplication>
#include <QCloseEvent>
#include <QComboBox>
#include <QDir>
#include <QDockWidget>
#include <QFile>
#include <QFileDialog>
#include <QFileInfo>
#include <QGuiApplication>
#include <QHeaderView>
#include <QInputDialog>
#include <QLabel>
#include <QListWidget>
#include <QMenuBar>
#include <QMessageBox>
#include <QPlainTextEdit>
#include <QPushButton>
#include <QScreen>
#include <QScrollArea>
#include <QSettings>
#include <QSplitter>
#include <QStatusBar>
#include <QTabWidget>
#include <QTableView>
#include <QToolBar>
#include <QVBoxLayout>

#include "sim/log-workload.h"
#include "sim/report.h"
#include "sim/script/workload-host.h"
#include "sim/trace-format.h"
#include "sim/trace-parser.h"
#include "widgets/charts-panel.h"
#include "widgets/comparison.h"
#include "widgets/event-table-model.h"
#include "widgets/heap-map.h"
#include "widgets/object-inspector.h"
#include "widgets/session.h"
#include "widgets/settings-panel.h"
#include "widgets/step-view.h"
#include "widgets/workload-editor.h"

namespace heaplab {

QString WorkloadsDirectory() {
  const QString app = QCoreApplication::applicationDirPath();
  for (const QString& candidate : {app + "/../share/heaplab/workloads", app + "/../../workloads",
                                   QStringLiteral(HEAPLAB_SOURCE_DIR "/workloads")}) {
    if (QDir(candidate).exists()) return QDir(candidate).canonicalPath();
  }
  return QDir::currentPath();
}

MainWindow::MainWindow(QWidget* parent) : QMainWindow(parent) {
  setWindowTitle("HeapLab — V8 heap workbench");
  buildUi();
  buildMenus();
  populateLibrary();
  connect(&controller_, &SimulationController::dataAppended, this, &MainWindow::onData);
  connect(&controller_, &SimulationController::stateChanged, this,
          [this](SimulationController::State state) {
            if (state == SimulationController::State::kFinished) charts_->finish();
            updateStatus();
          });
  // The responsiveness probe: a 10 ms timer; how late it fires is the event-loop delay.
  probe_ = new QTimer(this);
  probe_->setInterval(10);
  probe_->setTimerType(Qt::PreciseTimer);
  probe_clock_.start();
  connect(probe_, &QTimer::timeout, this, [this] {
    const qint64 now = probe_clock_.elapsed();
    if (controller_.state() == SimulationController::State::kRunning && probe_last_ms_ > 0)
      delays_ms_.push_back(std::max<double>(0.0, static_cast<double>(now - probe_last_ms_) - 10.0));
    probe_last_ms_ = now;
  });
  probe_->start();
  connect(&controller_, &SimulationController::workloadFailed, this,
          [this](const QString& message, int line, int column) {
            editor_->markError(line, column, message);
            messages_->setPlainText(message);
            messages_->setVisible(true);
          });
  connect(&controller_, &SimulationController::outOfMemoryReached, this,
          [this](const QString& message) {
            // The fatal message first (V8 prints it after the last GCs; here it must stay
            // in view), then V8's "Last few GCs" block.
            QString text = message + "\n\n<--- Last few GCs --->\n\n";
            for (const auto& l : controller_.lastGCLines())
              text += QString::fromStdString(l) + "\n";
            messages_->setPlainText(text);
            messages_->setVisible(true);
          });
  QSettings settings;
  if (!restoreGeometry(settings.value("window/geometry").toByteArray())) resize(1800, 1050);
  // Never larger than the screen (a geometry saved elsewhere may be); the offscreen platform
  // keeps the full size for screenshots.
  if (QGuiApplication::platformName() != "offscreen" && screen() != nullptr) {
    const QRect avail = screen()->availableGeometry();
    resize(std::min(width(), avail.width()), std::min(height(), avail.height()));
    move(std::max(avail.left(), std::min(x(), avail.right() - width())),
         std::max(avail.top(), std::min(y(), avail.bottom() - height())));
  } else {
    resize(std::max(width(), 1800), std::max(height(), 1050));
  }
  updateStatus();
}

MainWindow::~MainWindow() = default;

void MainWindow::buildUi() {
  // Centre: editor | charts.
  auto* split = new QSplitter(Qt::Horizontal, this);
  editor_ = new WorkloadEditor(split);
  editor_->setMinimumWidth(220);
  charts_ = new ChartsPanel(split);
  split->addWidget(editor_);
  split->addWidget(charts_);
  split->setStretchFactor(0, 2);
  split->setStretchFactor(1, 5);
  split->setSizes({420, 1100});
  auto* vsplit = new QSplitter(Qt::Vertical, this);
  vsplit->addWidget(split);
  auto* bottom = new QWidget(vsplit);
  auto* bl = new QVBoxLayout(bottom);
  bl->setContentsMargins(0, 0, 0, 0);
  model_ = new EventTableModel(this);
  table_ = new QTableView(bottom);
  table_->setModel(model_);
  table_->setSelectionBehavior(QAbstractItemView::SelectRows);
  table_->setSelectionMode(QAbstractItemView::SingleSelection);
  table_->horizontalHeader()->setStretchLastSection(true);
  table_->verticalHeader()->setVisible(false);
  table_->verticalHeader()->setDefaultSectionSize(18);
  messages_ = new QPlainTextEdit(bottom);
  messages_->setReadOnly(true);
  messages_->setMinimumHeight(90);
  messages_->setMaximumHeight(160);
  table_->setMinimumHeight(110);
  messages_->setStyleSheet(
      "QPlainTextEdit { color: #b71c1c; background: #fff3f3; font-family: monospace; }");
  messages_->setVisible(false);
  bl->addWidget(messages_);
  bl->addWidget(table_);
  auto* tabs = new QTabWidget(vsplit);
  tabs_ = tabs;
  tabs->addTab(bottom, "GC events");
  comparison_ = new ComparisonPanel(tabs);
  tabs->addTab(comparison_, "Compare");
  // The live heap map: pictures from the worker a few times a second while its tab shows.
  heap_map_tab_ = new QWidget(tabs);
  {
    auto* hl = new QVBoxLayout(heap_map_tab_);
    hl->setContentsMargins(2, 2, 2, 2);
    auto* bar = new QHBoxLayout;
    auto* color = new QComboBox(heap_map_tab_);
    color->addItems({"Colour by age", "Colour by kind", "Colour by site", "Colour by mark"});
    auto* export_button = new QPushButton("Export map…", heap_map_tab_);
    auto* step_button = new QPushButton("Step through this workload…", heap_map_tab_);
    bar->addWidget(color);
    bar->addWidget(export_button);
    bar->addWidget(step_button);
    bar->addStretch(1);
    hl->addLayout(bar);
    auto* hsplit = new QSplitter(Qt::Horizontal, heap_map_tab_);
    heap_map_ = new HeapMapWidget(hsplit);
    live_inspector_ = new ObjectInspector(hsplit);
    hsplit->addWidget(heap_map_);
    hsplit->addWidget(live_inspector_);
    hsplit->setStretchFactor(0, 4);
    hsplit->setStretchFactor(1, 1);
    hl->addWidget(hsplit, 1);
    connect(color, &QComboBox::currentIndexChanged, this,
            [this](int i) { heap_map_->setColorBy(static_cast<HeapMapWidget::ColorBy>(i)); });
    connect(export_button, &QPushButton::clicked, this, [this] {
      const QString p = QFileDialog::getSaveFileName(this, "Export the heap map", "heap-map.png",
                                                     "PNG (*.png);;SVG (*.svg);;PDF (*.pdf)");
      if (p.isEmpty()) return;
      const QString err = heap_map_->exportTo(p, std::max(heap_map_->width(), 1200),
                                              std::max(heap_map_->height(), 600));
      if (!err.isEmpty()) QMessageBox::warning(this, "Export the heap map", err);
    });
    connect(step_button, &QPushButton::clicked, this, [this] {
      const QString err = stepThroughWorkload(StepGranularity::kObject);
      if (!err.isEmpty()) QMessageBox::warning(this, "Step mode", err);
    });
    auto inspect = [this](ObjectRef ref) {
      heap_map_->setSelected(ref);
      live_inspector_->inspect(controller_.lastSnapshot(), ref, {});
    };
    connect(heap_map_, &HeapMapWidget::objectClicked, this, inspect);
    connect(live_inspector_, &ObjectInspector::objectActivated, this, inspect);
  }
  tabs->addTab(heap_map_tab_, "Heap map");
  // V8's own lines, as heaplab-cli prints them: every --trace-gc line and the tracing the
  // settings' Tracing flags ask for (incremental marking, fragmentation, the memory reducer...).
  trace_view_ = new QPlainTextEdit(tabs);
  trace_view_->setReadOnly(true);
  trace_view_->setLineWrapMode(QPlainTextEdit::NoWrap);
  trace_view_->setMaximumBlockCount(50000);  // the newest lines of a long run
  trace_view_->setStyleSheet("QPlainTextEdit { font-family: monospace; }");
  tabs->addTab(trace_view_, "V8 trace");
  connect(&controller_, &SimulationController::traceAppended, this,
          [this](const QStringList& lines) { trace_view_->appendPlainText(lines.join('\n')); });
  connect(&controller_, &SimulationController::heapSnapshot, this,
          [this](std::shared_ptr<const HeapSnapshot> snap) {
            heap_map_->setSnapshot(snap);
            if (heap_map_->selected() != kNullRef)
              live_inspector_->inspect(snap, heap_map_->selected(), {});
          });
  heap_map_timer_.setInterval(250);
  connect(&heap_map_timer_, &QTimer::timeout, this, [this] {
    if (tabs_->currentWidget() == heap_map_tab_ &&
        (controller_.state() == SimulationController::State::kRunning ||
         controller_.state() == SimulationController::State::kPaused))
      controller_.requestSnapshot();
  });
  heap_map_timer_.start();
  vsplit->addWidget(tabs);
  connect(comparison_, &ComparisonPanel::runRequested, this, &MainWindow::runComparison);
  connect(comparison_, &ComparisonPanel::importRequested, this, [this] {
    const QString p = QFileDialog::getOpenFileName(this, "Import node --trace-gc log");
    if (p.isEmpty()) return;
    const QString err = importNodeLog(p);
    if (!err.isEmpty()) QMessageBox::warning(this, "Import log", err);
  });
  connect(comparison_, &ComparisonPanel::overlay, this, [this](const VariantResult& r) {
    charts_->addOverlay(r.log ? ChartsPanel::OverlayFromLog(r.label, *r.log)
                              : ChartsPanel::OverlayFromEvents(r.label, r.events));
  });
  connect(comparison_, &ComparisonPanel::cleared, this, [this] { charts_->clearOverlays(); });
  vsplit->setStretchFactor(0, 3);
  vsplit->setStretchFactor(1, 1);
  vsplit->setSizes({720, 230});
  setCentralWidget(vsplit);

  // Event table <-> charts, both ways.
  connect(table_->selectionModel(), &QItemSelectionModel::currentRowChanged, this,
          [this](const QModelIndex& current) {
            if (const GCEvent* e = model_->eventAt(current.row()))
              charts_->highlightEvent(e->sequence, e->start_ms);
          });
  connect(charts_, &ChartsPanel::eventClicked, this, [this](std::uint64_t seq) {
    const int row = model_->rowOf(seq);
    if (row >= 0) {
      table_->selectRow(row);
      table_->scrollTo(model_->index(row, 0));
    }
  });

  // Left dock: library and settings.
  auto* dock = new QDockWidget("Workload and settings", this);
  dock->setObjectName("settings-dock");
  auto* left = new QWidget(dock);
  auto* ll = new QVBoxLayout(left);
  library_ = new QListWidget(left);
  library_->setMaximumHeight(170);
  description_ = new QLabel(left);
  description_->setWordWrap(true);
  settings_ = new SettingsPanel(left);
  auto* scroll = new QScrollArea(left);
  scroll->setWidget(settings_);
  scroll->setWidgetResizable(true);
  ll->addWidget(new QLabel("<b>Workload library</b>", left));
  ll->addWidget(library_);
  ll->addWidget(description_);
  ll->addWidget(scroll, 1);
  dock->setWidget(left);
  dock->setMinimumWidth(260);
  addDockWidget(Qt::LeftDockWidgetArea, dock);
  connect(library_, &QListWidget::itemActivated, this,
          [this](QListWidgetItem* item) { openWorkload(item->data(Qt::UserRole).toString()); });
  connect(settings_, &SettingsPanel::flagsChanged, this,
          [this](const HeapFlags& f) { controller_.setFlags(f); });

  // Run controls.
  auto* tb = addToolBar("Run");
  tb->setObjectName("run-toolbar");
  tb->addAction("Run", this, &MainWindow::run)->setShortcut(QKeySequence("F5"));
  pause_action_ = tb->addAction("Pause", this, &MainWindow::togglePause);
  tb->addAction("Step one GC", this, &MainWindow::stepOneGC)->setShortcut(QKeySequence("F10"));
  tb->addAction("Reset", this, &MainWindow::reset);
  tb->addSeparator();
  tb->addWidget(new QLabel(" Speed: ", tb));
  speed_ = new QComboBox(tb);
  for (auto [label, value] : std::vector<std::pair<QString, double>>{{"×0.1", 0.1},
                                                                     {"×0.5", 0.5},
                                                                     {"×1 (real time)", 1},
                                                                     {"×2", 2},
                                                                     {"×10", 10},
                                                                     {"×100", 100},
                                                                     {"as fast as possible", 0}})
    speed_->addItem(label, value);
  speed_->setCurrentIndex(6);
  connect(speed_, qOverload<int>(&QComboBox::currentIndexChanged), this,
          [this](int) { controller_.setSpeed(speed_->currentData().toDouble()); });
  tb->addWidget(speed_);
  status_ = new QLabel(this);
  statusBar()->addWidget(status_, 1);
}

void MainWindow::buildMenus() {
  QMenu* file = menuBar()->addMenu("&File");
  file->addAction("&Open workload…", QKeySequence::Open, this, [this] {
    QString p = QFileDialog::getOpenFileName(this, "Open workload", WorkloadsDirectory(),
                                             "Workloads (*.js)");
    if (!p.isEmpty()) openWorkload(p);
  });
  file->addAction("&Save workload", QKeySequence::Save, this, &MainWindow::saveWorkload);
  recent_menu_ = file->addMenu("Open &recent");
  rebuildRecentMenu();
  file->addSeparator();
  file->addAction("Open sess&ion…", this, [this] {
    const QString p =
        QFileDialog::getOpenFileName(this, "Open session", {}, "HeapLab sessions (*.heaplab)");
    if (p.isEmpty()) return;
    const QString err = loadSession(p);
    if (!err.isEmpty()) QMessageBox::warning(this, "Open session", err);
  });
  file->addAction("Save session &as…", this, [this] {
    const QString p = QFileDialog::getSaveFileName(this, "Save session", "session.heaplab",
                                                   "HeapLab sessions (*.heaplab)");
    if (p.isEmpty()) return;
    const QString err = saveSession(p);
    if (!err.isEmpty()) QMessageBox::warning(this, "Save session", err);
  });
  file->addSeparator();
  file->addAction("&Import node --trace-gc log…", this, [this] {
    const QString p = QFileDialog::getOpenFileName(this, "Import node --trace-gc log");
    if (p.isEmpty()) return;
    const QString err = importNodeLog(p);
    if (!err.isEmpty()) QMessageBox::warning(this, "Import log", err);
  });
  file->addAction("New workload from a node &log…", this, [this] {
    const QString p = QFileDialog::getOpenFileName(this, "New workload from a node --trace-gc log");
    if (p.isEmpty()) return;
    const QString err = newWorkloadFromLog(p);
    if (!err.isEmpty()) QMessageBox::warning(this, "New workload from a log", err);
  });
  file->addSeparator();
  file->addAction("Export &charts…", this, &MainWindow::exportChartsDialog);
  file->addAction("Export the &dashboard…", this, [this] {
    const QString p = QFileDialog::getSaveFileName(this, "Export the dashboard", "dashboard.png",
                                                   "PNG (*.png);;PDF (*.pdf);;SVG (*.svg)");
    if (p.isEmpty()) return;
    bool ok = false;
    const int w =
        QInputDialog::getInt(this, "Dashboard size", "Width (px):", 2400, 400, 10000, 100, &ok);
    if (!ok) return;
    const int h =
        QInputDialog::getInt(this, "Dashboard size", "Height (px):", 1500, 300, 10000, 100, &ok);
    if (!ok) return;
    const QString err = charts_->exportDashboard(p, w, h);
    if (!err.isEmpty()) QMessageBox::warning(this, "Export the dashboard", err);
  });
  file->addAction("Export &data (CSV/JSON)…", this, &MainWindow::exportDataDialog);
  file->addAction("Export &trace-gc log…", this, &MainWindow::exportTraceDialog);
  file->addSeparator();
  file->addAction("&Quit", QKeySequence::Quit, this, &QWidget::close);

  QMenu* teach = menuBar()->addMenu("&Teach");
  QMenu* lessons = teach->addMenu("&Lessons");
  for (const QFileInfo& fi :
       QDir(LessonsDirectory()).entryInfoList({"*.lesson.json"}, QDir::Files, QDir::Name)) {
    Lesson lesson;
    const QString title = LoadLesson(fi.absoluteFilePath().toStdString(), &lesson)
                              ? fi.fileName()
                              : QString::fromStdString(lesson.title);
    lessons->addAction(title, this, [this, path = fi.absoluteFilePath()] {
      const QString err = openLesson(path);
      if (!err.isEmpty()) QMessageBox::warning(this, "Lesson", err);
    });
  }
  teach->addAction("&Step through this workload (object by object)", this, [this] {
    const QString err = stepThroughWorkload(StepGranularity::kObject);
    if (!err.isEmpty()) QMessageBox::warning(this, "Step mode", err);
  });
  teach->addAction("Step through this workload (&collection by collection)", this, [this] {
    const QString err = stepThroughWorkload(StepGranularity::kCollection);
    if (!err.isEmpty()) QMessageBox::warning(this, "Step mode", err);
  });
  teach->addAction("Show the live &heap map", this, &MainWindow::showHeapMap);
}

QString LessonsDirectory() {
  return WorkloadsDirectory() + "/lessons";
}

void MainWindow::showHeapMap() {
  tabs_->setCurrentWidget(heap_map_tab_);
  if (auto snap = controller_.lastSnapshot()) heap_map_->setSnapshot(snap);
}

void MainWindow::showTrace() {
  tabs_->setCurrentWidget(trace_view_);
}

StepView* MainWindow::stepView() {
  if (step_view_ == nullptr) {
    step_window_ = new QWidget(this, Qt::Window);
    step_window_->setWindowTitle("HeapLab — step mode");
    auto* l = new QVBoxLayout(step_window_);
    l->setContentsMargins(4, 4, 4, 4);
    step_view_ = new StepView(step_window_);
    l->addWidget(step_view_);
    step_window_->resize(1400, 900);
  }
  return step_view_;
}

QString MainWindow::openLesson(const QString& path) {
  const QString err = stepView()->openLesson(path);
  if (err.isEmpty()) {
    step_window_->show();
    step_window_->raise();
  }
  return err;
}

QString MainWindow::stepThroughWorkload(StepGranularity granularity) {
  // The editor's text (saved or not); errors name the workload's file.
  const QString err = stepView()->openWorkload(path_.isEmpty() ? QString("untitled.js") : path_,
                                               NonDefaultFlags(controller_.flags()), granularity,
                                               editor_->toPlainText());
  if (err.isEmpty()) {
    step_window_->show();
    step_window_->raise();
  }
  return err;
}

void MainWindow::populateLibrary() {
  QDir dir(WorkloadsDirectory());
  for (const QFileInfo& fi : dir.entryInfoList({"*.js"}, QDir::Files, QDir::Name)) {
    auto* item = new QListWidgetItem(fi.completeBaseName(), library_);
    item->setData(Qt::UserRole, fi.absoluteFilePath());
  }
}

bool MainWindow::openWorkload(const QString& path) {
  QFile f(path);
  if (!f.open(QIODevice::ReadOnly)) {
    // The message the script host gives an unreadable workload (WorkloadHost::Load).
    const WorkloadError error{path.toStdString(), 0, 0,
                              "cannot read workload: " + f.errorString().toStdString()};
    messages_->setPlainText(QString::fromStdString(error.ToString()));
    messages_->setVisible(true);
    return false;
  }
  path_ = path;
  editor_->setPlainText(QString::fromUtf8(f.readAll()));
  editor_->clearError();
  WorkloadOptions o;
  o.path = path.toStdString();
  WorkloadHost host(o);
  if (auto err = host.Load())
    description_->setText(QString::fromStdString(err->ToString()));
  else
    description_->setText(QString::fromStdString(host.info().description));
  setWindowTitle(QString("HeapLab — %1").arg(QFileInfo(path).fileName()));
  QSettings().setValue("workload/last", path);
  addRecent(path);
  messages_->setVisible(false);
  return true;
}

void MainWindow::addRecent(const QString& path) {
  QSettings settings;
  QStringList recent = settings.value("recent").toStringList();
  recent.removeAll(path);
  recent.prepend(path);
  while (recent.size() > 8)
    recent.removeLast();
  settings.setValue("recent", recent);
  rebuildRecentMenu();
}

void MainWindow::rebuildRecentMenu() {
  if (!recent_menu_) return;
  recent_menu_->clear();
  for (const QString& p : QSettings().value("recent").toStringList()) {
    recent_menu_->addAction(QFileInfo(p).fileName() + "   " + QFileInfo(p).path(), this, [this, p] {
      if (p.endsWith(".heaplab")) {
        const QString err = loadSession(p);
        if (!err.isEmpty()) QMessageBox::warning(this, "Open session", err);
      } else {
        openWorkload(p);
      }
    });
  }
  recent_menu_->setEnabled(!recent_menu_->isEmpty());
}

QString MainWindow::saveSession(const QString& path) {
  Session s;
  s.workload_path = path_;
  s.workload_source = editor_->toPlainText();
  s.flags = settings_->flags();
  s.seed = controller_.seed();
  s.duration_ms = controller_.duration();
  s.events = controller_.events();
  s.samples = controller_.samples();
  s.oom = controller_.outOfMemory();
  const QString err = SaveSession(s, path);
  if (err.isEmpty()) addRecent(path);
  return err;
}

QString MainWindow::loadSession(const QString& path) {
  QString error;
  std::optional<Session> s = LoadSession(path, &error);
  if (!s) return error;
  reset();
  path_ = s->workload_path;
  editor_->setPlainText(s->workload_source);
  setFlags(s->flags);
  controller_.setSeed(s->seed);
  controller_.setDuration(s->duration_ms);
  controller_.setWorkload(path_, s->workload_source);
  charts_->setShowMapSpace(s->flags.profile == "legacy");
  controller_.loadResults(std::move(s->events), std::move(s->samples), std::move(s->oom));
  setWindowTitle(QString("HeapLab — %1").arg(QFileInfo(path).fileName()));
  addRecent(path);
  return {};
}

void MainWindow::runComparison() {
  WorkloadOptions o;
  o.path = (path_.isEmpty() ? QString("untitled.js") : path_).toStdString();
  o.source_text = editor_->toPlainText().toStdString();
  o.seed = controller_.seed();
  o.duration_ms = controller_.duration();
  comparison_->run(o, settings_->flags());
}

QString MainWindow::newWorkloadFromLog(const QString& path) {
  std::string error;
  auto log = ReadTraceLog(path.toStdString(), &error);
  if (!log) return QString::fromStdString(error);
  DerivedWorkload derived;
  if (auto err = DeriveWorkload(*log, &derived))
    return QString("%1: %2").arg(path, QString::fromStdString(*err));
  const QString name = QFileInfo(path).fileName();
  path_.clear();  // a new workload: Save asks where
  editor_->setPlainText(QString::fromStdString(DerivedWorkloadScript(derived, name.toStdString())));
  editor_->clearError();
  description_->setText(QString("Derived from the GC log %1: %2 scavenges, %3 mark-compacts over "
                                "%4 s (unsaved; File > Save workload)")
                            .arg(name)
                            .arg(derived.scavenges)
                            .arg(derived.mark_compacts)
                            .arg(derived.duration_ms / 1000, 0, 'f', 1));
  setWindowTitle(QString("HeapLab — derived from %1 (unsaved)").arg(name));
  messages_->setVisible(false);
  // The log itself goes on the charts and in the Compare table, to set the runs against.
  return importNodeLog(path);
}

QString MainWindow::importNodeLog(const QString& path) {
  const QString err = comparison_->importLog(path);
  if (err.isEmpty()) addRecent(path);
  return err;
}

void MainWindow::setFlags(const HeapFlags& flags) {
  settings_->setFlags(flags);
  controller_.setFlags(flags);
}

void MainWindow::clearCharts() {
  charts_->clear();
  for (const VariantResult& r : comparison_->results())
    if (r.log) charts_->addOverlay(ChartsPanel::OverlayFromLog(r.label, *r.log));
}

void MainWindow::run() {
  clearCharts();
  model_->clear();
  trace_view_->clear();
  messages_->setVisible(false);
  editor_->clearError();
  controller_.setWorkload(path_.isEmpty() ? "untitled.js" : path_, editor_->toPlainText());
  controller_.setFlags(settings_->flags());
  controller_.setSpeed(speed_->currentData().toDouble());
  charts_->setShowMapSpace(settings_->flags().profile == "legacy");
  controller_.start();
}

void MainWindow::togglePause() {
  if (controller_.state() == SimulationController::State::kRunning)
    controller_.pause();
  else if (controller_.state() == SimulationController::State::kPaused)
    controller_.resume();
}

void MainWindow::stepOneGC() {
  if (controller_.state() == SimulationController::State::kIdle ||
      controller_.state() == SimulationController::State::kFinished) {
    clearCharts();
    model_->clear();
    trace_view_->clear();
    controller_.setWorkload(path_.isEmpty() ? "untitled.js" : path_, editor_->toPlainText());
    controller_.setFlags(settings_->flags());
  }
  controller_.stepOneGC();
}

void MainWindow::reset() {
  controller_.reset();
  clearCharts();
  model_->clear();
  trace_view_->clear();
  messages_->setVisible(false);
}

void MainWindow::onData(std::size_t first_event, std::size_t first_sample) {
  if (first_event == 0 && first_sample == 0 && controller_.events().empty() &&
      controller_.samples().empty()) {
    clearCharts();
    model_->clear();
    trace_view_->clear();
    return;
  }
  charts_->append(controller_.events(), first_event, controller_.samples(), first_sample);
  model_->appendFrom(&controller_.events(), first_event);
  updateStatus();
}

void MainWindow::updateStatus() {
  static const char* names[] = {"idle", "running", "paused", "finished"};
  const auto& ev = controller_.events();
  if (ev.size() < counted_events_) counted_events_ = counted_scavenges_ = 0;  // reset or reload
  for (; counted_events_ < ev.size(); ++counted_events_)
    counted_scavenges_ += ev[counted_events_].collector == GarbageCollector::kScavenger;
  const double t = controller_.samples().empty() ? 0 : controller_.samples().back().time_ms;
  status_->setText(QString("%1 · simulated %2 s · %3 scavenges · %4 mark-compacts%5")
                       .arg(names[static_cast<int>(controller_.state())])
                       .arg(t / 1000.0, 0, 'f', 2)
                       .arg(counted_scavenges_)
                       .arg(ev.size() - counted_scavenges_)
                       .arg(controller_.outOfMemory() ? " · OUT OF MEMORY" : ""));
  pause_action_->setText(controller_.state() == SimulationController::State::kPaused ? "Resume"
                                                                                     : "Pause");
}

QString MainWindow::traceText() const {
  return trace_view_->toPlainText();
}

QString MainWindow::messages() const {
  return messages_->toPlainText();
}

MainWindow::LatencyStats MainWindow::latency() const {
  LatencyStats s;
  s.samples = delays_ms_.size();
  if (delays_ms_.empty()) return s;
  s.p50_ms = Percentile(delays_ms_, 50);
  s.p99_ms = Percentile(delays_ms_, 99);
  s.max_ms = *std::max_element(delays_ms_.begin(), delays_ms_.end());
  return s;
}

void MainWindow::exportChartsDialog() {
  const QString dir = QFileDialog::getExistingDirectory(this, "Export charts into");
  if (dir.isEmpty()) return;
  bool ok = false;
  const int w = QInputDialog::getInt(this, "Chart size", "Width (px):", 1200, 200, 8000, 100, &ok);
  if (!ok) return;
  const int h = QInputDialog::getInt(this, "Chart size", "Height (px):", 500, 100, 8000, 50, &ok);
  if (!ok) return;
  QString err = charts_->exportAll(dir, w, h);
  for (auto [name, plot] : charts_->charts())
    if (err.isEmpty())
      err = ChartsPanel::exportChart(plot, QDir(dir).filePath(name + ".pdf"), w, h);
  if (!err.isEmpty()) QMessageBox::warning(this, "Export charts", err);
}

void MainWindow::exportDataDialog() {
  QString filter;
  QString base = QFileDialog::getSaveFileName(this, "Export events", "events.csv",
                                              "CSV (*.csv);;JSON (*.json)", &filter);
  if (base.isEmpty()) return;
  // A name without .csv or .json takes the chosen format's.
  const QString suffix = QFileInfo(base).suffix().toLower();
  if (suffix != "csv" && suffix != "json") base += filter.startsWith("JSON") ? ".json" : ".csv";
  const QString samples = QFileInfo(base).path() + "/samples." + QFileInfo(base).suffix();
  auto err = WriteEvents(base.toStdString(), controller_.events());
  if (!err) err = WriteSamples(samples.toStdString(), controller_.samples());
  if (err) QMessageBox::warning(this, "Export data", QString::fromStdString(*err));
}

void MainWindow::exportTraceDialog() {
  const QString path = QFileDialog::getSaveFileName(this, "Export trace-gc log", "trace-gc.log");
  if (path.isEmpty()) return;
  TraceContext ctx;
  ctx.legacy = controller_.legacyProfile();
  std::string text;
  for (const auto& e : controller_.events())
    text += FormatTraceGCLine(e, ctx) + "\n";
  if (auto err = WriteFileAtomically(path.toStdString(), text))
    QMessageBox::warning(this, "Export trace", QString::fromStdString(*err));
}

void MainWindow::saveWorkload() {
  QString path = path_;
  if (path.isEmpty())
    path = QFileDialog::getSaveFileName(this, "Save workload", WorkloadsDirectory(),
                                        "Workloads (*.js)");
  if (path.isEmpty()) return;
  if (auto err = WriteFileAtomically(path.toStdString(), editor_->toPlainText().toStdString()))
    QMessageBox::warning(this, "Save workload", QString::fromStdString(*err));
  else
    path_ = path;
}

void MainWindow::closeEvent(QCloseEvent* e) {
  controller_.reset();
  QSettings().setValue("window/geometry", saveGeometry());
  e->accept();
}

}  // namespace heaplab
