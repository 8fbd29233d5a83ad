/**
 * Nomad Variables as the double keeps them (spec nomad-api.md §6): path rules, non-empty string Items up to 64 KiB,
 * check-and-set with `cas` (409 with the current variable as JSON, or a zero-valued one when absent), 204 on delete,
 * and `VariableUpdated` events. Locks are not implemented (this project does not use them).
 */
import type { NomadEvent, NomadVariableConflict } from '../../controllers/backends/nomad/nomad-wire';
import type { ClusterState } from './cluster-state';
import { HttpError, type SimVariable } from './sim-types';

const PATH_RE = /^[a-zA-Z0-9-_~/]{1,128}$/;
const MAX_BYTES = 64 * 1024;

/** Nomad's `parseCAS`: an absent or empty `cas` means none; anything but an unsigned integer is 400. */
export function parseCas(query: URLSearchParams): number | undefined {
  const text = query.get('cas') ?? '';
  if (text === '') return undefined;
  if (!/^\d+$/.test(text) || !Number.isSafeInteger(Number(text))) {
    throw new HttpError(400, `can not parse cas: strconv.ParseUint: parsing ${JSON.stringify(text)}: invalid syntax`);
  }
  return Number(text);
}

/** Variable reads and writes. */
export class VariableOperations {
  constructor(private readonly state: ClusterState) {}

  /** The variable or 404 `variable not found`. */
  read(namespace: string, path: string): SimVariable {
    const variable = this.state.variable(namespace, path);
    if (!variable) throw new HttpError(404, 'variable not found');
    return variable;
  }

  /** Metadata under `prefix`, sorted by path. */
  list(namespace: string, prefix: string): Omit<SimVariable, 'Items'>[] {
    return [...this.state.vars.values()]
      .filter((v) => (namespace === '*' || v.Namespace === namespace) && v.Path.startsWith(prefix))
      .sort((a, b) => (a.Path < b.Path ? -1 : a.Path > b.Path ? 1 : 0))
      .map(metadataOf);
  }

  /** `PUT /v1/var/:path[?cas=N]`. The body's Namespace wins over the query's. */
  write(queryNamespace: string, path: string, body: unknown, cas: number | undefined): SimVariable {
    const input = (body ?? {}) as { Namespace?: unknown; Path?: unknown; Items?: unknown; Lock?: unknown };
    const namespace = typeof input.Namespace === 'string' && input.Namespace ? input.Namespace : queryNamespace;
    checkPath(path);
    // Nomad takes the path from the URL and overwrites the body's (variableUpsert).
    const items = checkItems(input.Items);
    const current = this.state.variable(namespace, path);
    if (cas !== undefined) checkCas(namespace, path, current, cas);
    return this.state.commitWith(['vars'], (index) => {
      const now = this.state.nowNs();
      const value: SimVariable = {
        Namespace: namespace,
        Path: path,
        Items: items,
        CreateIndex: current?.CreateIndex ?? index,
        CreateTime: current?.CreateTime ?? now,
        ModifyIndex: index,
        ModifyTime: now,
      };
      this.state.putVariable(value);
      return { value, events: [variableEvent(value, index, false)] };
    });
  }

  /** `DELETE /v1/var/:path[?cas=N]`; absent variables delete fine without `cas`. */
  delete(namespace: string, path: string, cas: number | undefined): void {
    checkPath(path);
    const current = this.state.variable(namespace, path);
    // As svDeleteCASTxn: cas=0 deletes only an absent variable (a no-op), any other cas needs that exact index.
    if (cas !== undefined && (cas === 0 ? current !== undefined : current?.ModifyIndex !== cas))
      conflict(namespace, path, current);
    if (!current) return;
    this.state.commit(['vars'], (index) => {
      this.state.deleteVariable(current);
      return [variableEvent(current, index, true)];
    });
  }
}

function checkPath(path: string): void {
  if (!PATH_RE.test(path)) throw new HttpError(400, `invalid path "${path}"`);
  if (path.startsWith('nomad/') && !path.startsWith('nomad/jobs') && !path.startsWith('nomad/job-templates/')) {
    throw new HttpError(
      400,
      `"nomad" is a reserved top-level directory path, but you may write variables to "nomad/jobs"`,
    );
  }
}

function checkItems(value: unknown): Record<string, string> {
  if (typeof value !== 'object' || value === null || Array.isArray(value) || Object.keys(value).length === 0) {
    throw new HttpError(400, 'variable missing required Items object');
  }
  let size = 0;
  for (const [key, item] of Object.entries(value)) {
    if (typeof item !== 'string') throw new HttpError(400, `failed to parse request: item ${key} is not a string`);
    size += Buffer.byteLength(key) + Buffer.byteLength(item);
  }
  if (size > MAX_BYTES) throw new HttpError(400, 'variables are limited to 64KiB in total size');
  return { ...(value as Record<string, string>) };
}

function checkCas(namespace: string, path: string, current: SimVariable | undefined, cas: number): void {
  if (cas === 0 ? current !== undefined : current?.ModifyIndex !== cas) conflict(namespace, path, current);
}

function conflict(namespace: string, path: string, current: SimVariable | undefined): never {
  const body: NomadVariableConflict = current
    ? { ...current }
    : { Namespace: namespace, Path: path, CreateIndex: 0, CreateTime: 0, ModifyIndex: 0, ModifyTime: 0 };
  throw new HttpError(409, 'cas error', body);
}

function metadataOf(variable: SimVariable): Omit<SimVariable, 'Items'> {
  const { Items: _items, ...metadata } = variable;
  return metadata;
}

function variableEvent(variable: SimVariable, index: number, deleted: boolean): NomadEvent {
  return {
    Topic: 'Variable',
    Type: 'VariableUpdated',
    Key: variable.Path,
    Namespace: variable.Namespace,
    FilterKeys: null,
    Index: index,
    Payload: { Metadata: metadataOf(variable), Deleted: deleted } as NomadEvent['Payload'],
  };
}
