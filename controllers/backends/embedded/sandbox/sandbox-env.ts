/**
 * The environment of a program in a sandbox: clean, never inherited from the service. Only PATH, HOME, TERM (with a
 * tty), `CODEOCEAN=true` and the request's variables; request values override the defaults, except `CODEOCEAN`,
 * which stays `true`.
 */

/** PATH of every sandboxed program unless the request sets its own. */
export const SANDBOX_PATH = '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';

/** What the environment depends on. */
export interface EnvironmentRequest {
  readonly env?: Readonly<Record<string, string>>;
  readonly privileged: boolean;
  readonly tty: boolean;
}

/** The complete environment of the sandboxed program. */
export function sandboxEnvironment(request: EnvironmentRequest): Record<string, string> {
  return {
    PATH: SANDBOX_PATH,
    HOME: request.privileged ? '/root' : '/workspace',
    ...(request.tty ? { TERM: 'xterm' } : {}),
    ...request.env,
    CODEOCEAN: 'true',
  };
}
