/**
 * A local copy of the Nomad Variables a {@link NomadStore} last knew, so a restart reads only what changed: Nomad
 * lists variables without their contents, and reading 10,000 runners one by one took tens of seconds. An entry is
 * trusted only while the variable's ModifyIndex in Nomad's list is exactly the one recorded (every write changes it),
 * so a stale, foreign or damaged file costs reads, never correctness. Written atomically (temp file + rename).
 */
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import path from 'node:path';

/** One remembered variable: its path, ModifyIndex and the resource JSON it held. */
export interface SeedEntry {
  readonly path: string;
  readonly index: number;
  readonly text: string;
}

const FORMAT = 'poseidon-nomad-variables-seed/v1';

/** Reads the seed for `prefix`; an absent, unreadable or foreign file is an empty seed. */
export async function readSeed(file: string, prefix: string): Promise<SeedEntry[]> {
  try {
    const parsed = JSON.parse(await readFile(file, 'utf8')) as {
      format?: unknown;
      prefix?: unknown;
      entries?: unknown;
    };
    if (parsed.format !== FORMAT || parsed.prefix !== prefix || !Array.isArray(parsed.entries)) return [];
    return parsed.entries.filter(
      (entry): entry is SeedEntry =>
        typeof entry === 'object' &&
        entry !== null &&
        typeof (entry as SeedEntry).path === 'string' &&
        Number.isSafeInteger((entry as SeedEntry).index) &&
        typeof (entry as SeedEntry).text === 'string',
    );
  } catch {
    return [];
  }
}

/** Replaces the seed with `entries`. */
export async function writeSeed(file: string, prefix: string, entries: readonly SeedEntry[]): Promise<void> {
  await mkdir(path.dirname(file), { recursive: true, mode: 0o700 });
  const temporary = `${file}.${process.pid}.tmp`;
  await writeFile(temporary, JSON.stringify({ format: FORMAT, prefix, entries }), { mode: 0o600 });
  await rename(temporary, file);
}
