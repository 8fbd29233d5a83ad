/**
 * The listeners of a store's `watch`: each gets every committed change, in commit order. A listener that throws does
 * not stop the others or the write; its error goes to `onListenerError`.
 */
import type { WatchEvent } from './store';

/** Called with the error of a watch listener and the event it failed on. */
export type ListenerErrorHandler = (error: unknown, event: WatchEvent) => void;

/** Reports a failing listener as a process warning (the default when no handler is injected). */
export const warnListenerError: ListenerErrorHandler = (error, event) => {
  const reason = error instanceof Error ? error.message : String(error);
  process.emitWarning(`store watch listener failed on ${event.type} ${event.kind} "${event.name}": ${reason}`);
};

/** A set of watch listeners. */
export class WatchHub {
  private listeners: ((event: WatchEvent) => void)[] = [];

  constructor(private readonly onListenerError: ListenerErrorHandler = warnListenerError) {}

  /** Adds a listener; returns the function that removes it (idempotent). */
  add(listener: (event: WatchEvent) => void): () => void {
    const entry = (event: WatchEvent): void => listener(event);
    this.listeners = [...this.listeners, entry];
    return () => {
      this.listeners = this.listeners.filter((candidate) => candidate !== entry);
    };
  }

  /** Tells every current listener about `event`. */
  emit(event: WatchEvent): void {
    for (const listener of this.listeners) {
      try {
        listener(event);
      } catch (error) {
        this.onListenerError(error, event);
      }
    }
  }

  /** Removes every listener. */
  clear(): void {
    this.listeners = [];
  }
}
