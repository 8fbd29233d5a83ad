/**
 * Request bodies, read by hand so the order of checks is the original's (auth, runner lookup, then the body) and a
 * GET or DELETE that announces JSON but sends nothing is never rejected.
 */
import type { IncomingMessage } from 'node:http';
import { PoseidonError } from '../../crds/errors';
import { ApiError } from '../errors/api-error';

/**
 * Reads the whole body into memory. Rejects with `PayloadTooLarge` (413) once more than `limit` bytes arrived; the
 * rest of the body is then discarded so the connection stays usable.
 */
export function readBody(req: IncomingMessage, limit: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let failed = false;
    const onData = (chunk: Buffer): void => {
      if (failed) return;
      size += chunk.length;
      if (size > limit) {
        failed = true;
        chunks.length = 0;
        reject(new ApiError('PayloadTooLarge', `request body larger than ${limit} bytes`));
        return;
      }
      chunks.push(chunk);
    };
    req.on('data', onData);
    req.once('end', () => {
      if (!failed) resolve(chunks.length === 1 ? (chunks[0] as Buffer) : Buffer.concat(chunks, size));
    });
    req.once('error', (error) => {
      if (failed) return;
      failed = true;
      reject(new PoseidonError('Invalid', `cannot read the request body: ${error.message}`, { cause: error }));
    });
  });
}

/**
 * Reads and discards the body before an early answer (a 410 for a gone runner), as the original does, so clients
 * that are still sending never see a reset. Never rejects.
 */
export function drainBody(req: IncomingMessage): Promise<void> {
  if (req.readableEnded || req.complete) return Promise.resolve();
  return new Promise((resolve) => {
    req.on('data', () => undefined);
    req.once('end', () => resolve());
    req.once('error', () => resolve());
    req.once('close', () => resolve());
  });
}
