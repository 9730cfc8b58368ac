// The heap map: every page of every space drawn as a strip, each object a rectangle sized by
// its bytes and coloured by age, kind, allocation site or mark colour. Free-list entries and
// the linear allocation area show as gaps; in new space the to- and from-space pages, the
// allocation and scan pointers and the age mark; remembered-set slots as arrows into new
// space. A heap too big to draw object by object is drawn page by page (a cell per page,
// filled by its totals).
#pragma once

#include <QWidget>

#include <memory>
#include <vector>

#include "sim/heap-snapshot.h"

class QPainter;

namespace heaplab {

class HeapMapWidget : public QWidget {
  Q_OBJECT

 public:
  enum class ColorBy { kAge, kKind, kSite, kMark };
  Q_ENUM(ColorBy)

  explicit HeapMapWidget(QWidget* parent = nullptr);

  // Shows `snapshot` (null: an empty map). Shared, never modified.
  void setSnapshot(std::shared_ptr<const HeapSnapshot> snapshot);
  const HeapSnapshot* snapshot() const { return snapshot_.get(); }
  void setColorBy(ColorBy mode);
  ColorBy colorBy() const { return color_by_; }
  // Outlines the object acted on by the current step (kNullRef: none), and its other end.
  void setHighlight(ObjectRef object, ObjectRef other = kNullRef);
  // Cheney's scan pointer: the object the scan reached (kNullRef: not scavenging).
  void setScanObject(ObjectRef object);
  // The selected object (drawn with a blue outline).
  void setSelected(ObjectRef object);
  ObjectRef selected() const { return selected_; }
  // Draws remembered-set arrows (at most kMaxArrows).
  void setShowRememberedSet(bool on);
  static constexpr int kMaxArrows = 300;

  // Paints the whole map into `rect` of `painter` (screen, PNG or SVG alike).
  void paintMap(QPainter& painter, const QRect& rect);
  // Writes the map as PNG, SVG or PDF (by extension). Returns an error, empty on success.
  QString exportTo(const QString& path, int width, int height);
  // The colour of an object under the current mode (for tests and the legend).
  QColor objectColor(const ObjectSnapshot& object) const;
  // The object drawn at `pos` in the last paint, or kNullRef.
  ObjectRef objectAt(const QPoint& pos) const;
  // Where `ref` was drawn in the last paint (empty if it was not).
  QRectF objectRect(ObjectRef ref) const;
  // True if the last paint drew pages as aggregated cells.
  bool drewAggregated() const { return drew_aggregated_; }

  QSize sizeHint() const override { return {900, 420}; }

 Q_SIGNALS:
  void objectClicked(heaplab::ObjectRef ref);

 protected:
  void paintEvent(QPaintEvent* event) override;
  void mousePressEvent(QMouseEvent* event) override;
  bool event(QEvent* event) override;

 private:
  void paintStrips(QPainter& p, const QRect& rect);
  void paintCells(QPainter& p, const QRect& rect);
  void paintLegend(QPainter& p, const QRect& rect);
  QString pageLabel(const PageSnapshot& page) const;

  std::shared_ptr<const HeapSnapshot> snapshot_;
  ColorBy color_by_ = ColorBy::kAge;
  ObjectRef highlight_ = kNullRef;
  ObjectRef highlight_other_ = kNullRef;
  ObjectRef scan_object_ = kNullRef;
  ObjectRef selected_ = kNullRef;
  bool show_remembered_set_ = true;
  bool show_evicted_legend_ = false;  // the snapshot has evacuation candidates' evicted free bytes
  bool drew_aggregated_ = false;
  // Hit areas of the last paint.
  std::vector<std::pair<QRectF, ObjectRef>> hits_;
};

}  // namespace heaplab
