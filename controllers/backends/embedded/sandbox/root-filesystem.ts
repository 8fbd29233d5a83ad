/**
 * What a sandbox's read-only root is made of. For the host (an image without a configured root directory) it is the
 * host's system directories only (/usr, /bin, /lib*, /sbin, /etc, /opt as they exist: symlinks stay symlinks); never
 * /root, /home, /work, /tmp, /var, the state directory or other runners' workspaces. For an image mapped to a root
 * directory it is every top-level entry of that directory except the ones the sandbox provides itself. The identity
 * files (`passwd`, `group`, and masked `shadow`/`gshadow`) are generated so `root` and `user` (1000) exist. On the
 * host root, files and directories under /etc that others may not read are covered (masked-paths.ts).
 */
import { promises as fs } from 'node:fs';
import path from 'node:path';
import type { Logger } from 'pino';
import { writeFileAtomic } from '../state/atomic-file';
import { type MaskedPath, unreadablePaths } from './masked-paths';

/** One top-level entry of the sandbox root. */
export interface RootEntry {
  readonly kind: 'dir' | 'symlink' | 'file';
  /** Absolute path inside the sandbox, e.g. `/usr`. */
  readonly target: string;
  /** Host path (dir, file) or link text (symlink). */
  readonly source: string;
}

/** A resolved root: its entries and which identity files it can take. */
export interface RootLayout {
  readonly entries: readonly RootEntry[];
  /** `/etc` files that exist in this root and get the generated versions bound over them. */
  readonly identityTargets: readonly string[];
  /** True when the root has no `/root` of its own (the sandbox then creates an empty one). */
  readonly needsRootHome: boolean;
  /** Paths covered with the empty {@link MASKED_FILE} or {@link MASKED_DIR} (host secrets). */
  readonly masked: readonly MaskedPath[];
}

/** Name, in the identity directory, of the empty file bound over masked files. */
export const MASKED_FILE = 'masked-file';
/** Name, in the identity directory, of the empty directory bound over masked directories. */
export const MASKED_DIR = 'masked-dir';

const HOST_ENTRIES = ['/usr', '/bin', '/lib', '/lib32', '/lib64', '/libx32', '/sbin', '/etc', '/opt'];
/** Top-level names an image root never contributes: the sandbox mounts its own. */
const PROVIDED = new Set(['proc', 'dev', 'sys', 'tmp', 'workspace']);
export const IDENTITY_FILES = ['passwd', 'group', 'shadow', 'gshadow'] as const;

async function entryFor(source: string, target: string): Promise<RootEntry | undefined> {
  try {
    const stat = await fs.lstat(source);
    if (stat.isSymbolicLink()) return { kind: 'symlink', target, source: await fs.readlink(source) };
    if (stat.isDirectory()) return { kind: 'dir', target, source };
    if (stat.isFile()) return { kind: 'file', target, source };
  } catch {
    // absent
  }
  return undefined;
}

async function layoutOf(
  entries: RootEntry[],
  etcOnHost: string,
  masked: readonly MaskedPath[] = [],
): Promise<RootLayout> {
  const identityTargets: string[] = [];
  for (const name of IDENTITY_FILES) {
    if (await entryFor(path.join(etcOnHost, name), '')) identityTargets.push(`/etc/${name}`);
  }
  return {
    entries,
    identityTargets,
    needsRootHome: !entries.some((entry) => entry.target === '/root'),
    masked: masked.filter((entry) => !identityTargets.includes(entry.target)),
  };
}

/** The host's system directories, with /etc's secrets masked. Logs a warning when /etc is too large to scan. */
export async function hostRoot(logger?: Logger): Promise<RootLayout> {
  const entries = (await Promise.all(HOST_ENTRIES.map((dir) => entryFor(dir, dir)))).filter(
    (entry): entry is RootEntry => entry !== undefined,
  );
  const etc = entries.find((entry) => entry.target === '/etc' && entry.kind === 'dir');
  const scan = etc ? await unreadablePaths('/etc') : { paths: [], truncated: false };
  if (scan.truncated) logger?.warn('embedded backend: /etc is too large to scan for secrets completely');
  return layoutOf(entries, '/etc', scan.paths);
}

/** Every top-level entry of an image's root directory but the ones the sandbox provides. */
export async function imageRoot(dir: string): Promise<RootLayout> {
  const names = (await fs.readdir(dir)).filter((name) => !PROVIDED.has(name)).sort();
  const entries = (await Promise.all(names.map((name) => entryFor(path.join(dir, name), `/${name}`)))).filter(
    (entry): entry is RootEntry => entry !== undefined,
  );
  return layoutOf(entries, path.join(dir, 'etc'));
}

/** How long a scan of the host's /etc for secrets is reused before new secrets are looked for. */
export const HOST_RESCAN_MS = 60_000;

interface CachedLayout {
  readonly layout: Promise<RootLayout>;
  readonly at: number;
}

/**
 * Resolves and caches root layouts per image; warns once per image that has no configured root. The host's layout is
 * scanned again after {@link HOST_RESCAN_MS}, and its masked paths are checked on every use: bwrap cannot bind over a
 * path that vanished meanwhile (in a read-only root it would fail every execution).
 */
export class RootFilesystems {
  private readonly cache = new Map<string, CachedLayout>();
  private readonly warned = new Set<string>();

  constructor(
    private readonly mapped: ReadonlyMap<string, string>,
    private readonly logger: Logger,
    private readonly now: () => number = Date.now,
  ) {}

  /** The layout for `image`. */
  async layoutFor(image: string): Promise<RootLayout> {
    const dir = this.mapped.get(image);
    if (dir === undefined && !this.warned.has(image)) {
      this.warned.add(image);
      this.logger.warn(
        { image },
        'embedded backend: no root directory configured for this image; using the host system',
      );
    }
    const key = dir ?? '';
    let cached = this.cache.get(key);
    if (!cached || (dir === undefined && this.now() - cached.at > HOST_RESCAN_MS)) {
      const layout = dir === undefined ? hostRoot(this.logger) : imageRoot(dir);
      cached = { layout, at: this.now() };
      this.cache.set(key, cached);
      layout.catch(() => this.cache.delete(key));
    }
    return withExistingMasks(await cached.layout);
  }
}

/** The layout without the masked paths that no longer exist (the same object when all still do). */
export async function withExistingMasks(layout: RootLayout): Promise<RootLayout> {
  if (layout.masked.length === 0) return layout;
  const present = await Promise.all(layout.masked.map((entry) => fs.lstat(entry.target).then(Boolean, () => false)));
  if (present.every(Boolean)) return layout;
  return { ...layout, masked: layout.masked.filter((_, i) => present[i]) };
}

/** Writes the generated identity files into `etcDir` (created when missing). */
export async function writeIdentityFiles(etcDir: string): Promise<void> {
  await fs.mkdir(etcDir, { recursive: true, mode: 0o755 });
  const files: Record<(typeof IDENTITY_FILES)[number], string> = {
    passwd:
      'root:x:0:0:root:/root:/bin/bash\n' +
      'user:x:1000:1000:user:/workspace:/bin/bash\n' +
      'nobody:x:65534:65534:nobody:/nonexistent:/usr/sbin/nologin\n',
    group: 'root:x:0:\nuser:x:1000:\nnogroup:x:65534:\n',
    shadow: 'root:*:19000:0:99999:7:::\nuser:*:19000:0:99999:7:::\nnobody:*:19000:0:99999:7:::\n',
    gshadow: 'root:*::\nuser:*::\nnogroup:*::\n',
  };
  for (const name of IDENTITY_FILES) {
    const file = path.join(etcDir, name);
    await writeFileAtomic(file, files[name]);
    await fs.chmod(file, name.endsWith('shadow') ? 0o600 : 0o644);
  }
  await writeFileAtomic(path.join(etcDir, MASKED_FILE), '');
  await fs.chmod(path.join(etcDir, MASKED_FILE), 0o400);
  await fs.mkdir(path.join(etcDir, MASKED_DIR), { recursive: true });
  await fs.chmod(path.join(etcDir, MASKED_DIR), 0o500);
}
