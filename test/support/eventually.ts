/**
 * Bounded polling for asynchronous outcomes: tests wait for the resulting world, never for a fixed time.
 */

/** Options of {@link eventually}. */
export interface EventuallyOptions {
  /** Give up after this many milliseconds (default 2000). */
  timeoutMs?: number;
  /** Wait between attempts in milliseconds (default 5). */
  intervalMs?: number;
  /** Describes what was awaited, for the timeout error. */
  message?: string;
}

/**
 * Calls `check` until it returns something other than `false` (and does not throw), then returns that value. A check
 * may be a predicate (`() => cache.synced`) or an assertion block (`() => expect(x).toBe(1)`). Throws after the
 * timeout with the last failure as message and cause.
 */
export async function eventually<T>(
  check: () => T | Promise<T>,
  options: EventuallyOptions = {},
): Promise<Exclude<T, false>> {
  const timeoutMs = options.timeoutMs ?? 2000;
  const intervalMs = options.intervalMs ?? 5;
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  for (;;) {
    try {
      const result = await check();
      if (result !== false) return result as Exclude<T, false>;
      lastError = undefined;
    } catch (error) {
      lastError = error;
    }
    if (Date.now() >= deadline) break;
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
  const reason = lastError instanceof Error ? lastError.message : 'the condition stayed false';
  throw new Error(`eventually: ${options.message ?? 'condition'} not met within ${timeoutMs} ms: ${reason}`, {
    cause: lastError,
  });
}
