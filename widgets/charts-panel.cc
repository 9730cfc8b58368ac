#include "widgets/qcustomplot-include.h"

#include "widgets/charts-panel.h"
#include "widgets/render-to-file.h"

#include <QDir>
#include <QGridLayout>
#include <QPdfWriter>
#include <QSvgGenerator>

#include <algorithm>
#include <cmath>
#include <functional>
#include <vector>

#include "sim/report.h"

namespace heaplab {

namespace {
constexpr double kMB = 1024.0 * 1024.0;
// Stacked occupancy: the spaces from the bottom up, with their colours.
const AllocationSpace kStack[] = {AllocationSpace::kOld,
                                  AllocationSpace::kCode,
                                  AllocationSpace::kMap,
                                  AllocationSpace::kLargeObject,
                                  AllocationSpace::kCodeLargeObject,
                                  AllocationSpace::kNewLargeObject,
                                  AllocationSpace::kNew};
QColor SpaceColor(AllocationSpace s) {
  switch (s) {
    case AllocationSpace::kNew:
      return QColor(0x4c, 0xaf, 0x50);
    case AllocationSpace::kOld:
      return QColor(0x1e, 0x88, 0xe5);
    case AllocationSpace::kCode:
      return QColor(0x8e, 0x24, 0xaa);
    case AllocationSpace::kMap:
      return QColor(0x6d, 0x4c, 0x41);
    case AllocationSpace::kNewLargeObject:
      return QColor(0xc0, 0xca, 0x33);
    case AllocationSpace::kLargeObject:
      return QColor(0xfb, 0x8c, 0x00);
    case AllocationSpace::kCodeLargeObject:
      return QColor(0xd8, 0x1b, 0x60);
  }
  return Qt::gray;
}
// The most legend columns (up to kMaxLegendColumns) whose entries fit the plot's width uncut,
// each column as wide as its widest entry; at least one.
constexpr int kMaxLegendColumns = 6;
int LegendColumnsThatFit(const QCPLegend* legend, int available_px) {
  // The grid's cells in fill order; a wrapped grid's last row has empty ones (no item).
  std::vector<int> widths;
  for (int i = 0; i < legend->itemCount(); ++i)
    if (const QCPAbstractLegendItem* item = legend->item(i))
      widths.push_back(item->minimumOuterSizeHint().width());
  const int n = static_cast<int>(widths.size());
  for (int columns = std::min(n, kMaxLegendColumns); columns > 1; --columns) {
    int total = (columns - 1) * legend->columnSpacing();
    for (int c = 0; c < columns; ++c) {
      int widest = 0;
      for (int i = c; i < n; i += columns)
        widest = std::max(widest, widths[static_cast<std::size_t>(i)]);
      total += widest;
    }
    if (total <= available_px) return columns;
  }
  return 1;
}

// As many legend columns as fit a plot drawn `width_px` wide, so that no entry is cut off (a
// comparison's flag sets are long names).
void FitLegendColumns(QCustomPlot* p, int width_px) {
  QCPLegend* legend = p->legend;
  if (!legend->visible() || legend->itemCount() == 0) return;
  const QMargins m = legend->margins();
  const int available = width_px - m.left() - m.right() - 4;
  const int columns = LegendColumnsThatFit(legend, available);
  if (columns == legend->wrap()) return;
  legend->setWrap(columns);
  legend->setFillOrder(QCPLayoutGrid::foColumnsFirst, true);  // re-lays the entries out
}

// Moves a plot's legend out of the data, into rows under the axis rect.
void PlaceLegendBelow(QCustomPlot* p) {
  p->legend->setVisible(true);
  p->legend->setFont(QFont(p->font().family(), 7));
  p->legend->setFillOrder(QCPLayoutGrid::foColumnsFirst);
  p->legend->setWrap(4);  // several short rows: the legend must not set the plot's width
  // Before every replot (a resize, a new overlay), for the plot's own width.
  QObject::connect(p, &QCustomPlot::beforeReplot, p,
                   [p] { FitLegendColumns(p, p->viewport().width()); });
  p->legend->setBorderPen(Qt::NoPen);
  p->legend->setBrush(Qt::NoBrush);
  p->legend->setRowSpacing(0);
  p->legend->setColumnSpacing(6);
  p->axisRect()->insetLayout()->take(p->legend);
  p->plotLayout()->addElement(p->plotLayout()->rowCount(), 0, p->legend);
  p->plotLayout()->setRowStretchFactor(p->plotLayout()->rowCount() - 1, 0.001);
}

}  // namespace

ChartsPanel::ChartsPanel(QWidget* parent) : QWidget(parent) {
  auto* layout = new QGridLayout(this);
  layout->setContentsMargins(0, 0, 0, 0);
  layout->setSpacing(2);

  scavenge_ = makePlot("Scavenge pauses", "ms");
  scavenge_graph_ = scavenge_->addGraph();
  scavenge_graph_->setName("Scavenge");
  scavenge_graph_->setLineStyle(QCPGraph::lsNone);
  scavenge_graph_->setScatterStyle(QCPScatterStyle(
      QCPScatterStyle::ssSquare, QColor(0x4c, 0xaf, 0x50), QColor(0x4c, 0xaf, 0x50), 4));
  for (double guide : {10.0, 50.0}) {
    // The usual advice: a scavenge should stay under 10 ms; over 50 ms is too long.
    auto* line = new QCPItemStraightLine(scavenge_);
    line->point1->setCoords(0, guide);
    line->point2->setCoords(1, guide);
    line->setPen(
        QPen(guide < 20 ? QColor(0xff, 0xa0, 0x00) : QColor(0xe5, 0x39, 0x35), 1, Qt::DashLine));
  }

  mark_compact_ = makePlot("Mark-compact pauses", "ms");
  mc_incremental_graph_ = mark_compact_->addGraph();
  mc_incremental_graph_->setName("incremental marking (not in the pause)");
  mc_incremental_graph_->setLineStyle(QCPGraph::lsImpulse);
  mc_incremental_graph_->setPen(QPen(QColor(0x90, 0xca, 0xf9), 3));
  mc_pause_graph_ = mark_compact_->addGraph();
  mc_pause_graph_->setName("final pause");
  mc_pause_graph_->setLineStyle(QCPGraph::lsNone);
  mc_pause_graph_->setScatterStyle(
      QCPScatterStyle(QCPScatterStyle::ssDiamond, QColor(0x1e, 0x88, 0xe5), 7));
  PlaceLegendBelow(mark_compact_);

  PlaceLegendBelow(scavenge_);
  scavenge_->legend->setVisible(false);  // shown once overlays are added

  promotion_ = makePlot("Promotion per scavenge", "MB");
  promotion_graph_ = promotion_->addGraph();
  promotion_graph_->setName("promoted");
  promotion_graph_->setLineStyle(QCPGraph::lsImpulse);
  promotion_graph_->setPen(QPen(QColor(0xfb, 0x8c, 0x00), 2));
  PlaceLegendBelow(promotion_);
  promotion_->legend->setVisible(false);

  occupancy_ = makePlot("Space occupancy", "MB");
  QCPGraph* below = nullptr;
  for (AllocationSpace s : kStack) {
    QCPGraph* g = occupancy_->addGraph();
    g->setName(QString::fromUtf8(std::string(ToString(s)).c_str()));
    QColor c = SpaceColor(s);
    g->setPen(QPen(c.darker(120)));
    c.setAlpha(140);
    g->setBrush(c);
    if (below) g->setChannelFillGraph(below);
    occupancy_graphs_.push_back(g);
    below = g;
  }
  committed_graph_ = occupancy_->addGraph();
  committed_graph_->setName("committed");
  committed_graph_->setPen(QPen(Qt::black, 1, Qt::DotLine));
  limit_graph_ = occupancy_->addGraph();
  limit_graph_->setName("old-gen allocation limit");
  limit_graph_->setPen(QPen(QColor(0xe5, 0x39, 0x35), 1.5, Qt::DashLine));
  heap_limit_graph_ = occupancy_->addGraph();
  heap_limit_graph_->setName("max old generation");
  heap_limit_graph_->setPen(QPen(QColor(0xb7, 0x1c, 0x1c), 2));
  PlaceLegendBelow(occupancy_);
  space_has_held_bytes_.assign(occupancy_graphs_.size(), false);

  allocation_ = makePlot("Allocation rate", "MB/s");
  allocation_graph_ = allocation_->addGraph();
  allocation_graph_->setName("allocation");
  allocation_graph_->setPen(QPen(QColor(0x00, 0x89, 0x7b), 1.5));

  setShowMapSpace(false);
  clock_.start();
  replot_timer_.setInterval(16);
  connect(&replot_timer_, &QTimer::timeout, this, &ChartsPanel::replotNext);

  histogram_ = makePlot("Pause histogram (all GCs)", "GCs");
  histogram_->xAxis->setLabel("pause ms");
  histogram_bars_ = new QCPBars(histogram_->xAxis, histogram_->yAxis);
  histogram_bars_->setBrush(QColor(0x5c, 0x6b, 0xc0));

  // Two columns: pauses on top, occupancy and promotion, then allocation and the histogram.
  layout->addWidget(scavenge_, 0, 0);
  layout->addWidget(mark_compact_, 0, 1);
  layout->addWidget(occupancy_, 1, 0);
  layout->addWidget(promotion_, 1, 1);
  layout->addWidget(allocation_, 2, 0);
  layout->addWidget(histogram_, 2, 1);
  layout->setColumnStretch(0, 1);
  layout->setColumnStretch(1, 1);
  linkXAxes();

  auto clicked = [this](QCPAbstractPlottable* p, int index, QMouseEvent*) {
    if (p == scavenge_graph_ && index >= 0 &&
        static_cast<std::size_t>(index) < scavenge_seq_.size())
      Q_EMIT eventClicked(scavenge_seq_[static_cast<std::size_t>(index)]);
    if ((p == mc_pause_graph_ || p == mc_incremental_graph_) && index >= 0 &&
        static_cast<std::size_t>(index) < mc_seq_.size())
      Q_EMIT eventClicked(mc_seq_[static_cast<std::size_t>(index)]);
  };
  connect(scavenge_, &QCustomPlot::plottableClick, this, clicked);
  connect(mark_compact_, &QCustomPlot::plottableClick, this, clicked);
}

QCustomPlot* ChartsPanel::makePlot(const QString& title, const QString& y_label) {
  auto* p = new QCustomPlot(this);
  p->setObjectName(title);
  p->plotLayout()->insertRow(0);
  p->plotLayout()->addElement(0, 0,
                              new QCPTextElement(p, title, QFont(font().family(), 9, QFont::Bold)));
  p->xAxis->setLabel("simulated time (s)");
  p->yAxis->setLabel(y_label);
  p->setInteractions(QCP::iRangeDrag | QCP::iRangeZoom | QCP::iSelectPlottables);
  p->axisRect()->setRangeDrag(Qt::Horizontal);
  p->axisRect()->setRangeZoom(Qt::Horizontal);
  p->setMinimumHeight(110);
  return p;
}

void ChartsPanel::setShowMapSpace(bool show) {
  show_map_space_ = show;
  for (std::size_t k = 0; k < occupancy_graphs_.size(); ++k)
    if (kStack[k] == AllocationSpace::kMap) occupancy_graphs_[k]->setVisible(show);
  updateOccupancyLegend();
  occupancy_->replot(QCustomPlot::rpQueuedReplot);
}

void ChartsPanel::updateOccupancyLegend() {
  std::vector<QCPGraph*> listed;
  for (std::size_t k = 0; k < occupancy_graphs_.size(); ++k) {
    if (kStack[k] == AllocationSpace::kMap && !show_map_space_) continue;
    if (space_has_held_bytes_[k]) listed.push_back(occupancy_graphs_[k]);
  }
  listed.insert(listed.end(), {committed_graph_, limit_graph_, heap_limit_graph_});
  for (QCPGraph* g : overlays_)
    if (g->parentPlot() == occupancy_) listed.push_back(g);
  if (listed == occupancy_legend_) return;
  occupancy_->legend->clearItems();
  for (QCPGraph* g : listed)
    g->addToLegend();
  occupancy_legend_ = std::move(listed);
}

std::vector<std::pair<QString, QCustomPlot*>> ChartsPanel::charts() const {
  return {{"scavenge", scavenge_},   {"mark-compact", mark_compact_},  {"promotion", promotion_},
          {"occupancy", occupancy_}, {"allocation-rate", allocation_}, {"histogram", histogram_}};
}

void ChartsPanel::linkXAxes() {
  const std::vector<QCustomPlot*> timed = {scavenge_, mark_compact_, promotion_, occupancy_,
                                           allocation_};
  for (QCustomPlot* from : timed) {
    connect(from->xAxis, qOverload<const QCPRange&>(&QCPAxis::rangeChanged), this,
            [timed, from](const QCPRange& r) {
              for (QCustomPlot* to : timed) {
                if (to == from || to->xAxis->range() == r) continue;
                to->xAxis->setRange(r);
                to->replot(QCustomPlot::rpQueuedReplot);
              }
            });
  }
}

void ChartsPanel::append(const std::vector<GCEvent>& events,
                         std::size_t first_event,
                         const std::vector<HeapSample>& samples,
                         std::size_t first_sample) {
  QVector<double> sx, sy, mx, my, ix, iy, px, py;
  for (std::size_t i = first_event; i < events.size(); ++i) {
    const GCEvent& e = events[i];
    const double t = e.start_ms / 1000.0;
    pauses_.push_back(e.pause_ms);
    if (e.collector == GarbageCollector::kScavenger) {
      sx << t;
      sy << e.pause_ms;
      scavenge_seq_.push_back(e.sequence);
      px << t;
      py << static_cast<double>(e.promoted_bytes) / kMB;
    } else {
      mx << t;
      my << e.pause_ms;
      ix << t;
      iy << e.incremental_ms;
      mc_seq_.push_back(e.sequence);
    }
  }
  scavenge_graph_->addData(sx, sy, true);
  mc_pause_graph_->addData(mx, my, true);
  mc_incremental_graph_->addData(ix, iy, true);
  promotion_graph_->addData(px, py, true);

  const std::size_t n = occupancy_graphs_.size();
  std::vector<QVector<double>> stack(n);
  QVector<double> tx, committed, limit, heap_limit, ax, ay;
  for (std::size_t i = first_sample; i < samples.size(); ++i) {
    const HeapSample& s = samples[i];
    const double t = s.time_ms / 1000.0;
    if (!tx.isEmpty() && t < tx.back()) continue;
    tx << t;
    double cumulative = 0;
    for (std::size_t k = 0; k < n; ++k) {
      const std::size_t used = s.spaces[static_cast<std::size_t>(kStack[k])].used_bytes;
      if (used > 0) space_has_held_bytes_[k] = true;
      cumulative += static_cast<double>(used) / kMB;
      stack[k] << cumulative;
    }
    committed << static_cast<double>(TotalCommitted(s.spaces)) / kMB;
    limit << static_cast<double>(s.old_generation_limit_bytes) / kMB;
    heap_limit << static_cast<double>(s.max_old_generation_bytes) / kMB;
    // The rate over the window since the last point, once it spans kAllocationRateWindowMs.
    if (rate_window_start_ms_ < 0) {
      rate_window_start_ms_ = s.time_ms;
      rate_window_allocated_ = s.allocated_total_bytes;
    } else if (s.time_ms - rate_window_start_ms_ >= kAllocationRateWindowMs) {
      ax << t;
      ay << static_cast<double>(s.allocated_total_bytes - rate_window_allocated_) / kMB /
                ((s.time_ms - rate_window_start_ms_) / 1000.0);
      rate_window_start_ms_ = s.time_ms;
      rate_window_allocated_ = s.allocated_total_bytes;
    }
  }
  for (std::size_t k = 0; k < n; ++k)
    occupancy_graphs_[k]->addData(tx, stack[k], true);
  updateOccupancyLegend();
  committed_graph_->addData(tx, committed, true);
  limit_graph_->addData(tx, limit, true);
  heap_limit_graph_->addData(tx, heap_limit, true);
  allocation_graph_->addData(ax, ay, true);

  // Follow the run: x from 0 to now; y fitted.
  double end = 0;
  if (!samples.empty()) end = samples.back().time_ms / 1000.0;
  if (!events.empty()) end = std::max(end, events.back().end_ms() / 1000.0);
  for (auto [name, plot] : charts()) {
    if (plot == histogram_ || plot == occupancy_) {
      if (plot == occupancy_) plot->xAxis->setRange(0, std::max(end, 0.001));
      continue;
    }
    plot->xAxis->setRange(0, std::max(end, 0.001));
    plot->yAxis->rescale(true);
    plot->yAxis->setRangeLower(0);
    if (plot == scavenge_)
      plot->yAxis->setRangeUpper(std::max(plot->yAxis->range().upper * 1.1, 12.0));
    else
      plot->yAxis->setRangeUpper(std::max(plot->yAxis->range().upper * 1.1, 1.0));
  }
  // Occupancy: fit the committed memory; the limits show when the heap comes near them.
  for (double c : committed)
    occupancy_top_ = std::max(occupancy_top_, c);
  occupancy_->yAxis->setRange(0, std::max(occupancy_top_ * 1.25, 1.0));
  decimateIfNeeded();
  // The histogram sorts every pause: redraw it at most twice a second while running.
  if (clock_.elapsed() - last_histogram_ms_ >= 500) rebuildHistogram();
  replotAll();
}

void ChartsPanel::replotAll() {
  // Mark every chart dirty; the timer redraws one per tick, so the GUI thread never spends
  // more than one chart's drawing in a row (the event loop keeps answering input).
  for (auto [name, plot] : charts())
    if (std::find(dirty_.begin(), dirty_.end(), plot) == dirty_.end()) dirty_.push_back(plot);
  if (!replot_timer_.isActive()) replot_timer_.start();
}

void ChartsPanel::replotNext() {
  if (dirty_.empty()) {
    replot_timer_.stop();
    return;
  }
  QCustomPlot* plot = dirty_.front();
  dirty_.erase(dirty_.begin());
  plot->replot(QCustomPlot::rpImmediateRefresh);
}

void ChartsPanel::finish() {
  rebuildHistogram();
  replotAll();
}

void ChartsPanel::flush() {
  replot_timer_.stop();
  dirty_.clear();
  for (auto [name, plot] : charts())
    plot->replot(QCustomPlot::rpImmediateRefresh);
}

namespace {
// Halves `g` by merging neighbouring points. With `keep_max` the larger value of each pair
// stays (no spike disappears); without, every other point (stacked graphs stay aligned).
void Decimate(QCPGraph* g, bool keep_max) {
  const auto data = g->data();
  if (data->size() < 2) return;
  QVector<double> keys, values;
  keys.reserve(data->size() / 2 + 1);
  values.reserve(data->size() / 2 + 1);
  for (auto it = data->constBegin(); it != data->constEnd(); it += 2) {
    auto next = it + 1;
    if (next == data->constEnd() || !keep_max || it->value >= next->value) {
      keys << it->key;
      values << it->value;
    } else {
      keys << next->key;
      values << next->value;
    }
    if (next == data->constEnd()) break;
  }
  g->setData(keys, values, true);
}
}  // namespace

void ChartsPanel::decimateIfNeeded() {
  for (QCPGraph* g : {scavenge_graph_, mc_pause_graph_, mc_incremental_graph_, promotion_graph_,
                      allocation_graph_}) {
    if (g->data()->size() <= kMaxPointsPerGraph) continue;
    Decimate(g, true);
    // Merged points no longer map to one GC; clicks on them select nothing.
    if (g == scavenge_graph_) scavenge_seq_.clear();
    if (g == mc_pause_graph_) mc_seq_.clear();
  }
  if (occupancy_graphs_.front()->data()->size() > kMaxPointsPerGraph) {
    for (QCPGraph* g : occupancy_graphs_)
      Decimate(g, false);
    for (QCPGraph* g : {committed_graph_, limit_graph_, heap_limit_graph_})
      Decimate(g, true);
  }
}

void ChartsPanel::rebuildHistogram() {
  last_histogram_ms_ = clock_.elapsed();
  histogram_bars_->data()->clear();
  histogram_->clearItems();
  if (pauses_.empty()) return;
  const double max = *std::max_element(pauses_.begin(), pauses_.end());
  const int bins = 40;
  const double width = std::max(max / bins, 0.01);
  std::vector<double> counts(bins + 1, 0);
  for (double p : pauses_)
    counts[static_cast<std::size_t>(std::min<double>(bins, std::floor(p / width)))] += 1;
  QVector<double> x, y;
  for (int b = 0; b <= bins; ++b) {
    x << (b + 0.5) * width;
    y << counts[static_cast<std::size_t>(b)];
  }
  histogram_bars_->setWidth(width * 0.9);
  histogram_bars_->setData(x, y, true);
  histogram_->xAxis->setRange(0, (bins + 4) * width);
  histogram_->yAxis->rescale();
  histogram_->yAxis->setRangeLower(0);
  const double upper = histogram_->yAxis->range().upper * 1.15 + 1;  // room for the labels
  histogram_->yAxis->setRangeUpper(upper);
  struct P {
    double pct;
    const char* name;
    QColor color;
  };
  int row = 0;
  for (const P& p : {P{50, "p50", QColor(0x43, 0xa0, 0x47)}, P{95, "p95", QColor(0xff, 0xa0, 0x00)},
                     P{99, "p99", QColor(0xe5, 0x39, 0x35)}}) {
    const double v = Percentile(pauses_, p.pct);
    auto* line = new QCPItemStraightLine(histogram_);
    line->point1->setCoords(v, 0);
    line->point2->setCoords(v, 1);
    line->setPen(QPen(p.color, 1.5, Qt::DashLine));
    auto* label = new QCPItemText(histogram_);
    // One row each, top down: close percentiles' labels would otherwise print over each other.
    label->position->setCoords(v, upper * (0.93 - 0.09 * row++));
    label->setText(QString("%1 %2 ms").arg(p.name).arg(v, 0, 'f', 2));
    label->setColor(p.color);
    // Right of its line, or left of it near the axis's end, where it would be cut off.
    const bool near_end = v > 0.7 * histogram_->xAxis->range().upper;
    label->setPositionAlignment((near_end ? Qt::AlignRight : Qt::AlignLeft) | Qt::AlignVCenter);
  }
}

ChartsPanel::Overlay ChartsPanel::OverlayFromEvents(const QString& name,
                                                    const std::vector<GCEvent>& events) {
  Overlay o;
  o.name = name;
  for (const GCEvent& e : events) {
    const double t = e.start_ms / 1000.0;
    if (e.collector == GarbageCollector::kScavenger) {
      o.scavenge_time_s.push_back(t);
      o.scavenge_pause_ms.push_back(e.pause_ms);
      o.promotion_time_s.push_back(t);
      o.promotion_mb.push_back(static_cast<double>(e.promoted_bytes) / kMB);
    } else {
      o.mc_time_s.push_back(t);
      o.mc_pause_ms.push_back(e.pause_ms);
    }
    o.heap_time_s.push_back(e.end_ms() / 1000.0);
    o.heap_mb.push_back(static_cast<double>(TotalUsed(e.after)) / kMB);
  }
  return o;
}

ChartsPanel::Overlay ChartsPanel::OverlayFromLog(const QString& name, const TraceLog& log) {
  Overlay o;
  o.name = name;
  for (const TracedGC& gc : log.gcs) {
    const double t = (gc.time_ms - gc.pause_ms) / 1000.0;
    if (gc.collector == GarbageCollector::kScavenger) {
      o.scavenge_time_s.push_back(t);
      o.scavenge_pause_ms.push_back(gc.pause_ms);
    } else {
      o.mc_time_s.push_back(t);
      o.mc_pause_ms.push_back(gc.pause_ms);
    }
    o.heap_time_s.push_back(gc.time_ms / 1000.0);
    o.heap_mb.push_back(gc.after_mb);
  }
  return o;
}

std::vector<QString> ChartsPanel::LegendNames(const std::vector<QString>& names) {
  // Flag sets ("--a=1 --b"): the words not every flag set has, without their dashes.
  std::vector<QStringList> words;
  for (const QString& n : names)
    words.push_back(n.startsWith("--") ? n.split(' ', Qt::SkipEmptyParts) : QStringList());
  std::size_t flag_sets = 0;
  for (const QStringList& w : words)
    if (!w.isEmpty()) ++flag_sets;
  std::vector<QString> out = names;
  if (flag_sets < 2) return out;
  for (std::size_t i = 0; i < names.size(); ++i) {
    if (words[i].isEmpty()) continue;
    QStringList own;
    for (const QString& word : words[i]) {
      bool everywhere = true;
      for (const QStringList& other : words)
        if (!other.isEmpty() && !other.contains(word)) everywhere = false;
      if (!everywhere) own << (word.startsWith("--") ? word.mid(2) : word);
    }
    if (!own.isEmpty()) out[i] = own.join(' ');
  }
  return out;
}

void ChartsPanel::addOverlay(const Overlay& o) {
  static const QColor palette[] = {QColor(0xd8, 0x1b, 0x60), QColor(0x00, 0x89, 0x7b),
                                   QColor(0x5e, 0x35, 0xb1), QColor(0xf4, 0x51, 0x1e),
                                   QColor(0x6d, 0x4c, 0x41), QColor(0x00, 0x00, 0x00)};
  const QColor color = palette[overlays_.size() / 4 % 6];
  auto add = [&](QCustomPlot* plot, const std::vector<double>& x, const std::vector<double>& y,
                 bool line) {
    QCPGraph* g = plot->addGraph();
    g->setName(o.name);
    if (line) {
      g->setPen(QPen(color, 1.5));
    } else {
      g->setLineStyle(QCPGraph::lsNone);
      g->setScatterStyle(QCPScatterStyle(QCPScatterStyle::ssCircle, color, 6));
    }
    g->setData(QVector<double>(x.begin(), x.end()), QVector<double>(y.begin(), y.end()), true);
    overlays_.push_back(g);
    plot->legend->setVisible(true);
  };
  add(scavenge_, o.scavenge_time_s, o.scavenge_pause_ms, false);
  add(mark_compact_, o.mc_time_s, o.mc_pause_ms, false);
  add(occupancy_, o.heap_time_s, o.heap_mb, true);
  add(promotion_, o.promotion_time_s, o.promotion_mb, false);
  // Legends name each overlay by what sets it apart (its graphs come four to an overlay).
  overlay_names_.push_back(o.name);
  const std::vector<QString> shown = LegendNames(overlay_names_);
  for (std::size_t g = 0; g < overlays_.size(); ++g)
    overlays_[g]->setName(shown[g / kGraphsPerOverlay]);
  updateOccupancyLegend();
  // Fit every time chart to all data, overlays included.
  for (QCustomPlot* p : {scavenge_, mark_compact_, promotion_, allocation_}) {
    p->rescaleAxes(true);
    p->yAxis->setRangeLower(0);
    p->yAxis->setRangeUpper(p->yAxis->range().upper * 1.1 + (p == scavenge_ ? 1 : 0));
  }
  // Occupancy keeps fitting the heap, not the limit lines.
  for (double v : o.heap_mb)
    occupancy_top_ = std::max(occupancy_top_, v);
  double end = occupancy_->xAxis->range().upper;
  for (double t : o.heap_time_s)
    end = std::max(end, t);
  occupancy_->xAxis->setRange(0, end);
  occupancy_->yAxis->setRange(0, std::max(occupancy_top_ * 1.25, 1.0));
  replotAll();
}

void ChartsPanel::clearOverlays() {
  for (QCPGraph* g : overlays_)
    g->parentPlot()->removeGraph(g);
  overlays_.clear();
  overlay_names_.clear();
  scavenge_->legend->setVisible(false);
  promotion_->legend->setVisible(false);
  occupancy_legend_.clear();  // its overlay entries went with their graphs
  updateOccupancyLegend();
  replotAll();
}

void ChartsPanel::clear() {
  clearOverlays();
  for (auto [name, plot] : charts()) {
    for (int i = 0; i < plot->graphCount(); ++i)
      plot->graph(i)->data()->clear();
    plot->replot(QCustomPlot::rpQueuedReplot);
  }
  for (auto* h : highlights_)
    h->parentPlot()->removeItem(h);
  highlights_.clear();
  histogram_bars_->data()->clear();
  scavenge_seq_.clear();
  mc_seq_.clear();
  pauses_.clear();
  rate_window_start_ms_ = -1;
  rate_window_allocated_ = 0;
  occupancy_top_ = 0;
  space_has_held_bytes_.assign(occupancy_graphs_.size(), false);
  updateOccupancyLegend();
  rebuildHistogram();
}

void ChartsPanel::highlightEvent(std::uint64_t, double time_ms) {
  for (auto* h : highlights_)
    h->parentPlot()->removeItem(h);
  highlights_.clear();
  for (auto [name, plot] : charts()) {
    if (plot == histogram_) continue;
    auto* line = new QCPItemStraightLine(plot);
    line->point1->setCoords(time_ms / 1000.0, 0);
    line->point2->setCoords(time_ms / 1000.0, 1);
    line->setPen(QPen(QColor(0x9c, 0x27, 0xb0), 1.5));
    highlights_.push_back(line);
    plot->replot(QCustomPlot::rpQueuedReplot);
  }
}

QString RenderToFile(const QString& path,
                     int width,
                     int height,
                     const QString& title,
                     const std::function<void(QCPPainter&)>& draw) {
  const QString tmp = path + ".tmp";
  bool ok = false;
  if (path.endsWith(".png", Qt::CaseInsensitive)) {
    QImage image(width, height, QImage::Format_ARGB32);
    image.fill(Qt::white);
    QCPPainter painter(&image);
    draw(painter);
    painter.end();
    ok = image.save(tmp, "PNG");
  } else if (path.endsWith(".pdf", Qt::CaseInsensitive)) {
    QPdfWriter pdf(tmp);
    pdf.setPageSize(QPageSize(QSizeF(width, height), QPageSize::Point));
    pdf.setPageMargins(QMarginsF(0, 0, 0, 0));
    pdf.setResolution(72);
    pdf.setTitle(title);
    QCPPainter painter;
    ok = painter.begin(&pdf);
    if (ok) {
      draw(painter);
      painter.end();
    }
  } else if (path.endsWith(".svg", Qt::CaseInsensitive)) {
    QSvgGenerator svg;
    svg.setFileName(tmp);
    svg.setSize(QSize(width, height));
    svg.setViewBox(QRect(0, 0, width, height));
    svg.setTitle(title);
    QCPPainter painter;
    ok = painter.begin(&svg);
    if (ok) {
      draw(painter);
      painter.end();
    }
  } else {
    return QString("cannot export %1: use .png, .pdf or .svg").arg(path);
  }
  if (!ok) {
    QFile::remove(tmp);
    return QString("cannot write %1").arg(path);
  }
  QFile::remove(path);
  if (!QFile::rename(tmp, path)) return QString("cannot write %1").arg(path);
  return {};
}

namespace {
// Draws a plot at another size than the screen's (an export), its legend fitted to that width;
// the on-screen layout comes back with the next replot.
void DrawAtSize(QCustomPlot* plot, QCPPainter& painter, int width, int height) {
  FitLegendColumns(plot, width);
  plot->toPainter(&painter, width, height);
  FitLegendColumns(plot, plot->viewport().width());
  plot->replot(QCustomPlot::rpQueuedReplot);
}
}  // namespace

QString ChartsPanel::exportChart(QCustomPlot* plot, const QString& path, int width, int height) {
  return RenderToFile(path, width, height, plot->objectName(), [&](QCPPainter& painter) {
    painter.fillRect(QRect(0, 0, width, height), Qt::white);
    DrawAtSize(plot, painter, width, height);
  });
}

QString ChartsPanel::exportDashboard(const QString& path, int width, int height) {
  flush();
  const auto all = charts();
  const int columns = 2;
  const int rows = static_cast<int>((all.size() + 1) / 2);
  const int cw = width / columns, ch = height / rows;
  return RenderToFile(path, width, height, "HeapLab dashboard", [&](QCPPainter& painter) {
    painter.fillRect(QRect(0, 0, width, height), Qt::white);
    for (std::size_t i = 0; i < all.size(); ++i) {
      painter.save();
      painter.translate(static_cast<int>(i % 2) * cw, static_cast<int>(i / 2) * ch);
      DrawAtSize(all[i].second, painter, cw, ch);
      painter.restore();
    }
  });
}

QString ChartsPanel::exportAll(const QString& dir, int width, int height) {
  if (!QDir().mkpath(dir)) return QString("cannot create directory %1").arg(dir);
  flush();
  for (auto [name, plot] : charts()) {
    plot->replot(QCustomPlot::rpImmediateRefresh);
    for (const char* ext : {".png", ".svg"}) {
      QString err = exportChart(plot, QDir(dir).filePath(name + ext), width, height);
      if (!err.isEmpty()) return err;
    }
  }
  return {};
}

int ChartsPanel::pointCount(const QString& chart) const {
  for (auto [name, plot] : charts()) {
    if (name != chart) continue;
    if (plot == histogram_) return histogram_bars_->data()->size();
    int n = 0;
    for (int i = 0; i < plot->graphCount(); ++i)
      n += plot->graph(i)->data()->size();
    return n;
  }
  return -1;
}

}  // namespace heaplab
