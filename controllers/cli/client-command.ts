/**
 * What every client command shares: the client's lifetime (opened from the connection flags, always closed), and
 * resolving the resources named on the command line.
 */
import type { ExecutionEnvironment } from '../../crds/execution-environment';
import { CliError } from './cli-error';
import type { CliContext } from './cli-io';
import { resolveConnection, type ConnectionFlags } from './connection';
import { ResourceClient } from './resource-client';

/** Runs `body` with a client for `flags`, closing it afterwards. */
export async function withClient<T>(
  context: CliContext,
  flags: ConnectionFlags,
  body: (client: ResourceClient) => Promise<T>,
): Promise<T> {
  const client = new ResourceClient(resolveConnection(flags, context.io.env));
  try {
    return await body(client);
  } finally {
    await client.close();
  }
}

const PREFIX = /^(?:executionenvironments?|ee)\//;

/**
 * The resources `args` name, in order, without repeats: each is a name (`python`, `executionenvironment/python`) or,
 * when no resource has that name, an environment id (`10`). Unknown ones are a {@link CliError} unless
 * `ignoreMissing`; no args means every resource.
 */
export function selectResources(
  all: readonly ExecutionEnvironment[],
  args: readonly string[],
  options: { ignoreMissing?: boolean } = {},
): ExecutionEnvironment[] {
  if (args.length === 0) return [...all];
  const selected = new Map<string, ExecutionEnvironment>();
  const missing: string[] = [];
  for (const arg of args) {
    const key = arg.replace(PREFIX, '');
    const found =
      all.find((resource) => resource.metadata.name === key) ??
      (/^\d+$/.test(key) ? all.find((resource) => resource.spec.id === Number(key)) : undefined);
    if (found) selected.set(found.metadata.name, found);
    else missing.push(arg);
  }
  if (missing.length > 0 && !options.ignoreMissing) {
    const list = missing.map((arg) => JSON.stringify(arg)).join(', ');
    throw new CliError(`no ExecutionEnvironment named (or with the id) ${list}`);
  }
  return [...selected.values()];
}
