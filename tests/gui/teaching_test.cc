// The teaching views, offscreen: the heap map draws every object in its mode's colour and
// exports PNG and SVG; step mode walks each shipped lesson, stepping back and forth lands on
// the same heap, and a replay rebuilds it; the inspector follows an object across moves and
// answers why it is alive; the live heap map receives pictures from a run.
#include <QImage>
#include <QPainter>
#include <QSignalSpy>
#include <QTemporaryDir>
#include <QTextBrowser>
#include <QXmlStreamReader>
#include <QtTest>

#include "app/gui/main-window.h"
#include "sim/heap.h"
#include "widgets/heap-map.h"
#include "widgets/object-inspector.h"
#include "widgets/step-view.h"

using namespace heaplab;

namespace {

// A small heap: a rooted list that survived one scavenge, fresh objects, an old object with a
// remembered old-to-new slot.
std::shared_ptr<HeapSnapshot> SmallHeapSnapshot(std::size_t max_detailed = 200000) {
  HeapFlags flags;
  flags.physical_memory = 24 * 1024;
  HeapOptions options;
  options.startup_snapshot = false;
  Heap heap(flags, options);
  const std::uint32_t site = heap.RegisterAllocationSite("list");
  const auto root = heap.CreateGlobal(heap.Allocate(64, 4, ObjectKind::kArray, site));
  for (int i = 0; i < 4; ++i)
    heap.WriteSlot(heap.Global(root), static_cast<std::uint32_t>(i),
                   heap.Allocate(400, 0, ObjectKind::kString, site));
  heap.CollectGarbage(AllocationSpace::kNew, GarbageCollectionReason::kTesting);
  const auto old =
      heap.CreateGlobal(heap.Allocate(512, 1, ObjectKind::kObject, 0, AllocationType::kOld));
  const auto young = heap.CreateGlobal(heap.Allocate(800, 0, ObjectKind::kClosure));
  heap.WriteSlot(heap.Global(old), 0, heap.Global(young));
  SnapshotOptions so;
  so.max_detailed_objects = max_detailed;
  return std::make_shared<HeapSnapshot>(TakeHeapSnapshot(heap, so));
}

QImage Render(HeapMapWidget& map, QSize size = {1000, 500}) {
  QImage image(size, QImage::Format_ARGB32);
  QPainter painter(&image);
  map.paintMap(painter, QRect(QPoint(0, 0), size));
  return image;
}

}  // namespace

class TeachingTest : public QObject {
  Q_OBJECT

 private Q_SLOTS:
  void heapMapDrawsEveryObjectInItsColour() {
    HeapMapWidget map;
    auto snap = SmallHeapSnapshot();
    map.setSnapshot(snap);
    map.setShowRememberedSet(false);  // arrows would cross the objects
    for (auto mode : {HeapMapWidget::ColorBy::kAge, HeapMapWidget::ColorBy::kKind,
                      HeapMapWidget::ColorBy::kSite, HeapMapWidget::ColorBy::kMark}) {
      map.setColorBy(mode);
      const QImage image = Render(map);
      QVERIFY(!map.drewAggregated());
      int checked = 0;
      for (const PageSnapshot& p : snap->pages) {
        for (const ObjectSnapshot& o : p.objects) {
          if (o.forwarded) continue;
          const QRectF r = map.objectRect(o.ref);
          QVERIFY2(!r.isEmpty(), "every object is drawn");
          if (r.width() < 5) continue;
          const QPoint c(static_cast<int>(r.center().x()), static_cast<int>(r.center().y()));
          QCOMPARE(image.pixelColor(c).rgb(), map.objectColor(o).rgb());
          ++checked;
        }
      }
      QVERIFY(checked >= 6);
    }
    // Ages: the rooted strings survived once; the closure is new; the old object is old.
    std::map<ObjectKind, ObjectAge> age;
    for (const PageSnapshot& p : snap->pages)
      for (const ObjectSnapshot& o : p.objects)
        if (o.site != 0 || o.kind != ObjectKind::kObject || o.size_bytes == 512)
          age[o.kind] = o.age;
    QCOMPARE(age[ObjectKind::kString], ObjectAge::kSurvived);
    QCOMPARE(age[ObjectKind::kClosure], ObjectAge::kNew);
    QCOMPARE(age[ObjectKind::kObject], ObjectAge::kOld);
    QCOMPARE(snap->remembered_set.size(), std::size_t{1});
  }

  void bigHeapsAreDrawnPageByPage() {
    HeapMapWidget map;
    map.setSnapshot(SmallHeapSnapshot(3));
    const QImage image = Render(map);
    QVERIFY(map.drewAggregated());
    int coloured = 0;
    for (int y = 0; y < image.height(); y += 2)
      for (int x = 0; x < image.width(); x += 2)
        if (image.pixelColor(x, y).saturation() > 80) ++coloured;
    QVERIFY2(coloured > 20, "page cells are filled by their totals");
  }

  void heapMapExportsPngAndSvg() {
    QTemporaryDir dir;
    HeapMapWidget map;
    map.setSnapshot(SmallHeapSnapshot());
    QCOMPARE(map.exportTo(dir.filePath("map.png"), 1200, 600), QString());
    QCOMPARE(QImage(dir.filePath("map.png")).size(), QSize(1200, 600));
    QCOMPARE(map.exportTo(dir.filePath("map.svg"), 1200, 600), QString());
    QFile svg(dir.filePath("map.svg"));
    QVERIFY(svg.open(QIODevice::ReadOnly));
    QXmlStreamReader xml(&svg);
    int shapes = 0;
    while (!xml.atEnd())
      if (xml.readNext() == QXmlStreamReader::StartElement &&
          (xml.name() == QString("rect") || xml.name() == QString("path") ||
           xml.name() == QString("polygon")))
        ++shapes;
    QVERIFY(!xml.hasError());
    QVERIFY(shapes > 10);
    QVERIFY(!map.exportTo(dir.filePath("map.bmp"), 100, 100).isEmpty());
  }

  void everyLessonOpensAndEveryStopShowsTheHeap() {
    const QStringList lessons =
        QDir(LessonsDirectory()).entryList({"*.lesson.json"}, QDir::Files, QDir::Name);
    QVERIFY(lessons.size() >= 5);
    for (const QString& name : lessons) {
      StepView view;
      view.resize(1300, 850);
      const QString err = view.openLesson(LessonsDirectory() + "/" + name);
      QVERIFY2(err.isEmpty(), qPrintable(err));
      QVERIFY(view.stopCount() >= 4);
      for (std::size_t k = 0; k < view.stopCount(); ++k) {
        view.goToStop(k);
        QVERIFY(!view.explanation().isEmpty());
        QVERIFY(view.heapMap()->snapshot() != nullptr);
        QVERIFY(view.heapMap()->snapshot()->object_count() > 0);
      }
      const QImage shot = view.grab().toImage();
      QVERIFY(!shot.isNull());
    }
  }

  void steppingIsDeterministic() {
    StepView view;
    QCOMPARE(view.openLesson(LessonsDirectory() + "/02-promotion.lesson.json"), QString());
    StepSession* session = view.session();
    const std::size_t n = view.stepCount() / 2;
    view.goToStep(n);
    const HeapSnapshot at_n = *view.heapMap()->snapshot();
    // Back, then forward again: the same heap.
    view.stepBack();
    QVERIFY(!(*view.heapMap()->snapshot() == at_n));
    view.stepForward();
    QVERIFY(*view.heapMap()->snapshot() == at_n);
    // Forget everything and replay: the run rebuilds the same heap at step n.
    session->ClearCache();
    const std::size_t replays = session->replay_count();
    QVERIFY(session->SnapshotAt(n) == at_n);
    QCOMPARE(session->replay_count(), replays + 1);
    // The last step is the heap the workload leaves: the same as a plain run's.
    view.goToStep(view.stepCount() - 1);
    QCOMPARE(session->step(view.currentStep()).kind, StepKind::kEnd);
  }

  void inspectorFollowsAnObjectAndSaysWhyItIsAlive() {
    StepView view;
    QCOMPARE(view.openLesson(LessonsDirectory() + "/02-promotion.lesson.json"), QString());
    view.goToStop(3);  // the second scavenge has ended: entry-a lives in old space
    const HeapSnapshot& s = *view.heapMap()->snapshot();
    ObjectRef entry = kNullRef;
    for (const PageSnapshot& p : s.pages)
      for (const ObjectSnapshot& o : p.objects)
        if (o.site < s.site_names.size() && s.site_names[o.site] == "entry-a" &&
            o.age == ObjectAge::kOld)
          entry = o.ref;
    QVERIFY(entry != kNullRef);
    view.selectObject(entry);
    const QString html = view.inspector()->toHtml();
    QVERIFY(html.contains("entry-a"));
    QVERIFY(html.contains("Old space"));
    // Allocated, copied at the first scavenge, promoted at the second: three addresses.
    const ObjectSnapshot* o = s.Find(entry);
    QCOMPARE(view.session()->HistoryAt(o->id, view.currentStep()).size(), std::size_t{3});
    // Kept by the top-level handle of the list it heads, or by the cache: a root either way.
    QVERIFY2(html.contains(" handle #"), qPrintable(view.inspector()->toPlainText()));
    QVERIFY(html.contains("Why is it still here?"));
  }

  void badLessonsNameTheFileAndLine() {
    QTemporaryDir dir;
    QFile f(dir.filePath("bad.lesson.json"));
    QVERIFY(f.open(QIODevice::WriteOnly));
    f.write("{\n  \"title\": \"t\",\n  \"intro\": \"i\",\n  \"workload\": \"" +
            (LessonsDirectory() + "/01-semi-spaces.js").toUtf8() +
            "\",\n  \"stops\": [\n    {\"kind\": \"teleport\", \"text\": \"x\"}\n  ]\n}\n");
    f.close();
    StepView view;
    const QString err = view.openLesson(f.fileName());
    QVERIFY2(err.contains(f.fileName() + ":6:"), qPrintable(err));
    QVERIFY(err.contains("teleport"));
    QVERIFY(view.session() == nullptr);
  }

  void liveHeapMapUpdatesDuringARun() {
    MainWindow w;
    QVERIFY(w.openWorkload(WorkloadsDirectory() + "/sessions.js"));
    w.showHeapMap();
    w.controller()->setDuration(20000);
    QSignalSpy pictures(w.controller(), &SimulationController::heapSnapshot);
    w.run();
    w.controller()->setSpeed(20);  // 20 simulated ms per wall ms: a 1 s run
    // The heap-map timer asks four times a second while the tab shows; pictures arrive while
    // the run is still going.
    QTRY_VERIFY_WITH_TIMEOUT(pictures.count() >= 2, 10000);
    QCOMPARE(w.controller()->state(), SimulationController::State::kRunning);
    const double mid_ms = w.heapMap()->snapshot()->time_ms;
    QVERIFY(w.controller()->waitForFinished(60000));
    QCoreApplication::processEvents();
    QVERIFY(w.heapMap()->snapshot()->time_ms > mid_ms);
  }

  void liveHeapMapReceivesPictures() {
    MainWindow w;
    QVERIFY(w.openWorkload(WorkloadsDirectory() + "/teaching-small.js"));
    w.showHeapMap();
    w.run();
    QVERIFY(w.controller()->waitForFinished(60000));
    QCoreApplication::processEvents();
    QVERIFY(w.heapMap()->snapshot() != nullptr);
    QVERIFY(w.heapMap()->snapshot()->object_count() > 0);
    QCOMPARE(w.heapMap()->snapshot()->gc_count, w.controller()->events().size());
  }
};

QTEST_MAIN(TeachingTest)
#include "teaching_test.moc"
