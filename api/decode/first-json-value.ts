/**
 * Reading a request body the way Go's `json.NewDecoder(body).Decode(&v)` does: only the first JSON value counts
 * (trailing bytes are ignored), an empty body is the error `EOF`, invalid UTF-8 becomes U+FFFD.
 */
import { PoseidonError } from '../../crds/errors';

const WHITESPACE = new Set([0x20, 0x09, 0x0a, 0x0d]);

function invalid(message: string): PoseidonError {
  return new PoseidonError('Invalid', message);
}

/** Index just past the first JSON value starting at `start` (a best-effort scan; JSON.parse validates it). */
function endOfFirstValue(text: string, start: number): number {
  const first = text[start];
  if (first !== '{' && first !== '[' && first !== '"') {
    let end = start;
    while (end < text.length && !/[\s,\]}[{"]/.test(text[end] as string)) end++;
    return end;
  }
  let depth = 0;
  let inString = false;
  for (let i = start; i < text.length; i++) {
    const c = text[i];
    if (inString) {
      if (c === '\\') i++;
      else if (c === '"') {
        inString = false;
        if (depth === 0) return i + 1;
      }
    } else if (c === '"') inString = true;
    else if (c === '{' || c === '[') depth++;
    else if (c === '}' || c === ']') {
      depth--;
      if (depth === 0) return i + 1;
    }
  }
  return text.length;
}

/** The first JSON value of `body`. Throws `Invalid` (`EOF`, `unexpected EOF` or a syntax message). */
export function parseFirstJsonValue(body: Buffer): unknown {
  let start = 0;
  while (start < body.length && WHITESPACE.has(body[start] as number)) start++;
  if (start === body.length) throw invalid('EOF');
  const text = new TextDecoder('utf-8').decode(body.subarray(start));
  try {
    return JSON.parse(text);
  } catch {
    // Not one clean value: parse only the first one, as Go's decoder does.
  }
  const end = endOfFirstValue(text, 0);
  try {
    return JSON.parse(text.slice(0, end));
  } catch (error) {
    if (end >= text.length) throw invalid('unexpected EOF');
    throw invalid(`invalid JSON: ${(error as Error).message}`);
  }
}
