/**
 * Host files a privileged execution must not read. A privileged program is root inside the sandbox with
 * CAP_DAC_OVERRIDE (as in a Docker container), so it could read every file of the host's read-only system
 * directories, including the ones only root may read: private keys (`/etc/ssl/private`, `/etc/ssh/ssh_host_*_key`),
 * password hash backups (`/etc/shadow-`), database credentials. On the host root those files and directories, the
 * ones other users may not read, are covered with an empty file or directory. Being unreadable by others is what
 * marks a secret: anything world-readable is no secret from the unprivileged user either.
 */
import { promises as fs } from 'node:fs';
import path from 'node:path';

/** A path inside the sandbox to cover with an empty file or directory. */
export interface MaskedPath {
  readonly kind: 'file' | 'dir';
  readonly target: string;
}

/** Stop descending after this many entries (a system directory is far smaller; a warning names the cut). */
const MAX_ENTRIES = 50_000;

/**
 * Regular files and directories under `dir` (itself included) that others may not read, in walk order; masked
 * directories are not descended into, symlinks are not followed. `truncated` is true when the walk stopped at its
 * entry limit.
 */
export async function unreadablePaths(dir: string): Promise<{ paths: MaskedPath[]; truncated: boolean }> {
  const paths: MaskedPath[] = [];
  let seen = 0;
  const visit = async (current: string): Promise<void> => {
    if (++seen > MAX_ENTRIES) return;
    const stat = await fs.lstat(current).catch(() => undefined);
    if (!stat || !(stat.isFile() || stat.isDirectory())) return;
    const secret = (stat.mode & 0o004) === 0;
    if (secret) paths.push({ kind: stat.isDirectory() ? 'dir' : 'file', target: current });
    if (secret || !stat.isDirectory()) return;
    const names = await fs.readdir(current).catch(() => [] as string[]);
    for (const name of names.sort()) await visit(path.join(current, name));
  };
  await visit(dir);
  return { paths, truncated: seen > MAX_ENTRIES };
}
