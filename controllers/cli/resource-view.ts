/**
 * The part of an ExecutionEnvironment an operator manages (apiVersion, kind, name, labels, annotations, spec), as a
 * normalised plain object: what `apply` writes, what `diff` compares and shows, and what "unchanged" means. Status
 * and the store's metadata (generation, resourceVersion, uid, creationTimestamp) are never part of it.
 */
import type { ExecutionEnvironment, ExecutionEnvironmentSpec } from '../../crds/execution-environment';
import { dumpYaml } from '../../crds/yaml-dumper';

/** The managed fields of a resource. */
export interface ManagedView {
  apiVersion: ExecutionEnvironment['apiVersion'];
  kind: ExecutionEnvironment['kind'];
  metadata: { name: string; labels?: Record<string, string>; annotations?: Record<string, string> };
  spec: ExecutionEnvironmentSpec;
}

/** The managed view of `resource`: keys in a fixed order, label and annotation keys sorted, empty maps dropped. */
export function managedView(resource: ExecutionEnvironment): ManagedView {
  const { name, labels, annotations } = resource.metadata;
  const spec = resource.spec;
  return {
    apiVersion: resource.apiVersion,
    kind: resource.kind,
    metadata: {
      name,
      ...(hasKeys(labels) ? { labels: sortedMap(labels) } : {}),
      ...(hasKeys(annotations) ? { annotations: sortedMap(annotations) } : {}),
    },
    spec: {
      id: spec.id,
      image: spec.image,
      prewarmingPoolSize: spec.prewarmingPoolSize,
      cpuLimit: spec.cpuLimit,
      memoryLimit: spec.memoryLimit,
      networkAccess: spec.networkAccess,
      exposedPorts: [...spec.exposedPorts],
    },
  };
}

/** True when the managed fields of `a` and `b` are equal. */
export function sameManaged(a: ExecutionEnvironment, b: ExecutionEnvironment): boolean {
  return JSON.stringify(managedView(a)) === JSON.stringify(managedView(b));
}

/** The managed view as YAML (one document). */
export function managedYaml(resource: ExecutionEnvironment): string {
  return dumpYaml([managedView(resource)]);
}

/** The spec fields that differ, as `field: old -> new` (for plans). */
export function changedSpecFields(live: ExecutionEnvironment, desired: ExecutionEnvironment): string[] {
  const before = managedView(live);
  const after = managedView(desired);
  const changes: string[] = [];
  for (const key of Object.keys(after.spec) as (keyof ExecutionEnvironmentSpec)[]) {
    const from = JSON.stringify(before.spec[key]);
    const to = JSON.stringify(after.spec[key]);
    if (from !== to) changes.push(`${key}: ${from} -> ${to}`);
  }
  for (const key of ['labels', 'annotations'] as const) {
    if (JSON.stringify(before.metadata[key] ?? {}) !== JSON.stringify(after.metadata[key] ?? {})) {
      changes.push(`metadata.${key} changed`);
    }
  }
  return changes;
}

function hasKeys(map: Readonly<Record<string, string>> | undefined): map is Readonly<Record<string, string>> {
  return map !== undefined && Object.keys(map).length > 0;
}

function sortedMap(map: Readonly<Record<string, string>>): Record<string, string> {
  const sorted: Record<string, string> = {};
  for (const key of Object.keys(map).sort()) sorted[key] = map[key] as string;
  return sorted;
}
