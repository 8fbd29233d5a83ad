/**
 * Finds where a field path sits in a parsed YAML document, so an issue can name its line and column: the value's
 * position for a bad value, the key's position for an unknown field, and the nearest existing ancestor for a field
 * that is missing.
 */
import { isAlias, isMap, isPair, isScalar, isSeq, type Document, type LineCounter, type Node } from 'yaml';
import type { PathSegment } from './issue-path';

/** A 1-based line and column. */
export interface LineColumn {
  line: number;
  column: number;
}

/** Where to point for a path: at the value (`value`) or, for the last segment, at its key (`key`). */
export type PositionTarget = 'value' | 'key';

/**
 * The position of `segments` in `document`. Walks as far as the path exists and returns the position of the last
 * node reached (the document's start when nothing matches).
 */
export function positionOf(
  document: Document.Parsed,
  lineCounter: LineCounter,
  segments: readonly PathSegment[],
  target: PositionTarget = 'value',
): LineColumn {
  let node: Node | null = document.contents;
  let offset = node?.range?.[0] ?? 0;
  for (const [index, segment] of segments.entries()) {
    node = resolve(document, node);
    const step = childOf(node, segment);
    if (!step) break;
    const last = index === segments.length - 1;
    const pointAt = last && target === 'key' && step.key ? step.key : (step.value ?? step.key);
    offset = pointAt?.range?.[0] ?? offset;
    node = step.value;
  }
  return lineColumn(lineCounter, offset);
}

/** The 1-based position of a character offset. */
export function lineColumn(lineCounter: LineCounter, offset: number): LineColumn {
  const { line, col } = lineCounter.linePos(offset);
  return { line, column: col };
}

interface Step {
  key: Node | null;
  value: Node | null;
}

function childOf(node: Node | null, segment: PathSegment): Step | undefined {
  if (isMap(node)) {
    for (const pair of node.items) {
      if (!isPair(pair)) continue;
      const key = pair.key as Node | null;
      if (String(isScalar(key) ? key.value : key) === String(segment)) {
        return { key, value: pair.value as Node | null };
      }
    }
    return undefined;
  }
  if (isSeq(node) && typeof segment === 'number') {
    const item = node.items[segment] as Node | undefined;
    return item === undefined ? undefined : { key: null, value: item };
  }
  return undefined;
}

function resolve(document: Document.Parsed, node: Node | null): Node | null {
  if (!isAlias(node)) return node;
  return (node.resolve(document) as Node | undefined) ?? null;
}
