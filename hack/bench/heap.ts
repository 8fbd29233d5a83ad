/**
 * Heap measurement for the memory scenario: a full garbage collection before reading `heapUsed`, so the figure is
 * live objects rather than garbage not yet collected. Uses V8's `gc()` (exposed at runtime when the process was not
 * started with `--expose-gc`).
 */
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

let collect: (() => void) | undefined;

function gc(): () => void {
  if (collect) return collect;
  const global = globalThis as { gc?: () => void };
  if (typeof global.gc === 'function') {
    collect = global.gc;
  } else {
    setFlagsFromString('--expose-gc');
    collect = runInNewContext('gc') as () => void;
  }
  return collect;
}

/** Bytes of live heap after two full collections (the second catches what finalizers of the first released). */
export async function liveHeapBytes(): Promise<number> {
  const run = gc();
  run();
  await new Promise((resolve) => setImmediate(resolve));
  run();
  return process.memoryUsage().heapUsed;
}
