/**
 * The `{id}` path parameter of the environment routes: the route only matches digits (anything else is an unknown
 * route, 404); leading zeros are fine; ids beyond what an environment id can be (2^31-1, the schema's maximum) are a
 * 400 with Go's `strconv.Atoi` message.
 */
import { PoseidonError } from '../../crds/errors';

/** Largest environment id (crds/execution-environment.ts). */
export const MAX_ENVIRONMENT_ID = 2147483647;

/** True when `segment` can be an environment id path parameter. */
export function isIdSegment(segment: string): boolean {
  return /^[0-9]+$/.test(segment);
}

/** Parses a digits-only segment. Throws `Invalid` when it is out of range. */
export function parsePathId(segment: string): number {
  const value = Number(segment);
  if (!Number.isSafeInteger(value) || value > MAX_ENVIRONMENT_ID) {
    throw new PoseidonError('Invalid', `strconv.Atoi: parsing ${JSON.stringify(segment)}: value out of range`);
  }
  return value;
}
