/**
 * Go-style JSON as Nomad's go-msgpack encoder writes it: structs with `_struct ...omitempty` (Allocation,
 * Evaluation, NetworkResource, Port, AllocatedPortMapping) drop zero values (`""`, 0, false, null, empty maps and
 * slices); other structs keep every field with `null` for nil slices and maps.
 */

/** A copy of `value` without its zero-valued keys (one level: nested structs decide for themselves). */
export function omitZero<T extends object>(value: T): Partial<T> {
  const out: Record<string, unknown> = {};
  for (const [key, item] of Object.entries(value)) {
    if (!isZero(item)) out[key] = item;
  }
  return out as Partial<T>;
}

/** Go's notion of an empty value for omitempty. */
export function isZero(value: unknown): boolean {
  if (value === undefined || value === null || value === '' || value === 0 || value === false) return true;
  if (Array.isArray(value)) return value.length === 0;
  if (typeof value === 'object') return Object.keys(value as object).length === 0;
  return false;
}

/** `null` for an empty map (Go's nil map), the map otherwise. */
export function nilIfEmpty<T extends object>(value: T | null | undefined): T | null {
  return value && Object.keys(value).length > 0 ? value : null;
}
