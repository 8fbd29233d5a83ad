/**
 * Checks of a resource handed to a store, shared by every adapter: the kind is known, the name is present, the
 * metadata a client may set is kept (the store owns the rest), and the whole object validates.
 */
import { PoseidonError } from '../errors';
import { isResourceKind } from '../kinds';
import type { ObjectMeta } from '../meta';
import type { ResourceByKind, ResourceKind } from '../resources';
import { invalidResourceError, validateKind } from '../validation';
import { copyDefined } from './plain-data';

/** The metadata fields a client may set; the store owns generation, resourceVersion, creationTimestamp and uid. */
export function ownedMeta(meta: Readonly<Partial<ObjectMeta>> | undefined): ObjectMeta {
  const owned: Record<string, unknown> = { name: meta?.name };
  if (meta?.labels !== undefined) owned.labels = copyDefined(meta.labels);
  if (meta?.annotations !== undefined) owned.annotations = copyDefined(meta.annotations);
  return owned as ObjectMeta;
}

/** The validated object (defaults applied), or an `Invalid` error naming every issue. */
export function validated<K extends ResourceKind>(kind: K, candidate: unknown): ResourceByKind[K] {
  const result = validateKind(kind, candidate);
  if (result.ok) return result.value;
  throw invalidResourceError(kind, nameFromUnknown(candidate), result.issues);
}

/** The resource's name; `Invalid` when the kind is unknown or the name missing. */
export function nameOf(kind: ResourceKind, input: { metadata?: { name?: unknown } }): string {
  assertKind(kind);
  const name = input?.metadata?.name;
  if (typeof name !== 'string' || name === '') {
    throw new PoseidonError('Invalid', `${kind} is invalid: metadata.name: is required`, {
      details: { issues: [{ path: 'metadata.name', message: 'is required' }] },
    });
  }
  return name;
}

function nameFromUnknown(candidate: unknown): string | undefined {
  const name = (candidate as { metadata?: { name?: unknown } } | undefined)?.metadata?.name;
  return typeof name === 'string' ? name : undefined;
}

/** Throws `Invalid` unless `kind` is a resource kind. */
export function assertKind(kind: unknown): asserts kind is ResourceKind {
  if (!isResourceKind(kind)) {
    throw new PoseidonError('Invalid', `unknown resource kind ${JSON.stringify(kind)}`, {
      details: { issues: [{ path: 'kind', message: 'must be one of "ExecutionEnvironment", "Runner"' }] },
    });
  }
}
