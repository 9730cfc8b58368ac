// The GC event table, in V8's --trace-gc wording: one row per GC.
#pragma once

#include <QAbstractTableModel>

#include <vector>

#include "sim/gc-event.h"

namespace heaplab {

class EventTableModel : public QAbstractTableModel {
  Q_OBJECT

 public:
  enum Column { kSeq, kTime, kKind, kPause, kHeap, kPromoted, kReason, kColumnCount };
  explicit EventTableModel(QObject* parent = nullptr) : QAbstractTableModel(parent) {}

  // Shows `events`, which must outlive the model; rows [first, size) are new.
  void appendFrom(const std::vector<GCEvent>* events, std::size_t first);
  void clear();
  const GCEvent* eventAt(int row) const;
  // The row of GC `sequence`, or -1.
  int rowOf(std::uint64_t sequence) const;

  int rowCount(const QModelIndex& parent = {}) const override;
  int columnCount(const QModelIndex& parent = {}) const override;
  QVariant data(const QModelIndex& index, int role) const override;
  QVariant headerData(int section, Qt::Orientation o, int role) const override;

 private:
  const std::vector<GCEvent>* events_ = nullptr;
  int rows_ = 0;
};

}  // namespace heaplab
