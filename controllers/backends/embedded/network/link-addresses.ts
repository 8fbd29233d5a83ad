/**
 * Addresses and names of a runner's network link, derived from its slot in the pool: slot s is the /30 at offset 4s
 * of the pool's /16, with the host end at .1 and the runner at .2 of that block. Link names stay within Linux's 15
 * characters and carry the instance tag, so two backends on one machine do not collide.
 */

/** Number of /30 links a /16 pool holds. */
export const SLOTS = 16384;

/** The addresses and names of slot `slot`. */
export function linkFor(
  prefix: readonly [number, number],
  instanceTag: string,
  slot: number,
): { hostAddress: string; runnerAddress: string; hostLink: string; peerLink: string } {
  const offset = slot * 4;
  const third = (offset >> 8) & 255;
  const fourth = offset & 255;
  const base = `${prefix[0]}.${prefix[1]}.${third}`;
  const suffix = `${instanceTag.slice(0, 4)}${slot.toString(36)}`;
  return {
    hostAddress: `${base}.${fourth + 1}`,
    runnerAddress: `${base}.${fourth + 2}`,
    hostLink: `${hostLinkPrefix(instanceTag)}${slot.toString(36)}`,
    peerLink: `vr${suffix}`,
  };
}

/** What every host-side link name of the instance starts with (the firewall matches on it). */
export function hostLinkPrefix(instanceTag: string): string {
  return `vp${instanceTag.slice(0, 4)}`;
}

/**
 * The lowest slot not in `used` whose addresses `inUse` does not report (another backend on this machine may have
 * drawn the same pool), or undefined when the pool is exhausted.
 */
export function freeSlot(
  used: ReadonlySet<number>,
  inUse: (slot: number) => boolean = () => false,
): number | undefined {
  for (let slot = 0; slot < SLOTS; slot++) if (!used.has(slot) && !inUse(slot)) return slot;
  return undefined;
}
