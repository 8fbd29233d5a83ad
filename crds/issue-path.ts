/**
 * Field paths of validation issues: parsed from TypeBox's JSON Pointers into segments (numbers for list indexes) and
 * printed the way people write them: `spec.exposedPorts[1]`, `metadata.labels["app.kubernetes.io/name"]`.
 */

/** One step into a document: an object key or a list index. */
export type PathSegment = string | number;

const IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_-]*$/;

/**
 * Splits a JSON Pointer (`/spec/exposedPorts/1`) into segments, turning a segment into a number when the value it
 * indexes in `document` is a list. The empty pointer is the document itself (no segments).
 */
export function pointerToSegments(pointer: string, document: unknown): PathSegment[] {
  if (pointer === '') return [];
  const segments: PathSegment[] = [];
  let current: unknown = document;
  for (const raw of pointer.slice(1).split('/')) {
    const key = raw.replace(/~1/g, '/').replace(/~0/g, '~');
    const index = Array.isArray(current) && /^(0|[1-9][0-9]*)$/.test(key) ? Number(key) : undefined;
    segments.push(index ?? key);
    current = childOf(current, index ?? key);
  }
  return segments;
}

/** Prints segments as a field path; the empty path prints as the empty string. */
export function formatPath(segments: readonly PathSegment[]): string {
  let text = '';
  for (const segment of segments) {
    if (typeof segment === 'number') text += `[${segment}]`;
    else if (IDENTIFIER.test(segment)) text += text === '' ? segment : `.${segment}`;
    else text += `[${JSON.stringify(segment)}]`;
  }
  return text;
}

function childOf(value: unknown, segment: PathSegment): unknown {
  if (typeof value !== 'object' || value === null) return undefined;
  if (Array.isArray(value)) return typeof segment === 'number' ? value[segment] : undefined;
  return Object.prototype.hasOwnProperty.call(value, segment) ? (value as Record<string, unknown>)[segment] : undefined;
}
