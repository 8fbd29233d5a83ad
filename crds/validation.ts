/**
 * Schema validation of resources: checks a parsed document against its kind's TypeBox schema, fills in the schema's
 * defaults, and reports every problem as one issue with a field path and a message a person understands.
 */
import type { TSchema } from '@sinclair/typebox';
import { Value, ValueErrorType, type ValueError } from '@sinclair/typebox/value';
import { PoseidonError } from './errors';
import { formatPath, pointerToSegments, type PathSegment } from './issue-path';
import { RESOURCE_KINDS, isResourceKind, schemaOf } from './kinds';
import type { AnyResource, ResourceByKind, ResourceKind } from './resources';
import { messageOf, showValue } from './validation-messages';

/** One problem in a document: where (`spec.memoryLimit`) and what (`must be an integer >= 0, got "256MB"`). */
export interface ValidationIssue {
  /** Printed field path; empty for the document itself. */
  path: string;
  /** The same path as segments (numbers are list indexes), for locating the field in a source file. */
  segments: readonly PathSegment[];
  message: string;
  /** What is wrong: a missing field (located at its parent), an unknown field (at its key), or a bad value. */
  reason: IssueReason;
}

/** The sort of a {@link ValidationIssue}. */
export type IssueReason = 'required' | 'unknownField' | 'invalidValue';

/** Either the valid, defaulted resource or every issue found (never both). */
export type ValidationResult<T> = { ok: true; value: T } | { ok: false; issues: ValidationIssue[] };

/** Options of {@link validateResource}. */
export interface ValidateOptions {
  /** Kinds accepted; defaults to every kind of the project. */
  kinds?: readonly ResourceKind[];
}

/**
 * Validates a document of any kind: dispatches on its `kind`, applies the schema's defaults to a copy (the input is
 * never changed) and checks it. Unknown kinds, unknown fields and wrong types are all issues.
 */
export function validateResource(document: unknown, options: ValidateOptions = {}): ValidationResult<AnyResource> {
  const kinds = options.kinds ?? RESOURCE_KINDS;
  if (!isPlainObject(document))
    return failed([], `must be an object with apiVersion, kind, metadata and spec, got ${showValue(document)}`);
  const kind = document.kind;
  if (!isResourceKind(kind) || !kinds.includes(kind)) {
    const allowed = kinds.map((name) => JSON.stringify(name)).join(', ');
    const expected = kinds.length === 1 ? `must be ${allowed}` : `must be one of ${allowed}`;
    if (kind === undefined) return failed(['kind'], `is required (${allowed})`, 'required');
    return failed(['kind'], `${expected}, got ${showValue(kind)}`);
  }
  return validateKind(kind, document);
}

/** Validates a document as a resource of `kind` (its `kind` field must say so), returning it typed and defaulted. */
export function validateKind<K extends ResourceKind>(kind: K, document: unknown): ValidationResult<ResourceByKind[K]> {
  const schema = schemaOf(kind);
  let copy: unknown;
  try {
    copy = structuredClone(document);
  } catch (error) {
    return failed([], `is not plain data: ${(error as Error).message}`);
  }
  const defaulted: unknown = Value.Default(schema, copy);
  if (Value.Check(schema, defaulted)) return { ok: true, value: defaulted as ResourceByKind[K] };
  return { ok: false, issues: issuesOf(schema, defaulted) };
}

/** Lists the issues of a value that fails `schema`: one per field path, in the schema's order. */
export function issuesOf(schema: TSchema, value: unknown): ValidationIssue[] {
  const issues: ValidationIssue[] = [];
  const seen = new Set<string>();
  for (const error of Value.Errors(schema, value)) {
    const segments = pointerToSegments(error.path, value);
    const path = formatPath(segments);
    if (seen.has(path)) continue;
    seen.add(path);
    issues.push({ path, segments, message: messageOf(error, siblingFields(error)), reason: reasonOf(error) });
  }
  return issues;
}

/** Prints issues one per line as `path: message`. */
export function formatIssues(issues: readonly ValidationIssue[]): string {
  return issues.map((issue) => (issue.path === '' ? issue.message : `${issue.path}: ${issue.message}`)).join('\n');
}

/**
 * The `Invalid` error of a resource that failed validation. The message lists the issues; `details` is
 * `{ issues }` for API bodies and tools.
 */
export function invalidResourceError(
  kind: string,
  name: string | undefined,
  issues: readonly ValidationIssue[],
): PoseidonError {
  const subject = name === undefined ? kind : `${kind} "${name}"`;
  const summary = issues.map((issue) => (issue.path === '' ? issue.message : `${issue.path}: ${issue.message}`));
  return new PoseidonError('Invalid', `${subject} is invalid: ${summary.join('; ')}`, {
    details: { issues: issues.map(({ path, message }) => ({ path, message })) },
  });
}

function reasonOf(error: ValueError): IssueReason {
  if (error.type === ValueErrorType.ObjectRequiredProperty) return 'required';
  if (error.type === ValueErrorType.ObjectAdditionalProperties) return 'unknownField';
  return 'invalidValue';
}

function siblingFields(error: ValueError): string[] {
  const properties = (error.schema as { properties?: Record<string, unknown> }).properties;
  return properties === undefined ? [] : Object.keys(properties);
}

function failed(
  segments: PathSegment[],
  message: string,
  reason: IssueReason = 'invalidValue',
): { ok: false; issues: ValidationIssue[] } {
  return { ok: false, issues: [{ path: formatPath(segments), segments, message, reason }] };
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
