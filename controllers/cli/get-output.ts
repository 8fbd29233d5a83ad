/**
 * The outputs of `get`: a table (`NAME ID IMAGE POOL READY AGE`), a wide table (limits, network, ports, used
 * runners, generations, the Ready reason), YAML (one document per resource, re-appliable), JSON (the resource, or a
 * list for several), and `name` (`executionenvironment/<name>` lines, for scripts). Pool figures and conditions come
 * from the stored status, which the controller keeps current.
 */
import type { ExecutionEnvironment } from '../../crds/execution-environment';
import { API_GROUP_VERSION } from '../../crds/meta';
import { dumpYaml } from '../../crds/yaml-dumper';
import { CliError } from './cli-error';
import { formatAge } from './duration';
import { reference } from './plan-output';
import { formatTable } from './text-table';

/** The `-o` values. */
export const GET_FORMATS = ['table', 'wide', 'yaml', 'json', 'name'] as const;
export type GetFormat = (typeof GET_FORMATS)[number];

/** Parses `-o`; throws a {@link CliError} listing the formats. */
export function parseGetFormat(text: string): GetFormat {
  const format = GET_FORMATS.find((candidate) => candidate === text);
  if (!format)
    throw new CliError(`-o: unknown output format ${JSON.stringify(text)} (one of ${GET_FORMATS.join(', ')})`);
  return format;
}

/** Renders `resources`; `single` (one name asked for) prints JSON as the object itself, not a list. */
export function renderGet(
  resources: readonly ExecutionEnvironment[],
  format: GetFormat,
  options: { now: number; single: boolean },
): string {
  switch (format) {
    case 'yaml':
      return dumpYaml(resources);
    case 'json': {
      const value =
        options.single && resources.length === 1
          ? resources[0]
          : { apiVersion: API_GROUP_VERSION, kind: 'ExecutionEnvironmentList', items: resources };
      return `${JSON.stringify(value, null, 2)}\n`;
    }
    case 'name':
      return resources.map((resource) => `${reference(resource.metadata.name)}\n`).join('');
    case 'table':
    case 'wide':
      return formatTable([header(format), ...resources.map((resource) => row(resource, format, options.now))]);
  }
}

function header(format: 'table' | 'wide'): string[] {
  const base = ['NAME', 'ID', 'IMAGE', 'POOL', 'READY', 'AGE'];
  return format === 'table' ? base : [...base, 'USED', 'CPU', 'MEMORY', 'NETWORK', 'PORTS', 'GENERATION', 'REASON'];
}

function row(resource: ExecutionEnvironment, format: 'table' | 'wide', now: number): string[] {
  const { spec, status, metadata } = resource;
  const ready = status?.conditions?.find((condition) => condition.type === 'Ready');
  const created = metadata.creationTimestamp ? Date.parse(metadata.creationTimestamp) : NaN;
  const base = [
    metadata.name,
    String(spec.id),
    spec.image,
    `${status?.idleRunners ?? '-'}/${spec.prewarmingPoolSize}`,
    ready?.status ?? 'Unknown',
    Number.isNaN(created) ? '-' : formatAge(now - created),
  ];
  if (format === 'table') return base;
  return [
    ...base,
    String(status?.usedRunners ?? '-'),
    `${spec.cpuLimit}MHz`,
    spec.memoryLimit === 0 ? 'none' : `${spec.memoryLimit}MB`,
    spec.networkAccess ? 'yes' : 'no',
    spec.exposedPorts.length > 0 ? spec.exposedPorts.join(',') : '-',
    `${metadata.generation ?? '-'}/${status?.observedGeneration ?? '-'}`,
    ready?.reason ?? '-',
  ];
}
