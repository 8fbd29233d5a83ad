/**
 * What the API suite runs against: any Poseidon-compatible service at a base URL. By default the suite starts the
 * facade in-process (in-process-api.ts); `POSEIDON_TEST_URL` (plus `POSEIDON_TEST_TOKEN`, `POSEIDON_TEST_IMAGE`)
 * points it at a running service instead.
 */

/** A service under test. */
export interface ApiTarget {
  /** `http(s)://host:port` (without `/api/v1`). */
  readonly baseUrl: string;
  /** The `Poseidon-Token` the service expects ('' when it has none). */
  readonly token: string;
  /** The image of environments the suite creates. */
  readonly image: string;
  /** CA to trust for https targets. */
  readonly ca?: Buffer;
}

/** The target named by the environment, or undefined to run in-process. */
export function targetFromEnvironment(): ApiTarget | undefined {
  const baseUrl = process.env.POSEIDON_TEST_URL;
  if (!baseUrl) return undefined;
  return {
    baseUrl: baseUrl.replace(/\/+$/, '').replace(/\/api\/v1$/, ''),
    token: process.env.POSEIDON_TEST_TOKEN ?? '',
    image: process.env.POSEIDON_TEST_IMAGE ?? 'openhpi/co_execenv_python:3.8',
  };
}
