// Exports a drawing to PNG, PDF or SVG, chosen by the file's extension.
#pragma once

#include <QString>

#include <functional>

class QCPPainter;

namespace heaplab {

// Renders `draw` into a PNG, PDF or SVG (by extension) of `width` x `height`, written under a
// temporary name and renamed: a failed export never leaves half a file. Returns an error
// message, empty on success.
QString RenderToFile(const QString& path,
                     int width,
                     int height,
                     const QString& title,
                     const std::function<void(QCPPainter&)>& draw);

}  // namespace heaplab
