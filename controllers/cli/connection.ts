/**
 * How the client commands reach the service: `--server` (or `POSEIDON_SERVER`, default `http://127.0.0.1:7200`),
 * `--token` (or `POSEIDON_TOKEN`), and for HTTPS `--ca FILE` (trust this CA besides the system's) or `--insecure`
 * (accept any certificate).
 */
import { readFileSync } from 'node:fs';
import type { Command } from 'commander';
import { CliError } from './cli-error';

/** The address used when neither `--server` nor `POSEIDON_SERVER` is given. */
export const DEFAULT_SERVER = 'http://127.0.0.1:7200';

/** The connection flags as commander parses them. */
export interface ConnectionFlags {
  server?: string;
  token?: string;
  ca?: string;
  insecure?: boolean;
}

/** A resolved connection. */
export interface Connection {
  /** The service's base URL (no trailing slash). */
  readonly server: string;
  /** Sent as `Poseidon-Token`; undefined sends none. */
  readonly token: string | undefined;
  /** Extra trusted CA certificates (PEM). */
  readonly ca: Buffer | undefined;
  readonly insecure: boolean;
}

/** Adds the connection flags to a client command. */
export function withConnectionOptions(command: Command): Command {
  return command
    .option('-s, --server <url>', `the service's URL (env POSEIDON_SERVER; default ${DEFAULT_SERVER})`)
    .option('--token <token>', 'the Poseidon-Token (env POSEIDON_TOKEN)')
    .option('--ca <file>', 'a PEM CA certificate to trust for https:// servers')
    .option('--insecure', 'accept any TLS certificate (testing only)');
}

/** Resolves flags over the environment; throws a {@link CliError} for a bad URL or an unreadable CA file. */
export function resolveConnection(
  flags: ConnectionFlags,
  env: Readonly<Record<string, string | undefined>>,
): Connection {
  const text = flags.server ?? env.POSEIDON_SERVER ?? DEFAULT_SERVER;
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new CliError(`--server: ${JSON.stringify(text)} is not a URL (example: ${DEFAULT_SERVER})`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new CliError(`--server: ${JSON.stringify(text)} must be an http:// or https:// URL`);
  }
  if (url.search !== '' || url.hash !== '' || url.username !== '' || url.password !== '') {
    throw new CliError(`--server: ${JSON.stringify(text)} must not carry credentials, a query or a fragment`);
  }
  let ca: Buffer | undefined;
  if (flags.ca !== undefined) {
    try {
      ca = readFileSync(flags.ca);
    } catch (error) {
      throw new CliError(`--ca: cannot read ${flags.ca}: ${(error as Error).message}`);
    }
  }
  const token = flags.token ?? env.POSEIDON_TOKEN;
  return {
    server: url.toString().replace(/\/+$/, ''),
    token: token === '' ? undefined : token,
    ca,
    insecure: flags.insecure === true,
  };
}
