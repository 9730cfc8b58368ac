// The HeapLab workbench window: workload library and editor, the settings form generated from
// the flag table, run controls, live charts, the GC event table, and the out-of-memory panel.
#pragma once

#include <QElapsedTimer>
#include <QMainWindow>
#include <QTimer>

#include <vector>

#include "sim/step-recorder.h"
#include "widgets/simulation-controller.h"

class QLabel;
class QListWidget;
class QPlainTextEdit;
class QTableView;
class QComboBox;
class QAction;
class QMenu;
class QTabWidget;

namespace heaplab {

class ChartsPanel;
class ComparisonPanel;
class HeapMapWidget;
class ObjectInspector;
class StepView;
class EventTableModel;
class SettingsPanel;
class WorkloadEditor;

class MainWindow : public QMainWindow {
  Q_OBJECT

 public:
  explicit MainWindow(QWidget* parent = nullptr);
  ~MainWindow() override;

  // Opens a workload file into the editor. Returns false (and says why) when unreadable.
  bool openWorkload(const QString& path);
  void setFlags(const HeapFlags& flags);
  SimulationController* controller() { return &controller_; }
  ChartsPanel* charts() { return charts_; }
  WorkloadEditor* editor() { return editor_; }
  SettingsPanel* settings() { return settings_; }
  QTableView* eventTable() { return table_; }
  ComparisonPanel* comparison() { return comparison_; }
  // Runs the comparison of the flag sets in the Compare tab and overlays them.
  void runComparison();
  // Imports a real node --trace-gc log as an overlay. Returns an error naming the line, or empty.
  QString importNodeLog(const QString& path);
  // Puts a workload that replays the log's allocation (sim/log-workload.h) in the editor, as a
  // new unsaved workload, and imports the log to compare its runs with. Returns an error naming
  // the file (and line), or empty.
  QString newWorkloadFromLog(const QString& path);
  EventTableModel* eventModel() { return model_; }
  // The live heap map (bottom tab), fed by the controller's snapshots.
  HeapMapWidget* heapMap() { return heap_map_; }
  // Shows the heap map tab (it then refreshes a few times a second while running).
  void showHeapMap();
  // Shows the "V8 trace" tab.
  void showTrace();
  // Step mode in its own window; created on first use.
  StepView* stepView();
  // Opens a lesson in step mode. Returns an error (file:line: ...), or empty.
  QString openLesson(const QString& path);
  // Steps through the editor's workload with the current flags. Returns an error, or empty.
  QString stepThroughWorkload(StepGranularity granularity);
  // The text of the out-of-memory / error panel.
  QString messages() const;
  // The "V8 trace" tab's text: the run's lines as heaplab-cli prints them with the same flags.
  QString traceText() const;
  // Event-loop delay while a run was going: how late a 10 ms timer fired (ms).
  struct LatencyStats {
    std::size_t samples = 0;
    double p50_ms = 0, p99_ms = 0, max_ms = 0;
  };
  LatencyStats latency() const;
  // Saves workload, flags and results as a session (atomically). Returns an error, or empty.
  QString saveSession(const QString& path);
  // Loads a session: the workload into the editor, the flags into the form, the results into
  // the charts and table. Returns an error naming the file and line, or empty.
  QString loadSession(const QString& path);

 public Q_SLOTS:
  void run();
  void togglePause();
  void stepOneGC();
  void reset();

 protected:
  void closeEvent(QCloseEvent* e) override;

 private:
  // Empties the charts for a run; imported node logs stay on them (the runs are set against them).
  void clearCharts();
  void buildUi();
  void buildMenus();
  void updateStatus();
  void onData(std::size_t first_event, std::size_t first_sample);
  void exportChartsDialog();
  void exportDataDialog();
  void exportTraceDialog();
  void saveWorkload();
  void populateLibrary();
  void addRecent(const QString& path);
  void rebuildRecentMenu();
  QMenu* recent_menu_ = nullptr;
  QTimer* probe_ = nullptr;
  QElapsedTimer probe_clock_;
  qint64 probe_last_ms_ = 0;
  std::vector<double> delays_ms_;
  std::size_t counted_events_ = 0;
  std::size_t counted_scavenges_ = 0;

  SimulationController controller_;
  WorkloadEditor* editor_ = nullptr;
  SettingsPanel* settings_ = nullptr;
  ChartsPanel* charts_ = nullptr;
  EventTableModel* model_ = nullptr;
  QTableView* table_ = nullptr;
  QPlainTextEdit* messages_ = nullptr;
  QPlainTextEdit* trace_view_ = nullptr;  // the "V8 trace" tab
  ComparisonPanel* comparison_ = nullptr;
  QListWidget* library_ = nullptr;
  QLabel* description_ = nullptr;
  QLabel* status_ = nullptr;
  QComboBox* speed_ = nullptr;
  QAction* pause_action_ = nullptr;
  QString path_;
  QTabWidget* tabs_ = nullptr;
  HeapMapWidget* heap_map_ = nullptr;
  ObjectInspector* live_inspector_ = nullptr;
  QWidget* heap_map_tab_ = nullptr;
  QTimer heap_map_timer_;
  QWidget* step_window_ = nullptr;
  StepView* step_view_ = nullptr;
};

// Where the lessons are: WorkloadsDirectory()/lessons.
QString LessonsDirectory();

// Where the shipped workloads are: next to the binary when installed, else the source tree.
QString WorkloadsDirectory();

}  // namespace heaplab
