/**
 * Decoding JSON into typed values with Go's encoding/json rules, so request bodies are as lenient and as strict as
 * the original's: unknown fields are ignored, field names match case-insensitively when no exact match exists,
 * `null` and missing fields leave the zero value, and a value of the wrong type (a string for a number, a negative or
 * fractional number for an unsigned one, a number out of range) is an `Invalid` error with Go's message.
 */
import { PoseidonError } from '../../crds/errors';

/** A Go type: its name (for messages), its zero value and its decoder. */
export interface GoType<T> {
  readonly name: string;
  zero(): T;
  /** Decodes a non-null JSON value; `at` names the place for messages (`Go struct field X.y`). */
  decode(value: unknown, at: string): T;
}

function kindOf(value: unknown): string {
  if (Array.isArray(value)) return 'array';
  if (typeof value === 'object') return 'object';
  return typeof value === 'boolean' ? 'bool' : typeof value;
}

/** The error Go reports for a value of the wrong type. */
export function mismatch(value: unknown, at: string, type: string, numeric = false): PoseidonError {
  const what = numeric && typeof value === 'number' ? `number ${String(value)}` : kindOf(value);
  return new PoseidonError('Invalid', `json: cannot unmarshal ${what} into ${at} of type ${type}`);
}

function decodeOrZero<T>(type: GoType<T>, value: unknown, at: string): T {
  return value === null || value === undefined ? type.zero() : type.decode(value, at);
}

/** Go `string`. */
export const goString: GoType<string> = {
  name: 'string',
  zero: () => '',
  decode(value, at) {
    if (typeof value !== 'string') throw mismatch(value, at, 'string');
    return value;
  },
};

/** Go `bool`. */
export const goBool: GoType<boolean> = {
  name: 'bool',
  zero: () => false,
  decode(value, at) {
    if (typeof value !== 'boolean') throw mismatch(value, at, 'bool');
    return value;
  },
};

/** An integer type with an inclusive range (`int`, `uint`, `uint16`). */
export function goInteger(name: string, min: number, max: number): GoType<number> {
  return {
    name,
    zero: () => 0,
    decode(value, at) {
      if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
        throw mismatch(value, at, name, true);
      }
      return value;
    },
  };
}

/** Go `int` (64 bits). Values beyond 2^53 lose precision, as any JavaScript number does. */
export const goInt = goInteger('int', -(2 ** 63), 2 ** 63 - 1);
/** Go `uint` (64 bits). */
export const goUint = goInteger('uint', 0, 2 ** 64 - 1);
/** Go `uint16`. */
export const goUint16 = goInteger('uint16', 0, 65535);

/** Go `[]T`; `null` elements take the element's zero value. */
export function goSlice<T>(element: GoType<T>): GoType<T[]> {
  return {
    name: `[]${element.name}`,
    zero: () => [],
    decode(value, at) {
      if (!Array.isArray(value)) throw mismatch(value, at, `[]${element.name}`);
      return value.map((item) => decodeOrZero(element, item, at));
    },
  };
}

/** Go `map[string]T`. */
export function goStringMap<T>(element: GoType<T>): GoType<Record<string, T>> {
  const name = `map[string]${element.name}`;
  return {
    name,
    zero: () => ({}),
    decode(value, at) {
      if (typeof value !== 'object' || value === null || Array.isArray(value)) throw mismatch(value, at, name);
      const result: Record<string, T> = Object.create(null) as Record<string, T>;
      for (const [key, item] of Object.entries(value)) result[key] = decodeOrZero(element, item, at);
      return result;
    },
  };
}

/** The fields of a struct type: JSON key -> type. */
export type GoFields<T> = { readonly [K in keyof T]: GoType<T[K]> };

function fieldFor<T>(fields: GoFields<T>, key: string): keyof T | undefined {
  if (Object.prototype.hasOwnProperty.call(fields, key)) return key as keyof T;
  const folded = key.toLowerCase();
  return (Object.keys(fields) as (keyof T & string)[]).find((name) => name.toLowerCase() === folded);
}

/** A Go struct named `name` (messages say `Go struct field <name>.<field>`). */
export function goStruct<T>(name: string, fields: GoFields<T>): GoType<T> {
  const zero = (): T => {
    const result = {} as T;
    for (const key of Object.keys(fields) as (keyof T)[]) result[key] = fields[key].zero();
    return result;
  };
  return {
    name,
    zero,
    decode(value, at) {
      if (typeof value !== 'object' || value === null || Array.isArray(value)) throw mismatch(value, at, name);
      const result = zero();
      for (const [key, item] of Object.entries(value)) {
        const field = fieldFor(fields, key);
        if (field === undefined) continue;
        const where = `Go struct field ${name}.${String(field)}`;
        result[field] = decodeOrZero(fields[field], item, where);
      }
      return result;
    },
  };
}

/** Decodes a whole request body value (`null` = the zero value, as Go leaves the target untouched). */
export function decodeGoValue<T>(type: GoType<T>, value: unknown): T {
  return decodeOrZero(type, value, 'Go value');
}
