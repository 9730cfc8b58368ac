// Step mode: walks a recorded run of a small heap one step at a time (a copy, a scan, a colour
// change, a page swept...), forward and back, or plays it at a chosen pace. The heap map shows
// the heap after the current step, the text says what happened and why, the inspector shows
// the selected object. A lesson adds stops with their own text.
#pragma once

#include <QTimer>
#include <QWidget>

#include <memory>
#include <optional>
#include <vector>

#include "sim/script/step-session.h"
#include "widgets/heap-map.h"

class QComboBox;
class QLabel;
class QPushButton;
class QSlider;
class QSpinBox;
class QTextBrowser;

namespace heaplab {

class ObjectInspector;

class StepView : public QWidget {
  Q_OBJECT

 public:
  explicit StepView(QWidget* parent = nullptr);
  ~StepView() override;

  // Records `path` and shows its first step. Returns an error message (file:line: ...), empty
  // on success.
  // `source`, when not empty, is used instead of the file's text (the editor's).
  QString openWorkload(const QString& path,
                       const std::vector<std::string>& flags,
                       StepGranularity granularity,
                       const QString& source = {});
  // Opens a lesson file (workloads/lessons/*.lesson.json) at its first stop.
  QString openLesson(const QString& path);

  std::size_t stepCount() const { return session_ ? session_->step_count() : 0; }
  std::size_t currentStep() const { return current_; }
  // Shows the heap after step `i` (clamped).
  void goToStep(std::size_t i);
  void stepForward();
  void stepBack();
  // Lesson stops: how many, and going to one (0-based).
  std::size_t stopCount() const { return stop_steps_.size(); }
  void goToStop(std::size_t k);
  void play(bool on);
  bool playing() const { return play_timer_.isActive(); }
  // Steps per second while playing.
  void setPace(int steps_per_second);

  HeapMapWidget* heapMap() const { return map_; }
  ObjectInspector* inspector() const { return inspector_; }
  StepSession* session() const { return session_.get(); }
  // Selects an object of the current heap: the inspector follows it from step to step (across
  // moves) until another is selected. kNullRef: the inspector shows each step's own object.
  void selectObject(ObjectRef ref);
  QString explanation() const;

 Q_SIGNALS:
  void stepChanged(std::size_t step);

 private:
  void buildUi();
  void afterOpen();
  void refresh();
  void jumpToKind(bool forward, const std::vector<StepKind>& kinds);
  void inspect(ObjectRef ref);

  std::unique_ptr<StepSession> session_;
  std::optional<Lesson> lesson_;
  std::vector<std::size_t> stop_steps_;
  std::size_t current_ = 0;
  std::uint32_t pinned_id_ = 0;  // identity of the object the user selected (0: none)
  bool pinned_ = false;
  std::shared_ptr<const HeapSnapshot> shown_;
  QTimer play_timer_;

  QLabel* title_ = nullptr;
  QTextBrowser* lesson_text_ = nullptr;
  QLabel* step_label_ = nullptr;
  QLabel* explanation_ = nullptr;
  QSlider* slider_ = nullptr;
  QPushButton* play_button_ = nullptr;
  QSpinBox* pace_ = nullptr;
  QComboBox* color_by_ = nullptr;
  QPushButton* prev_stop_ = nullptr;
  QPushButton* next_stop_ = nullptr;
  HeapMapWidget* map_ = nullptr;
  ObjectInspector* inspector_ = nullptr;
};

}  // namespace heaplab
