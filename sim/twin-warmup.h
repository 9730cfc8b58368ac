// The young garbage the twin's own JavaScript (tools/node-twin/twin.js) leaves while node still
// runs it unoptimized: its random draws box numbers in the interpreter and in baseline code, and
// its heap API functions allocate until they are optimized. Each kind of call tiers up on its
// own count of calls over the run, as one JavaScript function does in node; the workload host
// adds these bytes to the script's own objects (--script-objects, --script-warmup).
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>

namespace heaplab {

// One step of a warm-up table: calls before `until` (counted from 0 over the run) leave `bytes`
// each. The event loop's turns (sim/event-loop.cc) and the twin's calls share these tables.
struct TierStep {
  std::uint64_t until;
  std::size_t bytes;
};

// The bytes of calls [first_index, first_index + count) under `steps` (ascending `until`); calls
// past the last step leave none.
std::size_t TierStepBytes(std::span<const TierStep> steps,
                          std::uint64_t first_index,
                          std::uint64_t count);

// The twin's calls whose garbage steps down as their code tiers up.
enum class TwinCall {
  kDraw,        // one value from a size or lifetime distribution (uniform, values, exponential)
  kNormalDraw,  // one value from a normal distribution (two uniform draws and the transform)
  kRandom,      // sim.random() or Math.random()
  kRandomInt,   // sim.randomInt(lo, hi)
  kAllocMany,   // one heap.allocMany call
  kAlloc,       // one heap.alloc call
};

// How many of `steps`' boundaries calls [first_index, first_index + count) reach: the first
// call past a step's `until` runs code tiered up there (an optimizing compile before it).
std::size_t TierStepsReached(std::span<const TierStep> steps,
                             std::uint64_t first_index,
                             std::uint64_t count);

// Extra young bytes of the index-th call of its kind (0-based); 0 once its code is optimized.
// Draws of both kinds share one count: the twin's sampleInto and its generator tier up together.
std::size_t TwinWarmupBytes(TwinCall call, std::uint64_t index);

// The sum of TwinWarmupBytes over calls [first_index, first_index + count).
std::size_t TwinWarmupBytes(TwinCall call, std::uint64_t first_index, std::uint64_t count);

// The optimizing compiles of its kind that calls [first_index, first_index + count) start with
// or run into: TurboFan's, at its table's last step (the calls from there leave no garbage).
std::size_t TwinTierUps(TwinCall call, std::uint64_t first_index, std::uint64_t count);

}  // namespace heaplab
