#include "sim/script/workload-host.h"

#include <QFile>
#include <QFileInfo>
#include <QJSEngine>
#include <QJSValue>
#include <QObject>
#include <QString>
#include <QStringList>

#include <algorithm>
#include <array>
#include <atomic>
#include <chrono>
#include <cmath>
#include <condition_variable>
#include <cstdio>
#include <limits>
#include <mutex>
#include <queue>
#include <set>
#include <thread>

#include "sim/event-loop.h"
#include "sim/script/distributions.h"
#include "sim/twin-warmup.h"

namespace heaplab {

std::string WorkloadError::ToString() const {
  // As compilers print: the line and column where there are some (a file that cannot be read
  // has none).
  std::string where = file;
  if (line > 0) where += ":" + std::to_string(line);
  if (line > 0 && column > 0) where += ":" + std::to_string(column);
  return where + ": " + message;
}

namespace {

// The JavaScript face of the API. Handles are numbers: global handle h is h+1, local handle l
// is -(l+1); Obj wraps them. Math.random and Date.now are replaced so that a run depends on
// the seed and the virtual clock only.
constexpr const char* kPrelude = R"JS(
(function (native, global) {
  "use strict";
  // The native methods, looked up once: every `native.x` lookup makes a new method object.
  const { setSlot, getSlot, sizeOf, slotCount, spaceOf, kindOf, site, alloc, allocMany,
          makeGlobal, release, hold, openScope, closeScope, gc, markStep, stats, now, work,
          every, after, cancel, requests, random, stop, log, describe } = native;
  const scriptObjects = native.scriptObjects();
  let lastScopeFunction = null;
  // An Obj keeps its handle code in `__handle`. A symbol key would hide it from the script,
  // but QV4 caches no look-up for symbol keys: every access took a hash look-up (5% of
  // timer-leak's instructions).
  function code(v, what) {
    if (v === null || v === undefined) return 0;
    if (!(v instanceof Obj)) throw new TypeError((what || "value") + " must be a heap object");
    return v.__handle;
  }
  class Obj {
    constructor(h) { this.__handle = h; }
    set(slot, value) { setSlot(this.__handle, slot, code(value, "slot value")); return this; }
    get(slot) { const h = getSlot(this.__handle, slot); return h === 0 ? null : new Obj(h); }
    clear(slot) { setSlot(this.__handle, slot, 0); return this; }
    get size() { return sizeOf(this.__handle); }
    get slots() { return slotCount(this.__handle); }
    get space() { return spaceOf(this.__handle); }
    get kind() { return kindOf(this.__handle); }
    get isGlobal() { return this.__handle > 0; }
    toString() { return "[heap " + this.kind + " " + this.size + " B]"; }
  }
  const wrap = (h) => (h === 0 ? null : new Obj(h));
  // The heap bytes V8 gives an argument the script built with literals (--script-objects): a
  // plain object is a JSObject of 24 bytes plus 8 per in-object property (an empty literal has
  // 4), an array a 32-byte JSArray and a FixedArray of 16 bytes plus 8 per element. Nested
  // literals count under the keys that hold them (size, lifetime, values, weights) and in
  // arrays. Numbers, strings, functions and heap objects add nothing.
  const hasOwn = Object.prototype.hasOwnProperty;
  // A literal is allocated where it is written: an object passed again (hoisted out of the
  // callback, `const OPTS = {...}`) was allocated once. The last eight objects counted are kept,
  // the one found last swapped to the newest place, and count nothing when they come again
  // (node: `heap.alloc(64, OPTS)` allocates 39 bytes per call less than
  // `heap.alloc(64, {slots: 2, site: "x"})`, and a hoisted `allocMany` spec 78 less).
  const counted = [null, null, null, null, null, null, null, null];
  let countedNext = 0;
  function countedBefore(v) {
    for (let i = 0; i < 8; i++) {
      if (counted[i] === v) {
        const newest = (countedNext + 7) & 7;
        counted[i] = counted[newest];
        counted[newest] = v;
        return true;
      }
    }
    counted[countedNext] = v;
    countedNext = (countedNext + 1) & 7;
    return false;
  }
  function literalBytes(v, depth) {
    if (depth > 8 || v === null || typeof v !== "object" || v instanceof Obj || v === native ||
        countedBefore(v))
      return 0;
    if (Array.isArray(v)) {
      const n = v.length >>> 0;
      let bytes = 32 + (n > 0 ? 16 + 8 * n : 0);
      for (let i = 0; i < n && i < 64; i++) bytes += literalBytes(v[i], depth + 1);
      return bytes;
    }
    const keys = Object.keys(v), fields = keys.length;
    let bytes = 24 + 8 * (fields === 0 ? 4 : fields);
    // A {min, max} size (the common literal) holds no nested literal: skip the reads below,
    // which for absent names walk the prototype chain.
    if (fields === 2 && keys[0] === "min" && keys[1] === "max") return bytes;
    // Looked up by name: comparing each key with these names costs more. Absent ones are
    // ruled out before `typeof`, whose string compare costs more in QV4 than the test.
    const size = v.size, lifetime = v.lifetime, values = v.values, weights = v.weights;
    if (size !== undefined && typeof size === "object" && hasOwn.call(v, "size"))
      bytes += literalBytes(size, depth + 1);
    if (lifetime !== undefined && typeof lifetime === "object" && hasOwn.call(v, "lifetime"))
      bytes += literalBytes(lifetime, depth + 1);
    if (values !== undefined && typeof values === "object" && hasOwn.call(v, "values"))
      bytes += literalBytes(values, depth + 1);
    if (weights !== undefined && typeof weights === "object" && hasOwn.call(v, "weights"))
      bytes += literalBytes(weights, depth + 1);
    return bytes;
  }
  // A scheduled callback's line is looked up in the stack of the call that scheduled it.
  const stack = () => new Error().stack;
  global.heap = Object.freeze({
    site: (name) => site(String(name)),
    alloc: (size, o) => {
      const a = o || {};
      return wrap(alloc(size, a.slots || 0, a.kind || "object", a.site || "", !!a.old,
                        scriptObjects ? literalBytes(o, 0) + literalBytes(size, 0) : 0));
    },
    allocMany: (spec) => {
      const s = spec || {};
      if (typeof s !== "object" && typeof s !== "function")
        return wrap(allocMany(false, 0, undefined, NaN, NaN, "", "", 0, false, "", undefined, 0));
      // Defaults inline: a call to a helper per field costs more than the test.
      const kind = s.kind, site = s.site, slots = s.slots, shape = s.shape, size = s.size;
      // A {min, max} size (the common one) is read here; the native parser reads the rest.
      let min = NaN, max = NaN;
      if (typeof size === "object" && size !== null && !Array.isArray(size.values)) {
        const a = size.min, b = size.max;
        if (typeof a === "number" && typeof b === "number") { min = a; max = b; }
      }
      return wrap(allocMany(true, Number(s.count), size === undefined ? 64 : size, min, max,
                            kind === undefined ? "object" : String(kind),
                            site === undefined ? "" : String(site),
                            slots === undefined ? 0 : Number(slots), !!s.old,
                            shape === undefined ? "standalone" : String(shape), s.lifetime,
                            scriptObjects ? literalBytes(s, 0) : 0));
    },
    global: (obj) => wrap(makeGlobal(code(obj, "heap.global argument"))),
    release: (obj) => release(code(obj, "heap.release argument")),
    hold: (obj, ms) => hold(code(obj, "heap.hold argument"), ms),
    // A new function each call (the usual arrow) is a closure node allocates per call.
    scope: (fn) => {
      openScope(scriptObjects && fn !== lastScopeFunction);
      lastScopeFunction = fn;
      try { return fn(); } finally { closeScope(); }
    },
    gc: (kind) => gc(kind || "full"),
    markStep: (ms) => markStep(ms),
    stats: () => stats(),
  });
  global.sim = Object.freeze({
    now: () => now(),
    work: (ms) => work(ms),
    every: (ms, fn) => every(ms, fn, stack()),
    after: (ms, fn) => after(ms, fn, stack()),
    cancel: (id) => cancel(id),
    requests: (spec) => requests(spec || {}, stack()),
    random: () => random(),
    randomInt: (lo, hi) => lo + Math.floor(random(true) * (hi - lo + 1)),
    stop: () => stop(),
    log: (...args) => log(args.join(" ")),
  });
  global.workload = (info) => describe(info || {});
  global.console = Object.freeze({ log: (...a) => log(a.join(" ")), error: (...a) => log(a.join(" ")) });
  Math.random = () => random();
  Date.now = () => now();
})(__native, this);
)JS";

constexpr const char* kDescribeSentinel = "__heaplab_describe_done__";
constexpr const char* kStoppedMessage = "the run was stopped";

// The prelude and the workload run as one function made by the Function constructor (see
// CompileWorkload), not through QJSEngine::evaluate: evaluate compiles its program as eval code
// (QV4::Script::inheritContext), which turns off QV4's property-lookup caches for every function
// in it, and the workloads' callbacks then ran about three times slower on property accesses
// and global names. The function's stack frames carry no file name, so a frame's line tells
// where it is: the prelude's lines come first, then the workload's, each shifted by the one
// line of the function's header.
constexpr int kFunctionHeaderLines = 1;
constexpr int kPreludeLines = [] {
  int n = 0;
  for (const char* c = kPrelude; *c; ++c)
    n += *c == '\n';
  return n;
}();

// The workload line of a line of the compiled function, 0 for a line of the prelude.
int WorkloadLine(int compiled_line) {
  const int line = compiled_line - kFunctionHeaderLines - kPreludeLines;
  return line > 0 ? line : 0;
}

// The workload line of the innermost workload frame of a script stack ("fn@:LINE" lines,
// innermost first), 0 if none.
int WorkloadLineInStack(const QString& stack) {
  for (const QString& frame : stack.split('\n')) {
    const auto at = frame.lastIndexOf(':');
    if (at < 0) continue;
    if (int line = WorkloadLine(frame.mid(at + 1).toInt())) return line;
  }
  return 0;
}

}  // namespace

namespace {
// What node's compile of one of the twin's literal factories costs, for F fields. Measured
// with 400 factories of F fields, each called twice, after a warm-up, at a 64 MB semi-space:
// 950 + 96 F bytes of young allocation and 587 of code space; after two full GCs 934 + 28 F
// bytes stay (the functions, their context and feedback, the boilerplate). Old space measured
// again with node's linear allocation areas kept small (`--heap-prof --heap-prof-interval=64`
// adds an allocation observer to every space; otherwise old space's area spans a page and
// counts as used): 1220 + 16 F bytes per factory called five times, and the first factory of
// a field count 400 + 72 F more (the literal's map and its descriptors: the twin's objects all
// have the same prototype, so the maps are shared by field count across sites). Split so that
// the sums match: young garbage and kept, old kept and garbage.
struct BytesPerField {
  std::size_t base;
  std::size_t per_field;
  constexpr std::size_t Bytes(std::size_t fields) const { return base + per_field * fields; }
};
constexpr BytesPerField kLiteralFactoryYoungGarbage{650, 68};  // source text, parser, compiler
constexpr BytesPerField kLiteralFactoryYoungKept{300, 28};     // closures, context, boilerplate
constexpr std::size_t kLiteralFactoryOldKeptBytes = 634;       // bytecode, scope info, feedback
constexpr BytesPerField kLiteralFactoryOldGarbage{586, 16};
constexpr BytesPerField kLiteralMapBytes{400, 72};  // a field count's first factory
constexpr std::size_t kLiteralFactoryCodeBytes = 587;
// TurboFan optimizes a literal factory (a one-literal function, "small function") at about its
// 3550th call: node --trace-opt on factories called in turn through one call site, 40 calls per
// setImmediate turn, marked at 3500-3625 calls each.
constexpr std::uint64_t kLiteralFactoryCallsToOptimize = 3550;
// A JSFunction made per call, as `heap.scope(() => ...)` makes one: node allocates 55-57 bytes
// more per call of lru-cache's fill loop with the scope than without it, unoptimized and
// optimized alike (a forced scavenge every 500 entries).
constexpr std::size_t kScopeClosureBytes = 56;
// The twin's plain object: map, properties and elements, then its fields in-object.
constexpr std::size_t kTwinObjectHeaderBytes = 24;
// The twin's array: a JSArray (map, properties, elements, length) and its FixedArray's map
// and length, then the elements.
constexpr std::size_t kTwinArrayHeaderBytes = 48;
// The fields (or elements) the twin gives an object drawn at `sampled` bytes behind a header of
// `header_bytes`: one per whole 8 bytes beyond the header, and at least one per slot.
std::size_t TwinFieldCount(std::size_t header_bytes, std::size_t sampled, std::uint32_t slots) {
  const std::size_t fields = sampled >= header_bytes ? (sampled - header_bytes) / kTaggedSize : 0;
  return std::max<std::size_t>(slots, fields);
}
}  // namespace

// Everything the script can reach. Lives for one run (or one describe).
class WorkloadBridge : public QObject {
  Q_OBJECT

 public:
  WorkloadBridge(QJSEngine* engine, Heap* heap, const WorkloadOptions& options, WorkloadInfo* info)
      : engine_(engine),
        heap_(heap),
        options_(options),
        info_(info),
        rng_(MakeRng(options.seed)),
        persistent_page_anchor_(engine->newObject()) {}

  bool describe_only = false;
  // Set from another thread by WorkloadHost::RequestStop() or by the watchdog (`abandon`);
  // every API call then throws.
  const std::atomic<bool>* stop_requested = nullptr;
  std::atomic<bool> abandon{false};
  bool stopped = false;
  bool out_of_memory = false;
  std::string last_method;  // the API call that failed, for the error column
  std::atomic<std::uint64_t> progress{0};

  struct Timer {
    double due;
    std::uint64_t seq;
    int id;
    double interval;         // 0 = once
    std::int64_t remaining;  // -1 = forever
    std::int64_t index;      // request number passed to the handler
    QJSValue fn;
    int line = 0;  // where the script scheduled it
  };
  struct Later {
    bool operator()(const Timer& a, const Timer& b) const {
      return a.due != b.due ? a.due > b.due : a.seq > b.seq;
    }
  };
  // A binary heap (std::push_heap / std::pop_heap with Later), earliest due first; not a
  // std::priority_queue, whose top() can only be copied out, and a QJSValue copy takes and
  // frees a persistent slot.
  std::vector<Timer> timers;

  // Takes the earliest timer out of `timers`.
  Timer PopTimer() {
    std::pop_heap(timers.begin(), timers.end(), Later());
    Timer t = std::move(timers.back());
    timers.pop_back();
    return t;
  }
  std::set<int> cancelled;

  // Releases held objects whose lifetime ended.
  void Expire() {
    while (!held_.empty() && held_.top().first <= heap_->now_ms()) {
      heap_->DisposeGlobal(held_.top().second.second);
      held_.pop();
    }
  }

  Q_INVOKABLE void describe(const QJSValue& v) {
    if (!v.isObject()) return Throw(QJSValue::TypeError, "workload() takes an object");
    info_->description = v.property("description").toString().toStdString();
    if (v.property("description").isUndefined()) info_->description.clear();
    QJSValue flags = v.property("flags");
    info_->suggested_flags.clear();
    const int n = flags.property("length").toInt();
    for (int i = 0; i < n; ++i)
      info_->suggested_flags.push_back(
          flags.property(static_cast<quint32>(i)).toString().toStdString());
    if (v.property("durationMs").isNumber())
      info_->duration_ms = v.property("durationMs").toNumber();
    if (describe_only) engine_->throwError(QString::fromLatin1(kDescribeSentinel));
  }

  Q_INVOKABLE double site(const QString& name) {
    return Guard("heap.site", [&] {
      if (name.isEmpty()) throw HeapUsageError("a site needs a name");
      return static_cast<double>(heap_->RegisterAllocationSite(name.toStdString()));
    });
  }

  // Whether the prelude measures the script's own literals (--script-objects).
  Q_INVOKABLE bool scriptObjects() const { return heap_->flags().script_objects; }

  // heap.alloc(size, {slots, kind, site, old}); script_bytes is what the prelude measured of
  // the call's literals (0 unless --script-objects).
  Q_INVOKABLE double alloc(const QJSValue& size,
                           double slot_count,
                           const QString& kind,
                           const QString& site_name,
                           bool old,
                           double script_bytes) {
    return Guard("heap.alloc", [&] {
      AllocSpec s = BasicSpec(ParseDistribution(size, "size"), slot_count, kind, site_name, old);
      ++progress;
      AllocateScriptObjects(
          script_bytes + static_cast<double>(TwinWarmup(TwinCall::kAlloc) + DrawWarmup(s.size, 1)));
      ObjectRef r = AllocateObject(s, SampleSize(s.size),
                                   s.old ? AllocationType::kOld : AllocationType::kYoung);
      return Code(false, heap_->CreateLocal(r));
    });
  }

  // heap.allocMany(spec) with the spec's fields read by the prelude (their defaults applied):
  // an API call's object arguments are slow to read from C++, one property at a time.
  Q_INVOKABLE double allocMany(bool is_object,
                               double count,
                               const QJSValue& size,
                               double size_min,
                               double size_max,
                               const QString& kind,
                               const QString& site_name,
                               double slot_count,
                               bool old,
                               const QString& shape,
                               const QJSValue& lifetime,
                               double script_bytes) {
    return Guard("heap.allocMany", [&] {
      if (!is_object) throw HeapUsageError("allocMany takes an object");
      return AllocMany(count, size, size_min, size_max, kind, site_name, slot_count, old,
                       shape.toStdString(), lifetime, script_bytes);
    });
  }

  Q_INVOKABLE void setSlot(double host, double slot, double value) {
    Guard("set", [&] {
      ++progress;
      heap_->WriteSlot(Deref(host), SlotIndex(slot), value == 0 ? kNullRef : Deref(value));
      return 0.0;
    });
  }

  Q_INVOKABLE double getSlot(double host, double slot) {
    return Guard("get", [&] {
      ObjectRef v = heap_->ReadSlot(Deref(host), SlotIndex(slot));
      return v == kNullRef ? 0.0 : Code(false, heap_->CreateLocal(v));
    });
  }

  Q_INVOKABLE double makeGlobal(double h) {
    return Guard("heap.global",
                 [&] { return Code(true, heap_->CreateGlobalInContainer(Deref(h))); });
  }

  Q_INVOKABLE void release(double h) {
    Guard("heap.release", [&] {
      if (h <= 0) throw HeapUsageError("only global handles (from heap.global) can be released");
      ++progress;
      heap_->DisposeGlobal(static_cast<std::uint32_t>(h - 1));
      return 0.0;
    });
  }

  Q_INVOKABLE void hold(double h, double ms) {
    Guard("heap.hold", [&] {
      if (!(ms >= 0) || !std::isfinite(ms))
        throw HeapUsageError("hold time must be a non-negative number of ms");
      Hold(Deref(h), ms);
      return 0.0;
    });
  }

  Q_INVOKABLE void openScope(bool new_closure) {
    ThrowIfAbandoned();
    if (new_closure)
      Guard("heap.scope", [&] {
        heap_->Allocate(kScopeClosureBytes, 0, ObjectKind::kClosure, 0, AllocationType::kYoung);
        return 0.0;
      });
    heap_->OpenHandleScope();
  }
  Q_INVOKABLE void closeScope() {
    Guard("heap.scope", [&] {
      heap_->CloseHandleScope();
      return 0.0;
    });
  }

  Q_INVOKABLE double sizeOf(double h) {
    return Guard("size", [&] { return static_cast<double>(heap_->object(Deref(h)).size_bytes); });
  }
  Q_INVOKABLE double slotCount(double h) {
    return Guard("slots", [&] { return static_cast<double>(heap_->object(Deref(h)).slot_count); });
  }
  Q_INVOKABLE QString spaceOf(double h) {
    std::string s;
    Guard("space", [&] {
      s = std::string(ToKey(heap_->space_of(Deref(h))));
      return 0.0;
    });
    return QString::fromStdString(s);
  }
  Q_INVOKABLE QString kindOf(double h) {
    std::string s;
    Guard("kind", [&] {
      s = std::string(ToString(heap_->object(Deref(h)).object_kind()));
      return 0.0;
    });
    return QString::fromStdString(s);
  }

  Q_INVOKABLE void gc(const QString& kind) {
    Guard("heap.gc", [&] {
      ++progress;
      if (kind == "young" || kind == "scavenge")
        heap_->CollectGarbage(AllocationSpace::kNew, GarbageCollectionReason::kTesting);
      else if (kind == "full")
        heap_->CollectGarbage(AllocationSpace::kOld, GarbageCollectionReason::kTesting);
      else if (kind == "incremental")
        heap_->StartIncrementalMarking();
      else
        throw HeapUsageError(
            "heap.gc kind must be \"young\", \"full\" or \"incremental\", "
            "not \"" +
            kind.toStdString() + "\"");
      return 0.0;
    });
  }

  // One main-thread incremental marking step of at most `ms`; true once marking is complete.
  Q_INVOKABLE bool markStep(double ms) {
    bool done = false;
    Guard("heap.markStep", [&] {
      ++progress;
      if (!(ms > 0)) throw HeapUsageError("heap.markStep(ms) needs ms > 0");
      if (!heap_->IsMarking())
        throw HeapUsageError(
            "heap.markStep: no marking is running; start "
            "it with heap.gc(\"incremental\")");
      done = heap_->AdvanceIncrementalMarkingForTesting(ms);
      return 0.0;
    });
    return done;
  }

  Q_INVOKABLE QJSValue stats() {
    ThrowIfAbandoned();
    QJSValue o = engine_->newObject();
    o.setProperty("timeMs", heap_->now_ms());
    o.setProperty("heapUsed", static_cast<double>(heap_->SizeOfObjects()));
    o.setProperty("heapCommitted", static_cast<double>(heap_->CommittedMemory()));
    o.setProperty("oldGeneration", static_cast<double>(heap_->OldGenerationSizeOfObjects()));
    o.setProperty("newSpace", static_cast<double>(heap_->new_space().Size()));
    o.setProperty("scavenges", static_cast<double>(heap_->scavenge_count()));
    o.setProperty("markCompacts", static_cast<double>(heap_->mark_compact_count()));
    o.setProperty("allocated", static_cast<double>(heap_->allocated_total_bytes()));
    return o;
  }

  Q_INVOKABLE double now() {
    ThrowIfAbandoned();
    return heap_->now_ms();
  }

  Q_INVOKABLE void work(double ms) {
    Guard("sim.work", [&] {
      ++progress;
      heap_->AdvanceTime(ms);
      Expire();
      return 0.0;
    });
  }

  // The scheduling calls take the script's stack at the call (for the callback's line).
  Q_INVOKABLE double every(double ms, const QJSValue& fn, const QString& stack) {
    return Schedule("sim.every", ms, fn, ms, -1, stack);
  }
  Q_INVOKABLE double after(double ms, const QJSValue& fn, const QString& stack) {
    return Schedule("sim.after", ms, fn, 0, 1, stack);
  }

  Q_INVOKABLE double requests(const QJSValue& spec, const QString& stack) {
    return Guard("sim.requests", [&] {
      QJSValue handler = spec.property("handler");
      if (!handler.isCallable()) throw HeapUsageError("sim.requests needs a handler function");
      const double rate = spec.property("rate").toNumber();
      if (!(rate > 0) || !std::isfinite(rate))
        throw HeapUsageError("sim.requests needs a positive rate (requests per second)");
      std::int64_t count = -1;
      if (spec.property("count").isNumber())
        count = static_cast<std::int64_t>(spec.property("count").toNumber());
      if (count == 0) throw HeapUsageError("sim.requests count must be positive");
      const double start =
          spec.property("startMs").isNumber() ? spec.property("startMs").toNumber() : 0;
      const double interval = 1000.0 / rate;
      return static_cast<double>(
          Push(heap_->now_ms() + start, interval, count, handler, WorkloadLineInStack(stack)));
    });
  }

  Q_INVOKABLE void cancel(double id) { cancelled.insert(static_cast<int>(id)); }
  Q_INVOKABLE void stop() { stopped = true; }
  // sim.random() and Math.random(); with unit_of_random_int, the draw of sim.randomInt.
  Q_INVOKABLE double random(bool unit_of_random_int = false) {
    ThrowIfAbandoned();
    const std::size_t warmup =
        describe_only ? 0
                      : TwinWarmup(unit_of_random_int ? TwinCall::kRandomInt : TwinCall::kRandom);
    if (warmup > 0)
      Guard(unit_of_random_int ? "sim.randomInt" : "sim.random", [&] {
        AllocateScriptObjects(static_cast<double>(warmup));
        return 0.0;
      });
    return UniformUnit(rng_);
  }
  Q_INVOKABLE void log(const QString& text) {
    ThrowIfAbandoned();
    if (!describe_only) std::fprintf(stderr, "%s\n", text.toUtf8().constData());
  }

  // Puts a repeating timer back with its next due time, after earlier-scheduled equals.
  void Reschedule(Timer t) {
    t.seq = seq_++;
    timers.push_back(std::move(t));
    std::push_heap(timers.begin(), timers.end(), Later());
  }

  int Push(double due, double interval, std::int64_t remaining, const QJSValue& fn, int line) {
    const int id = next_timer_id_++;
    timers.push_back(Timer{due, seq_++, id, interval, remaining, 0, fn, line});
    std::push_heap(timers.begin(), timers.end(), Later());
    return id;
  }

 private:
  struct AllocSpec {
    Distribution size;
    std::uint32_t slot_count = 0;
    ObjectKind kind = ObjectKind::kObject;
    std::uint32_t site = 0;
    bool old = false;
  };
  // One of the twin's literal factories (one per site and field count): compiled on first
  // use, optimized by TurboFan after enough calls.
  struct LiteralFactory {
    std::size_t fields = 0;
    std::uint64_t calls = 0;
    bool compiled = false;
    bool optimized = false;
  };

  // A stop request or the watchdog ends the script with an ordinary exception at its next API
  // call, which QV4 unwinds cleanly (an interrupt raised while native code runs can crash its
  // JIT).
  void ThrowIfAbandoned() {
    if (abandon.load(std::memory_order_relaxed) ||
        (stop_requested && stop_requested->load(std::memory_order_relaxed)))
      engine_->throwError(QString::fromLatin1(kStoppedMessage));
  }

  void Throw(QJSValue::ErrorType type, const std::string& message) {
    engine_->throwError(type, QString::fromStdString(message));
  }

  template <class F>
  double Guard(const char* method, F&& f) {
    if (describe_only) {
      engine_->throwError(QString::fromLatin1(kDescribeSentinel));
      return 0;
    }
    try {
      const double r = f();
      ThrowIfAbandoned();
      return r;
    } catch (const HeapUsageError& e) {
      last_method = method;
      Throw(QJSValue::RangeError, std::string(method) + ": " + e.what());
    } catch (const OutOfMemoryError& e) {
      out_of_memory = true;
      Throw(QJSValue::GenericError, e.what());
    }
    return 0;
  }

  double Schedule(const char* method,
                  double delay,
                  const QJSValue& fn,
                  double interval,
                  std::int64_t remaining,
                  const QString& stack) {
    return Guard(method, [&] {
      if (!fn.isCallable()) throw HeapUsageError("needs a function");
      if (!(delay >= 0) || !std::isfinite(delay))
        throw HeapUsageError("delay must be a non-negative number of ms");
      if (remaining < 0 && !(interval > 0)) throw HeapUsageError("interval must be positive");
      return static_cast<double>(
          Push(heap_->now_ms() + delay, interval, remaining, fn, WorkloadLineInStack(stack)));
    });
  }

  // Handle codes: global h -> h + 1; local l -> -(1 + l + generation * 2^32). The generation
  // tells a stale local (its scope closed, the index reused) from a live one.
  double Code(bool global, std::uint32_t handle) {
    if (global) return static_cast<double>(handle) + 1;
    if (handle >= local_generation_.size()) local_generation_.resize(handle + 1, 0);
    const std::uint32_t gen = ++local_generation_[handle] & 0xfffffu;
    return -(1.0 + static_cast<double>(handle) + static_cast<double>(gen) * 4294967296.0);
  }

  ObjectRef Deref(double code) {
    if (code == 0 || !std::isfinite(code) || code != std::floor(code))
      throw HeapUsageError("not a heap object");
    ObjectRef r;
    if (code > 0) {
      r = heap_->Global(static_cast<std::uint32_t>(code - 1));
    } else {
      const double v = -code - 1;
      const auto gen = static_cast<std::uint32_t>(std::floor(v / 4294967296.0));
      const auto index = static_cast<std::uint32_t>(v - static_cast<double>(gen) * 4294967296.0);
      if (index >= heap_->local_count() || index >= local_generation_.size() ||
          (local_generation_[index] & 0xfffffu) != gen)
        throw HeapUsageError("local handle " + std::to_string(index) +
                             " is not alive (its handle scope was closed; keep objects with "
                             "heap.global)");
      r = heap_->Local(index);
    }
    if (r == kNullRef) throw HeapUsageError("the handle holds no object");
    return r;
  }

  static std::uint32_t SlotIndex(double slot) {
    if (!(slot >= 0) || slot != std::floor(slot) || slot > 4e9)
      throw HeapUsageError("slot index must be a non-negative integer");
    return static_cast<std::uint32_t>(slot);
  }

  // A {min, max} distribution, checked: the parser's and the prelude's (which reads a
  // {min, max} size itself: reading it again from C++ costs more).
  static Distribution Uniform(double min, double max, const char* what) {
    Distribution d;
    d.kind = Distribution::Kind::kUniform;
    d.a = min;
    d.b = max;
    if (!(d.a >= 0 && d.b >= d.a))
      throw HeapUsageError(std::string(what) + " needs 0 <= min <= max");
    if (!std::isfinite(d.a) || !std::isfinite(d.b))
      throw HeapUsageError(std::string(what) + " must be non-negative");
    return d;
  }

  Distribution ParseDistribution(const QJSValue& v, const char* what) {
    Distribution d;
    if (v.isNumber()) {
      d.a = v.toNumber();
      if (!(d.a >= 0) || !std::isfinite(d.a))
        throw HeapUsageError(std::string(what) + " must be a non-negative number");
      return d;
    }
    if (!v.isObject())
      throw HeapUsageError(
          std::string(what) +
          " must be a number or a distribution {min,max} | {mean} | {mean,sd} | {values,weights}");
    auto num = [&](const char* key) { return v.property(key).toNumber(); };
    if (v.property("values").isArray()) {
      d.kind = Distribution::Kind::kDiscrete;
      QJSValue vals = v.property("values"), ws = v.property("weights");
      const int n = vals.property("length").toInt();
      for (int i = 0; i < n; ++i) {
        d.values.push_back(vals.property(static_cast<quint32>(i)).toNumber());
        d.weights.push_back(ws.isArray() ? ws.property(static_cast<quint32>(i)).toNumber() : 1.0);
      }
      if (d.values.empty()) throw HeapUsageError(std::string(what) + " values must not be empty");
    } else if (v.property("min").isNumber() && v.property("max").isNumber()) {
      return Uniform(num("min"), num("max"), what);
    } else if (v.property("mean").isNumber() && v.property("sd").isNumber()) {
      d.kind = Distribution::Kind::kNormal;
      d.a = num("mean");
      d.b = num("sd");
    } else if (v.property("mean").isNumber()) {
      d.kind = Distribution::Kind::kExponential;
      d.a = num("mean");
    } else {
      throw HeapUsageError(
          std::string(what) +
          " must be a number or a distribution {min,max} | {mean} | {mean,sd} | {values,weights}");
    }
    if (!(d.a >= 0) || !std::isfinite(d.a) || !std::isfinite(d.b))
      throw HeapUsageError(std::string(what) + " must be non-negative");
    return d;
  }

  AllocSpec BasicSpec(Distribution size,
                      double slot_count,
                      const QString& kind,
                      const QString& site_name,
                      bool old) {
    AllocSpec s;
    s.size = std::move(size);
    if (s.size.kind == Distribution::Kind::kConstant && s.size.a <= 0)
      throw HeapUsageError("size must be positive, got " +
                           std::to_string(static_cast<long long>(s.size.a)));
    if (!(slot_count >= 0) || slot_count != std::floor(slot_count) || slot_count > 1e8)
      throw HeapUsageError("slots must be a non-negative integer");
    s.slot_count = static_cast<std::uint32_t>(slot_count);
    if (!ParseObjectKind(kind.toStdString(), &s.kind))
      throw HeapUsageError("unknown kind \"" + kind.toStdString() +
                           "\" (object, array, string, closure, code)");
    if (!site_name.isEmpty()) s.site = heap_->RegisterAllocationSite(site_name.toStdString());
    s.old = old;
    return s;
  }

  std::size_t SampleSize(const Distribution& d) {
    double v = std::round(d.Sample(rng_));
    return static_cast<std::size_t>(std::max(8.0, v));
  }

  // The script's own objects among a call's arguments (measured by the prelude's
  // literalBytes): young garbage allocated before the call uses them.
  void AllocateScriptObjects(double bytes) {
    if (bytes > 0)
      heap_->Allocate(static_cast<std::size_t>(bytes), 0, ObjectKind::kObject, 0,
                      AllocationType::kYoung);
  }

  // The twin's warm-up garbage for `count` calls of a kind (--script-warmup, with
  // --script-objects), counting them: bytes the caller adds to the script's own objects.
  std::size_t TwinWarmup(TwinCall call, std::uint64_t count = 1) {
    const HeapFlags& f = heap_->flags();
    if (!f.script_objects || !f.script_warmup || count == 0) return 0;
    std::uint64_t& done = twin_calls_[static_cast<std::size_t>(
        call == TwinCall::kNormalDraw ? TwinCall::kDraw : call)];
    const std::size_t bytes = TwinWarmupBytes(call, done, count);
    if (f.optimizing_compiles && TwinTierUps(call, done, count) > 0)
      heap_->PublishPendingAllocations();
    done += count;
    return bytes;
  }
  // The warm-up of `count` draws from d: none for a constant, which the twin does not draw.
  std::size_t DrawWarmup(const Distribution& d, std::uint64_t count) {
    if (d.kind == Distribution::Kind::kConstant) return 0;
    return TwinWarmup(
        d.kind == Distribution::Kind::kNormal ? TwinCall::kNormalDraw : TwinCall::kDraw, count);
  }

  // Size big enough for `slots` slots even when the distribution draws less.
  std::size_t SampleSizeFor(const Distribution& d, std::uint32_t slot_count) {
    return std::max(SampleSize(d), kTaggedSize * (std::size_t{slot_count} + 1));
  }

  // The twin makes each plain object with a literal factory compiled on first use, one per
  // site and field count (tools/node-twin/twin.js factoryFor); allocated under
  // --script-objects, as the script's other costs are (kLiteralFactory* above). nullptr for an
  // object the twin makes otherwise (not a plain object, or a large one).
  LiteralFactory* LiteralFactoryFor(const AllocSpec& s, std::size_t sampled_size) {
    if (!heap_->flags().script_objects || s.kind != ObjectKind::kObject ||
        sampled_size > heap_->config().max_regular_object_size_bytes)
      return nullptr;
    const std::size_t fields = TwinFieldCount(kTwinObjectHeaderBytes, sampled_size, s.slot_count);
    if (literal_factories_by_site_.size() <= s.site) literal_factories_by_site_.resize(s.site + 1);
    std::vector<LiteralFactory>& by_fields = literal_factories_by_site_[s.site];
    if (by_fields.size() <= fields) by_fields.resize(fields + 1);
    LiteralFactory& factory = by_fields[fields];
    factory.fields = fields;
    return &factory;
  }

  // Calls of the factory before the one TurboFan's job is prepared at (0: the next call);
  // unlimited once optimized or without optimizing compiles. A run of objects ends there, so
  // that call starts a run of its own.
  std::uint64_t LiteralCallsBeforeCompile(const LiteralFactory* factory) const {
    if (factory == nullptr || !heap_->flags().optimizing_compiles || factory->optimized)
      return std::numeric_limits<std::uint64_t>::max();
    return factory->calls + 1 >= kLiteralFactoryCallsToOptimize
               ? 0
               : kLiteralFactoryCallsToOptimize - 1 - factory->calls;
  }

  // The factory's next call: compiled before its first call, optimized before its
  // kLiteralFactoryCallsToOptimize-th (--optimizing-compiles). The caller counts the calls.
  void PrepareLiteralCall(LiteralFactory* factory) {
    if (factory == nullptr) return;
    if (!factory->compiled) CompileLiteralFactory(*factory);
    if (LiteralCallsBeforeCompile(factory) == 0) {
      factory->optimized = true;
      heap_->PublishPendingAllocations();
    }
  }

  void CompileLiteralFactory(LiteralFactory& factory) {
    factory.compiled = true;
    const std::size_t fields = factory.fields;
    if (!literal_factories_) literal_factories_ = heap_->CreateGlobal(kNullRef);
    const std::uint32_t kept = *literal_factories_;  // kept young -> kept old -> previous
    // Source text, parser and compiler garbage, then what stays: young, old and code. Each
    // kept object is in the list (rooted) before the next allocation can collect.
    heap_->Allocate(kLiteralFactoryYoungGarbage.Bytes(fields), 0, ObjectKind::kString, 0,
                    AllocationType::kYoung);
    const ObjectRef young = heap_->Allocate(kLiteralFactoryYoungKept.Bytes(fields), 1,
                                            ObjectKind::kClosure, 0, AllocationType::kYoung);
    heap_->WriteSlot(young, 0, heap_->Global(kept));
    heap_->SetGlobal(kept, young);
    // A kept old object goes into the list right after the young head.
    const auto keep_old = [&](std::size_t bytes) {
      const ObjectRef o = heap_->Allocate(bytes, 1, ObjectKind::kObject, 0, AllocationType::kOld);
      heap_->WriteSlot(o, 0, heap_->ReadSlot(heap_->Global(kept), 0));
      heap_->WriteSlot(heap_->Global(kept), 0, o);
    };
    keep_old(kLiteralFactoryOldKeptBytes);
    heap_->Allocate(kLiteralFactoryOldGarbage.Bytes(fields), 0, ObjectKind::kObject, 0,
                    AllocationType::kOld);
    if (literal_maps_.size() <= fields) literal_maps_.resize(fields + 1, false);
    if (!literal_maps_[fields]) {
      literal_maps_[fields] = true;
      keep_old(kLiteralMapBytes.Bytes(fields));
    }
    heap_->Allocate(kLiteralFactoryCodeBytes, 0, ObjectKind::kCode, 0, AllocationType::kOld);
  }

  // One object of the spec: its literal factory's call first (PrepareLiteralCall), then the
  // object.
  ObjectRef AllocateObject(const AllocSpec& s, std::size_t size, AllocationType type) {
    LiteralFactory* factory = LiteralFactoryFor(s, size);
    PrepareLiteralCall(factory);
    const ObjectRef r = heap_->Allocate(ObjectSize(s, size), s.slot_count, s.kind, s.site, type);
    if (factory) ++factory->calls;
    return r;
  }

  // The bytes of one object of the spec drawn at `sampled` bytes, as the twin makes it
  // (tools/node-twin/twin.js makeObject): a plain object is a JSObject of 24 bytes and a field
  // of 8 for every whole 8 bytes beyond (at least its slots); an array or code object, and a
  // plain object too large for a regular page, a JSArray and its elements, 48 bytes and 8 per
  // element; a closure at least its function and the context that holds its slots
  // (ClosureSize). The heap rounds the rest (strings) up to 8 bytes.
  std::size_t ObjectSize(const AllocSpec& s, std::size_t sampled) const {
    const auto with_fields = [&](std::size_t header) {
      return header + kTaggedSize * TwinFieldCount(header, sampled, s.slot_count);
    };
    switch (s.kind) {
      case ObjectKind::kClosure:
        return std::max(sampled, ClosureSize(s.slot_count));
      case ObjectKind::kObject:
        if (sampled <= heap_->config().max_regular_object_size_bytes)
          return with_fields(kTwinObjectHeaderBytes);
        return with_fields(kTwinArrayHeaderBytes);
      case ObjectKind::kArray:
      case ObjectKind::kCode:
        return with_fields(kTwinArrayHeaderBytes);
      default:
        return sampled;
    }
  }

  void Hold(ObjectRef r, double ms) {
    std::uint32_t g = heap_->CreateGlobalInContainer(r);
    held_.push({heap_->now_ms() + ms, {hold_seq_++, g}});
  }

  // size_min and size_max are a {min, max} size the prelude read, NaN for any other size.
  double AllocMany(double count_d,
                   const QJSValue& size,
                   double size_min,
                   double size_max,
                   const QString& kind,
                   const QString& site,
                   double slot_count,
                   bool old,
                   const std::string& shape,
                   const QJSValue& lifetime_spec,
                   double script_bytes) {
    if (!(count_d >= 0) || count_d != std::floor(count_d) || count_d > 1e9)
      throw HeapUsageError("count must be a non-negative integer");
    const auto count = static_cast<std::size_t>(count_d);
    AllocSpec s = BasicSpec(std::isnan(size_min) ? ParseDistribution(size, "size")
                                                 : Uniform(size_min, size_max, "size"),
                            slot_count, kind, site, old);
    std::optional<Distribution> lifetime;
    if (!lifetime_spec.isUndefined()) lifetime = ParseDistribution(lifetime_spec, "lifetime");
    const AllocationType type = s.old ? AllocationType::kOld : AllocationType::kYoung;
    if ((shape == "list" || shape == "tree") && s.slot_count == 0)
      throw HeapUsageError("shape \"" + shape + "\" needs at least one slot per object");
    if (shape != "standalone" && shape != "list" && shape != "tree" && shape != "array")
      throw HeapUsageError("unknown shape \"" + shape + "\" (standalone, list, tree, array)");
    // The twin draws a size per object, and a lifetime per object (standalone) or for the
    // result; its warm-up garbage comes before the objects.
    const std::uint64_t lifetime_draws = shape == "standalone" ? count : (count > 0 ? 1 : 0);
    AllocateScriptObjects(
        script_bytes +
        static_cast<double>(TwinWarmup(TwinCall::kAllocMany) + DrawWarmup(s.size, count) +
                            (lifetime ? DrawWarmup(*lifetime, lifetime_draws) : 0)));
    if (count == 0) return 0;
    progress += count;

    ObjectRef result = kNullRef;
    heap_->OpenHandleScope();
    try {
      // Constant-size young objects go through the heap's bulk path: a page-sized run per
      // call, the same objects and side effects as one Allocate each.
      const bool bulk = s.size.kind == Distribution::Kind::kConstant && !s.old;
      // Sampled only for a constant size: a distribution's draws must match the twin's, one
      // per object.
      const std::size_t fixed_size =
          bulk ? RoundUp(ObjectSize(s, SampleSizeFor(s.size, s.slot_count)), kTaggedSize) : 0;
      std::vector<ObjectRef> run(bulk ? std::min<std::size_t>(count, 4096) : 0);
      // A bulk run's objects share one factory (no draw); a run ends before the call its
      // optimizing compile comes at.
      LiteralFactory* factory =
          bulk ? LiteralFactoryFor(s, SampleSizeFor(s.size, s.slot_count)) : nullptr;
      const auto run_length = [&](std::size_t left) {
        PrepareLiteralCall(factory);
        return static_cast<std::size_t>(std::min<std::uint64_t>(
            {left, run.size(), std::max<std::uint64_t>(1, LiteralCallsBeforeCompile(factory))}));
      };
      const auto ran = [&](std::size_t n) {
        if (factory) factory->calls += n;
      };
      if (shape == "standalone") {
        for (std::size_t i = 0; i < count;) {
          if (bulk && !lifetime) {
            const std::size_t n = heap_->TryAllocateYoungRun(
                run_length(count - i), fixed_size, s.slot_count, s.kind, s.site, run.data());
            ran(n);
            if (n > 0) {
              i += n;
              continue;
            }
          }
          ObjectRef r = AllocateObject(s, SampleSizeFor(s.size, s.slot_count), type);
          if (lifetime) Hold(r, lifetime->Sample(rng_));
          ++i;
        }
      } else if (shape == "list") {
        std::uint32_t head = heap_->CreateLocal(kNullRef);
        for (std::size_t i = 0; i < count;) {
          if (bulk) {
            const std::size_t n =
                heap_->TryAllocateYoungRun(run_length(count - i), fixed_size, s.slot_count, s.kind,
                                           s.site, run.data(), true, heap_->Local(head));
            ran(n);
            if (n > 0) {
              heap_->SetLocal(head, run[n - 1]);
              i += n;
              continue;
            }
          }
          ObjectRef r = AllocateObject(s, SampleSizeFor(s.size, s.slot_count), type);
          if (heap_->Local(head) != kNullRef) heap_->WriteSlot(r, 0, heap_->Local(head));
          heap_->SetLocal(head, r);
          ++i;
        }
        result = heap_->Local(head);
      } else if (shape == "tree") {
        std::vector<std::uint32_t> nodes;
        nodes.reserve(count / s.slot_count + 2);
        const std::size_t parents = (count - 1) / s.slot_count + 1;
        for (std::size_t i = 0; i < count; ++i) {
          ObjectRef r = AllocateObject(s, SampleSizeFor(s.size, s.slot_count), type);
          if (i < parents) nodes.push_back(heap_->CreateLocal(r));
          if (i > 0) {
            std::uint32_t slot = static_cast<std::uint32_t>((i - 1) % s.slot_count);
            heap_->WriteSlot(heap_->Local(nodes[(i - 1) / s.slot_count]), slot,
                             i < parents ? heap_->Local(nodes.back()) : r);
          }
        }
        result = heap_->Local(nodes[0]);
      } else {  // array: one array object whose slots hold the children
        if (count > 100000000) throw HeapUsageError("array shape supports at most 1e8 children");
        const auto n = static_cast<std::uint32_t>(count);
        std::uint32_t array =
            heap_->CreateLocal(heap_->Allocate(kTwinArrayHeaderBytes + kTaggedSize * std::size_t{n},
                                               n, ObjectKind::kArray, s.site, type));
        for (std::uint32_t i = 0; i < n; ++i) {
          ObjectRef r = AllocateObject(s, SampleSizeFor(s.size, s.slot_count), type);
          heap_->WriteSlot(heap_->Local(array), i, r);
        }
        result = heap_->Local(array);
      }
    } catch (...) {
      if (!heap_->is_out_of_memory()) heap_->CloseHandleScope();
      throw;
    }
    heap_->CloseHandleScope();
    if (result == kNullRef) return 0;
    if (lifetime) Hold(result, lifetime->Sample(rng_));
    return Code(false, heap_->CreateLocal(result));
  }

  QJSEngine* engine_;
  Heap* heap_;
  WorkloadOptions options_;
  WorkloadInfo* info_;
  std::mt19937_64 rng_;
  // Holds one slot of the engine's persistent-value storage for the whole run. Every QJSValue
  // argument of an API call (alloc's size and options, allocMany's spec) takes a persistent
  // slot, and Qt unmaps a storage page as soon as its last slot is freed: without this anchor a
  // loop of API calls maps and unmaps a page per call (memfd_create, mmap, munmap and a TLB
  // shoot-down each; lru-cache's 20 000-entry fill made 40 000 of them).
  QJSValue persistent_page_anchor_;
  std::vector<std::vector<LiteralFactory>> literal_factories_by_site_;  // then by field count
  std::optional<std::uint32_t> literal_factories_;  // global handle: the factories kept
  std::vector<bool> literal_maps_;                  // field counts whose literal map exists
  // Calls made so far of each TwinCall kind, by its value (normal draws count as kDraw).
  std::array<std::uint64_t, 6> twin_calls_{};
  int next_timer_id_ = 1;
  std::uint64_t seq_ = 0;
  std::uint64_t hold_seq_ = 0;
  std::vector<std::uint32_t> local_generation_;
  using HeldEntry = std::pair<double, std::pair<std::uint64_t, std::uint32_t>>;
  std::priority_queue<HeldEntry, std::vector<HeldEntry>, std::greater<HeldEntry>> held_;
};

namespace {

// The 1-based column of the failure on `line` of `source`: the failing API method's name, the
// undefined identifier, or the first non-blank character. QJSEngine reports no columns.
int GuessColumn(const std::string& source,
                int line,
                const std::string& method,
                const std::string& message) {
  std::size_t pos = 0;
  for (int l = 1; l < line && pos != std::string::npos; ++l) {
    pos = source.find('\n', pos);
    if (pos != std::string::npos) ++pos;
  }
  if (pos == std::string::npos) return 1;
  std::string text = source.substr(pos, source.find('\n', pos) - pos);
  auto find_word = [&](const std::string& w) -> int {
    if (w.empty()) return 0;
    std::size_t at = text.find(w);
    return at == std::string::npos ? 0 : static_cast<int>(at) + 1;
  };
  if (!method.empty()) {
    std::string name =
        method.substr(method.find('.') == std::string::npos ? 0 : method.find('.') + 1);
    if (int c = find_word("." + name + "(")) return c + 1;
    if (int c = find_word(name + "(")) return c;
  }
  const std::string not_defined = " is not defined";
  if (auto at = message.find(not_defined); at != std::string::npos) {
    std::size_t start = message.rfind(' ', at - 1);
    std::string ident = message.substr(start == std::string::npos ? 0 : start + 1,
                                       at - (start == std::string::npos ? 0 : start + 1));
    if (int c = find_word(ident)) return c;
  }
  std::size_t first = text.find_first_not_of(" \t");
  return first == std::string::npos ? 1 : static_cast<int>(first) + 1;
}

// The first line with a loop keyword whose following text up to the loop's closing brace makes
// no heap./sim. call: where a script that stopped making progress most likely spins.
int FindSuspectLoop(const std::string& source) {
  std::vector<std::string> lines;
  std::size_t start = 0;
  while (start <= source.size()) {
    std::size_t end = source.find('\n', start);
    lines.push_back(
        source.substr(start, end == std::string::npos ? std::string::npos : end - start));
    if (end == std::string::npos) break;
    start = end + 1;
  }
  for (std::size_t i = 0; i < lines.size(); ++i) {
    const std::string& l = lines[i];
    if (l.find("while") == std::string::npos && l.find("for ") == std::string::npos &&
        l.find("for(") == std::string::npos && l.find("do ") == std::string::npos)
      continue;
    int depth = 0;
    bool opened = false, calls_api = false;
    for (std::size_t j = i; j < lines.size() && !(opened && depth == 0); ++j) {
      const std::string& b = lines[j];
      if (b.find("heap.") != std::string::npos || b.find("sim.") != std::string::npos)
        calls_api = true;
      for (char c : b) {
        if (c == '{') {
          ++depth;
          opened = true;
        }
        if (c == '}') --depth;
      }
    }
    if (!calls_api) return static_cast<int>(i) + 1;
  }
  return 1;
}

// The workload line of an error: its innermost workload frame, else its own line if that is
// the workload's (0 when it is the prelude's).
int WorkloadLineOf(const QJSValue& error) {
  if (int line = WorkloadLineInStack(error.property("stack").toString())) return line;
  return WorkloadLine(error.property("lineNumber").toInt());
}

// Ends a script that makes no simulated progress for `seconds` (0: never) or that was asked to
// stop: first by setting `abandon`, which makes its next API call throw; a script that reaches
// no API call within kGrace (a loop of pure JavaScript) is then interrupted.
class Watchdog {
 public:
  Watchdog(QJSEngine* engine,
           const std::atomic<std::uint64_t>* progress,
           std::atomic<bool>* abandon,
           double seconds,
           const std::atomic<bool>* stop_requested = nullptr)
      : engine_(engine),
        progress_(progress),
        abandon_(abandon),
        seconds_(seconds),
        stop_requested_(stop_requested) {
    if (seconds_ > 0 || stop_requested_) thread_ = std::thread([this] { Loop(); });
  }
  ~Watchdog() {
    {
      std::lock_guard<std::mutex> lock(mutex_);
      done_ = true;
    }
    cv_.notify_all();
    if (thread_.joinable()) thread_.join();
  }
  // True once the no-progress timeout (not a stop request) ended the script.
  bool fired() const { return fired_; }

 private:
  static constexpr std::chrono::milliseconds kGrace{300};
  void Loop() {
    std::uint64_t last = progress_->load();
    auto last_change = std::chrono::steady_clock::now();
    std::optional<std::chrono::steady_clock::time_point> abandoned_at;
    bool interrupted = false;
    std::unique_lock<std::mutex> lock(mutex_);
    while (!done_ && !interrupted) {
      cv_.wait_for(lock, std::chrono::milliseconds(50));
      const std::uint64_t now = progress_->load();
      const auto t = std::chrono::steady_clock::now();
      if (abandoned_at) {
        if (t - *abandoned_at >= kGrace) {
          interrupted = true;
          engine_->setInterrupted(true);
        }
      } else if (stop_requested_ && stop_requested_->load()) {
        abandoned_at = t;
      } else if (now != last) {
        last = now;
        last_change = t;
      } else if (seconds_ > 0 &&
                 std::chrono::duration<double>(t - last_change).count() >= seconds_) {
        fired_ = true;
        abandon_->store(true);
        abandoned_at = t;
      }
    }
  }
  QJSEngine* engine_;
  const std::atomic<std::uint64_t>* progress_;
  std::atomic<bool>* abandon_;
  double seconds_;
  const std::atomic<bool>* stop_requested_;
  std::atomic<bool> fired_{false};
  bool done_ = false;
  std::mutex mutex_;
  std::condition_variable cv_;
  std::thread thread_;
};

// Compiles the prelude and the workload into one function of no arguments, to be called with
// the global object as `this`. Returns the function, or the error: a SyntaxError carries the
// workload's line.
QJSValue CompileWorkload(QJSEngine& engine, const std::string& source, const std::string& path) {
  const QString text = QString::fromStdString(source);
  // QV4's parser reports syntax errors with their line only through evaluate; the function
  // expression is compiled there and not run.
  QJSValue check = engine.evaluate(QStringLiteral("(function () {") + text + QStringLiteral("\n})"),
                                   QString::fromStdString(path), 1);
  if (check.isError()) return check;
  QJSValue body = QString::fromLatin1(kPrelude) + QStringLiteral("(function () {") + text +
                  QStringLiteral("\n}).call(this);\n");
  return engine.globalObject().property(QStringLiteral("Function")).callAsConstructor({body});
}

// Runs a compiled workload (the prelude, then the script's top level). Returns what it threw,
// or undefined.
QJSValue RunCompiled(QJSEngine& engine, QJSValue& fn) {
  return fn.callWithInstance(engine.globalObject());
}

// A compile error of CompileWorkload as a WorkloadError.
WorkloadError CompileError(const QJSValue& error,
                           const std::string& source,
                           const std::string& path) {
  const std::string message = error.toString().toStdString();
  const bool syntax = error.property("name").toString() == QLatin1String("SyntaxError");
  const int line = syntax ? error.property("lineNumber").toInt()
                          : WorkloadLine(error.property("lineNumber").toInt());
  return WorkloadError{path, line, GuessColumn(source, line, "", message), message};
}

// The twin's own state, besides the workload's source: what node keeps young at start-up when
// it runs a workload through tools/node-twin/twin.js, over what it keeps for a one-line script
// (the start-up heap). node --trace-gc-nvp, second scavenge: 62992 bytes promoted for a
// 67-byte one-line script, about 116300 for the twin with a 124-byte workload; twin.js's own
// source text is 23.2 KB of it.
constexpr std::size_t kTwinHarnessBytes = 53440;

// Allocates what node keeps alive from the start when it runs this workload: the script's
// source text (held by its Script: a flat string, one byte per character unless a character
// is over U+00FF) and the twin's state, young and rooted for the whole run, so that the first
// scavenge copies them and the second promotes them, as node's do.
void AllocateScriptStartup(Heap& heap, const std::string& source) {
  const QString text = QString::fromUtf8(source.data(), static_cast<qsizetype>(source.size()));
  const bool one_byte =
      std::all_of(text.begin(), text.end(), [](QChar c) { return c.unicode() <= 0xFF; });
  const std::size_t chars = static_cast<std::size_t>(text.size());
  const std::size_t source_bytes =
      RoundUp(2 * kTaggedSize + (one_byte ? chars : 2 * chars), kTaggedSize);
  heap.CreateGlobal(heap.Allocate(source_bytes, 0, ObjectKind::kString, 0, AllocationType::kYoung));
  // The twin's closures, tables and source: a list of 64-byte objects under one handle.
  const std::uint32_t head = heap.CreateGlobal(kNullRef);
  for (std::size_t done = 0; done < kTwinHarnessBytes; done += 64) {
    const ObjectRef o = heap.Allocate(64, 2, ObjectKind::kObject, 0, AllocationType::kYoung);
    heap.WriteSlot(o, 0, heap.Global(head));
    heap.SetGlobal(head, o);
  }
}

}  // namespace

WorkloadHost::WorkloadHost(WorkloadOptions options) : options_(std::move(options)) {}
WorkloadHost::~WorkloadHost() = default;

std::optional<WorkloadError> WorkloadHost::Load() {
  info_ = WorkloadInfo{};
  info_.name = QFileInfo(QString::fromStdString(options_.path)).completeBaseName().toStdString();
  if (options_.source_text) {
    source_ = *options_.source_text;
  } else {
    QFile file(QString::fromStdString(options_.path));
    if (!file.open(QIODevice::ReadOnly))
      return WorkloadError{options_.path, 0, 0,
                           "cannot read workload: " + file.errorString().toStdString()};
    source_ = file.readAll().toStdString();
  }

  // Describe: run the script until its workload({...}) call (or its first heap use) against a
  // throw-away heap; syntax errors show up here.
  QJSEngine engine;
  HeapFlags flags;
  flags.physical_memory = 1024;
  HeapOptions ho;
  ho.startup_snapshot = false;
  Heap scratch(flags, ho);
  WorkloadBridge bridge(&engine, &scratch, options_, &info_);
  bridge.describe_only = true;
  QJSEngine::setObjectOwnership(&bridge, QJSEngine::CppOwnership);
  engine.globalObject().setProperty("__native", engine.newQObject(&bridge));
  QJSValue fn = CompileWorkload(engine, source_, options_.path);
  if (fn.isError()) return CompileError(fn, source_, options_.path);
  Watchdog dog(&engine, &bridge.progress, &bridge.abandon, options_.watchdog_seconds);
  QJSValue r = RunCompiled(engine, fn);
  if (r.isError() && r.property("message").toString() != QLatin1String(kDescribeSentinel)) {
    const std::string message = r.toString().toStdString();
    // Only syntax errors (and loops that never reach the API) are load errors; a runtime error
    // before workload() shows up again, with the heap attached, when the script runs.
    if (r.property("name").toString() == QLatin1String("SyntaxError")) {
      const int line = WorkloadLineOf(r);
      return WorkloadError{options_.path, line, GuessColumn(source_, line, "", message), message};
    }
    if (dog.fired()) {
      const int line = WorkloadLineOf(r);
      return WorkloadError{options_.path, line, GuessColumn(source_, line, "", ""),
                           "no simulated progress for " +
                               std::to_string(static_cast<int>(options_.watchdog_seconds)) +
                               " s before workload() was called (watchdog)"};
    }
  }
  return std::nullopt;
}

void WorkloadHost::RequestStop() {
  stop_requested_ = true;
}

WorkloadResult WorkloadHost::Run(Heap& heap) {
  WorkloadResult result;
  if (stop_requested_) {
    result.stopped = true;
    return result;
  }
  QJSEngine engine;
  WorkloadInfo info = info_;
  WorkloadBridge bridge(&engine, &heap, options_, &info);
  bridge.stop_requested = &stop_requested_;
  QJSEngine::setObjectOwnership(&bridge, QJSEngine::CppOwnership);
  engine.globalObject().setProperty("__native", engine.newQObject(&bridge));
  QJSValue fn = CompileWorkload(engine, source_, options_.path);
  if (fn.isError()) {
    result.error = CompileError(fn, source_, options_.path);
    return result;
  }
  Watchdog dog(&engine, &bridge.progress, &bridge.abandon, options_.watchdog_seconds,
               &stop_requested_);

  int running_callback_line = 0;
  auto fail = [&](const QJSValue& error) {
    if (bridge.out_of_memory || heap.is_out_of_memory()) {
      result.out_of_memory = true;
      return;
    }
    if (stop_requested_) {
      result.stopped = true;
      return;
    }
    int line = WorkloadLineOf(error);
    std::string message = error.toString().toStdString();
    if (dog.fired()) {
      // The watchdog's exception at an API call has that call's line; an interrupted script
      // carries no position: use the running callback's scheduling line, or the first loop
      // that makes no API call.
      if (line == 0)
        line = running_callback_line > 0 ? running_callback_line : FindSuspectLoop(source_);
      message = "no simulated progress for " +
                std::to_string(static_cast<int>(options_.watchdog_seconds)) +
                " s: the script loops without allocating, linking or advancing time "
                "(watchdog, --watchdog=SECONDS)";
    } else if (error.property("name").toString() == QLatin1String("RangeError") &&
               !bridge.last_method.empty()) {
      message = error.property("message").toString().toStdString();
    }
    result.error = WorkloadError{options_.path, line,
                                 GuessColumn(source_, line, bridge.last_method, message), message};
  };

  if (heap.flags().script_objects && heap.options().startup_snapshot) {
    try {
      AllocateScriptStartup(heap, source_);
    } catch (const OutOfMemoryError&) {
      result.out_of_memory = true;
      return result;
    }
  }
  QJSValue r = RunCompiled(engine, fn);
  if (r.isError()) fail(r);

  const double duration = options_.duration_ms > 0 ? options_.duration_ms : info.duration_ms;
  // The event loop's tier-ups reached so far, by kind of turn (EventLoopWarmupSteps).
  std::array<std::size_t, 2> loop_tier_ups{};
  while (!result.error && !result.out_of_memory && !result.stopped && !bridge.stopped &&
         !bridge.timers.empty()) {
    if (stop_requested_) {
      result.stopped = true;
      break;
    }
    WorkloadBridge::Timer t = bridge.PopTimer();
    if (bridge.cancelled.count(t.id)) continue;
    if (duration > 0 && t.due > duration) break;
    try {
      // Until the next callback the event loop is idle (GC tasks run) or, as the twin's paced
      // loop waits for a callback due soon, blocked (--twin-loop-waits).
      const double idle_ms = std::max(0.0, t.due - heap.now_ms());
      if (heap.flags().twin_loop_waits) {
        const EventLoopWait wait = TwinLoopWait(idle_ms);
        heap.AdvanceIdleTime(wait.idle_ms);  // a turn of the loop: posted tasks run once
        heap.AdvanceTime(wait.blocked_ms);
      } else {
        heap.AdvanceIdleTime(idle_ms);
      }
      bridge.Expire();
      // The event loop's own garbage for the turn that runs the callback, after the optimizing
      // compile of the loop's code that the turn is the first of its kind to reach.
      const EventLoopTurn turn = EventLoopTurnAfterIdle(idle_ms);
      if (heap.flags().callback_warmup && heap.flags().optimizing_compiles) {
        const std::span<const TierStep> steps = EventLoopWarmupSteps(turn);
        std::size_t& reached = loop_tier_ups[turn == EventLoopTurn::kTimer ? 1 : 0];
        bool compiled = false;
        while (reached < steps.size() && result.callbacks_run >= steps[reached].until) {
          ++reached;
          compiled = true;
        }
        if (compiled) heap.PublishPendingAllocations();
      }
      const std::size_t turn_bytes = EventLoopTurnBytes(heap.flags(), result.callbacks_run, turn);
      if (turn_bytes > 0)
        heap.Allocate(turn_bytes, 0, ObjectKind::kObject, 0, AllocationType::kYoung);
    } catch (const OutOfMemoryError&) {
      result.out_of_memory = true;
      break;
    }
    const std::size_t depth = heap.handle_scope_depth();
    heap.OpenHandleScope();
    running_callback_line = t.line;
    QJSValue ret = t.fn.call({QJSValue(static_cast<double>(t.index))});
    ++result.callbacks_run;
    if (heap.is_out_of_memory()) {
      result.out_of_memory = true;
      break;
    }
    while (heap.handle_scope_depth() > depth)
      heap.CloseHandleScope();
    if (ret.isError()) {
      fail(ret);
      break;
    }
    try {
      heap.RunPendingTasks();
    } catch (const OutOfMemoryError&) {
      result.out_of_memory = true;
      break;
    }
    if (t.remaining != 1 && t.interval > 0) {
      t.due += t.interval;
      if (t.remaining > 0) --t.remaining;
      ++t.index;
      bridge.Reschedule(std::move(t));
    }
  }
  if (heap.is_out_of_memory()) result.out_of_memory = true;
  result.end_ms = heap.now_ms();
  return result;
}

}  // namespace heaplab

#include "workload-host.moc"
