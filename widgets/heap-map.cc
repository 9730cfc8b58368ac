#include "widgets/qcustomplot-include.h"

#include "widgets/heap-map.h"

#include <QHelpEvent>
#include <QMouseEvent>
#include <QPainter>
#include <QPainterPath>
#include <QToolTip>

#include <algorithm>
#include <cmath>

#include "widgets/render-to-file.h"

namespace heaplab {

namespace {

constexpr int kLabelWidth = 132;
constexpr int kHeaderHeight = 20;
constexpr int kLegendHeight = 24;

const QColor kNewColor(0x64, 0xb5, 0xf6);
const QColor kSurvivedColor(0xff, 0xa7, 0x26);
const QColor kOldColor(0x66, 0xbb, 0x6a);
const QColor kFreeListColor(0xf8, 0xbb, 0xd0);
const QColor kEvictedFreeColor(0xfc, 0xe4, 0xec);  // free, taken off the free list
const QColor kLinearAreaColor(0xff, 0xf5, 0x9d);
const QColor kRememberedColor(0x8e, 0x24, 0xaa);
const QColor kAgeMarkColor(0xd3, 0x2f, 0x2f);
const QColor kAllocColor(0x2e, 0x7d, 0x32);
const QColor kScanColor(0x15, 0x65, 0xc0);
const QColor kEvacuationColor(0xef, 0x6c, 0x00);

// An evacuation candidate's free bytes (on the map and in the legend): pale pink, hatched.
void FillEvicted(QPainter& p, const QRectF& r) {
  p.fillRect(r, kEvictedFreeColor);
  p.fillRect(r, QBrush(kFreeListColor.darker(130), Qt::FDiagPattern));
}

QColor KindColor(ObjectKind kind) {
  switch (kind) {
    case ObjectKind::kObject:
      return {0x42, 0xa5, 0xf5};
    case ObjectKind::kArray:
      return {0x26, 0xa6, 0x9a};
    case ObjectKind::kString:
      return {0xff, 0xca, 0x28};
    case ObjectKind::kClosure:
      return {0xab, 0x47, 0xbc};
    case ObjectKind::kCode:
      return {0x8d, 0x6e, 0x63};
  }
  return Qt::gray;
}

QColor SiteColor(std::uint32_t site) {
  if (site == 0) return {0xbd, 0xbd, 0xbd};
  const int hue = static_cast<int>(std::fmod(site * 137.508, 360.0));
  return QColor::fromHsv(hue, 150, 225);
}

QColor MarkColorOf(MarkColor c) {
  switch (c) {
    case MarkColor::kWhite:
      return Qt::white;
    case MarkColor::kGrey:
      return {0x9e, 0x9e, 0x9e};
    case MarkColor::kBlack:
      return {0x21, 0x21, 0x21};
  }
  return Qt::white;
}

QString SpaceTitle(AllocationSpace s, PageRole role) {
  QString name = QString::fromUtf8(ToString(s).data(), static_cast<qsizetype>(ToString(s).size()));
  if (s == AllocationSpace::kNew)
    name +=
        role == PageRole::kFromSpace ? QString(" \u2014 from-space") : QString(" \u2014 to-space");
  return name;
}

QString FormatBytes(std::uint64_t b) {
  if (b >= 1024 * 1024)
    return QString::number(static_cast<double>(b) / (1024.0 * 1024.0), 'f', 1) + " MB";
  if (b >= 1024) return QString::number(static_cast<double>(b) / 1024.0, 'f', 1) + " KB";
  return QString::number(b) + " B";
}

// Groups of consecutive pages that share a space and role, in snapshot order.
struct Group {
  AllocationSpace space;
  PageRole role;
  std::vector<const PageSnapshot*> pages;
};

std::vector<Group> GroupPages(const HeapSnapshot& s) {
  std::vector<Group> groups;
  for (const PageSnapshot& p : s.pages) {
    const PageRole role = p.role == PageRole::kFromSpace ? PageRole::kFromSpace : PageRole::kPaged;
    if (groups.empty() || groups.back().space != p.space || groups.back().role != role)
      groups.push_back({p.space, role, {}});
    groups.back().pages.push_back(&p);
  }
  return groups;
}

void DrawArrow(QPainter& p, QPointF from, QPointF to, const QColor& color) {
  QPainterPath path(from);
  const QPointF mid((from.x() + to.x()) / 2, std::min(from.y(), to.y()) - 18);
  path.quadTo(mid, to);
  p.setPen(QPen(color, 1.2));
  p.setBrush(Qt::NoBrush);
  p.drawPath(path);
  const QPointF dir = to - mid;
  const double len = std::hypot(dir.x(), dir.y());
  if (len < 1e-6) return;
  const QPointF u(dir.x() / len, dir.y() / len), n(-u.y(), u.x());
  QPolygonF head;
  head << to << to - 7 * u + 3.5 * n << to - 7 * u - 3.5 * n;
  p.setBrush(color);
  p.drawPolygon(head);
}

}  // namespace

HeapMapWidget::HeapMapWidget(QWidget* parent) : QWidget(parent) {
  setMouseTracking(true);
  setMinimumSize(320, 180);
  setAttribute(Qt::WA_OpaquePaintEvent);
}

void HeapMapWidget::setSnapshot(std::shared_ptr<const HeapSnapshot> snapshot) {
  snapshot_ = std::move(snapshot);
  update();
}

void HeapMapWidget::setColorBy(ColorBy mode) {
  color_by_ = mode;
  update();
}

void HeapMapWidget::setHighlight(ObjectRef object, ObjectRef other) {
  highlight_ = object;
  highlight_other_ = other;
  update();
}

void HeapMapWidget::setScanObject(ObjectRef object) {
  scan_object_ = object;
  update();
}

void HeapMapWidget::setSelected(ObjectRef object) {
  selected_ = object;
  update();
}

void HeapMapWidget::setShowRememberedSet(bool on) {
  show_remembered_set_ = on;
  update();
}

QColor HeapMapWidget::objectColor(const ObjectSnapshot& o) const {
  switch (color_by_) {
    case ColorBy::kAge:
      return o.age == ObjectAge::kNew        ? kNewColor
             : o.age == ObjectAge::kSurvived ? kSurvivedColor
                                             : kOldColor;
    case ColorBy::kKind:
      return KindColor(o.kind);
    case ColorBy::kSite:
      return SiteColor(o.site);
    case ColorBy::kMark:
      return MarkColorOf(o.color);
  }
  return Qt::gray;
}

QString HeapMapWidget::pageLabel(const PageSnapshot& page) const {
  QString label = QString("p%1").arg(page.id);
  if (page.role == PageRole::kLarge) label += " " + FormatBytes(page.object_bytes);
  if (page.evacuation_candidate) label += " evac";
  if (page.promoted_whole) label += " promoted";
  return label;
}

void HeapMapWidget::paintEvent(QPaintEvent*) {
  QPainter p(this);
  paintMap(p, rect());
}

void HeapMapWidget::paintMap(QPainter& p, const QRect& rect) {
  hits_.clear();
  p.save();
  p.setRenderHint(QPainter::Antialiasing, false);
  p.fillRect(rect, Qt::white);
  QFont f = p.font();
  f.setPointSizeF(8.5);
  p.setFont(f);
  if (!snapshot_) {
    p.setPen(Qt::darkGray);
    p.drawText(rect, Qt::AlignCenter, "No heap yet: run a workload or open a lesson.");
    p.restore();
    return;
  }
  const HeapSnapshot& s = *snapshot_;
  std::uint64_t bytes = 0;
  for (const PageSnapshot& pg : s.pages)
    bytes += pg.object_bytes;
  p.setPen(Qt::black);
  p.drawText(QRect(rect.left() + 6, rect.top() + 2, rect.width() - 12, kHeaderHeight - 2),
             Qt::AlignLeft | Qt::AlignVCenter,
             QString("t = %1 ms \u00b7 %2 GCs \u00b7 %3 in %4 objects on %5 pages%6%7")
                 .arg(s.time_ms, 0, 'f', 1)
                 .arg(s.gc_count)
                 .arg(FormatBytes(bytes))
                 .arg(s.object_count())
                 .arg(s.pages.size())
                 .arg(s.marking ? " \u00b7 marking" : "")
                 .arg(s.marking_worklist.empty()
                          ? QString()
                          : QString(" \u00b7 worklist %1").arg(s.marking_worklist.size())));
  const QRect body(rect.left(), rect.top() + kHeaderHeight, rect.width(),
                   rect.height() - kHeaderHeight - kLegendHeight);
  const auto groups = GroupPages(s);
  const int rows = static_cast<int>(s.pages.size() + groups.size());
  drew_aggregated_ = s.aggregated || rows * 9 > body.height();
  if (drew_aggregated_)
    paintCells(p, body);
  else
    paintStrips(p, body);
  show_evicted_legend_ = false;
  for (const PageSnapshot& pg : s.pages)
    for (const FreeRangeSnapshot& r : pg.free_ranges)
      show_evicted_legend_ = show_evicted_legend_ || r.evicted;
  paintLegend(p,
              QRect(rect.left(), rect.bottom() - kLegendHeight + 1, rect.width(), kLegendHeight));
  p.restore();
}

void HeapMapWidget::paintStrips(QPainter& p, const QRect& body) {
  const HeapSnapshot& s = *snapshot_;
  const auto groups = GroupPages(s);
  const int rows = static_cast<int>(s.pages.size() + groups.size());
  const int row_h = std::clamp(body.height() / std::max(rows, 1), 9, 30);
  const int strip_h = row_h - 3;
  const int x0 = body.left() + kLabelWidth;
  const int width = std::max(body.width() - kLabelWidth - 10, 50);
  std::unordered_map<ObjectRef, QRectF> where;
  // A small heap fills a sliver of each 256 KB page: zoom every regular page to the bytes in
  // use on the fullest one, so that objects of a few dozen bytes stay visible.
  double extent = 0;
  for (const PageSnapshot& pg : s.pages) {
    if (pg.role == PageRole::kLarge) continue;
    double e = pg.top_bytes;
    for (const ObjectSnapshot& o : pg.objects)
      e = std::max(e, static_cast<double>(o.offset_bytes + o.size_bytes));
    for (const FreeRangeSnapshot& r : pg.free_ranges)
      if (!r.linear_area) e = std::max(e, static_cast<double>(r.offset_bytes + r.size_bytes));
    if (pg.id == s.age_mark_page_id) e = std::max(e, static_cast<double>(s.age_mark_offset_bytes));
    extent = std::max(extent, e);
  }
  double page_scale = kPageAreaSize;
  if (extent < 0.5 * kPageAreaSize)
    page_scale = std::max(1024.0, std::ceil(extent * 1.1 / 1024) * 1024);
  if (page_scale < kPageAreaSize) {
    p.setPen(Qt::darkGray);
    p.drawText(
        QRect(body.left() + 4, body.top() - kHeaderHeight + 2, body.width() - 10,
              kHeaderHeight - 2),
        Qt::AlignRight | Qt::AlignVCenter,
        QString("zoomed: the first %1 of each %2 page")
            .arg(FormatBytes(static_cast<std::uint64_t>(page_scale)), FormatBytes(kPageAreaSize)));
  }
  int y = body.top();
  QFont small = p.font();
  for (const Group& g : groups) {
    QFont bold = small;
    bold.setBold(true);
    p.setFont(bold);
    p.setPen(Qt::black);
    std::uint64_t used = 0;
    for (const PageSnapshot* pg : g.pages)
      used += pg->object_bytes;
    p.drawText(QRect(body.left() + 4, y, body.width() - 8, row_h), Qt::AlignLeft | Qt::AlignBottom,
               QString("%1 (%2 page%3, %4 used)")
                   .arg(SpaceTitle(g.space, g.role))
                   .arg(g.pages.size())
                   .arg(g.pages.size() == 1 ? "" : "s")
                   .arg(FormatBytes(used)));
    p.setFont(small);
    y += row_h;
    for (const PageSnapshot* pg : g.pages) {
      const QRectF strip(x0, y + 1, width, strip_h);
      const double area =
          pg->role == PageRole::kLarge ? std::max<double>(pg->area_bytes, 1) : page_scale;
      auto x_of = [&](double offset) {
        return strip.left() + std::min(offset, area) / area * strip.width();
      };
      auto w_of = [&](double offset, double size) {
        return std::max(1.0, x_of(offset + size) - x_of(offset));
      };
      p.setPen(Qt::darkGray);
      p.drawText(QRect(body.left() + 14, y, kLabelWidth - 18, row_h),
                 Qt::AlignLeft | Qt::AlignVCenter, pageLabel(*pg));
      p.fillRect(strip, pg->role == PageRole::kFromSpace ? QColor(0xee, 0xee, 0xee)
                                                         : QColor(0xf7, 0xf9, 0xfc));
      for (const FreeRangeSnapshot& r : pg->free_ranges) {
        if (r.offset_bytes >= area) continue;
        QRectF fr(x_of(r.offset_bytes), strip.top(), w_of(r.offset_bytes, r.size_bytes),
                  strip.height());
        if (r.evicted) {
          FillEvicted(p, fr);
        } else {
          p.fillRect(fr, r.linear_area ? kLinearAreaColor : kFreeListColor);
        }
      }
      for (const ObjectSnapshot& o : pg->objects) {
        QRectF orc(x_of(o.offset_bytes), strip.top(), w_of(o.offset_bytes, o.size_bytes),
                   strip.height());
        if (o.forwarded) {
          p.fillRect(orc, QColor(0xdd, 0xdd, 0xdd));
          p.fillRect(orc, QBrush(Qt::darkGray, Qt::BDiagPattern));
        } else {
          p.fillRect(orc, objectColor(o));
        }
        if (orc.width() >= 4) {
          p.setPen(QPen(QColor(0x60, 0x60, 0x60), 0));
          p.setBrush(Qt::NoBrush);
          p.drawRect(orc);
        }
        where[o.ref] = orc;
        hits_.emplace_back(orc, o.ref);
      }
      // New space's pointers: allocation top, age mark.
      if (pg->role == PageRole::kToSpace && pg->top_bytes > 0) {
        p.setPen(QPen(kAllocColor, 2));
        const double x = x_of(pg->top_bytes);
        p.drawLine(QPointF(x, strip.top() - 1), QPointF(x, strip.bottom() + 1));
      }
      if (pg->id == s.age_mark_page_id) {
        p.setPen(QPen(kAgeMarkColor, 2, Qt::DashLine));
        const double x = x_of(s.age_mark_offset_bytes);
        p.drawLine(QPointF(x, strip.top() - 2), QPointF(x, strip.bottom() + 2));
        p.drawText(QPointF(x + 3, strip.bottom() - 2), "age mark");
      }
      p.setPen(QPen(pg->evacuation_candidate ? kEvacuationColor : QColor(0xb0, 0xb0, 0xb0),
                    pg->evacuation_candidate ? 2 : 0));
      p.setBrush(Qt::NoBrush);
      p.drawRect(strip);
      y += row_h;
    }
  }
  // Cheney's scan pointer: just past the object being scanned.
  if (auto it = where.find(scan_object_); it != where.end()) {
    p.setPen(QPen(kScanColor, 2));
    p.drawLine(QPointF(it->second.right(), it->second.top() - 3),
               QPointF(it->second.right(), it->second.bottom() + 3));
    p.drawText(QPointF(it->second.right() + 3, it->second.top() + 9), "scan");
  }
  // Forwarding addresses: from-space (or evacuated) copies point at their new places.
  {
    p.setRenderHint(QPainter::Antialiasing, true);
    int drawn = 0;
    for (const PageSnapshot& pg : s.pages) {
      for (const ObjectSnapshot& o : pg.objects) {
        if (!o.forwarded || drawn >= kMaxArrows) continue;
        auto a = where.find(o.ref), b = where.find(o.forwarding);
        if (a == where.end() || b == where.end()) continue;
        DrawArrow(p, QPointF(a->second.center().x(), a->second.top()),
                  QPointF(b->second.center().x(), b->second.bottom()), QColor(0x75, 0x75, 0x75));
        ++drawn;
      }
    }
    p.setRenderHint(QPainter::Antialiasing, false);
  }
  // Remembered-set slots: old host -> young target.
  if (show_remembered_set_) {
    p.setRenderHint(QPainter::Antialiasing, true);
    int drawn = 0;
    for (const auto& [host, slot] : s.remembered_set) {
      if (drawn >= kMaxArrows) break;
      const ObjectSnapshot* h = s.Find(host);
      if (h == nullptr || slot >= h->slot_count) continue;
      const ObjectRef target = s.slots[h->first_slot + slot];
      auto a = where.find(host), b = where.find(target);
      if (a == where.end() || b == where.end()) continue;
      DrawArrow(p, QPointF(a->second.center().x(), a->second.top()),
                QPointF(b->second.center().x(), b->second.bottom()), kRememberedColor);
      ++drawn;
    }
    p.setRenderHint(QPainter::Antialiasing, false);
  }
  p.setBrush(Qt::NoBrush);
  if (auto it = where.find(highlight_other_); it != where.end()) {
    p.setPen(QPen(Qt::red, 2, Qt::DotLine));
    p.drawRect(it->second.adjusted(-1, -1, 1, 1));
  }
  if (auto it = where.find(highlight_); it != where.end()) {
    p.setPen(QPen(Qt::red, 2.5));
    p.drawRect(it->second.adjusted(-2, -2, 2, 2));
  }
  if (auto it = where.find(selected_); it != where.end()) {
    p.setPen(QPen(QColor(0x0d, 0x47, 0xa1), 2.5));
    p.drawRect(it->second.adjusted(-3, -3, 3, 3));
  }
}

void HeapMapWidget::paintCells(QPainter& p, const QRect& body) {
  const HeapSnapshot& s = *snapshot_;
  const auto groups = GroupPages(s);
  // Old space's room to the heap limit, as empty dashed cells after its pages.
  std::size_t old_pages = 0, other_old_bytes = 0;
  for (const PageSnapshot& pg : s.pages) {
    if (pg.space == AllocationSpace::kOld)
      ++old_pages;
    else if (pg.space != AllocationSpace::kNew && pg.space != AllocationSpace::kNewLargeObject)
      other_old_bytes += pg.area_bytes;
  }
  const std::size_t limit_pages =
      s.max_old_generation_bytes > other_old_bytes
          ? (s.max_old_generation_bytes - other_old_bytes) / kPageAreaSize
          : 0;
  const std::size_t room =
      limit_pages > old_pages && limit_pages - old_pages < 4096 ? limit_pages - old_pages : 0;
  auto cells_of = [&](const Group& g) {
    return g.pages.size() + (g.space == AllocationSpace::kOld ? room : 0);
  };
  // One cell per page; shrink cells until every page fits.
  int cell = 36;
  const int usable_w = std::max(body.width() - 8, 40);
  for (; cell > 3; --cell) {
    int h = 0;
    for (const Group& g : groups) {
      const int per_row = std::max(1, usable_w / (cell + 2));
      h += 16 + static_cast<int>((cells_of(g) + per_row - 1) / per_row) * (cell + 2);
    }
    if (h <= body.height()) break;
  }
  const int per_row = std::max(1, usable_w / (cell + 2));
  int y = body.top();
  QFont bold = p.font();
  bold.setBold(true);
  const QFont normal = p.font();
  for (const Group& g : groups) {
    std::uint64_t used = 0;
    for (const PageSnapshot* pg : g.pages)
      used += pg->object_bytes;
    p.setFont(bold);
    p.setPen(Qt::black);
    p.drawText(QRect(body.left() + 4, y, body.width() - 8, 16), Qt::AlignLeft | Qt::AlignVCenter,
               QString("%1 (%2 pages, %3 used; one cell per page%4)")
                   .arg(SpaceTitle(g.space, g.role))
                   .arg(g.pages.size())
                   .arg(FormatBytes(used))
                   .arg(g.space == AllocationSpace::kOld && room > 0
                            ? QString("; dashed: %1 more pages to the heap limit").arg(room)
                            : QString()));
    p.setFont(normal);
    y += 16;
    for (std::size_t i = 0; i < g.pages.size(); ++i) {
      const PageSnapshot& pg = *g.pages[i];
      const QRectF c(
          body.left() + 4 + static_cast<double>(i % static_cast<std::size_t>(per_row)) * (cell + 2),
          y + static_cast<double>(i / static_cast<std::size_t>(per_row)) * (cell + 2), cell, cell);
      p.fillRect(c, QColor(0xf7, 0xf9, 0xfc));
      const double area = std::max<double>(pg.area_bytes, static_cast<double>(pg.object_bytes));
      double bottom = c.bottom();
      auto band = [&](std::uint64_t b, const QColor& color) {
        const double h = static_cast<double>(b) / area * c.height();
        if (h <= 0) return;
        p.fillRect(QRectF(c.left(), bottom - h, c.width(), h), color);
        bottom -= h;
      };
      if (color_by_ == ColorBy::kMark) {
        band(pg.black_bytes, MarkColorOf(MarkColor::kBlack));
        band(pg.grey_bytes, MarkColorOf(MarkColor::kGrey));
        band(pg.object_bytes - pg.black_bytes - pg.grey_bytes, QColor(0xe0, 0xe0, 0xe0));
      } else {
        band(pg.object_bytes - pg.new_bytes - pg.survived_bytes, kOldColor);
        band(pg.survived_bytes, kSurvivedColor);
        band(pg.new_bytes, kNewColor);
      }
      band(pg.free_list_bytes, kFreeListColor);
      p.setPen(QPen(pg.evacuation_candidate ? kEvacuationColor : QColor(0xb0, 0xb0, 0xb0),
                    pg.evacuation_candidate ? 2 : 0));
      p.setBrush(Qt::NoBrush);
      p.drawRect(c);
    }
    if (g.space == AllocationSpace::kOld && room > 0) {
      p.setPen(QPen(QColor(0x9e, 0x9e, 0x9e), 0, Qt::DashLine));
      p.setBrush(Qt::NoBrush);
      for (std::size_t i = g.pages.size(); i < cells_of(g); ++i) {
        const auto pr = static_cast<std::size_t>(per_row);
        p.drawRect(QRectF(body.left() + 4 + static_cast<double>(i % pr) * (cell + 2),
                          y + static_cast<double>(i / pr) * (cell + 2), cell, cell));
      }
    }
    y += static_cast<int>((cells_of(g) + static_cast<std::size_t>(per_row) - 1) /
                          static_cast<std::size_t>(per_row)) *
         (cell + 2);
  }
}

void HeapMapWidget::paintLegend(QPainter& p, const QRect& rect) {
  std::vector<std::pair<QColor, QString>> items;
  const bool cells = drew_aggregated_;
  switch (cells && (color_by_ == ColorBy::kKind || color_by_ == ColorBy::kSite) ? ColorBy::kAge
                                                                                : color_by_) {
    case ColorBy::kAge:
      items = {{kNewColor, "new"}, {kSurvivedColor, "survived once"}, {kOldColor, "old"}};
      break;
    case ColorBy::kKind:
      for (int k = 0; k < kNumberOfObjectKinds; ++k) {
        const auto name = ToString(static_cast<ObjectKind>(k));
        items.push_back({KindColor(static_cast<ObjectKind>(k)),
                         QString::fromUtf8(name.data(), static_cast<qsizetype>(name.size()))});
      }
      break;
    case ColorBy::kSite: {
      const auto& names = snapshot_ ? snapshot_->site_names : std::vector<std::string>{};
      for (std::size_t i = 1; i < names.size() && items.size() < 8; ++i)
        items.push_back(
            {SiteColor(static_cast<std::uint32_t>(i)), QString::fromStdString(names[i])});
      items.push_back({SiteColor(0), "no site"});
      break;
    }
    case ColorBy::kMark:
      items = {{MarkColorOf(MarkColor::kWhite), "white"},
               {MarkColorOf(MarkColor::kGrey), "grey"},
               {MarkColorOf(MarkColor::kBlack), "black"}};
      break;
  }
  items.push_back({kFreeListColor, "free list"});
  if (!cells) items.push_back({kLinearAreaColor, "linear area"});
  int x = rect.left() + 6;
  const int y = rect.top() + 6;
  p.setRenderHint(QPainter::Antialiasing, false);
  for (const auto& [color, text] : items) {
    p.fillRect(QRect(x, y, 12, 12), color);
    p.setPen(Qt::darkGray);
    p.drawRect(QRect(x, y, 12, 12));
    p.setPen(Qt::black);
    const int w = p.fontMetrics().horizontalAdvance(text);
    p.drawText(QPoint(x + 16, y + 10), text);
    x += 16 + w + 12;
  }
  if (!cells) {
    p.fillRect(QRect(x, y, 12, 12), QColor(0xdd, 0xdd, 0xdd));
    p.fillRect(QRect(x, y, 12, 12), QBrush(Qt::darkGray, Qt::BDiagPattern));
    p.drawText(QPoint(x + 16, y + 10), "forwarded");
    x += 16 + p.fontMetrics().horizontalAdvance("forwarded") + 12;
    if (show_evicted_legend_) {
      FillEvicted(p, QRect(x, y, 12, 12));
      p.setPen(Qt::darkGray);
      p.drawRect(QRect(x, y, 12, 12));
      p.setPen(Qt::black);
      const QString text = "free, evicted (evacuation candidate)";
      p.drawText(QPoint(x + 16, y + 10), text);
      x += 16 + p.fontMetrics().horizontalAdvance(text) + 12;
    }
    const std::pair<QColor, QString> lines[] = {{kAllocColor, "allocation top"},
                                                {kScanColor, "scan"},
                                                {kAgeMarkColor, "age mark"},
                                                {kRememberedColor, "remembered slot"}};
    for (const auto& [color, text] : lines) {
      p.setPen(QPen(color, 2));
      p.drawLine(x, y + 6, x + 14, y + 6);
      p.setPen(Qt::black);
      p.drawText(QPoint(x + 18, y + 10), text);
      x += 18 + p.fontMetrics().horizontalAdvance(text) + 12;
    }
  }
}

QString HeapMapWidget::exportTo(const QString& path, int width, int height) {
  return RenderToFile(path, width, height, "HeapLab heap map",
                      [&](QPainter& painter) { paintMap(painter, QRect(0, 0, width, height)); });
}

ObjectRef HeapMapWidget::objectAt(const QPoint& pos) const {
  for (const auto& [r, ref] : hits_)
    if (r.adjusted(-0.5, 0, 0.5, 0).contains(pos)) return ref;
  return kNullRef;
}

QRectF HeapMapWidget::objectRect(ObjectRef ref) const {
  for (const auto& [r, o] : hits_)
    if (o == ref) return r;
  return {};
}

void HeapMapWidget::mousePressEvent(QMouseEvent* event) {
  const ObjectRef ref = objectAt(event->position().toPoint());
  if (ref != kNullRef) {
    setSelected(ref);
    Q_EMIT objectClicked(ref);
  }
}

bool HeapMapWidget::event(QEvent* e) {
  if (e->type() == QEvent::ToolTip && snapshot_) {
    auto* help = static_cast<QHelpEvent*>(e);
    const ObjectRef ref = objectAt(help->pos());
    if (const ObjectSnapshot* o = ref != kNullRef ? snapshot_->Find(ref) : nullptr) {
      QString site = o->site < snapshot_->site_names.size()
                         ? QString::fromStdString(snapshot_->site_names[o->site])
                         : QString();
      QToolTip::showText(help->globalPos(),
                         QString("%1%2-byte %3%4\n%5 \u00b7 %6%7")
                             .arg(o->id ? QString("#%1: ").arg(o->id) : QString())
                             .arg(o->size_bytes)
                             .arg(QString::fromUtf8(ToString(o->kind).data()))
                             .arg(site.isEmpty() ? QString() : " at site \"" + site + "\"")
                             .arg(QString::fromUtf8(ToString(o->age).data()))
                             .arg(QString::fromStdString(FormatAddress(snapshot_->AddressOf(*o))))
                             .arg(o->forwarded ? "\nforwarded" : ""),
                         this);
    } else {
      QToolTip::hideText();
    }
    return true;
  }
  return QWidget::event(e);
}

}  // namespace heaplab
