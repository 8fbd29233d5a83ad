/**
 * The layers of the configuration, applied in order onto one plain object: schema defaults, then the YAML file, then
 * `POSEIDON_*` environment variables. Each layer validates what it sets and reports problems with the key and the
 * source; unknown keys become warnings.
 */
import { resolve } from 'node:path';
import type { TSchema } from '@sinclair/typebox';
import { coerceValue, describeValue, isSection } from './coerce-value';

/** A mutable configuration tree while it is being built. */
export type ConfigTree = Record<string, unknown>;

/** Problems found while applying a layer. */
export interface LayerReport {
  /** Invalid values: start-up must stop. */
  readonly issues: string[];
  /** Unknown keys and ignored values: the caller logs them. */
  readonly warnings: string[];
}

const ENV_PREFIX = 'POSEIDON_';

function properties(schema: TSchema): Record<string, TSchema> {
  return schema.properties as Record<string, TSchema>;
}

/** The defaults of every leaf of `schema`, as a fresh tree. */
export function defaultsOf(schema: TSchema): ConfigTree {
  const tree: ConfigTree = {};
  for (const [key, child] of Object.entries(properties(schema))) {
    tree[key] = isSection(child) ? defaultsOf(child) : structuredClone(child.default);
  }
  return tree;
}

/**
 * Applies a parsed YAML document. Keys match case-insensitively (the original's are lower-case); `null` values keep
 * the current value. `file` names the source in messages.
 */
export function applyFileLayer(
  schema: TSchema,
  target: ConfigTree,
  input: unknown,
  file: string,
  report: LayerReport,
  path: readonly string[] = [],
): void {
  if (input === null || input === undefined) return;
  const where = path.length === 0 ? `${file}` : `${file}: ${path.join('.')}`;
  if (typeof input !== 'object' || Array.isArray(input)) {
    report.issues.push(`${where}: must be a mapping, got ${describeValue(input)}`);
    return;
  }
  const props = properties(schema);
  for (const [rawKey, value] of Object.entries(input)) {
    const key = Object.keys(props).find((name) => name === rawKey.toLowerCase());
    const keyPath = [...path, key ?? rawKey];
    const child = key === undefined ? undefined : props[key];
    if (key === undefined || child === undefined) {
      report.warnings.push(`${file}: unknown key "${keyPath.join('.')}" ignored`);
    } else if (isSection(child)) {
      applyFileLayer(child, target[key] as ConfigTree, value, file, report, keyPath);
    } else if (value !== null) {
      const coerced = coerceValue(child, value, 'file');
      if (coerced.ok) target[key] = coerced.value;
      else report.issues.push(`${file}: ${keyPath.join('.')}: ${coerced.message}`);
    }
  }
}

/** Every leaf of `schema` with its path and environment variable name (`POSEIDON_SERVER_TLS_ACTIVE`). */
export function envLeaves(schema: TSchema, path: readonly string[] = []): { path: string[]; name: string }[] {
  const leaves: { path: string[]; name: string }[] = [];
  for (const [key, child] of Object.entries(properties(schema))) {
    const childPath = [...path, key];
    if (isSection(child)) leaves.push(...envLeaves(child, childPath));
    else leaves.push({ path: childPath, name: `${ENV_PREFIX}${childPath.join('_').toUpperCase()}` });
  }
  return leaves;
}

/**
 * Applies `POSEIDON_*` environment variables. An empty value sets string fields to '' and is ignored (with a
 * warning) for other types; unknown `POSEIDON_*` names are warnings.
 */
export function applyEnvLayer(
  schema: TSchema,
  target: ConfigTree,
  env: Readonly<Record<string, string | undefined>>,
  report: LayerReport,
): void {
  const known = new Set<string>();
  for (const leaf of envLeaves(schema)) {
    known.add(leaf.name);
    const raw = env[leaf.name];
    if (raw === undefined) continue;
    const child = leafSchema(schema, leaf.path);
    if (raw === '' && child.type !== 'string') {
      report.warnings.push(`${leaf.name}: empty value ignored`);
      continue;
    }
    const coerced = coerceValue(child, raw, 'env');
    if (coerced.ok) setAt(target, leaf.path, coerced.value);
    else report.issues.push(`${leaf.name}: ${coerced.message}`);
  }
  for (const name of Object.keys(env)) {
    if (name.startsWith(ENV_PREFIX) && !known.has(name)) {
      report.warnings.push(`unknown environment variable ${name} ignored`);
    }
  }
}

/** Resolves non-empty values of leaves marked `path: true` (and maps of them) against `cwd`. */
export function resolvePaths(schema: TSchema, target: ConfigTree, cwd: string): void {
  for (const [key, child] of Object.entries(properties(schema))) {
    const value = target[key];
    if (isSection(child)) resolvePaths(child, value as ConfigTree, cwd);
    else if (child.path === true && typeof value === 'string' && value !== '') target[key] = resolve(cwd, value);
    else if (child.patternProperties && typeof value === 'object' && value !== null) {
      const valueSchema = Object.values(child.patternProperties as Record<string, TSchema>)[0];
      if (valueSchema?.path !== true) continue;
      const entries = Object.entries(value as Record<string, string>).map(([k, v]) => [k, resolve(cwd, v)]);
      target[key] = Object.fromEntries(entries);
    }
  }
}

function leafSchema(schema: TSchema, path: readonly string[]): TSchema {
  let current = schema;
  for (const key of path) current = properties(current)[key] as TSchema;
  return current;
}

function setAt(target: ConfigTree, path: readonly string[], value: unknown): void {
  let node = target;
  for (const key of path.slice(0, -1)) node = node[key] as ConfigTree;
  node[path[path.length - 1] as string] = value;
}
