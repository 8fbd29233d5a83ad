/**
 * Starts and stops the floor peer (`floor-peer.cjs`): a trivial HTTP + WebSocket server in a child process, the far
 * end of the HTTP and WebSocket floors.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { createInterface } from 'node:readline';

/** A running floor peer. */
export interface FloorPeer {
  /** `http://127.0.0.1:<port>` */
  readonly url: string;
  readonly port: number;
  /** Ends the child process and waits for it. Idempotent. */
  close(): Promise<void>;
}

/** The project root: the nearest ancestor of this file with a package.json (works from the sources and from dist/). */
export function projectRoot(from: string = __dirname): string {
  let dir = from;
  while (!existsSync(path.join(dir, 'package.json'))) {
    const parent = path.dirname(dir);
    if (parent === dir) throw new Error(`no package.json above ${from}`);
    dir = parent;
  }
  return dir;
}

/** Spawns the peer and resolves once it listens. Rejects when it exits first or does not answer within 10 s. */
export async function startFloorPeer(): Promise<FloorPeer> {
  const script = path.join(projectRoot(), 'hack', 'bench', 'floor-peer.cjs');
  const child = spawn(process.execPath, [script], { stdio: ['pipe', 'pipe', 'inherit'] });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  try {
    const port = await readPort(child);
    let closing: Promise<void> | undefined;
    return {
      url: `http://127.0.0.1:${port}`,
      port,
      close: () =>
        (closing ??= (async () => {
          child.stdin?.end();
          await exited;
        })()),
    };
  } catch (error) {
    child.kill('SIGKILL');
    await exited;
    throw error;
  }
}

function readPort(child: ChildProcess): Promise<number> {
  return new Promise((resolve, reject) => {
    if (!child.stdout) return reject(new Error('floor peer: no stdout'));
    const lines = createInterface({ input: child.stdout });
    const timer = setTimeout(() => reject(new Error('floor peer did not start within 10 s')), 10_000);
    const settle = (): void => {
      clearTimeout(timer);
      lines.close();
    };
    lines.once('line', (line) => {
      settle();
      const port = (JSON.parse(line) as { port?: unknown }).port;
      if (typeof port === 'number') resolve(port);
      else reject(new Error(`floor peer: unexpected first line ${line}`));
    });
    child.once('exit', (code) => {
      settle();
      reject(new Error(`floor peer exited with ${code} before listening`));
    });
    child.once('error', (error) => {
      settle();
      reject(error);
    });
  });
}
