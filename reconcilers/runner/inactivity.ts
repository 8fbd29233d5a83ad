/**
 * The inactivity deadline of a claimed runner (spec/poseidon-api.md section 6.2): `inactivityTimeout` seconds after
 * the last activity; 0 = never; negative = at once. With no activity recorded since this process started, the timer
 * counts from the moment this process first saw the claim, so a restart restarts it with its full duration.
 */
import type { RunnerClaim } from '../../crds/runner';
import type { DeepReadonly } from '../../crds/resources';

/** The deadline (epoch ms) of `claim`, or undefined when it never expires. */
export function inactivityDeadline(
  claim: DeepReadonly<RunnerClaim>,
  lastActivity: number | undefined,
  firstSeen: number,
): number | undefined {
  if (claim.inactivityTimeout === 0) return undefined;
  const start = lastActivity ?? firstSeen;
  if (claim.inactivityTimeout < 0) return start - 1;
  return start + claim.inactivityTimeout * 1000;
}

/**
 * When this process first saw each claim (keyed by runner and claim time). In memory on purpose (see module
 * comment); entries are dropped when the runner is gone.
 */
export class ClaimSightings {
  private readonly seen = new Map<string, { readonly claimedAt: string; readonly at: number }>();

  /** The time the claim of `runnerId` made at `claimedAt` was first seen, recording `now` if it is new. */
  firstSeen(runnerId: string, claimedAt: string, now: number): number {
    const known = this.seen.get(runnerId);
    if (known && known.claimedAt === claimedAt) return known.at;
    this.seen.set(runnerId, { claimedAt, at: now });
    return now;
  }

  /** Forgets a runner. */
  forget(runnerId: string): void {
    this.seen.delete(runnerId);
  }

  /** Number of runners tracked (for leak checks). */
  get size(): number {
    return this.seen.size;
  }
}
