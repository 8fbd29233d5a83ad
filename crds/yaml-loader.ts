/**
 * Loads resources from YAML manifests with the `yaml` package (it keeps the source position of every node): one file,
 * standard input (`-`), or a folder recursively; multi-document files; empty documents skipped. All or nothing:
 * either every document is a valid resource (returned typed and defaulted, with its source location) or the result is
 * the full list of errors, each naming file, line, column (1-based) and field path.
 */
import { LineCounter, isScalar, parseAllDocuments, type Document } from 'yaml';
import { PoseidonError } from './errors';
import { readManifestTexts } from './manifest-files';
import type { AnyResource, ResourceKind } from './resources';
import { checkResourceSet } from './resource-set-check';
import { validateResource } from './validation';
import { lineColumn, positionOf } from './yaml-positions';

/** Where a resource was written: file, 1-based line and column of its document, and the document's index in the file. */
export interface ManifestSource {
  file: string;
  line: number;
  column: number;
  /** 0-based index of the document among the file's documents (empty ones included). */
  document: number;
}

/** A valid resource and where it came from. */
export interface LoadedResource {
  resource: AnyResource;
  source: ManifestSource;
}

/** One problem in the input. `line`, `column` are absent when the file itself could not be read. */
export interface ManifestError {
  file: string;
  line?: number;
  column?: number;
  /** Field path (`spec.memoryLimit`) when the problem is in a field. */
  path?: string;
  message: string;
}

/** Either every resource, or every error (never a partial result). */
export type LoadResult = { ok: true; resources: LoadedResource[] } | { ok: false; errors: ManifestError[] };

/** Options of the loaders. */
export interface LoadOptions {
  /** Kinds accepted; defaults to every kind. */
  kinds?: readonly ResourceKind[];
  /** The text of standard input, read by the caller, for the path `-`. */
  stdin?: string;
}

/** Most aliases a document may expand (guards against "billion laughs" documents). */
const MAX_ALIAS_COUNT = 100;

/** Loads files, folders and `-` (see the module comment). Paths are named in errors as given. */
export async function loadManifests(paths: readonly string[], options: LoadOptions = {}): Promise<LoadResult> {
  const { texts, errors } = await readManifestTexts(paths, options.stdin);
  const parsed = texts.map(({ file, text }) => parseDocuments(text, file, options));
  return combine(
    errors,
    parsed.flatMap((file) => file.errors),
    parsed.flatMap((file) => file.documents),
  );
}

/** Loads the documents of one YAML text named `file` (in messages). */
export function parseManifests(text: string, file: string, options: LoadOptions = {}): LoadResult {
  const { errors, documents } = parseDocuments(text, file, options);
  return combine([], errors, documents);
}

/** Prints an error as `file:line:column: path: message`. */
export function formatManifestError(error: ManifestError): string {
  const where = error.line === undefined ? error.file : `${error.file}:${error.line}:${error.column ?? 1}`;
  return error.path ? `${where}: ${error.path}: ${error.message}` : `${where}: ${error.message}`;
}

/** The `Invalid` error for a failed load: the message lists every error, `details` is `{ errors }`. */
export function manifestsInvalidError(errors: readonly ManifestError[]): PoseidonError {
  const lines = errors.map(formatManifestError);
  return new PoseidonError('Invalid', `invalid manifests:\n${lines.join('\n')}`, { details: { errors } });
}

interface ParsedDocument extends LoadedResource {
  /** Locates a field path of this document, for set-level issues. */
  locate: (segments: readonly (string | number)[]) => { line: number; column: number };
}

function parseDocuments(
  text: string,
  file: string,
  options: LoadOptions,
): { errors: ManifestError[]; documents: ParsedDocument[] } {
  const lineCounter = new LineCounter();
  const errors: ManifestError[] = [];
  const documents: ParsedDocument[] = [];
  parseAllDocuments(text, { lineCounter, prettyErrors: false, uniqueKeys: true }).forEach((document, index) => {
    const syntax = [...document.errors, ...document.warnings];
    for (const problem of syntax) {
      errors.push({ file, ...lineColumn(lineCounter, problem.pos[0]), message: `YAML: ${problem.message}` });
    }
    if (syntax.length > 0 || isEmpty(document)) return;
    const located = toResource(document, lineCounter, file, index, options);
    if ('errors' in located) errors.push(...located.errors);
    else documents.push(located);
  });
  return { errors, documents };
}

function toResource(
  document: Document.Parsed,
  lineCounter: LineCounter,
  file: string,
  index: number,
  options: LoadOptions,
): ParsedDocument | { errors: ManifestError[] } {
  const start = lineColumn(lineCounter, document.contents?.range?.[0] ?? 0);
  let data: unknown;
  try {
    data = document.toJS({ maxAliasCount: MAX_ALIAS_COUNT });
  } catch (error) {
    return { errors: [{ file, ...start, message: `YAML: ${(error as Error).message}` }] };
  }
  const result = validateResource(data, { kinds: options.kinds });
  if (!result.ok) {
    const errors = result.issues.map((issue) => {
      const target = issue.reason === 'unknownField' ? 'key' : 'value';
      const position = positionOf(document, lineCounter, issue.segments, target);
      return { file, ...position, ...(issue.path ? { path: issue.path } : {}), message: issue.message };
    });
    return { errors: errors.sort((a, b) => a.line - b.line || a.column - b.column) };
  }
  return {
    resource: result.value,
    source: { file, ...start, document: index },
    locate: (segments) => positionOf(document, lineCounter, segments),
  };
}

function combine(
  readErrors: readonly ManifestError[],
  parseErrors: readonly ManifestError[],
  documents: readonly ParsedDocument[],
): LoadResult {
  const where = (index: number): string => {
    const source = documents[index]?.source;
    return source ? `${source.file}:${source.line}:${source.column}` : `document ${index + 1}`;
  };
  const setErrors = checkResourceSet(
    documents.map((document) => document.resource),
    where,
  ).map((issue): ManifestError => {
    const document = documents[issue.index];
    const position = document ? document.locate(issue.segments) : { line: 1, column: 1 };
    return { file: document?.source.file ?? '', ...position, path: issue.path, message: issue.message };
  });
  const errors = [...readErrors, ...parseErrors, ...setErrors];
  if (errors.length > 0) return { ok: false, errors };
  return { ok: true, resources: documents.map(({ resource, source }) => ({ resource, source })) };
}

function isEmpty(document: Document.Parsed): boolean {
  const contents = document.contents;
  return contents === null || (isScalar(contents) && contents.value === null);
}
