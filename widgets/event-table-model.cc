#include "widgets/event-table-model.h"

#include <QBrush>
#include <QColor>

namespace heaplab {

void EventTableModel::appendFrom(const std::vector<GCEvent>* events, std::size_t first) {
  events_ = events;
  const int target = static_cast<int>(events->size());
  if (static_cast<int>(first) < rows_ || target < rows_) {
    beginResetModel();
    rows_ = target;
    endResetModel();
    return;
  }
  if (target == rows_) return;
  beginInsertRows({}, rows_, target - 1);
  rows_ = target;
  endInsertRows();
}

void EventTableModel::clear() {
  beginResetModel();
  rows_ = 0;
  endResetModel();
}

const GCEvent* EventTableModel::eventAt(int row) const {
  if (!events_ || row < 0 || row >= rows_) return nullptr;
  return &(*events_)[static_cast<std::size_t>(row)];
}

int EventTableModel::rowOf(std::uint64_t sequence) const {
  if (!events_) return -1;
  // Events arrive in sequence order.
  if (sequence < static_cast<std::uint64_t>(rows_) && (*events_)[sequence].sequence == sequence)
    return static_cast<int>(sequence);
  for (int i = 0; i < rows_; ++i)
    if ((*events_)[static_cast<std::size_t>(i)].sequence == sequence) return i;
  return -1;
}

int EventTableModel::rowCount(const QModelIndex& parent) const {
  return parent.isValid() ? 0 : rows_;
}
int EventTableModel::columnCount(const QModelIndex& parent) const {
  return parent.isValid() ? 0 : kColumnCount;
}

QVariant EventTableModel::data(const QModelIndex& index, int role) const {
  const GCEvent* e = eventAt(index.row());
  if (!e) return {};
  const double mb = 1024.0 * 1024.0;
  if (role == Qt::DisplayRole) {
    switch (index.column()) {
      case kSeq:
        return QVariant::fromValue<qulonglong>(e->sequence);
      case kTime:
        return QString::number(e->end_ms(), 'f', 0) + " ms";
      case kKind: {
        QString k = e->collector == GarbageCollector::kScavenger ? "Scavenge" : "Mark-Compact";
        if (e->reduce_memory) k += " (reduce)";
        return k;
      }
      case kPause: {
        QString p = QString::number(e->pause_ms, 'f', 2) + " ms";
        if (e->incremental)
          p += QString(" (+ %1 ms in %2 steps)")
                   .arg(e->incremental_ms, 0, 'f', 1)
                   .arg(e->incremental_steps);
        return p;
      }
      case kHeap:
        return QString("%1 (%2) -> %3 (%4) MB")
            .arg(static_cast<double>(TotalUsed(e->before)) / mb, 0, 'f', 1)
            .arg(static_cast<double>(TotalCommitted(e->before)) / mb, 0, 'f', 1)
            .arg(static_cast<double>(TotalUsed(e->after)) / mb, 0, 'f', 1)
            .arg(static_cast<double>(TotalCommitted(e->after)) / mb, 0, 'f', 1);
      case kPromoted:
        return QString::number(static_cast<double>(e->promoted_bytes) / mb, 'f', 2) + " MB";
      case kReason: {
        QString r = QString::fromUtf8(std::string(ToString(e->reason)).c_str()) + "; ";
        r += QString::fromUtf8(std::string(ToString(e->collector_reason)).c_str());
        return r;
      }
    }
  }
  if (role == Qt::ForegroundRole && index.column() == kPause) {
    if (e->pause_ms > 50) return QBrush(QColor(0xc6, 0x28, 0x28));
    if (e->pause_ms > 10) return QBrush(QColor(0xef, 0x6c, 0x00));
  }
  return {};
}

QVariant EventTableModel::headerData(int section, Qt::Orientation o, int role) const {
  if (o != Qt::Horizontal || role != Qt::DisplayRole) return {};
  static const char* names[] = {
      "#", "time", "GC", "pause", "heap before -> after", "promoted", "reason; collector reason"};
  return QString(names[section]);
}

}  // namespace heaplab
