/**
 * Helpers for the JSON-shaped data the stores hold: copying without `undefined` fields (a JSON store cannot keep
 * them, so an object must look the same before and after a restart), deep freezing, and deep equality.
 */
import { isDeepStrictEqual } from 'node:util';

/** A deep copy of `value` without `undefined` object fields (list items stay, as JSON would write `null`). */
export function copyDefined<T>(value: T): T {
  if (Array.isArray(value)) return value.map((item: unknown) => copyDefined(item)) as T;
  if (typeof value !== 'object' || value === null) return value;
  const copy: Record<string, unknown> = {};
  for (const [key, field] of Object.entries(value)) {
    if (field !== undefined) copy[key] = copyDefined(field);
  }
  return copy as T;
}

/** Freezes `value` and everything reachable from it; returns it. */
export function deepFreeze<T>(value: T): T {
  if (typeof value !== 'object' || value === null || Object.isFrozen(value)) return value;
  Object.freeze(value);
  for (const field of Object.values(value)) deepFreeze(field);
  return value;
}

/** Structural equality of JSON-shaped values (key order does not matter; `undefined` fields count as absent). */
export function sameData(a: unknown, b: unknown): boolean {
  return isDeepStrictEqual(copyDefined(a), copyDefined(b));
}
