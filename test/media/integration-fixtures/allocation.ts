/**
 * Allocation of a synchronous hot path, measured without depending on when the GC runs. V8
 * bump-allocates every new object in the young generation, so right after a full collection the
 * growth of `new_space` over the loop is what the loop allocated. A loop that allocates nothing
 * cannot trigger a collection; one that does run (seen synchronously by `v8.GCProfiler`) is
 * itself reported as allocation, so a big allocator cannot hide behind a scavenge that emptied
 * the space mid-loop.
 */
import v8 from 'node:v8';
import vm from 'node:vm';

export interface AllocationReport {
  /** Young-generation bytes allocated by the loop (plus the measurement's own ~2 kB). */
  youngBytes: number;
  /** Collections that ran during the loop. */
  collections: number;
}

let collect: (() => void) | null = null;

/** `global.gc` is not there unless node was started with --expose-gc: ask V8 for it at run time. */
function fullGc(): void {
  if (!collect) {
    v8.setFlagsFromString('--expose-gc');
    collect = vm.runInNewContext('gc') as () => void;
  }
  collect();
}

function youngUsed(): number {
  for (const space of v8.getHeapSpaceStatistics()) if (space.space_name === 'new_space') return space.space_used_size;
  throw new Error('V8 reports no new_space');
}

/** Runs `body` `iterations` times after a warm-up of the same length (so the JIT has settled). */
export function measureAllocation(iterations: number, body: (i: number) => void): AllocationReport {
  for (let i = 0; i < iterations; i++) body(i);
  fullGc();
  const profiler = new v8.GCProfiler();
  profiler.start();
  const before = youngUsed();
  for (let i = 0; i < iterations; i++) body(i);
  const after = youngUsed();
  const collections = profiler.stop().statistics.length;
  return { youngBytes: after - before, collections };
}
