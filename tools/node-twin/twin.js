// The node twin: runs a HeapLab workload script in real node, with real JavaScript objects,
// so that `node --trace-gc [flags] tools/node-twin/twin.js WORKLOAD.js` and
// `heaplab-cli run WORKLOAD.js --trace-gc [flags]` run the same program.
//
// - Same sizes and reference structure: an object of S bytes with K slots is a JSObject of
//   (S - 24) / 8 in-object fields (map, properties and elements words, then fields), K of them
//   references; arrays are JSArrays over FixedArrays, strings are flat one-byte strings.
// - Same seeded randomness: mt19937_64 seeded as HeapLab seeds it, 53-bit uniforms, the same
//   distribution formulas, drawn in the same order.
// - Same virtual clock: callbacks run in simulated-time order (sim.work and idle time advance
//   the clock, nothing waits), and the event loop turns between callbacks so V8's GC tasks run.
// - Every allocation really happens: each new object is stored into a global sink slot (escape
//   analysis cannot remove it; node20-observed §6) without keeping it alive.
//
// Usage: node [V8 flags] twin.js WORKLOAD.js [--seed N] [--duration MS] [--pace]
"use strict";
const fs = require("fs");
const path = require("path");
const vm = require("vm");

// heap.gc() forces real collections, as HeapLab's does: "young" is a scavenge
// (gc({type: "minor"})), "full" a mark-compact. `heaplab-cli compare` runs node with
// --expose-gc; without it the gc function is made on first use (the v8 module and a new context
// leave about 110 KB of young survivors, so not at start-up, where every workload would pay).
let forceGC = typeof globalThis.gc === "function" ? globalThis.gc : null;
function gcFunction() {
  if (!forceGC) {
    require("v8").setFlagsFromString("--expose-gc");
    forceGC = vm.runInNewContext("gc");
  }
  return forceGC;
}

// ---------------------------------------------------------------- randomness (mt19937_64)
// BigInt is used only to seed: BigInt arithmetic allocates on the V8 heap and would distort the
// very GC behaviour being compared.
// mt19937_64 on 16-bit limbs in a Uint16Array, four per word, most significant first. Every
// intermediate value stays under 2^30, a small integer (Smi) in V8: the interpreter and the
// baseline compiler box every other number in a new HeapNumber, and with 32-bit halves the
// generator left 257 bytes of young garbage per draw until TurboFan optimized it, now 48
// (three boxed doubles for the result; measured under --jitless).
class MT19937_64 {
  constructor(seed) {
    this.s = new Uint16Array(4 * 312);
    let x = BigInt.asUintN(64, seed);
    for (let i = 0; i < 312; i++) {
      if (i > 0) x = BigInt.asUintN(64, 6364136223846793005n * (x ^ (x >> 62n)) + BigInt(i));
      for (let k = 0; k < 4; k++) this.s[4 * i + k] = Number((x >> BigInt(48 - 16 * k)) & 0xffffn);
    }
    this.index = 312;
  }
  twist() {
    const s = this.s;
    for (let i = 0; i < 312; i++) {
      const p = 4 * i, q = 4 * ((i + 1) % 312), r = 4 * ((i + 156) % 312);
      // x = (mt[i] & 0xFFFFFFFF80000000) | (mt[j] & 0x7FFFFFFF)
      const x3 = s[p], x2 = s[p + 1], x1 = (s[p + 2] & 0x8000) | (s[q + 2] & 0x7fff), x0 = s[q + 3];
      // xa = x >> 1, ^ A (0xB5026F5AA96619E9) when x is odd
      let a3 = x3 >> 1, a2 = (x2 >> 1) | ((x3 & 1) << 15);
      let a1 = (x1 >> 1) | ((x2 & 1) << 15), a0 = (x0 >> 1) | ((x1 & 1) << 15);
      if (x0 & 1) { a3 ^= 0xb502; a2 ^= 0x6f5a; a1 ^= 0xa966; a0 ^= 0x19e9; }
      s[p] = s[r] ^ a3; s[p + 1] = s[r + 1] ^ a2; s[p + 2] = s[r + 2] ^ a1; s[p + 3] = s[r + 3] ^ a0;
    }
    this.index = 0;
  }
  // The next output's top 53 bits times 2^-53, a uniform number in [0, 1), into drawn[0].
  nextUnit() {
    if (this.index >= 312) this.twist();
    const p = 4 * this.index++;
    let y3 = this.s[p], y2 = this.s[p + 1], y1 = this.s[p + 2], y0 = this.s[p + 3];
    // y ^= (y >> 29) & 0x5555555555555555; y >> 29 is limbs (0, y3 >> 13, y3:y2 >> 13, y2:y1 >> 13)
    y2 ^= (y3 >> 13) & 0x5555;
    y1 ^= (((y3 & 0x1fff) << 3) | (y2 >> 13)) & 0x5555;
    y0 ^= (((y2 & 0x1fff) << 3) | (y1 >> 13)) & 0x5555;
    // y ^= (y << 17) & 0x71D67FFFEDA60000; y << 17 is limbs (y2:y1 << 1, y1:y0 << 1, y0 << 1, 0)
    y3 ^= (((y2 & 0x7fff) << 1) | (y1 >> 15)) & 0x71d6;
    y2 ^= (((y1 & 0x7fff) << 1) | (y0 >> 15)) & 0x7fff;
    y1 ^= ((y0 & 0x7fff) << 1) & 0xeda6;
    // y ^= (y << 37) & 0xFFF7EEE000000000; y << 37 is limbs (y1:y0 << 5, y0 << 5, 0, 0)
    y3 ^= (((y1 & 0x7ff) << 5) | (y0 >> 11)) & 0xfff7;
    y2 ^= ((y0 & 0x7ff) << 5) & 0xeee0;
    // y ^= y >> 43; y >> 43 is limbs (0, 0, y3 >> 11, y3:y2 >> 11)
    y1 ^= y3 >> 11;
    y0 ^= (((y3 & 0x7ff) << 5) | (y2 >> 11));
    // y >> 11 as 53 bits: 26 high (y3, y2 >> 6) and 27 low bits, each a small integer.
    const hi = (y3 << 10) | (y2 >> 6);
    const lo = ((y2 & 0x3f) << 21) | (y1 << 5) | (y0 >> 11);
    drawn[0] = (hi * 134217728 + lo) * (1 / 9007199254740992);
  }
}
// HeapLab's MakeRng: seed * 0x9E3779B97F4A7C15 + 1; UniformUnit: (x >> 11) * 2^-53.
// Doubles cross function boundaries through Float64Array cells: a double returned from (or passed
// to) a function TurboFan does not inline is a new 16-byte HeapNumber. nextUnit is too big to
// inline, so returning its result left 16 bytes of young garbage per draw, and the sampled value
// 16 more: about 1 KB per request-churn request, which gave node 10% more scavenges.
const drawn = new Float64Array(1);    // the last uniform draw
const sampled = new Float64Array(1);  // the last value drawn from a distribution
function makeRng(seed) {
  const mt = new MT19937_64(BigInt.asUintN(64, BigInt(seed) * 0x9E3779B97F4A7C15n + 1n));
  return () => mt.nextUnit();
}
// A uniform number in [0, 1), for the workload's own calls (sim.random, Math.random).
function unitOf(draw) { draw(); return drawn[0]; }

// A distribution is read straight from the workload's spec on each draw: a parsed object per
// call (40-48 bytes) would be garbage the workload does not make. checkDistribution validates
// a spec once per call and returns it.
function checkDistribution(v, what) {
  if (typeof v === "number") {
    if (!(v >= 0)) throw new RangeError(`${what} must be a non-negative number`);
    return v;
  }
  if (!v || typeof v !== "object") throw new RangeError(`${what} must be a number or a distribution`);
  if (Array.isArray(v.values) || (typeof v.min === "number" && typeof v.max === "number") ||
      typeof v.mean === "number")
    return v;
  throw new RangeError(`${what} must be a number or a distribution`);
}
// A size: rounded as HeapLab rounds it (std::round), and a small integer, so that V8 passes it
// unboxed (a fractional number would be a 16-byte HeapNumber per object of garbage).
function sampleSize(d, draw) { sampleInto(d, draw); return Math.round(sampled[0]); }
// Draws from the distribution d into sampled[0] (see drawn above).
function sampleInto(d, draw) {
  if (typeof d === "number") { sampled[0] = Math.max(0, d); return; }
  const values = d.values;
  if (Array.isArray(values)) {
    const weights = d.weights;
    let total = 0;
    for (let i = 0; i < values.length; i++) total += weights ? weights[i] : 1;
    draw();
    let x = drawn[0] * total;
    for (let i = 0; i < values.length; i++) {
      x -= weights ? weights[i] : 1;
      if (x < 0) { sampled[0] = Math.max(0, values[i]); return; }
    }
    sampled[0] = Math.max(0, values[values.length - 1]);
    return;
  }
  if (typeof d.min === "number" && typeof d.max === "number") {
    draw();
    sampled[0] = Math.max(0, d.min + (d.max - d.min) * drawn[0]);
    return;
  }
  if (typeof d.sd === "number") {
    draw();
    const u1 = 1 - drawn[0];
    draw();
    const u2 = drawn[0];
    sampled[0] = Math.max(0, d.mean + d.sd * Math.sqrt(-2 * Math.log(u1)) * Math.cos(6.283185307179586 * u2));
    return;
  }
  draw();
  sampled[0] = -d.mean * Math.log(1 - drawn[0]);  // exponential
}

// ---------------------------------------------------------------- objects of a given size
const kMaxRegular = 131072;
// Storing each new object into a global slot makes it escape, so the optimiser must really
// allocate it; one slot keeps only the newest object alive (a ring would keep thousands alive
// and inflate survival).
let sink = null;
function escape(o) { sink = o; return o; }
module.exports.lastAllocated = () => sink;

// Objects come from object literals, one factory function per (site, field count): V8 gives
// each literal its own AllocationSite, so allocation-site pretenuring behaves per named site
// as in HeapLab (objects made by constructors are never pretenured). `__proto__` in the literal
// gives them the Obj methods without changing their shape later.
// Field names "f0", "f1", ... made once: `"f" + i` would allocate a string per slot access and
// add garbage HeapLab's workload does not have.
const fieldNames = [];
function field(i) {
  while (fieldNames.length <= i) fieldNames.push("f" + fieldNames.length);
  return fieldNames[i];
}
const ObjProto = {
  set(i, v) { this[field(i)] = v; return this; },
  get(i) { const v = this[field(i)]; return v === undefined ? null : v; },
  clear(i) { this[field(i)] = null; return this; },
};
Object.defineProperty(ObjProto, "slots", { get() { return Object.keys(this).length; } });
Object.defineProperty(ObjProto, "size", { get() { return 24 + 8 * Object.keys(this).length; } });
Object.defineProperty(ObjProto, "kind", { get() { return "object"; } });
const factoryCache = new Map();  // site -> [factory by field count]
let factoryCount = 0;
function factoryFor(site, fields) {
  let bySize = factoryCache.get(site);
  if (!bySize) factoryCache.set(site, (bySize = []));
  let f = bySize[fields];
  if (!f) {
    let literal = "{__proto__: P";
    for (let i = 0; i < fields; i++) literal += `, f${i}: null`;
    literal += "}";
    f = new Function("P", `return function site_${factoryCount++}() { return ${literal}; };`)(ObjProto);
    bySize[fields] = f;
  }
  return f;
}
// The flat string the twin's strings are cut from. It is kept small (256 KB, under new space's
// smallest capacity of 1 MB) and doubled only when a longer string is asked for: in V8 11.3 a
// young large object bigger than the new large-object space's capacity raises that capacity
// for the rest of the run (NewLargeObjectSpace::AllocateRaw keeps max(capacity, size), and only
// a new-space resize sets it back), so the 4 MB base the twin had once let node keep four times
// more young large objects between scavenges than the workload alone would.
// It is made on first need: at start-up it would be a 256 KB young large object that every
// workload promotes at its first scavenge.
let stringBase = null;
// Node's StringBytes::Encode makes an external string from EXTERN_APEX (0xFBEE9) bytes up.
const kExternalStringFrom = 0xfbee9;
// The bytes those strings are decoded from, grown on need to the longest string asked for (a
// power of two from 4 KB). A Buffer's backing store is external memory, and until the first
// mark-compact V8 subtracts all external memory from the room left under the old-generation
// limit (Heap::OldGenerationSpaceAvailable, AllocatedExternalMemorySinceMarkCompact): a fixed
// 1 MB buffer started node's first incremental marking 1 MB early in every workload.
let stringBytes = null;
function bytesOfAtLeast(n) {
  if (stringBytes === null || stringBytes.length < n) {
    let size = 4096;
    while (size < n) size *= 2;
    stringBytes = Buffer.alloc(Math.min(size, kExternalStringFrom), "X");
  }
  return stringBytes;
}
function baseOfAtLeast(n) {
  if (stringBase === null) stringBase = "x".repeat(1 << 18).toUpperCase();  // one flat copy
  while (stringBase.length < n) stringBase = (stringBase + stringBase).toUpperCase();
  return stringBase;
}
function roundSize(size, slots) { return Math.max(Math.round(size), 8 * (slots + 1), 8); }
function makeObject(size, slots, kind, site) {
  size = roundSize(size, slots);
  switch (kind) {
    case "string": {
      // A flat one-byte string of size - 16 characters (SeqOneByteString: map and hash/length
      // words), made in one allocation: a Latin-1 decode of a byte buffer. (A slice of a base
      // string would first make a 32-byte SlicedString of garbage; "x".repeat builds by
      // doubling.) Node makes external strings from about 1 MB up, outside the V8 heap, so
      // longer ones are cut from the flat base string and copied by toUpperCase instead.
      const length = Math.max(1, size - 16);
      if (length < kExternalStringFrom) return escape(bytesOfAtLeast(length).latin1Slice(0, length));
      return escape(baseOfAtLeast(size).substring(0, length).toUpperCase());
    }
    case "closure":
      // A closure keeps its captured variables in its context: the slots live there, padded
      // with more variables up to the size (a JSFunction of 64 bytes, and a context of 32
      // plus 8 per variable when it captures any; HeapLab's ClosureSize).
      return escape(closureFactoryFor(Math.max(slots, Math.ceil((size - 96) / 8)))());
    case "array":
    case "code": return escape(new Array(Math.max(slots, Math.floor((size - 48) / 8))).fill(null));
    default:
      if (size > kMaxRegular) return escape(new Array(Math.max(slots, Math.floor((size - 48) / 8))).fill(null));
      return escape(factoryFor(site || "", Math.max(slots, Math.floor((size - 24) / 8)))());
  }
}
// One factory per number of captured variables: it returns a closure whose context holds
// them; calling the closure with (i) reads variable i, with (i, v) writes it.
const closureFactories = [];
function closureFactoryFor(vars) {
  let f = closureFactories[vars];
  if (!f) {
    const names = [];
    for (let i = 0; i < vars; i++) names.push("s" + i);
    const body = vars === 0
      ? "return function closure() { return null; };"
      : `let ${names.map((n) => n + " = null").join(", ")}; return function closure(i, v) { switch (i) { ` +
        names.map((n, i) => `case ${i}: if (v !== undefined) ${n} = v; return ${n};`).join(" ") +
        " } return null; };";
    f = new Function(`return function closure_${vars}() { ${body} };`)();
    closureFactories[vars] = f;
  }
  return f;
}
function setSlot(o, i, v) {
  if (Array.isArray(o)) o[i] = v; else if (typeof o === "function") o(i, v); else o[field(i)] = v;
}
function getSlot(o, i) {
  return Array.isArray(o) ? o[i] : typeof o === "function" ? o(i) : o[field(i)];
}

// ---------------------------------------------------------------- the API
// Milliseconds of wall time since the twin started, for --pace.
// Wall time since start-up from process.hrtime(), whose array the optimiser removes:
// performance.now() leaves about 32 bytes of garbage per call and process.hrtime(start) 49,
// several times per callback.
function hrMs() {
  const t = process.hrtime();
  return t[0] * 1e3 + t[1] / 1e6;
}
const wallStart = hrMs();
function wallMs() { return hrMs() - wallStart; }
// Holds the main thread until the wall clock reaches `virtualMs`. Atomics.wait blocks without
// allocating (a spin on performance.now() boxes a number per turn and fills new space).
const waitCell = new Int32Array(new SharedArrayBuffer(4));
function busyUntil(virtualMs) {
  const ms = virtualMs - wallMs();
  if (ms > 0) Atomics.wait(waitCell, 0, 0, ms);
}

function main() {
  const args = process.argv.slice(2);
  let file = null, seed = 1, duration = 0, pace = false;
  for (let i = 0; i < args.length; i++) {
    if (args[i] === "--seed") seed = Number(args[++i]);
    else if (args[i].startsWith("--seed=")) seed = Number(args[i].slice(7));
    else if (args[i] === "--duration") duration = Number(args[++i]);
    else if (args[i].startsWith("--duration=")) duration = Number(args[i].slice(11));
    else if (args[i] === "--pace") pace = true;
    else file = args[i];
  }
  if (!file) { console.error("usage: node [flags] twin.js WORKLOAD.js [--seed N] [--duration MS] [--pace]"); process.exit(2); }
  const source = fs.readFileSync(file, "utf8");
  const draw = makeRng(seed);  // each call puts the next uniform draw in drawn[0]
  // The virtual clock lives in a Float64Array: a double in a closure variable is a new 16-byte
  // HeapNumber on every write.
  const clock = new Float64Array(1);  // [now]
  // Paced, the clock is the wall clock whenever the twin runs late (after a GC pause, or
  // allocation slower than the schedule), as HeapLab's clock is its simulated wall time: a
  // late callback starts at the current time, sim.work(ms) still takes ms, and lifetimes and
  // sim.now() count from there. (Without this, work ran for free until the twin caught up with
  // the schedule, and node's mutator did more per wall-clock millisecond after each pause than
  // the workload says and HeapLab simulates.)
  function catchUp() {
    if (!pace) return;
    const wall = wallMs();
    if (wall > clock[0]) clock[0] = wall;
  }
  let seq = 0, nextTimer = 1, stopped = false;
  const timers = [];  // binary heap on (due, seq)
  const cancelled = new Set();
  // Objects kept alive for a lifetime, with their expiry times, in two parallel arrays: a
  // {until, object} record per held object would be garbage the workload does not make.
  const heldUntil = [];
  const heldObjects = [];
  const roots = new Set();
  let info = { durationMs: 0 };
  const less = (a, b) => a.due < b.due || (a.due === b.due && a.seq < b.seq);
  function push(t) {
    timers.push(t);
    for (let i = timers.length - 1; i > 0;) {
      const p = (i - 1) >> 1;
      if (!less(timers[i], timers[p])) break;
      const x = timers[i]; timers[i] = timers[p]; timers[p] = x;  // no temporary array
      i = p;
    }
  }
  function pop() {
    const top = timers[0], last = timers.pop();
    if (timers.length) {
      timers[0] = last;
      for (let i = 0; ;) {
        const l = 2 * i + 1, r = l + 1;
        let m = i;
        if (l < timers.length && less(timers[l], timers[m])) m = l;
        if (r < timers.length && less(timers[r], timers[m])) m = r;
        if (m === i) break;
        const x = timers[i]; timers[i] = timers[m]; timers[m] = x;
        i = m;
      }
    }
    return top;
  }
  function expire() {
    for (let i = heldUntil.length - 1; i >= 0; i--) {
      if (heldUntil[i] > clock[0]) continue;
      const last = heldUntil.length - 1;
      heldUntil[i] = heldUntil[last];
      heldObjects[i] = heldObjects[last];
      heldUntil.pop();
      heldObjects.pop();
    }
  }
  const hold = (o, ms) => { heldUntil.push(clock[0] + ms); heldObjects.push(o); };
  // Holds o for a lifetime drawn from d, passing the double through sampled[0].
  const holdSampled = (o, d, draw) => {
    sampleInto(d, draw);
    heldUntil.push(clock[0] + sampled[0]);
    heldObjects.push(o);
  };
  const treeParents = [];
  function allocMany(spec) {
    const count = spec.count | 0;
    const slots = spec.slots || 0;
    const kind = spec.kind || "object";
    const shape = spec.shape || "standalone";
    const site = spec.site || "";
    const size = checkDistribution(spec.size === undefined ? 64 : spec.size, "size");
    const lifetime = spec.lifetime === undefined ? null : checkDistribution(spec.lifetime, "lifetime");
    let result = null;
    if (count === 0) return null;
    if (shape === "standalone") {
      for (let i = 0; i < count; i++) {
        const o = makeObject(sampleSize(size, draw), slots, kind, site);
        if (lifetime !== null) holdSampled(o, lifetime, draw);
      }
    } else if (shape === "list") {
      let head = null;
      for (let i = 0; i < count; i++) {
        const o = makeObject(sampleSize(size, draw), slots, kind, site);
        if (head) setSlot(o, 0, head);
        head = o;
      }
      result = head;
    } else if (shape === "tree") {
      // Only the nodes that get children are remembered (as HeapLab's native loop does).
      // They are kept in one scratch array, cleared after each tree: a new array per call
      // (and its growth) would be garbage the workload does not make.
      const parents = treeParents;
      const parentCount = Math.min(count, Math.floor((count - 1) / slots) + 1);
      for (let i = 0; i < count; i++) {
        const o = makeObject(sampleSize(size, draw), slots, kind, site);
        if (i < parentCount) parents[i] = o;
        if (i > 0) setSlot(parents[Math.floor((i - 1) / slots)], (i - 1) % slots, o);
      }
      result = parents[0];
      parents.fill(null, 0, parentCount);
    } else if (shape === "array") {
      const array = escape(new Array(count).fill(null));
      for (let i = 0; i < count; i++) array[i] = makeObject(sampleSize(size, draw), slots, kind, site);
      result = array;
    } else {
      throw new RangeError(`unknown shape "${shape}"`);
    }
    if (result && lifetime !== null) holdSampled(result, lifetime, draw);
    return result;
  }
  const heap = {
    site: (name) => name,
    alloc: (size, o) => { o = o || {}; return makeObject(sampleSize(checkDistribution(size, "size"), draw), o.slots || 0, o.kind || "object", o.site || ""); },
    allocMany,
    global: (o) => { roots.add(o); return o; },
    release: (o) => { if (!roots.delete(o)) throw new RangeError("heap.release: not a global handle, or already released"); },
    hold: (o, ms) => hold(o, ms),
    scope: (fn) => fn(),
    gc: (kind) => {
      if (kind === "young" || kind === "scavenge") gcFunction()({ type: "minor" });
      else if (kind === undefined || kind === "full") gcFunction()();
      // "incremental": node starts incremental marking on its own schedule.
    },
    markStep: () => true,  // node marks incrementally on its own schedule
    stats: () => ({ timeMs: clock[0] }),
  };
  // Obj methods on the twin's arrays (its objects get them from their constructors).
  for (const [name, fn] of [["set", function (i, v) { this[i] = v; return this; }],
                            ["get", function (i) { const v = this[i]; return v === undefined ? null : v; }],
                            ["clear", function (i) { this[i] = null; return this; }]])
    Object.defineProperty(Array.prototype, name, { value: fn, writable: true, configurable: true });
  Object.defineProperty(Array.prototype, "slots", { get() { return this.length; }, configurable: true });
  Object.defineProperty(Array.prototype, "size", { get() { return 48 + 8 * this.length; }, configurable: true });
  Object.defineProperty(Array.prototype, "kind", { get() { return "array"; }, configurable: true });
  // Closures: their slots are the captured variables, read and written by calling them.
  for (const [name, fn] of [["set", function (i, v) { this(i, v === undefined ? null : v); return this; }],
                            ["get", function (i) { const v = this(i); return v === undefined ? null : v; }],
                            ["clear", function (i) { this(i, null); return this; }]])
    Object.defineProperty(Function.prototype, name, { value: fn, writable: true, configurable: true });
  const sim = {
    now: () => clock[0],
    work: (ms) => { catchUp(); clock[0] += ms; if (pace) busyUntil(clock[0]); expire(); },
    every: (ms, fn) => { const id = nextTimer++; push({ due: clock[0] + ms, seq: seq++, id, interval: ms, remaining: -1, index: 0, fn }); return id; },
    after: (ms, fn) => { const id = nextTimer++; push({ due: clock[0] + ms, seq: seq++, id, interval: 0, remaining: 1, index: 0, fn }); return id; },
    cancel: (id) => cancelled.add(id),
    requests: (spec) => { const id = nextTimer++; push({ due: clock[0] + (spec.startMs || 0), seq: seq++, id, interval: 1000 / spec.rate, remaining: spec.count || -1, index: 0, fn: spec.handler }); return id; },
    random: () => unitOf(draw),
    randomInt: (lo, hi) => lo + Math.floor(unitOf(draw) * (hi - lo + 1)),
    stop: () => { stopped = true; },
    log: (...a) => console.error(a.join(" ")),
  };
  // The workload runs as a script in node's own context, as HeapLab runs it: its top-level
  // declarations live for the whole run (in a function they would die when it returns). A new
  // vm context would leave about 25 KB of young survivors. The API is global; Math.random and
  // Date.now follow the seed and the virtual clock.
  Object.assign(globalThis, {
    heap, sim, workload: (i) => { info = Object.assign({ durationMs: 0 }, i); },
  });
  Math.random = () => unitOf(draw);
  Date.now = () => clock[0];
  vm.runInThisContext(source, { filename: file });
  const end = duration > 0 ? duration : info.durationMs || 0;
  // Each callback runs in its own turn of the event loop (setImmediate, or a timer when a paced
  // run waits), as a service's I/O callbacks do, so that V8's GC tasks run between callbacks.
  // A turn leaves node's own garbage (the Immediate or Timeout, the loop's records): 395 bytes
  // at once, 860 after a wait, more while this code is unoptimized; HeapLab allocates the same
  // (--callback-bytes, --timer-callback-bytes, --callback-warmup). An async loop with a
  // promise per turn would leave about 870.
  // --pace: the virtual clock is also kept in real time. A callback waits (the event loop idle,
  // V8's GC tasks free to run) until its due time has passed on the wall clock, and sim.work
  // keeps the main thread busy for its duration, so that concurrent marking, GC tasks and
  // allocation rates see the time HeapLab simulates. Without it idle time and work take no time.
  // The last fraction of a millisecond is waited out in Atomics.wait, without allocating.
  function loop() {
    while (!stopped && timers.length) {
      const t = timers[0];
      if (cancelled.has(t.id)) {
        pop();
        continue;
      }
      if (end > 0 && t.due > end) return;
      if (pace) {
        const ahead = t.due - wallMs();
        if (ahead >= 1.5) {
          setTimeout(loop, Math.floor(ahead - 0.5));
          return;
        }
        busyUntil(t.due);
      }
      pop();
      if (t.due > clock[0]) clock[0] = t.due;
      catchUp();
      expire();
      t.fn(t.index);
      if (t.remaining !== 1 && t.interval > 0) {
        t.due += t.interval;
        if (t.remaining > 0) t.remaining--;
        t.index++;
        t.seq = seq++;
        push(t);
      }
      setImmediate(loop);
      return;
    }
  }
  setImmediate(loop);
}
main();
