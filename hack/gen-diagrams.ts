/**
 * Writes the Mermaid diagrams of the reconcilers' lifecycle machines into reconcilers/README.md, between the
 * generated-diagrams markers. Run it with `node hack/bootstrap.cjs --build --quiet && node dist/hack/gen-diagrams.js`;
 * a unit test (reconcilers/diagrams/readme-diagrams.test.ts) fails when the README is stale.
 */
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { lifecycleMachines } from '../reconcilers/diagrams/machines';
import { withDiagrams } from '../reconcilers/diagrams/mermaid';
import { repositoryRoot } from './gen-schemas';

/** The README's path under `root`. */
export function readmePath(root: string): string {
  return join(root, 'reconcilers', 'README.md');
}

/** Regenerates the diagrams in the README under `root`; returns whether the file changed. */
export async function generateDiagrams(root: string): Promise<boolean> {
  const path = readmePath(root);
  const current = await readFile(path, 'utf8');
  const next = withDiagrams(current, lifecycleMachines());
  if (next === current) return false;
  await writeFile(path, next);
  return true;
}

if (require.main === module) {
  generateDiagrams(repositoryRoot()).then(
    (changed) => console.log(changed ? 'updated reconcilers/README.md' : 'reconcilers/README.md is current'),
    (error: unknown) => {
      console.error(error);
      process.exitCode = 1;
    },
  );
}
