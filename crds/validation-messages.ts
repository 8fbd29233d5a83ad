/**
 * Turns TypeBox value errors into messages a person understands: what the field must be, and what it got
 * (`must be an integer >= 0, got "256MB"`). Messages are built from the failing schema, so they name the expected
 * literal of `apiVersion`/`kind`, every allowed value of an enum, and the bounds of a number.
 */
import { Kind, type TSchema } from '@sinclair/typebox';
import { ValueErrorType, type ValueError } from '@sinclair/typebox/value';
import { NAME_PATTERN } from './meta';

/** Upper bounds at or above this are implementation limits, not worth naming unless exceeded. */
const INT32_MAX = 2147483647;
const MAX_SHOWN = 60;

/** Human descriptions of the patterns the schemas use. */
const PATTERN_DESCRIPTIONS: ReadonlyMap<string, string> = new Map([
  [
    NAME_PATTERN,
    'a name of lower-case letters, digits, "-" and ".", starting and ending with a letter or digit, ' +
      'at most 253 characters',
  ],
]);

/** The message of one TypeBox error; `knownFields` are the sibling fields, for "did you mean" hints. */
export function messageOf(error: ValueError, knownFields: readonly string[] = []): string {
  switch (error.type) {
    case ValueErrorType.ObjectRequiredProperty:
      return 'is required';
    case ValueErrorType.ObjectAdditionalProperties:
      return unknownFieldMessage(error.path, knownFields);
    case ValueErrorType.ArrayUniqueItems:
      return duplicateItemsMessage(error.value);
    default:
      return `must be ${describeSchema(error.schema, error.type)}, got ${showValue(error.value)}`;
  }
}

/** Describes what a schema accepts, e.g. `an integer >= 0` or `one of "Pending", "Running"`. */
export function describeSchema(schema: TSchema, failure?: ValueErrorType): string {
  switch (schema[Kind]) {
    case 'Literal':
      return JSON.stringify(schema.const);
    case 'Union':
      return describeUnion(schema.anyOf as TSchema[]);
    case 'Integer':
      return describeNumber('an integer', schema, failure);
    case 'Number':
      return describeNumber('a number', schema, failure);
    case 'String':
      return describeString(schema);
    case 'Boolean':
      return 'true or false';
    case 'Array':
      return 'a list';
    case 'Object':
    case 'Record':
      return 'an object';
    default:
      return typeof schema.type === 'string' ? `of type ${schema.type}` : 'valid';
  }
}

/** Shows a value in a message: JSON, shortened; `undefined` shows as `nothing`. */
export function showValue(value: unknown): string {
  if (value === undefined) return 'nothing';
  let text: string;
  try {
    text = JSON.stringify(value) ?? String(value);
  } catch {
    text = String(value);
  }
  return text.length > MAX_SHOWN ? `${text.slice(0, MAX_SHOWN - 3)}...` : text;
}

function describeUnion(members: readonly TSchema[]): string {
  if (members.every((member) => member[Kind] === 'Literal')) {
    return `one of ${members.map((member) => JSON.stringify(member.const)).join(', ')}`;
  }
  return members.map((member) => describeSchema(member)).join(' or ');
}

function describeNumber(noun: string, schema: TSchema, failure?: ValueErrorType): string {
  const { minimum, maximum } = schema as { minimum?: number; maximum?: number };
  const exceeded = failure === ValueErrorType.IntegerMaximum || failure === ValueErrorType.NumberMaximum;
  if (minimum !== undefined && maximum !== undefined && maximum < INT32_MAX) {
    return `${noun} between ${minimum} and ${maximum}`;
  }
  if (exceeded && maximum !== undefined) return `${noun} <= ${maximum}`;
  if (minimum !== undefined) return `${noun} >= ${minimum}`;
  if (maximum !== undefined) return `${noun} <= ${maximum}`;
  return noun;
}

function describeString(schema: TSchema): string {
  const { pattern, minLength, maxLength } = schema as { pattern?: string; minLength?: number; maxLength?: number };
  if (pattern !== undefined) return PATTERN_DESCRIPTIONS.get(pattern) ?? `a string matching /${pattern}/`;
  if (maxLength !== undefined) return `a string of ${minLength ?? 0} to ${maxLength} characters`;
  if (minLength === 1) return 'a non-empty string';
  if (minLength !== undefined) return `a string of at least ${minLength} characters`;
  return 'a string';
}

function unknownFieldMessage(pointer: string, knownFields: readonly string[]): string {
  const field = pointer
    .slice(pointer.lastIndexOf('/') + 1)
    .replace(/~1/g, '/')
    .replace(/~0/g, '~');
  const suggestion = closest(field, knownFields);
  return suggestion === undefined ? 'unknown field' : `unknown field (did you mean "${suggestion}"?)`;
}

function duplicateItemsMessage(value: unknown): string {
  const items = Array.isArray(value) ? value : [];
  const seen = new Set<string>();
  for (const item of items) {
    const key = JSON.stringify(item);
    if (seen.has(key)) return `must not contain duplicates, got ${showValue(item)} more than once`;
    seen.add(key);
  }
  return 'must not contain duplicates';
}

/** The known field nearest to `field` (case-insensitive edit distance <= 2), if any. */
function closest(field: string, knownFields: readonly string[]): string | undefined {
  let best: { name: string; distance: number } | undefined;
  for (const name of knownFields) {
    const distance = editDistance(field.toLowerCase(), name.toLowerCase());
    if (distance <= 2 && (best === undefined || distance < best.distance)) best = { name, distance };
  }
  return best?.name;
}

function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, index) => index);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      const substitution = (previous[j - 1] ?? 0) + (a[i - 1] === b[j - 1] ? 0 : 1);
      current.push(Math.min((previous[j] ?? 0) + 1, (current[j - 1] ?? 0) + 1, substitution));
    }
    previous = current;
  }
  return previous[b.length] ?? 0;
}
