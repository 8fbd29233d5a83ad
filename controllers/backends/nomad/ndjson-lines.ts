/**
 * Splits a byte stream into lines (`\n`-terminated, `\r` stripped), decoding UTF-8 across chunk boundaries. A final
 * unterminated fragment is yielded too (Nomad ≤1.11.1 may append a bare error text before closing the stream).
 */
import { StringDecoder } from 'node:string_decoder';

/** Lines longer than this are refused (a broken or hostile peer must not grow memory without bound). */
export const MAX_LINE_BYTES = 64 * 1024 * 1024;

/** Yields the lines of `chunks` (without the newline); empty lines are skipped. */
export async function* ndjsonLines(chunks: AsyncIterable<Buffer | string>): AsyncGenerator<string> {
  const decoder = new StringDecoder('utf8');
  let pending = '';
  for await (const chunk of chunks) {
    pending += typeof chunk === 'string' ? chunk : decoder.write(chunk);
    let newline = pending.indexOf('\n');
    while (newline >= 0) {
      const line = pending.slice(0, newline).replace(/\r$/, '');
      pending = pending.slice(newline + 1);
      if (line.length > 0) yield line;
      newline = pending.indexOf('\n');
    }
    if (pending.length > MAX_LINE_BYTES) throw new Error(`event stream line longer than ${MAX_LINE_BYTES} bytes`);
  }
  pending += decoder.end();
  if (pending.trim().length > 0) yield pending;
}
