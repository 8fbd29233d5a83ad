/**
 * A set of listeners that are called in registration order; a throwing listener is logged and does not stop the
 * others (nor the cache that notifies them).
 */
import type { Logger } from 'pino';

/** Listeners of one kind of notification. */
export class ListenerSet<T> {
  private readonly listeners = new Set<(value: T) => void>();

  /** @param what names the notification in the log line of a failing listener. */
  constructor(
    private readonly logger: Logger,
    private readonly what: string,
  ) {}

  /** Number of registered listeners. */
  get size(): number {
    return this.listeners.size;
  }

  /** Registers `listener`; returns the function that removes it. */
  add(listener: (value: T) => void): () => void {
    const entry = (value: T): void => listener(value);
    this.listeners.add(entry);
    return () => void this.listeners.delete(entry);
  }

  /** Calls every listener with `value`. */
  emit(value: T): void {
    for (const listener of [...this.listeners]) {
      try {
        listener(value);
      } catch (error) {
        this.logger.error({ err: error, notification: this.what }, 'a cache listener failed');
      }
    }
  }
}
