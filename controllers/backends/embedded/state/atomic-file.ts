/**
 * Atomic file writes: the content goes to a unique temporary file in the same directory, which is then renamed over
 * the target, so a crash at any instant leaves either the old or the new content, never a torn file.
 */
import { randomBytes } from 'node:crypto';
import { promises as fs, writeFileSync, renameSync } from 'node:fs';
import path from 'node:path';

function temporaryName(target: string): string {
  return path.join(path.dirname(target), `.${path.basename(target)}.${randomBytes(6).toString('hex')}.tmp`);
}

/** Writes `data` to `target` atomically (temp file + rename). The directory must exist. */
export async function writeFileAtomic(target: string, data: string | Uint8Array): Promise<void> {
  const temporary = temporaryName(target);
  try {
    await fs.writeFile(temporary, data, { mode: 0o600 });
    await fs.rename(temporary, target);
  } catch (error) {
    await fs.rm(temporary, { force: true });
    throw error;
  }
}

/** Synchronous {@link writeFileAtomic}, for the rare writes that must complete before the caller goes on. */
export function writeFileAtomicSync(target: string, data: string | Uint8Array): void {
  const temporary = temporaryName(target);
  writeFileSync(temporary, data, { mode: 0o600 });
  renameSync(temporary, target);
}

/** True for leftovers of interrupted atomic writes (removed at start-up). */
export function isTemporaryFile(name: string): boolean {
  return name.startsWith('.') && name.endsWith('.tmp');
}
