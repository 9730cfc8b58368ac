// Comparing settings: the same workload under several flag sets (run in parallel, as
// heaplab-cli sweep does), or against a real `node --trace-gc` log, with a table of the
// differences and overlays on the charts.
#pragma once

#include <QWidget>

#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "sim/flags.h"
#include "sim/gc-event.h"
#include "sim/report.h"
#include "sim/script/workload-host.h"
#include "sim/trace-parser.h"

class QPlainTextEdit;
class QTableWidget;
class QPushButton;
class QLabel;

namespace heaplab {

// One column of the comparison: a run or an imported log.
struct VariantResult {
  QString label;
  std::vector<GCEvent> events;  // simulated runs only
  std::optional<TraceLog> log;  // imported logs only
  RunSummary summary;
  QString error;  // "file:line:column: message" when the run failed
};

// Runs `options`' workload once per variant (flags added to `base`), in parallel on all cores.
std::vector<VariantResult> RunVariants(const WorkloadOptions& options,
                                       const HeapFlags& base,
                                       const std::vector<std::vector<std::string>>& variants);
// The summary of a real node log: counts and pause statistics per kind, peak heap, the old
// generation after each mark-compact (heap after it), and the fatal end.
VariantResult SummarizeLog(const QString& name, const TraceLog& log);

class ComparisonPanel : public QWidget {
  Q_OBJECT

 public:
  explicit ComparisonPanel(QWidget* parent = nullptr);
  // The flag sets to compare, one per line ("--max-semi-space-size=1 --no-incremental-marking").
  void setVariantsText(const QString& text);
  // Starts every variant of the current workload on worker threads and returns at once; the
  // results arrive in the table and as overlays, then `finished` is emitted.
  void run(const WorkloadOptions& options, const HeapFlags& base);
  bool running() const { return running_; }
  ~ComparisonPanel() override;
  // Parses a node --trace-gc log and adds it as a column. Returns an error naming the line.
  QString importLog(const QString& path);
  const std::vector<VariantResult>& results() const { return results_; }
  QTableWidget* table() const { return table_; }

 Q_SIGNALS:
  void runRequested();
  void importRequested();
  // A result to draw over the charts.
  void overlay(const heaplab::VariantResult& result);
  void cleared();
  void finished();

 private:
  void addRow(const VariantResult& r);
  QPlainTextEdit* variants_;
  QTableWidget* table_;
  QLabel* status_;
  std::vector<VariantResult> results_;
  QPushButton* run_button_ = nullptr;
  bool running_ = false;
  std::thread worker_;
};

}  // namespace heaplab
