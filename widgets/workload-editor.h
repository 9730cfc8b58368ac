// The workload editor: JavaScript highlighting, line numbers in the margin, and a workload's
// error marked at its line (and column).
#pragma once

#include <QPlainTextEdit>
#include <QSyntaxHighlighter>

namespace heaplab {

class JsHighlighter : public QSyntaxHighlighter {
 public:
  explicit JsHighlighter(QTextDocument* doc) : QSyntaxHighlighter(doc) {}

 protected:
  void highlightBlock(const QString& text) override;
};

class WorkloadEditor : public QPlainTextEdit {
  Q_OBJECT

 public:
  explicit WorkloadEditor(QWidget* parent = nullptr);
  // Marks line `line` (1-based) as the error and puts the cursor at `column`; shows `message`
  // as the tooltip of the mark. Line 0 clears the mark.
  void markError(int line, int column, const QString& message);
  void clearError() { markError(0, 0, {}); }
  int errorLine() const { return error_line_; }

 protected:
  void resizeEvent(QResizeEvent* e) override;

 private:
  friend class LineNumberArea;
  int lineNumberAreaWidth() const;
  void paintLineNumbers(QPaintEvent* e);
  QWidget* line_numbers_;
  JsHighlighter* highlighter_;
  int error_line_ = 0;
};

}  // namespace heaplab
