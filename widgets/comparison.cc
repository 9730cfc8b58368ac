#include "widgets/comparison.h"

#include <QFile>
#include <QFileInfo>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QPlainTextEdit>
#include <QPushButton>
#include <QTableWidget>
#include <QVBoxLayout>

#include <algorithm>
#include <atomic>
#include <memory>
#include <sstream>
#include <thread>

#include "sim/heap.h"

namespace heaplab {

std::vector<VariantResult> RunVariants(const WorkloadOptions& options,
                                       const HeapFlags& base,
                                       const std::vector<std::vector<std::string>>& variants) {
  std::vector<VariantResult> out(variants.size());
  std::atomic<std::size_t> next{0};
  auto worker = [&] {
    for (std::size_t i = next++; i < variants.size(); i = next++) {
      VariantResult& r = out[i];
      std::string label;
      for (const auto& f : variants[i])
        label += (label.empty() ? "" : " ") + f;
      r.label = label.empty() ? QStringLiteral("(settings)") : QString::fromStdString(label);
      HeapFlags flags = base;
      if (auto err = ParseFlags(flags, variants[i])) {
        r.error = QString::fromStdString(*err);
        continue;
      }
      WorkloadHost host(options);
      if (auto err = host.Load()) {
        r.error = QString::fromStdString(err->ToString());
        continue;
      }
      Heap heap(flags);
      RunRecorder recorder;
      heap.set_sink(&recorder);
      try {
        WorkloadResult result = host.Run(heap);
        if (result.error) r.error = QString::fromStdString(result.error->ToString());
      } catch (const std::exception& e) {
        r.error = QString("internal error: %1").arg(e.what());
      }
      r.summary = Summarize(recorder, heap);
      r.events = recorder.events();
      for (auto& e : r.events)
        e.phases.clear();
    }
  };
  const unsigned jobs = std::max(1u, std::min<unsigned>(std::thread::hardware_concurrency(),
                                                        static_cast<unsigned>(variants.size())));
  std::vector<std::thread> threads;
  for (unsigned j = 0; j < jobs; ++j)
    threads.emplace_back(worker);
  for (auto& t : threads)
    t.join();
  return out;
}

VariantResult SummarizeLog(const QString& name, const TraceLog& log) {
  VariantResult r;
  r.label = name;
  r.log = log;
  r.summary = SummarizeTraceLog(log);
  return r;
}

ComparisonPanel::ComparisonPanel(QWidget* parent) : QWidget(parent) {
  auto* layout = new QHBoxLayout(this);
  auto* left = new QVBoxLayout;
  left->addWidget(new QLabel("Flag sets to compare, one per line:", this));
  variants_ = new QPlainTextEdit(this);
  variants_->setPlaceholderText(
      "--max-semi-space-size=1\n--max-semi-space-size=16\n--max-semi-space-size=64");
  variants_->setPlainText(
      "--max-semi-space-size=1\n--max-semi-space-size=16\n--max-semi-space-size=64");
  variants_->setMaximumWidth(340);
  left->addWidget(variants_);
  auto* run = run_button_ = new QPushButton("Run comparison", this);
  auto* import = new QPushButton("Import node --trace-gc log…", this);
  auto* clear = new QPushButton("Clear", this);
  left->addWidget(run);
  left->addWidget(import);
  left->addWidget(clear);
  status_ = new QLabel(this);
  left->addWidget(status_);
  layout->addLayout(left);
  table_ = new QTableWidget(0, 10, this);
  table_->setHorizontalHeaderLabels({"run", "scavenges", "mark-compacts", "scav p50 ms",
                                     "scav p99 ms", "MC p50 ms", "MC p99 ms", "total GC ms",
                                     "peak heap MB", "OOM"});
  table_->horizontalHeader()->setSectionResizeMode(0, QHeaderView::Stretch);
  table_->verticalHeader()->setVisible(false);
  table_->setEditTriggers(QAbstractItemView::NoEditTriggers);
  layout->addWidget(table_, 1);
  connect(run, &QPushButton::clicked, this, &ComparisonPanel::runRequested);
  connect(import, &QPushButton::clicked, this, &ComparisonPanel::importRequested);
  connect(clear, &QPushButton::clicked, this, [this] {
    results_.clear();
    table_->setRowCount(0);
    status_->clear();
    Q_EMIT cleared();
  });
}

void ComparisonPanel::setVariantsText(const QString& text) {
  variants_->setPlainText(text);
}

ComparisonPanel::~ComparisonPanel() {
  if (worker_.joinable()) worker_.join();
}

void ComparisonPanel::run(const WorkloadOptions& options, const HeapFlags& base) {
  if (running_) return;
  std::vector<std::vector<std::string>> variants;
  for (const QString& line : variants_->toPlainText().split('\n', Qt::SkipEmptyParts)) {
    std::vector<std::string> args;
    std::istringstream in(line.toStdString());
    std::string a;
    while (in >> a)
      args.push_back(a);
    if (!args.empty()) variants.push_back(args);
  }
  if (variants.empty()) variants.push_back({});
  status_->setText(QString("running %1 flag sets…").arg(variants.size()));
  running_ = true;
  run_button_->setEnabled(false);
  if (worker_.joinable()) worker_.join();
  // The simulations run off the GUI thread; their results come back as a queued call.
  worker_ = std::thread([this, options, base, variants] {
    auto fresh = std::make_shared<std::vector<VariantResult>>(RunVariants(options, base, variants));
    QMetaObject::invokeMethod(
        this,
        [this, fresh] {
          for (auto& r : *fresh) {
            addRow(r);
            Q_EMIT overlay(r);
            results_.push_back(std::move(r));
          }
          status_->setText(QString("%1 runs compared").arg(results_.size()));
          running_ = false;
          run_button_->setEnabled(true);
          Q_EMIT finished();
        },
        Qt::QueuedConnection);
  });
}

QString ComparisonPanel::importLog(const QString& path) {
  std::string error;
  auto log = ReadTraceLog(path.toStdString(), &error);
  if (!log) return QString::fromStdString(error);
  if (log->gcs.empty()) return QString("%1: no --trace-gc lines found").arg(path);
  VariantResult r = SummarizeLog("node: " + QFileInfo(path).fileName(), *log);
  addRow(r);
  Q_EMIT overlay(r);
  results_.push_back(std::move(r));
  return {};
}

void ComparisonPanel::addRow(const VariantResult& r) {
  const int row = table_->rowCount();
  table_->insertRow(row);
  const RunSummary& s = r.summary;
  const QStringList cells = {
      r.label,
      QString::number(s.scavenge.count),
      QString::number(s.mark_compact.count),
      QString::number(s.scavenge.p50_ms, 'f', 2),
      QString::number(s.scavenge.p99_ms, 'f', 2),
      QString::number(s.mark_compact.p50_ms, 'f', 2),
      QString::number(s.mark_compact.p99_ms, 'f', 2),
      QString::number(s.scavenge.total_ms + s.mark_compact.total_ms, 'f', 1),
      QString::number(s.peak_heap_mb, 'f', 1),
      r.error.isEmpty() ? (s.out_of_memory ? QString::fromStdString(s.oom_message) : QString("no"))
                        : r.error};
  for (int c = 0; c < cells.size(); ++c)
    table_->setItem(row, c, new QTableWidgetItem(cells[c]));
}

}  // namespace heaplab
