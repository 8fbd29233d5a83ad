/**
 * Builds the argv of Nomad execs the way the original Poseidon wraps commands (spec poseidon-nomad.md §3.2, §3.4),
 * but with POSIX single-quote quoting of every value, so no path, name, argument or environment value can inject
 * shell syntax:
 * - `unset ${!NOMAD_@}` removes the variables Nomad injects into the task environment;
 * - `CODEOCEAN=true`, the request's variables and `POSEIDON_EXECUTION_ID` (which `kill` finds processes by) are
 *   exported;
 * - unprivileged commands run through `/sbin/setuser user` (configurable), privileged ones as the task's user;
 * - the command's argv is executed as given (it is never re-parsed by a shell);
 * - bash runs with `--norc`: it sources ~/.bashrc when its stdin is a socket, which exec pipes may be.
 */
import { PoseidonError } from '../../../crds/errors';

/**
 * The default way to run a command as the unprivileged `user`: phusion's `/sbin/setuser user` (the original's
 * requirement on images), and util-linux `setpriv` with the same user in images without it.
 */
export const DEFAULT_UNPRIVILEGED_PREFIX: readonly string[] = [
  '/bin/sh',
  '-c',
  'if [ -x /sbin/setuser ]; then exec /sbin/setuser user "$@"; fi; ' +
    'export HOME="$(getent passwd user | cut -d: -f6)" USER=user LOGNAME=user; ' +
    'exec setpriv --reuid=user --regid=user --init-groups -- "$@"',
  'setuser',
];

/** Environment variable that tags every process of one execution. */
export const EXECUTION_ID_VARIABLE = 'POSEIDON_EXECUTION_ID';

const NAME_RE = /^[A-Za-z_][A-Za-z0-9_]*$/;
const SCRUB = 'unset ${!NOMAD_@}';

/** What a wrapped command needs besides its argv. */
export interface WrapOptions {
  readonly privileged: boolean;
  readonly env: Readonly<Record<string, string>>;
  /** Prefix that switches to the unprivileged user, e.g. `['/sbin/setuser', 'user']`. */
  readonly unprivilegedPrefix: readonly string[];
  readonly executionId: string;
}

/** POSIX single-quoting: the result is one shell word with exactly `value`'s bytes. Rejects NUL bytes. */
export function shellQuote(value: string): string {
  if (value.includes('\0')) throw new PoseidonError('Invalid', 'command and environment values must not contain NUL');
  return `'${value.replace(/'/g, `'\\''`)}'`;
}

/** `/bin/bash -c <script>` running `argv` with the scrubbed and extended environment. */
export function wrapCommand(argv: readonly string[], options: WrapOptions): string[] {
  return [
    '/bin/bash',
    '--norc',
    '--noprofile',
    '-c',
    `${SCRUB}; ${exportLines(options)}; exec ${userArgv(argv, options)}`,
  ];
}

/**
 * The two execs of the "interactive stderr" split (both with a TTY): `reader` creates the FIFO and copies it to its
 * output (the client's stderr), `writer` waits for the FIFO (at most 10 s), sends its stderr into it and runs the
 * command. The writer's exit code is the execution's.
 */
export function stderrSplitCommands(
  argv: readonly string[],
  options: WrapOptions,
  fifoPath: string,
): { readonly reader: string[]; readonly writer: string[] } {
  const fifo = shellQuote(fifoPath);
  const copy = 'mkfifo -m 600 -- "$1" && { cat -- "$1"; rm -f -- "$1"; }';
  const readerArgv = ['/bin/bash', '--norc', '--noprofile', '-c', copy, 'bash', fifoPath];
  const tag = `export ${EXECUTION_ID_VARIABLE}=${shellQuote(options.executionId)}`;
  const wait =
    `n=0; until [ -p ${fifo} ]; do n=$((n+1)); ` +
    `if [ "$n" -gt 1000 ]; then echo 'poseidon: stderr pipe missing' >&2; exit 125; fi; sleep 0.01; done`;
  return {
    reader: ['/bin/bash', '--norc', '--noprofile', '-c', `${SCRUB}; ${tag}; exec ${userArgv(readerArgv, options)}`],
    writer: [
      '/bin/bash',
      '-c',
      `${SCRUB}; ${exportLines(options)}; ${wait}; exec 2>${fifo}; exec ${userArgv(argv, options)}`,
    ],
  };
}

/** A privileged command that SIGKILLs every process tagged with `executionId` (pure bash, reads /proc). */
export function killCommand(executionId: string): string[] {
  const script =
    'for d in /proc/[0-9]*; do ' +
    `while IFS= read -r -d '' v; do if [ "$v" = "${EXECUTION_ID_VARIABLE}=$1" ]; then ` +
    'kill -9 "${d#/proc/}" 2>/dev/null; break; fi; done 2>/dev/null < "$d/environ"; done; true';
  return ['/bin/bash', '--norc', '--noprofile', '-c', script, 'bash', executionId];
}

function exportLines(options: WrapOptions): string {
  // The request's variables first: CODEOCEAN and the execution id are the service's and cannot be overridden.
  const variables: [string, string][] = [...Object.entries(options.env), ['CODEOCEAN', 'true']];
  variables.push([EXECUTION_ID_VARIABLE, options.executionId]);
  return variables
    .map(([name, value]) => {
      if (!NAME_RE.test(name))
        throw new PoseidonError('Invalid', `invalid environment variable name ${JSON.stringify(name)}`);
      return `export ${name}=${shellQuote(value)}`;
    })
    .join('; ');
}

function userArgv(argv: readonly string[], options: WrapOptions): string {
  if (argv.length === 0) throw new PoseidonError('Invalid', 'the command must not be empty');
  const full = options.privileged ? argv : [...options.unprivilegedPrefix, ...argv];
  return full.map(shellQuote).join(' ');
}
