/**
 * The tar archive of a PATCH's copies, built in memory with tar-stream: regular files root:root 0744, entries ending
 * in `/` directories 1777 (world-writable and sticky, so the unprivileged user can add files but not replace
 * uploaded ones), every mtime 0 (the original's archives carry no time). Paths are cleaned like Go's `path.Clean`;
 * long and non-ASCII names go into PAX headers.
 */
import { pack, type Headers } from 'tar-stream';
import type { FileCopy } from '../decode/request-bodies';
import { cleanPath } from './clean-path';

const FILE_MODE = 0o744;
const DIRECTORY_MODE = 0o1777;

/** The tar header of one copy, or undefined when there is nothing to write (a directory entry for `.` or `/`). */
export function archiveHeader(copy: FileCopy): Headers | undefined {
  const directory = copy.path.endsWith('/');
  const name = cleanPath(copy.path);
  const owner = { uid: 0, gid: 0, uname: 'root', gname: 'root', mtime: new Date(0) };
  if (directory) {
    // Re-moding the working directory or the root to 1777 is never what a client means.
    if (name === '.' || name === '/') return undefined;
    return { ...owner, name, type: 'directory', mode: DIRECTORY_MODE };
  }
  return { ...owner, name, type: 'file', mode: FILE_MODE, size: copy.content.length };
}

/** The archive of `copies`, in order (a later entry for the same path wins). */
export function buildArchive(copies: readonly FileCopy[]): Promise<Buffer> {
  const archive = pack();
  const chunks: Buffer[] = [];
  const done = new Promise<Buffer>((resolve, reject) => {
    archive.on('data', (chunk: Buffer) => chunks.push(chunk));
    archive.on('end', () => resolve(Buffer.concat(chunks)));
    archive.on('error', reject);
  });
  for (const copy of copies) {
    const header = archiveHeader(copy);
    if (!header) continue;
    archive.entry(header, header.type === 'directory' ? undefined : copy.content);
  }
  archive.finalize();
  return done;
}
