/**
 * `PATCH /runners/{id}/files`: one privileged, non-interactive execution that first deletes, then writes. Delete
 * paths are cleaned and handed to `rm -rf --` as arguments (never spliced into a shell string); the literal `./*`
 * means every non-hidden entry of the working directory. Copies travel as one tar archive built in memory and
 * extracted with `tar --extract --absolute-names`, so they keep the archive's owner (root), modes and mtime 0.
 */
import { PoseidonError } from '../../crds/errors';
import type { ExecPort } from '../../reconcilers/ports';
import type { FilePatchBody } from '../decode/request-bodies';
import { buildArchive } from './build-archive';
import { cleanPath } from './clean-path';
import { runToCompletion } from './run-to-completion';

/** The delete path that means "everything non-hidden in the working directory". */
export const DELETE_ALL = './*';

// $1 = number of delete paths, then the paths; the archive arrives on stdin. Failures of rm are ignored, as in the
// original; tar's decide the answer. umask 022 makes the parents tar creates 0755.
const SCRIPT = [
  'umask 022',
  'shopt -s nullglob',
  'n=$1; shift',
  'while [ "$n" -gt 0 ]; do',
  `  if [ "$1" = '${DELETE_ALL}' ]; then rm -rf -- ./* 2>/dev/null; else rm -rf -- "$1" 2>/dev/null; fi`,
  '  shift; n=$((n - 1))',
  'done',
  'exec tar --extract --absolute-names --file=-',
].join('\n');

/** The argv of the patch execution. */
export function patchCommand(deletePaths: readonly string[]): string[] {
  const cleaned = deletePaths.map((path) => (path === DELETE_ALL ? DELETE_ALL : cleanPath(path)));
  return ['bash', '-c', SCRIPT, 'poseidon-patch', String(cleaned.length), ...cleaned];
}

/**
 * Applies `patch` to the runner's file system. Rejects with `Internal` (500 UNKNOWN) when tar fails, naming its
 * output, and with the ExecPort's errors when the runner cannot run it.
 */
export async function patchFiles(exec: ExecPort, runnerId: string, patch: FilePatchBody): Promise<void> {
  if (patch.delete.length === 0 && patch.copy.length === 0) return;
  const archive = await buildArchive(patch.copy);
  const result = await runToCompletion(
    exec,
    { jobId: runnerId, command: patchCommand(patch.delete), privileged: true },
    archive,
  );
  if (result.exitCode !== 0) {
    throw new PoseidonError(
      'Internal',
      `file copy failed: stderr output '${result.stderr}' and stdout output '${result.stdout}'`,
    );
  }
}
