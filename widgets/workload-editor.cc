#include "widgets/workload-editor.h"

#include <QFontDatabase>
#include <QPainter>
#include <QRegularExpression>
#include <QTextBlock>

namespace heaplab {

void JsHighlighter::highlightBlock(const QString& text) {
  static const QRegularExpression keywords(
      "\\b(const|let|var|function|return|if|else|for|while|do|break|continue|new|class|"
      "true|false|null|undefined|this|try|catch|finally|throw|of|in|typeof)\\b");
  static const QRegularExpression api("\\b(heap|sim|workload|console)\\b");
  static const QRegularExpression number("\\b[0-9][0-9_.]*\\b");
  static const QRegularExpression string("\"[^\"]*\"|'[^']*'|`[^`]*`");
  QTextCharFormat kw, ap, num, str, comment;
  kw.setForeground(QColor(0x7b, 0x1f, 0xa2));
  kw.setFontWeight(QFont::Bold);
  ap.setForeground(QColor(0x15, 0x65, 0xc0));
  num.setForeground(QColor(0xe6, 0x51, 0x00));
  str.setForeground(QColor(0x2e, 0x7d, 0x32));
  comment.setForeground(QColor(0x75, 0x75, 0x75));
  comment.setFontItalic(true);
  auto apply = [&](const QRegularExpression& re, const QTextCharFormat& f) {
    for (auto it = re.globalMatch(text); it.hasNext();) {
      auto m = it.next();
      setFormat(static_cast<int>(m.capturedStart()), static_cast<int>(m.capturedLength()), f);
    }
  };
  apply(keywords, kw);
  apply(api, ap);
  apply(number, num);
  apply(string, str);
  if (auto at = text.indexOf("//"); at >= 0)
    setFormat(static_cast<int>(at), static_cast<int>(text.size() - at), comment);
}

class LineNumberArea : public QWidget {
 public:
  explicit LineNumberArea(WorkloadEditor* editor) : QWidget(editor), editor_(editor) {}
  QSize sizeHint() const override { return {editor_->lineNumberAreaWidth(), 0}; }

 protected:
  void paintEvent(QPaintEvent* e) override { editor_->paintLineNumbers(e); }

 private:
  WorkloadEditor* editor_;
};

WorkloadEditor::WorkloadEditor(QWidget* parent) : QPlainTextEdit(parent) {
  setFont(QFontDatabase::systemFont(QFontDatabase::FixedFont));
  setLineWrapMode(QPlainTextEdit::NoWrap);
  line_numbers_ = new LineNumberArea(this);
  highlighter_ = new JsHighlighter(document());
  connect(this, &QPlainTextEdit::blockCountChanged, this,
          [this] { setViewportMargins(lineNumberAreaWidth(), 0, 0, 0); });
  connect(this, &QPlainTextEdit::updateRequest, this, [this](const QRect& r, int dy) {
    if (dy)
      line_numbers_->scroll(0, dy);
    else
      line_numbers_->update(0, r.y(), line_numbers_->width(), r.height());
  });
  connect(this, &QPlainTextEdit::textChanged, this, [this] {
    if (error_line_ != 0) clearError();
  });
  setViewportMargins(lineNumberAreaWidth(), 0, 0, 0);
}

int WorkloadEditor::lineNumberAreaWidth() const {
  const int digits = static_cast<int>(QString::number(std::max(1, blockCount())).size());
  return 10 + fontMetrics().horizontalAdvance(QLatin1Char('9')) * std::max(3, digits);
}

void WorkloadEditor::resizeEvent(QResizeEvent* e) {
  QPlainTextEdit::resizeEvent(e);
  QRect cr = contentsRect();
  line_numbers_->setGeometry(QRect(cr.left(), cr.top(), lineNumberAreaWidth(), cr.height()));
}

void WorkloadEditor::paintLineNumbers(QPaintEvent* e) {
  QPainter painter(line_numbers_);
  painter.fillRect(e->rect(), QColor(0xf2, 0xf2, 0xf2));
  QTextBlock block = firstVisibleBlock();
  int number = block.blockNumber() + 1;
  int top = qRound(blockBoundingGeometry(block).translated(contentOffset()).top());
  while (block.isValid() && top <= e->rect().bottom()) {
    const int height = qRound(blockBoundingRect(block).height());
    if (number == error_line_)
      painter.fillRect(0, top, line_numbers_->width(), height, QColor(0xff, 0xcd, 0xd2));
    painter.setPen(number == error_line_ ? QColor(0xc6, 0x28, 0x28) : QColor(0x90, 0x90, 0x90));
    painter.drawText(0, top, line_numbers_->width() - 4, height, Qt::AlignRight,
                     QString::number(number));
    block = block.next();
    top += height;
    ++number;
  }
}

void WorkloadEditor::markError(int line, int column, const QString& message) {
  error_line_ = line;
  QList<QTextEdit::ExtraSelection> marks;
  if (line > 0) {
    QTextBlock block = document()->findBlockByNumber(line - 1);
    QTextEdit::ExtraSelection sel;
    sel.format.setBackground(QColor(0xff, 0xeb, 0xee));
    sel.format.setProperty(QTextFormat::FullWidthSelection, true);
    sel.format.setToolTip(message);
    sel.cursor = QTextCursor(block);
    marks << sel;
    QTextCursor c(block);
    c.movePosition(QTextCursor::Right, QTextCursor::MoveAnchor, std::max(0, column - 1));
    setTextCursor(c);
    centerCursor();
  }
  setExtraSelections(marks);
  setToolTip(message);
  line_numbers_->update();
}

}  // namespace heaplab
