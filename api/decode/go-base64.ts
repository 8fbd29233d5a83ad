/**
 * Go's `base64.StdEncoding` as encoding/json applies it to `[]byte` fields: the standard alphabet with padding;
 * `\r` and `\n` anywhere are ignored; anything else is `illegal base64 data at input byte N`.
 */
import { PoseidonError } from '../../crds/errors';

const ALPHABET = /^[A-Za-z0-9+/]*$/;

function corrupt(position: number): PoseidonError {
  return new PoseidonError('Invalid', `illegal base64 data at input byte ${position}`);
}

/** Where `text` (newlines removed) stops being valid padded base64, or -1 when it is valid. */
function firstInvalidByte(text: string): number {
  const padding = text.indexOf('=');
  const body = padding === -1 ? text : text.slice(0, padding);
  if (!ALPHABET.test(body)) return body.search(/[^A-Za-z0-9+/]/);
  if (padding !== -1) {
    const pad = text.slice(padding);
    const validPad = (pad === '=' || pad === '==') && text.length % 4 === 0 && padding % 4 >= 2;
    return validPad ? -1 : padding;
  }
  return text.length % 4 === 0 ? -1 : text.length - (text.length % 4);
}

/**
 * Decodes standard, padded base64. Throws `Invalid` with Go's message on bad input. Node's decoder is lenient (it
 * skips unknown characters and also takes the URL-safe alphabet), so the fast path accepts its result only when the
 * length proves nothing was skipped; anything else is scanned for the exact position.
 */
export function decodeStdBase64(encoded: string): Buffer {
  const text = encoded.includes('\n') || encoded.includes('\r') ? encoded.replace(/[\r\n]/g, '') : encoded;
  if (text.length % 4 === 0 && !text.includes('-') && !text.includes('_')) {
    const padding = text.endsWith('==') ? 2 : text.endsWith('=') ? 1 : 0;
    const decoded = Buffer.from(text, 'base64');
    const paddingOnlyAtEnd = padding === 0 ? !text.includes('=') : text.indexOf('=') === text.length - padding;
    if (paddingOnlyAtEnd && decoded.length === (text.length / 4) * 3 - padding) return decoded;
  }
  const invalidAt = firstInvalidByte(text);
  if (invalidAt !== -1) throw corrupt(invalidAt);
  return Buffer.from(text, 'base64');
}
