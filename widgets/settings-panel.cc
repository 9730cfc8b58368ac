#include "widgets/settings-panel.h"

#include <QCheckBox>
#include <QComboBox>
#include <QDoubleSpinBox>
#include <QFormLayout>
#include <QGroupBox>
#include <QLabel>
#include <QSpinBox>
#include <QVBoxLayout>

#include <cmath>

namespace heaplab {

SettingsPanel::SettingsPanel(QWidget* parent) : QWidget(parent) {
  auto* outer = new QVBoxLayout(this);
  std::map<std::string, QFormLayout*> groups;
  std::vector<std::string> order;
  for (const FlagInfo& f : AllFlags()) {
    const std::string group(f.group);
    if (!groups.count(group)) {
      auto* box = new QGroupBox(QString::fromStdString(group), this);
      auto* form = new QFormLayout(box);
      form->setFieldGrowthPolicy(QFormLayout::AllNonFixedFieldsGrow);
      groups[group] = form;
      outer->addWidget(box);
    }
    QWidget* w = nullptr;
    const QString tip =
        QString("--%1: %2")
            .arg(QString::fromUtf8(f.cli_name.data(), static_cast<int>(f.cli_name.size())),
                 QString::fromUtf8(f.help.data(), static_cast<int>(f.help.size())));
    const FlagInfo* info = &f;
    switch (f.type) {
      case FlagType::kBool: {
        auto* c = new QCheckBox(this);
        connect(c, &QCheckBox::toggled, this,
                [this, info](bool on) { set(*info, on ? "true" : "false"); });
        w = c;
        break;
      }
      case FlagType::kInt: {
        auto* s = new QSpinBox(this);
        s->setRange(static_cast<int>(f.min_value), static_cast<int>(std::min(f.max_value, 2e9)));
        if (!f.unit.empty())
          s->setSuffix(" " + QString::fromUtf8(f.unit.data(), static_cast<int>(f.unit.size())));
        if (f.min_value == 0 && (f.unit == "MB")) s->setSpecialValueText("auto (as Node)");
        connect(s, qOverload<int>(&QSpinBox::valueChanged), this,
                [this, info](int v) { set(*info, QString::number(v)); });
        w = s;
        break;
      }
      case FlagType::kDouble: {
        auto* s = new QDoubleSpinBox(this);
        s->setDecimals(f.max_value > 1e6 ? 0 : 3);
        s->setRange(f.min_value, f.max_value);
        if (!f.unit.empty())
          s->setSuffix(" " + QString::fromUtf8(f.unit.data(), static_cast<int>(f.unit.size())));
        connect(s, qOverload<double>(&QDoubleSpinBox::valueChanged), this,
                [this, info](double v) { set(*info, QString::number(v, 'g', 12)); });
        w = s;
        break;
      }
      case FlagType::kChoice: {
        auto* c = new QComboBox(this);
        for (auto choice : f.choices)
          c->addItem(QString::fromUtf8(choice.data(), static_cast<int>(choice.size())));
        connect(c, &QComboBox::currentTextChanged, this,
                [this, info](const QString& v) { set(*info, v); });
        w = c;
        break;
      }
    }
    w->setToolTip(tip);
    w->setObjectName(QString::fromUtf8(f.cli_name.data(), static_cast<int>(f.cli_name.size())));
    controls_[std::string(f.name)] = w;
    auto* label =
        new QLabel(QString::fromUtf8(f.cli_name.data(), static_cast<int>(f.cli_name.size())), this);
    label->setToolTip(tip);
    groups[group]->addRow(label, w);
  }
  outer->addStretch(1);
  setFlags(flags_);
}

QWidget* SettingsPanel::control(const std::string& flag) const {
  const FlagInfo* f = FindFlag(flag);
  if (!f) return nullptr;
  auto it = controls_.find(std::string(f->name));
  return it == controls_.end() ? nullptr : it->second;
}

void SettingsPanel::set(const FlagInfo& f, const QString& value) {
  if (updating_) return;
  HeapFlags next = flags_;
  // The controls keep values inside the table's ranges, so this validation only guards
  // combinations.
  if (SetFlag(next, f, value.toStdString())) return;
  if (ValidateFlagCombination(next)) return;
  flags_ = next;
  Q_EMIT flagsChanged(flags_);
}

void SettingsPanel::setFlags(const HeapFlags& flags) {
  updating_ = true;
  flags_ = flags;
  for (const FlagInfo& f : AllFlags()) {
    QWidget* w = controls_[std::string(f.name)];
    const QString v = QString::fromStdString(GetFlag(flags, f));
    if (auto* c = qobject_cast<QCheckBox*>(w))
      c->setChecked(v == "true");
    else if (auto* s = qobject_cast<QSpinBox*>(w))
      s->setValue(v.toInt());
    else if (auto* d = qobject_cast<QDoubleSpinBox*>(w))
      d->setValue(v.toDouble());
    else if (auto* b = qobject_cast<QComboBox*>(w))
      b->setCurrentText(v);
  }
  updating_ = false;
}

}  // namespace heaplab
