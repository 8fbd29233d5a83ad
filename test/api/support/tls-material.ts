/**
 * A throwaway self-signed certificate for 127.0.0.1 (made with the openssl CLI in a temp directory), for tests of the
 * HTTPS / wss side.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

/** A key and its certificate (PEM). */
export interface TlsMaterial {
  readonly key: Buffer;
  readonly cert: Buffer;
}

/** Creates a fresh EC key and a self-signed certificate valid for 127.0.0.1 and localhost. */
export function selfSignedCertificate(): TlsMaterial {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'api-tls-'));
  try {
    const key = path.join(dir, 'key.pem');
    const cert = path.join(dir, 'cert.pem');
    execFileSync(
      'openssl',
      [
        'req',
        '-x509',
        '-newkey',
        'ec',
        '-pkeyopt',
        'ec_paramgen_curve:P-256',
        '-nodes',
        '-days',
        '1',
        '-subj',
        '/CN=127.0.0.1',
        '-addext',
        'subjectAltName=IP:127.0.0.1,DNS:localhost',
        '-keyout',
        key,
        '-out',
        cert,
      ],
      { stdio: 'ignore' },
    );
    return { key: readFileSync(key), cert: readFileSync(cert) };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
