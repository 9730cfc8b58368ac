#include "widgets/step-view.h"

#include <QApplication>
#include <QComboBox>
#include <QHBoxLayout>
#include <QLabel>
#include <QPushButton>
#include <QSlider>
#include <QSpinBox>
#include <QSplitter>
#include <QTextBrowser>
#include <QVBoxLayout>

#include "widgets/object-inspector.h"

namespace heaplab {

namespace {

bool IsMarkingKind(StepKind k) {
  switch (k) {
    case StepKind::kMarkingStart:
    case StepKind::kGrey:
    case StepKind::kBarrierGrey:
    case StepKind::kBlacken:
    case StepKind::kIncrementalStep:
    case StepKind::kEvacuationCandidate:
      return true;
    default:
      return false;
  }
}

HeapMapWidget::ColorBy ParseColorBy(const std::string& s) {
  if (s == "kind") return HeapMapWidget::ColorBy::kKind;
  if (s == "site") return HeapMapWidget::ColorBy::kSite;
  if (s == "mark") return HeapMapWidget::ColorBy::kMark;
  return HeapMapWidget::ColorBy::kAge;
}

}  // namespace

StepView::StepView(QWidget* parent) : QWidget(parent) {
  buildUi();
  connect(&play_timer_, &QTimer::timeout, this, [this] {
    if (current_ + 1 >= stepCount())
      play(false);
    else
      stepForward();
  });
  setPace(5);
}

StepView::~StepView() = default;

void StepView::buildUi() {
  auto* layout = new QVBoxLayout(this);
  title_ = new QLabel("<b>Step mode</b> \u2014 open a lesson or a small workload", this);
  title_->setWordWrap(true);
  layout->addWidget(title_);
  lesson_text_ = new QTextBrowser(this);
  lesson_text_->setMaximumHeight(110);
  lesson_text_->setVisible(false);
  layout->addWidget(lesson_text_);

  auto* bar = new QHBoxLayout;
  auto button = [&](const QString& text, const QString& tip, auto fn) {
    auto* b = new QPushButton(text, this);
    b->setToolTip(tip);
    b->setAutoDefault(false);
    connect(b, &QPushButton::clicked, this, fn);
    bar->addWidget(b);
    return b;
  };
  button("|\u25c0", "First step", [this] { goToStep(0); });
  button("\u25c0 GC", "Start of this or the previous collection", [this] {
    jumpToKind(false, {StepKind::kScavengeStart, StepKind::kMarkingStart, StepKind::kCollection});
  });
  button("\u25c0", "Step back", [this] { stepBack(); });
  play_button_ = button("Play", "Play the steps at the chosen pace", [this] { play(!playing()); });
  button("\u25b6", "Step forward", [this] { stepForward(); });
  button("GC \u25b6", "Start of the next collection", [this] {
    jumpToKind(true, {StepKind::kScavengeStart, StepKind::kMarkingStart, StepKind::kCollection});
  });
  button("\u25b6|", "Last step", [this] { goToStep(stepCount() ? stepCount() - 1 : 0); });
  prev_stop_ = button("\u25c0 Stop", "Previous lesson stop", [this] {
    for (std::size_t k = stop_steps_.size(); k-- > 0;)
      if (stop_steps_[k] < current_) return goToStop(k);
  });
  next_stop_ = button("Stop \u25b6", "Next lesson stop", [this] {
    for (std::size_t k = 0; k < stop_steps_.size(); ++k)
      if (stop_steps_[k] > current_) return goToStop(k);
  });
  pace_ = new QSpinBox(this);
  pace_->setRange(1, 200);
  pace_->setSuffix(" steps/s");
  pace_->setToolTip("Pace while playing");
  connect(pace_, &QSpinBox::valueChanged, this, [this](int v) { setPace(v); });
  bar->addWidget(pace_);
  color_by_ = new QComboBox(this);
  color_by_->addItems(
      {"Colour: auto", "Colour: age", "Colour: kind", "Colour: site", "Colour: mark"});
  connect(color_by_, &QComboBox::currentIndexChanged, this, [this] { refresh(); });
  bar->addWidget(color_by_);
  bar->addStretch(1);
  layout->addLayout(bar);

  slider_ = new QSlider(Qt::Horizontal, this);
  slider_->setRange(0, 0);
  connect(slider_, &QSlider::valueChanged, this, [this](int v) {
    if (static_cast<std::size_t>(v) != current_) goToStep(static_cast<std::size_t>(v));
  });
  layout->addWidget(slider_);
  step_label_ = new QLabel(this);
  layout->addWidget(step_label_);
  explanation_ = new QLabel(this);
  explanation_->setWordWrap(true);
  explanation_->setMinimumHeight(40);
  explanation_->setAlignment(Qt::AlignTop | Qt::AlignLeft);
  explanation_->setStyleSheet(
      "QLabel { background: #fffde7; border: 1px solid #e0d890; padding: 6px; }");
  layout->addWidget(explanation_);

  auto* split = new QSplitter(Qt::Horizontal, this);
  map_ = new HeapMapWidget(split);
  inspector_ = new ObjectInspector(split);
  split->addWidget(map_);
  split->addWidget(inspector_);
  split->setStretchFactor(0, 4);
  split->setStretchFactor(1, 1);
  layout->addWidget(split, 1);
  connect(map_, &HeapMapWidget::objectClicked, this, &StepView::selectObject);
  connect(inspector_, &ObjectInspector::objectActivated, this, &StepView::selectObject);
}

QString StepView::openWorkload(const QString& path,
                               const std::vector<std::string>& flags,
                               StepGranularity granularity,
                               const QString& source) {
  play(false);
  StepSessionOptions options;
  options.workload.path = path.toStdString();
  if (!source.isEmpty()) options.workload.source_text = source.toStdString();
  options.flags = flags;
  options.granularity = granularity;
  auto session = std::make_unique<StepSession>(options);
  QApplication::setOverrideCursor(Qt::WaitCursor);
  auto err = session->Record();
  QApplication::restoreOverrideCursor();
  if (err) return QString::fromStdString(err->ToString());
  session_ = std::move(session);
  lesson_.reset();
  stop_steps_.clear();
  title_->setText(QString("<b>Step mode</b> \u2014 %1").arg(path.toHtmlEscaped()));
  lesson_text_->setVisible(false);
  afterOpen();
  return {};
}

QString StepView::openLesson(const QString& path) {
  play(false);
  Lesson lesson;
  if (auto err = LoadLesson(path.toStdString(), &lesson))
    return QString::fromStdString(err->ToString());
  auto session = std::make_unique<StepSession>(LessonSessionOptions(lesson));
  QApplication::setOverrideCursor(Qt::WaitCursor);
  auto err = session->Record();
  QApplication::restoreOverrideCursor();
  if (err) return QString::fromStdString(err->ToString());
  std::vector<std::size_t> stops;
  if (auto e = ResolveLessonStops(lesson, *session, &stops))
    return QString::fromStdString(e->ToString());
  session_ = std::move(session);
  stop_steps_ = std::move(stops);
  lesson_ = std::move(lesson);
  title_->setText(
      QString("<b>Lesson: %1</b>").arg(QString::fromStdString(lesson_->title).toHtmlEscaped()));
  lesson_text_->setVisible(true);
  afterOpen();
  goToStop(0);
  return {};
}

void StepView::afterOpen() {
  prev_stop_->setEnabled(!stop_steps_.empty());
  next_stop_->setEnabled(!stop_steps_.empty());
  slider_->blockSignals(true);
  slider_->setRange(0, static_cast<int>(stepCount() ? stepCount() - 1 : 0));
  slider_->blockSignals(false);
  inspector_->inspect(nullptr, kNullRef, {});
  map_->setSelected(kNullRef);
  pinned_ = false;
  pinned_id_ = 0;
  current_ = 0;
  refresh();
}

void StepView::goToStep(std::size_t i) {
  if (!session_ || stepCount() == 0) return;
  current_ = std::min(i, stepCount() - 1);
  refresh();
}

void StepView::stepForward() {
  if (current_ + 1 < stepCount()) goToStep(current_ + 1);
}

void StepView::stepBack() {
  if (current_ > 0) goToStep(current_ - 1);
}

void StepView::goToStop(std::size_t k) {
  if (k >= stop_steps_.size()) return;
  const std::string& color = lesson_->stops[k].color_by;
  color_by_->setCurrentIndex(1 + static_cast<int>(ParseColorBy(color)));
  goToStep(stop_steps_[k]);
}

void StepView::play(bool on) {
  if (on && stepCount() > 0)
    play_timer_.start();
  else
    play_timer_.stop();
  play_button_->setText(on && stepCount() > 0 ? "Pause" : "Play");
}

void StepView::setPace(int steps_per_second) {
  steps_per_second = std::clamp(steps_per_second, 1, 200);
  play_timer_.setInterval(1000 / steps_per_second);
  if (pace_->value() != steps_per_second) pace_->setValue(steps_per_second);
}

void StepView::jumpToKind(bool forward, const std::vector<StepKind>& kinds) {
  if (!session_) return;
  auto matches = [&](std::size_t i) {
    return std::find(kinds.begin(), kinds.end(), session_->step(i).kind) != kinds.end();
  };
  if (forward) {
    for (std::size_t i = current_ + 1; i < stepCount(); ++i)
      if (matches(i)) return goToStep(i);
  } else {
    for (std::size_t i = current_; i-- > 0;)
      if (matches(i)) return goToStep(i);
  }
}

void StepView::selectObject(ObjectRef ref) {
  pinned_ = ref != kNullRef;
  pinned_id_ = 0;
  if (pinned_ && shown_)
    if (const ObjectSnapshot* o = shown_->Find(ref)) pinned_id_ = o->id;
  map_->setSelected(ref);
  inspect(ref);
}

void StepView::inspect(ObjectRef ref) {
  std::vector<AddressRecord> history;
  if (shown_ && session_) {
    if (const ObjectSnapshot* o = shown_->Find(ref))
      if (o->id != 0) history = session_->HistoryAt(o->id, current_);
  }
  inspector_->inspect(shown_, ref, history);
}

QString StepView::explanation() const {
  return explanation_->text();
}

void StepView::refresh() {
  if (!session_ || stepCount() == 0) return;
  const Step& step = session_->step(current_);
  shown_ = std::make_shared<HeapSnapshot>(session_->SnapshotAt(current_));
  map_->setSnapshot(shown_);
  map_->setHighlight(step.object, step.other);
  // Cheney's scan pointer: the last scanned object of this scavenge.
  ObjectRef scan = kNullRef;
  for (std::size_t i = current_ + 1; i-- > 0;) {
    const Step& s = session_->step(i);
    if (s.gc != step.gc || s.kind == StepKind::kScavengeStart || s.kind == StepKind::kScavengeEnd)
      break;
    if (s.kind == StepKind::kScan) {
      scan = s.object;
      break;
    }
  }
  map_->setScanObject(scan);
  int mode = color_by_->currentIndex();
  if (mode == 0) {
    const bool marking =
        IsMarkingKind(step.kind) ||
        (step.kind == StepKind::kPhase && step.text.find("atomic pause") != std::string::npos);
    map_->setColorBy(marking ? HeapMapWidget::ColorBy::kMark : HeapMapWidget::ColorBy::kAge);
  } else {
    map_->setColorBy(static_cast<HeapMapWidget::ColorBy>(mode - 1));
  }
  // The inspector follows the user's object across moves, or else shows the step's own.
  ObjectRef selected = kNullRef;
  if (pinned_ && pinned_id_ != 0) {
    for (const PageSnapshot& p : shown_->pages)
      for (const ObjectSnapshot& o : p.objects)
        if (o.id == pinned_id_ && !o.forwarded) selected = o.ref;
  }
  map_->setSelected(selected);
  const bool step_object = step.object != kNullRef && shown_->Find(step.object) != nullptr;
  inspect(pinned_ ? selected : (step_object ? step.object : kNullRef));

  slider_->blockSignals(true);
  slider_->setValue(static_cast<int>(current_));
  slider_->blockSignals(false);
  step_label_->setText(QString("Step %1 of %2 \u00b7 GC %3 \u00b7 %4%5")
                           .arg(current_ + 1)
                           .arg(stepCount())
                           .arg(step.gc)
                           .arg(QString::fromUtf8(ToString(step.kind).data()))
                           .arg(session_->truncated() ? " \u00b7 recording truncated" : ""));
  explanation_->setText(QString::fromStdString(step.text));
  if (lesson_) {
    QString html = "<p>" + QString::fromStdString(lesson_->intro).toHtmlEscaped() + "</p>";
    for (std::size_t k = stop_steps_.size(); k-- > 0;) {
      if (stop_steps_[k] <= current_) {
        const LessonStop& stop = lesson_->stops[k];
        html =
            QString("<p><b>Stop %1 of %2%3</b>%4</p><p>%5</p>")
                .arg(k + 1)
                .arg(stop_steps_.size())
                .arg(stop.title.empty() ? ""
                                        : ": " + QString::fromStdString(stop.title).toHtmlEscaped())
                .arg(stop_steps_[k] == current_ ? "" : " <i>(and on)</i>")
                .arg(QString::fromStdString(stop.text).toHtmlEscaped());
        break;
      }
    }
    lesson_text_->setHtml(html);
  }
  Q_EMIT stepChanged(current_);
}

}  // namespace heaplab
