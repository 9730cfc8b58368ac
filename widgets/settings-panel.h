// The settings form, generated from the one flag table: one control per flag, in its group,
// in Node's units and ranges, with V8's explanation as the tooltip.
#pragma once

#include <QWidget>

#include <map>
#include <string>

#include "sim/flags.h"

namespace heaplab {

class SettingsPanel : public QWidget {
  Q_OBJECT

 public:
  explicit SettingsPanel(QWidget* parent = nullptr);
  HeapFlags flags() const { return flags_; }
  // Shows `flags` in the controls.
  void setFlags(const HeapFlags& flags);
  // The control of a flag (by either spelling), for tests.
  QWidget* control(const std::string& flag) const;

 Q_SIGNALS:
  void flagsChanged(const heaplab::HeapFlags& flags);

 private:
  void set(const FlagInfo& f, const QString& value);
  HeapFlags flags_;
  std::map<std::string, QWidget*> controls_;
  bool updating_ = false;
};

}  // namespace heaplab
