/**
 * Reads the `-f` paths of a command (files, folders recursively, `-` for standard input) as ExecutionEnvironment
 * resources, all or nothing: any problem anywhere is a {@link CliError} listing every `file:line:column: path:
 * message`, and nothing is sent to the server.
 */
import { formatManifestError, loadManifests, type LoadedResource } from '../../crds/yaml-loader';
import type { ExecutionEnvironment } from '../../crds/execution-environment';
import { CliError } from './cli-error';
import type { CliIo } from './cli-io';

/** A resource from a file, with where it was written. */
export interface DesiredResource {
  readonly resource: ExecutionEnvironment;
  /** `file:line:column` of its document. */
  readonly where: string;
}

/** Collects a repeatable option's values (commander's argument parser). */
export function collect(value: string, previous: string[] = []): string[] {
  return [...previous, value];
}

/**
 * Loads `paths`; throws a {@link CliError} with every error, or when `requireSome` (the default) and no resource was
 * found. `offline` drops the note that nothing was sent to the server.
 */
export async function loadDesired(
  paths: readonly string[] | undefined,
  io: CliIo,
  options: { requireSome?: boolean; offline?: boolean } = {},
): Promise<DesiredResource[]> {
  if (!paths || paths.length === 0) throw new CliError('no manifests given: use -f FILE, -f DIR or -f -');
  const stdin = paths.includes('-') ? await io.readStdin() : undefined;
  const result = await loadManifests(paths, { kinds: ['ExecutionEnvironment'], stdin });
  if (!result.ok) {
    const lines = result.errors.map(formatManifestError);
    const count = lines.length === 1 ? '1 error' : `${lines.length} errors`;
    const note = options.offline ? '' : ', nothing was sent to the server';
    throw new CliError(`invalid manifests (${count}${note}):\n${lines.join('\n')}`);
  }
  const resources = result.resources.map(toDesired);
  if (options.requireSome !== false && resources.length === 0) {
    throw new CliError(`no ExecutionEnvironment resources in ${paths.join(', ')}`);
  }
  return resources;
}

function toDesired(loaded: LoadedResource): DesiredResource {
  const { file, line, column } = loaded.source;
  return { resource: loaded.resource as ExecutionEnvironment, where: `${file}:${line}:${column}` };
}
