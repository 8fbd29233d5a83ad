/**
 * Writes the editor JSON Schemas of the resource kinds (manifests/schemas/*.schema.json), formatted with the
 * project's prettier settings. Run it with `npm run gen:schemas`; a unit test fails when the files are stale.
 */
import { existsSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { format, resolveConfig } from 'prettier';
import { EXECUTION_ENVIRONMENT_SCHEMA_PATH, executionEnvironmentJsonSchema } from '../crds/json-schema';

/** Writes every schema file under `root`; returns the paths written (relative to `root`). */
export async function generateSchemas(root: string): Promise<string[]> {
  const files: Record<string, unknown> = {
    [EXECUTION_ENVIRONMENT_SCHEMA_PATH]: executionEnvironmentJsonSchema(),
  };
  for (const [relative, schema] of Object.entries(files)) {
    const path = join(root, relative);
    const options = (await resolveConfig(path)) ?? {};
    const text = await format(JSON.stringify(schema), { ...options, filepath: path });
    await mkdir(dirname(path), { recursive: true });
    await writeFile(path, text);
  }
  return Object.keys(files);
}

/** The repository root: the nearest folder above this file with a package.json (works from the sources and dist/). */
export function repositoryRoot(from: string = __dirname): string {
  let dir = from;
  while (!existsSync(join(dir, 'package.json'))) {
    const parent = dirname(dir);
    if (parent === dir) throw new Error(`no package.json above ${from}`);
    dir = parent;
  }
  return dir;
}

if (require.main === module) {
  generateSchemas(repositoryRoot()).then(
    (written) => written.forEach((file) => console.log(`wrote ${file}`)),
    (error: unknown) => {
      console.error(error);
      process.exitCode = 1;
    },
  );
}
