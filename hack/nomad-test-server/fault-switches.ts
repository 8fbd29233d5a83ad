/**
 * Request-level fault switches of the double: answer the next N matching requests with an error status, and delay
 * every answer. Connection-level faults (drop or stall the event stream, restarts, OOM kills, reschedules, failed
 * placements) are methods of the server (nomad-test-server.ts).
 */

/** One queued failure. */
export interface RequestFailure {
  /** Answer with this status (Nomad's 500 by default). */
  readonly status?: number;
  readonly body?: string;
  /** How many matching requests fail. Default 1. */
  readonly count?: number;
  /** Only requests whose path matches (a regular expression source). Default: every API request. */
  readonly path?: string;
  /** Only this method. */
  readonly method?: string;
}

/** The request-level switches. */
export class FaultSwitches {
  latencyMs = 0;
  private failures: { status: number; body: string; remaining: number; path?: RegExp; method?: string }[] = [];

  /** Queues failures. */
  failRequests(failure: RequestFailure): void {
    this.failures.push({
      status: failure.status ?? 500,
      body: failure.body ?? 'rpc error: injected failure',
      remaining: failure.count ?? 1,
      ...(failure.path ? { path: new RegExp(failure.path) } : {}),
      ...(failure.method ? { method: failure.method.toUpperCase() } : {}),
    });
  }

  /** The failure this request must get, if any (consumes one). */
  takeFailure(method: string, path: string): { status: number; body: string } | undefined {
    const failure = this.failures.find(
      (f) => f.remaining > 0 && (!f.path || f.path.test(path)) && (!f.method || f.method === method),
    );
    if (!failure) return undefined;
    failure.remaining -= 1;
    this.failures = this.failures.filter((f) => f.remaining > 0);
    return { status: failure.status, body: failure.body };
  }

  /** Clears every request-level fault. */
  reset(): void {
    this.latencyMs = 0;
    this.failures = [];
  }
}
