/**
 * Coercion and validation of one configuration value against its leaf schema, for both sources: YAML values (already
 * typed, but scalars are accepted where Go's YAML decoder would accept them) and environment strings (parsed like
 * Go's strconv: Atoi, ParseFloat, ParseBool; string lists comma-separated; maps as `key=value,key=value`).
 */
import type { TSchema } from '@sinclair/typebox';

/** Where a value came from: a YAML file or an environment variable. */
export type ValueOrigin = 'file' | 'env';

/** The outcome of a coercion: the value, or a message saying what was expected. */
export type Coerced = { ok: true; value: unknown } | { ok: false; message: string };

/** The JSON-schema view of a TypeBox leaf, with this project's extra options. */
interface LeafSchema {
  type?: string;
  anyOf?: { const?: unknown }[];
  minimum?: number;
  maximum?: number;
  items?: LeafSchema;
  patternProperties?: Record<string, LeafSchema>;
  aliases?: Record<string, string>;
}

const TRUE_WORDS = new Set(['1', 't', 'T', 'TRUE', 'true', 'True']);
const FALSE_WORDS = new Set(['0', 'f', 'F', 'FALSE', 'false', 'False']);
const INT_RE = /^[+-]?\d+$/;
const FLOAT_RE = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;

/** Renders a rejected value for a message: strings quoted, others as JSON (shortened). */
export function describeValue(value: unknown): string {
  const text = JSON.stringify(value) ?? String(value);
  return text.length > 80 ? `${text.slice(0, 77)}...` : text;
}

/** True when `schema` is an object schema with named properties (a section, not a leaf). */
export function isSection(schema: TSchema): boolean {
  return schema.type === 'object' && typeof schema.properties === 'object';
}

/** Coerces `value` to the type of `schema`, or says why it cannot. */
export function coerceValue(schema: TSchema, value: unknown, origin: ValueOrigin): Coerced {
  const leaf = schema as LeafSchema;
  if (leaf.anyOf) return coerceEnum(leaf, value);
  switch (leaf.type) {
    case 'string':
      return isScalar(value) ? ok(String(value)) : fail('must be a string', value);
    case 'integer':
    case 'number':
      return coerceNumber(leaf, value);
    case 'boolean':
      return coerceBoolean(value);
    case 'array':
      return coerceList(leaf, value);
    case 'object':
      return coerceMap(value, origin);
    default:
      return { ok: false, message: `has an unsupported schema type ${String(leaf.type)}` };
  }
}

function coerceEnum(leaf: LeafSchema, value: unknown): Coerced {
  const allowed = (leaf.anyOf ?? []).map((option) => String(option.const));
  if (typeof value !== 'string') return fail(`must be one of ${allowed.join(', ')}`, value);
  const lower = value.trim().toLowerCase();
  const match = allowed.find((option) => option.toLowerCase() === lower) ?? leaf.aliases?.[lower];
  return match === undefined ? fail(`must be one of ${allowed.join(', ')}`, value) : ok(match);
}

function coerceNumber(leaf: LeafSchema, value: unknown): Coerced {
  const integer = leaf.type === 'integer';
  const what = integer ? 'an integer' : 'a number';
  const range =
    leaf.minimum !== undefined && leaf.maximum !== undefined
      ? ` between ${leaf.minimum} and ${leaf.maximum}`
      : leaf.minimum !== undefined
        ? ` >= ${leaf.minimum}`
        : '';
  const expected = `must be ${what}${range}`;
  let number: number;
  if (typeof value === 'number') number = value;
  else if (typeof value === 'string' && (integer ? INT_RE : FLOAT_RE).test(value.trim())) number = Number(value);
  else return fail(expected, value);
  if (!Number.isFinite(number) || (integer && !Number.isSafeInteger(number))) return fail(expected, value);
  if (leaf.minimum !== undefined && number < leaf.minimum) return fail(expected, value);
  if (leaf.maximum !== undefined && number > leaf.maximum) return fail(expected, value);
  return ok(number);
}

function coerceBoolean(value: unknown): Coerced {
  if (typeof value === 'boolean') return ok(value);
  const text = typeof value === 'string' ? value.trim() : undefined;
  if (text !== undefined && TRUE_WORDS.has(text)) return ok(true);
  if (text !== undefined && FALSE_WORDS.has(text)) return ok(false);
  return fail('must be a boolean (true, false, 1, 0, t, f)', value);
}

function coerceList(leaf: LeafSchema, value: unknown): Coerced {
  if (leaf.items?.type !== 'string') return { ok: false, message: 'has an unsupported list type' };
  if (typeof value === 'string') return ok(splitList(value));
  if (Array.isArray(value) && value.every(isScalar)) return ok(value.map(String));
  return fail('must be a list of strings (or a comma-separated string)', value);
}

function coerceMap(value: unknown, origin: ValueOrigin): Coerced {
  if (origin === 'env' && typeof value === 'string') {
    const entries: [string, string][] = [];
    for (const item of splitList(value)) {
      const eq = item.indexOf('=');
      if (eq <= 0) return fail('must be a comma-separated list of key=value pairs', value);
      entries.push([item.slice(0, eq).trim(), item.slice(eq + 1).trim()]);
    }
    return ok(Object.fromEntries(entries));
  }
  if (typeof value === 'object' && value !== null && !Array.isArray(value)) {
    const entries = Object.entries(value);
    if (entries.every(([, v]) => isScalar(v))) return ok(Object.fromEntries(entries.map(([k, v]) => [k, String(v)])));
  }
  return fail('must be a map of strings', value);
}

function splitList(text: string): string[] {
  return text
    .split(',')
    .map((item) => item.trim())
    .filter((item) => item !== '');
}

function isScalar(value: unknown): value is string | number | boolean {
  return typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean';
}

function ok(value: unknown): Coerced {
  return { ok: true, value };
}

function fail(expected: string, value: unknown): Coerced {
  return { ok: false, message: `${expected}, got ${describeValue(value)}` };
}
