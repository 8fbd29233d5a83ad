/**
 * The `Poseidon-Token` check: constant-time (both sides are hashed to equal-length digests, then compared with
 * `crypto.timingSafeEqual`), empty 401 on a missing or wrong token, disabled when no token is configured.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import type { RequestHandler } from 'express';
import { sendEmpty } from './go-json';

/** The request header carrying the token. */
export const TOKEN_HEADER = 'poseidon-token';

function digest(value: string): Buffer {
  return createHash('sha256').update(value, 'utf8').digest();
}

/** Decides whether request headers carry the configured token. */
export type TokenCheck = (headers: IncomingHttpHeaders) => boolean;

/** A check for `token`; every request passes when `token` is empty. */
export function tokenCheck(token: string): TokenCheck {
  if (token === '') return () => true;
  const expected = digest(token);
  return (headers) => {
    const given = headers[TOKEN_HEADER];
    const value = Array.isArray(given) ? given[0] : given;
    // A missing header hashes like a wrong token (never equal: the configured token is not empty).
    return timingSafeEqual(digest(value ?? ''), expected);
  };
}

/** Middleware answering 401 (empty) unless the token matches. */
export function requireToken(check: TokenCheck): RequestHandler {
  return (req, res, next) => {
    if (check(req.headers)) next();
    else sendEmpty(res, 401);
  };
}
