/**
 * `GET /runners/{id}/files`: lists a path with `ls` in the runner (as the unprivileged user unless privileged) and
 * streams `{"files": [...]}`. The answer is decided before anything is sent: once the first entry is parsed (or ls
 * ended successfully with none) the listing is a 200; if ls fails without printing any entry the path is missing or
 * unreadable (`FileNotFound`, 424). A failure after entries (an unreadable subdirectory in a recursive listing) keeps
 * what was listed.
 */
import { Readable } from 'node:stream';
import { PoseidonError } from '../../crds/errors';
import type { ExecPort, ExecProcess } from '../../reconcilers/ports';
import { goJson } from '../http/go-json';
import { LsListingParser, lsCommand } from './ls-listing';

/** What to list. */
export interface ListFilesRequest {
  readonly runnerId: string;
  readonly path: string;
  readonly recursive: boolean;
  readonly privileged: boolean;
}

/** The 424 of listings and downloads. */
export function fileNotFound(): PoseidonError {
  return new PoseidonError('FileNotFound', 'file not found or insufficient permissions');
}

/** The JSON body as a byte stream that pauses the program while the client is slow and kills it when dropped. */
function jsonBody(process: ExecProcess): { body: Readable; write: (text: string) => void } {
  const body = new Readable({
    read: () => process.stdout.resume(),
    destroy: (error, callback) => {
      process.kill();
      callback(error);
    },
  });
  const write = (text: string): void => {
    if (!body.push(text)) process.stdout.pause();
  };
  // The route attaches its pipeline only after the status is decided; until then an error must not go unheard.
  body.on('error', () => undefined);
  write('{"files": [');
  return { body, write };
}

/**
 * Starts the listing. Resolves with the response body once it is known to succeed; rejects with `FileNotFound` or
 * the ExecPort's errors. The returned stream errors if the runner dies mid-listing.
 */
export async function listFiles(exec: ExecPort, request: ListFilesRequest): Promise<Readable> {
  const process = await exec.exec({
    jobId: request.runnerId,
    command: lsCommand(request.path, request.recursive),
    env: { LC_ALL: 'C' },
    privileged: request.privileged,
    tty: false,
  });
  process.stdin.end();
  process.stderr.resume();
  const parser = new LsListingParser();
  const { body, write } = jsonBody(process);
  let count = 0;
  const emit = (entries: readonly object[]): void => {
    for (const entry of entries) write(`${count++ === 0 ? '' : ','}${goJson(entry)}`);
  };
  return new Promise<Readable>((resolve, reject) => {
    process.stdout.on('data', (chunk: Buffer) => {
      emit(parser.push(chunk));
      if (count > 0) resolve(body);
    });
    process.exited.then(
      ({ exitCode }) => {
        emit(parser.end());
        if (count === 0 && exitCode !== 0) {
          body.destroy();
          return reject(fileNotFound());
        }
        write(']}');
        body.push(null);
        resolve(body);
      },
      (error: unknown) => {
        reject(error);
        body.destroy(error instanceof Error ? error : new Error(String(error)));
      },
    );
  });
}
