// The live charts of a run, QCustomPlot, time-aligned on a shared x axis (simulated seconds)
// with horizontal zoom and pan: scavenge pauses (guides at 10 and 50 ms), mark-compact pauses
// (final pause apart from incremental marking), promotion, space occupancy (stacked, with
// committed, allocation limit and heap limit lines), allocation rate, and a pause histogram.
#pragma once

#include <QElapsedTimer>
#include <QString>
#include <QTimer>
#include <QWidget>

#include <vector>

#include "sim/gc-event.h"
#include "sim/trace-parser.h"

class QCustomPlot;
class QCPGraph;
class QCPBars;
class QCPItemStraightLine;

namespace heaplab {

class ChartsPanel : public QWidget {
  Q_OBJECT

 public:
  // `has_map_space`: show the legacy profile's map space in the occupancy stack.
  explicit ChartsPanel(QWidget* parent = nullptr);
  void setShowMapSpace(bool show);

  // Appends events [first_event, ...) and samples [first_sample, ...) and replots once.
  void append(const std::vector<GCEvent>& events,
              std::size_t first_event,
              const std::vector<HeapSample>& samples,
              std::size_t first_sample);
  void clear();
  // The run ended: draws what was throttled (the histogram).
  void finish();
  // Redraws every chart now (before a screenshot or an export).
  void flush();
  // Largest number of points a time chart keeps; beyond it, pairs of points merge keeping the
  // larger value, so no pause spike disappears at any zoom.
  static constexpr int kMaxPointsPerGraph = 10000;
  // Simulated time each point of the allocation-rate chart averages over at least. Samples
  // come every 10 ms and at every GC, and a script allocates in bursts (its callbacks), so a
  // rate per sample swings between nothing and the burst's own rate.
  static constexpr double kAllocationRateWindowMs = 100;
  // Another run (or a real node log) drawn over the charts in its own colour: its pauses as
  // hollow marks, its heap size after each GC as a line over the occupancy stack.
  struct Overlay {
    QString name;
    std::vector<double> scavenge_time_s, scavenge_pause_ms;
    std::vector<double> mc_time_s, mc_pause_ms;
    std::vector<double> heap_time_s, heap_mb;
    std::vector<double> promotion_time_s, promotion_mb;
  };
  // Overlay of a simulated run's events.
  static Overlay OverlayFromEvents(const QString& name, const std::vector<GCEvent>& events);
  // Overlay of a real node log (times are when each GC ended, as node prints them).
  static Overlay OverlayFromLog(const QString& name, const TraceLog& log);
  void addOverlay(const Overlay& overlay);
  // The legend names of overlays named `names`: a flag set shows only the words that not every
  // flag set among them has ("max-semi-space-size=1" for "--max-semi-space-size=1 --no-x"
  // beside "--max-semi-space-size=64 --no-x"); other names (node logs) stay whole.
  static std::vector<QString> LegendNames(const std::vector<QString>& names);
  void clearOverlays();
  int overlayCount() const { return static_cast<int>(overlays_.size()); }

  // Marks the GC `sequence` (at `time_ms`) on every time chart.
  void highlightEvent(std::uint64_t sequence, double time_ms);

  // The charts by name ("scavenge", "mark-compact", "promotion", "occupancy",
  // "allocation-rate", "histogram").
  std::vector<std::pair<QString, QCustomPlot*>> charts() const;
  // Writes one chart as PNG, PDF or SVG (by extension) at `width` x `height`. Returns an
  // error message, empty on success.
  static QString exportChart(QCustomPlot* plot, const QString& path, int width, int height);
  // Writes the whole dashboard (every chart, laid out two per row) as one PNG, PDF or SVG of
  // `width` x `height`. Returns an error message, empty on success.
  QString exportDashboard(const QString& path, int width, int height);
  // Writes every chart as PNG and SVG into `dir`. Returns an error message, empty on success.
  QString exportAll(const QString& dir, int width, int height);
  // Points drawn per chart (for tests).
  int pointCount(const QString& chart) const;

 Q_SIGNALS:
  // The user clicked the point of GC `sequence`.
  void eventClicked(std::uint64_t sequence);

 private:
  QCustomPlot* makePlot(const QString& title, const QString& y_label);
  void linkXAxes();
  void rebuildHistogram();
  void decimateIfNeeded();
  void replotAll();
  void replotNext();
  // The occupancy legend lists the spaces that have held bytes in this run (in stack order),
  // then the limit lines and the overlays; rebuilt only when that list changes (no replot).
  void updateOccupancyLegend();

  QCustomPlot* scavenge_ = nullptr;
  QCustomPlot* mark_compact_ = nullptr;
  QCustomPlot* promotion_ = nullptr;
  QCustomPlot* occupancy_ = nullptr;
  QCustomPlot* allocation_ = nullptr;
  QCustomPlot* histogram_ = nullptr;
  QCPGraph* scavenge_graph_ = nullptr;
  QCPGraph* mc_pause_graph_ = nullptr;
  QCPGraph* mc_incremental_graph_ = nullptr;
  QCPGraph* promotion_graph_ = nullptr;
  std::vector<QCPGraph*> occupancy_graphs_;  // stacked, one per space
  std::vector<bool> space_has_held_bytes_;   // per stacked space, this run
  bool show_map_space_ = false;
  std::vector<QCPGraph*> occupancy_legend_;  // the graphs the occupancy legend lists, in order
  QCPGraph* committed_graph_ = nullptr;
  QCPGraph* limit_graph_ = nullptr;
  QCPGraph* heap_limit_graph_ = nullptr;
  QCPGraph* allocation_graph_ = nullptr;
  QCPBars* histogram_bars_ = nullptr;
  std::vector<QCPItemStraightLine*> highlights_;
  std::vector<QCPGraph*> overlays_;  // every graph any overlay added, kGraphsPerOverlay each
  static constexpr std::size_t kGraphsPerOverlay = 4;
  std::vector<QString> overlay_names_;  // each overlay's whole name, in order
  std::vector<std::uint64_t> scavenge_seq_, mc_seq_;
  std::vector<double> pauses_;
  double rate_window_start_ms_ = -1;  // start of the allocation-rate window, -1 before the first
  double occupancy_top_ = 0;
  qint64 last_histogram_ms_ = -1000000;
  QTimer replot_timer_;
  std::vector<QCustomPlot*> dirty_;  // charts waiting for a redraw, oldest first
  QElapsedTimer clock_;
  std::size_t rate_window_allocated_ = 0;  // bytes allocated at the window's start
};

}  // namespace heaplab
