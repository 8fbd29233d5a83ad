/**
 * JSON as Go's encoding/json writes it: no trailing newline, and `<`, `>`, `&`, U+2028 and U+2029 escaped, so a body
 * is byte-compatible with the original's and safe to embed in HTML.
 */
import type { Response } from 'express';

const ESCAPED = /[<>&\u2028\u2029]/g;

function escape(character: string): string {
  return `\\u${character.charCodeAt(0).toString(16).padStart(4, '0')}`;
}

/** `JSON.stringify(value)` with Go's HTML-safe escapes. */
export function goJson(value: unknown): string {
  return JSON.stringify(value).replace(ESCAPED, escape);
}

/** Sends `value` as a JSON body with `status`. */
export function sendJson(res: Response, status: number, value: unknown): void {
  const body = Buffer.from(goJson(value), 'utf8');
  res.status(status);
  res.setHeader('Content-Type', 'application/json');
  res.setHeader('Content-Length', body.length);
  res.end(body);
}

/** Sends `status` with no body and no Content-Type (204, 201, 401, 404, 405 of the original). */
export function sendEmpty(res: Response, status: number): void {
  res.status(status);
  res.removeHeader('Content-Type');
  res.setHeader('Content-Length', 0);
  res.end();
}
