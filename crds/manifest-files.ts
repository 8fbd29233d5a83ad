/**
 * Expands the paths given to a manifest loader into the texts to parse: a file as is, `-` as standard input (passed
 * in by the caller as a string), a folder recursively (`*.yaml` and `*.yml`, sorted by path; entries starting with
 * `.` are skipped; symbolic links are followed once).
 */
import { readdir, readFile, realpath, stat } from 'node:fs/promises';
import { join } from 'node:path';

/** One text to parse, named as it appears in error messages. */
export interface ManifestText {
  file: string;
  text: string;
}

/** A path that could not be read. */
export interface ManifestReadError {
  file: string;
  message: string;
}

/** The name standard input gets in messages. */
export const STDIN_NAME = '<stdin>';

const MANIFEST_FILE = /\.ya?ml$/;

/** Reads every path; files of a folder come in sorted order, paths in the order given. */
export async function readManifestTexts(
  paths: readonly string[],
  stdin: string | undefined,
): Promise<{ texts: ManifestText[]; errors: ManifestReadError[] }> {
  const texts: ManifestText[] = [];
  const errors: ManifestReadError[] = [];
  for (const path of paths) {
    if (path === '-') {
      if (stdin === undefined) errors.push({ file: STDIN_NAME, message: 'standard input was not provided' });
      else texts.push({ file: STDIN_NAME, text: stdin });
      continue;
    }
    try {
      const files = (await stat(path)).isDirectory() ? await listManifestFiles(path) : [path];
      for (const file of files) texts.push({ file, text: await readFile(file, 'utf8') });
    } catch (error) {
      errors.push({ file: path, message: describeFsError(error) });
    }
  }
  return { texts, errors };
}

/** The `*.yaml`/`*.yml` files under `dir`, recursively, sorted by their path. */
export async function listManifestFiles(dir: string): Promise<string[]> {
  const found: string[] = [];
  await walk(dir, found, new Set());
  return found.sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
}

async function walk(dir: string, found: string[], visited: Set<string>): Promise<void> {
  const real = await realpath(dir);
  if (visited.has(real)) return;
  visited.add(real);
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    if (entry.name.startsWith('.')) continue;
    const path = join(dir, entry.name);
    const isDirectory = entry.isDirectory() || (entry.isSymbolicLink() && (await stat(path)).isDirectory());
    if (isDirectory) await walk(path, found, visited);
    else if (MANIFEST_FILE.test(entry.name)) found.push(path);
  }
}

function describeFsError(error: unknown): string {
  const code = (error as { code?: unknown }).code;
  if (code === 'ENOENT') return 'no such file or directory';
  if (code === 'EACCES') return 'permission denied';
  return error instanceof Error ? error.message : String(error);
}
