#include "widgets/object-inspector.h"

#include <QUrl>

#include <algorithm>

namespace heaplab {

namespace {

QString Esc(const std::string& s) {
  return QString::fromStdString(s).toHtmlEscaped();
}

QString Sv(std::string_view s) {
  return QString::fromUtf8(s.data(), static_cast<qsizetype>(s.size()));
}

QString ObjectLink(const HeapSnapshot& s, ObjectRef ref) {
  if (ref == kNullRef) return "null";
  const ObjectSnapshot* o = s.Find(ref);
  if (o == nullptr) return "(gone)";
  if (o->forwarded) {
    // A slot not yet updated: it names the old place, which forwards to the new one.
    return QString("old place of %1 <span style='color:#777'>(forwarding)</span>")
        .arg(ObjectLink(s, o->forwarding));
  }
  const QString name = o->id ? QString("#%1").arg(o->id) : QString("object");
  return QString("<a href=\"obj:%1\">%2</a> <span style='color:#777'>%3 B %4</span>")
      .arg(ref)
      .arg(name)
      .arg(o->size_bytes)
      .arg(Sv(ToString(o->kind)));
}

}  // namespace

QString InspectObjectHtml(const HeapSnapshot& s,
                          ObjectRef ref,
                          const std::vector<AddressRecord>& history) {
  const ObjectSnapshot* o = s.Find(ref);
  if (o == nullptr) return "<p>This object is no longer in the heap.</p>";
  const PageSnapshot* page = s.FindPage(RefPage(ref));
  QString h;
  h += QString("<h3>%1 &mdash; %2-byte %3</h3>")
           .arg(o->id ? QString("Object #%1").arg(o->id) : QString("Object"))
           .arg(o->size_bytes)
           .arg(Sv(ToString(o->kind)));
  h += "<table cellspacing=2>";
  auto row = [&](const QString& k, const QString& v) {
    h += "<tr><td style='color:#555'>" + k + "</td><td>" + v + "</td></tr>";
  };
  if (o->site != 0 && o->site < s.site_names.size())
    row("Site", "\"" + Esc(s.site_names[o->site]) + "\"");
  row("Space", Sv(ToString(page->space)) +
                   QString(" (page %1, %2)").arg(page->id).arg(Sv(ToString(page->role))));
  row("Address", QString::fromStdString(FormatAddress(s.AddressOf(*o))));
  row("Age", Sv(ToString(o->age)));
  row("Mark", Sv(ToString(o->color)));
  if (o->forwarded) row("Forwarded to", ObjectLink(s, o->forwarding));
  h += "</table>";

  h += "<p><b>Addresses it has had</b><br>";
  if (history.empty()) {
    h += "<span style='color:#777'>Only step mode follows objects across moves.</span>";
  } else {
    for (const AddressRecord& r : history)
      h += QString("%1 in %2 <span style='color:#777'>(step %3)</span><br>")
               .arg(QString::fromStdString(FormatAddress(r.address)))
               .arg(Sv(ToString(r.space)))
               .arg(r.step);
  }
  h += "</p>";

  h += "<p><b>References out</b><br>";
  if (o->slot_count == 0) h += "<span style='color:#777'>no slots</span>";
  for (std::uint32_t i = 0; i < o->slot_count; ++i)
    h += QString("slot %1 &rarr; %2<br>").arg(i).arg(ObjectLink(s, s.slots[o->first_slot + i]));
  h += "</p><p><b>References in</b><br>";
  // Mid-collection, references may still name the object's old place (which forwards here).
  auto in = FindReferencesTo(s, ref);
  std::vector<ObjectRef> places{ref};
  for (const PageSnapshot& p : s.pages)
    for (const ObjectSnapshot& other : p.objects)
      if (other.forwarded && other.forwarding == ref) {
        places.push_back(other.ref);
        for (const auto& r : FindReferencesTo(s, other.ref))
          in.push_back(r);
      }
  std::size_t roots = 0;
  for (const RootSnapshot& r : s.roots)
    if (std::find(places.begin(), places.end(), r.value) != places.end()) ++roots;
  if (in.empty() && roots == 0) h += "<span style='color:#777'>none</span>";
  if (roots > 0) h += QString("%1 root handle%2<br>").arg(roots).arg(roots == 1 ? "" : "s");
  for (std::size_t i = 0; i < in.size() && i < 50; ++i)
    h += QString("%1 slot %2<br>").arg(ObjectLink(s, in[i].first)).arg(in[i].second);
  if (in.size() > 50) h += QString("&hellip; and %1 more<br>").arg(in.size() - 50);
  h += "</p><p><b>Why is it still here?</b><br>";
  const auto path = FindRetainingPath(s, ref);
  if (path.empty()) {
    h += "No root reaches it: it is garbage, and the next collection of its space frees it.";
  } else {
    h += Esc(path.front().label);
    for (const RetainingLink& link : path) {
      h += " &rarr; " + ObjectLink(s, link.object);
      if (link.slot >= 0) h += QString(" <span style='color:#777'>[slot %1]</span>").arg(link.slot);
      if (link.slot == kForwardedSlot)
        h += " <span style='color:#777'>[its old place, forwarding]</span>";
    }
  }
  h += "</p>";
  return h;
}

ObjectInspector::ObjectInspector(QWidget* parent) : QTextBrowser(parent) {
  setOpenLinks(false);
  setMinimumWidth(240);
  setHtml("<p style='color:#777'>Click an object in the heap map to inspect it.</p>");
  connect(this, &QTextBrowser::anchorClicked, this, [this](const QUrl& url) {
    if (url.scheme() == "obj") Q_EMIT objectActivated(static_cast<ObjectRef>(url.path().toULong()));
  });
}

void ObjectInspector::inspect(std::shared_ptr<const HeapSnapshot> snapshot,
                              ObjectRef ref,
                              const std::vector<AddressRecord>& history) {
  snapshot_ = std::move(snapshot);
  ref_ = ref;
  if (!snapshot_ || ref == kNullRef) {
    setHtml("<p style='color:#777'>Click an object in the heap map to inspect it.</p>");
    return;
  }
  if (snapshot_->aggregated) {
    setHtml(
        "<p style='color:#777'>The heap is drawn page by page (too many objects to list); "
        "inspect objects in step mode on a small heap.</p>");
    return;
  }
  setHtml(InspectObjectHtml(*snapshot_, ref, history));
}

}  // namespace heaplab
