// The object inspector: the selected object's size, kind, site, age, space, the addresses it
// has had, its references in and out, and the path from a root that keeps it alive ("why is
// this still here?"). Referenced objects are links.
#pragma once

#include <QTextBrowser>

#include <memory>
#include <vector>

#include "sim/heap-snapshot.h"
#include "sim/step-recorder.h"

namespace heaplab {

// The inspector's page for `ref` in `snapshot`, as HTML. `history` lists the places the object
// has lived (empty if unknown). Objects are linked as "obj:<ref>".
QString InspectObjectHtml(const HeapSnapshot& snapshot,
                          ObjectRef ref,
                          const std::vector<AddressRecord>& history);

class ObjectInspector : public QTextBrowser {
  Q_OBJECT

 public:
  explicit ObjectInspector(QWidget* parent = nullptr);
  // Shows `ref` of `snapshot` (kNullRef: a hint to click an object).
  void inspect(std::shared_ptr<const HeapSnapshot> snapshot,
               ObjectRef ref,
               const std::vector<AddressRecord>& history);
  ObjectRef object() const { return ref_; }

 Q_SIGNALS:
  // A linked object was clicked.
  void objectActivated(heaplab::ObjectRef ref);

 private:
  std::shared_ptr<const HeapSnapshot> snapshot_;
  ObjectRef ref_ = kNullRef;
};

}  // namespace heaplab
