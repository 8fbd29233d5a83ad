/**
 * In-memory record of the last activity of each claimed runner. Activities (a WebSocket attach, listing, copying or
 * downloading files, the claim itself) restart a runner's inactivity timer with its full duration. It is kept in
 * memory on purpose: after a restart no runner has a recorded activity, so timers restart with their full duration,
 * as in the original Poseidon.
 */
import type { Clock } from '../../reconcilers/ports';

/** Records and answers last-activity times (milliseconds since the epoch). */
export class ActivityTracker {
  private readonly last = new Map<string, number>();

  constructor(private readonly clock: Clock) {}

  /** Records an activity of `runnerId` now. */
  touch(runnerId: string): void {
    this.last.set(runnerId, this.clock.now());
  }

  /** The time of the last recorded activity, or undefined when none was recorded since this process started. */
  lastActivity(runnerId: string): number | undefined {
    return this.last.get(runnerId);
  }

  /** Forgets a runner (it was destroyed). */
  forget(runnerId: string): void {
    this.last.delete(runnerId);
  }
}
