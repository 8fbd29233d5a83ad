/**
 * The version of this package, read from the nearest package.json named `poseidon-ts` above this module (works both
 * from the TypeScript sources and from `dist/`).
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';

const PACKAGE_NAME = 'poseidon-ts';

/** The package version, or `0.0.0-unknown` when no package.json is found. */
export function packageVersion(startDir: string = __dirname): string {
  for (let dir = startDir; ; dir = dirname(dir)) {
    const candidate = join(dir, 'package.json');
    if (existsSync(candidate)) {
      const parsed = JSON.parse(readFileSync(candidate, 'utf8')) as { name?: unknown; version?: unknown };
      if (parsed.name === PACKAGE_NAME && typeof parsed.version === 'string') return parsed.version;
    }
    if (dirname(dir) === dir) return '0.0.0-unknown';
  }
}
