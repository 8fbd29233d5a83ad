/**
 * The Nomad API test server (hack/nomad-test-server) for the Nomad scenarios, with the mock runtime (allocations run
 * nothing, so 10,000 of them cost only bookkeeping). Full runs start it as a child process (`dist/hack/nomad-test-
 * server/main.js`), so the heap measured in this process is the controller's alone; smoke runs start it in-process.
 * Request counts come from its `/_test/stats` route either way.
 */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { Pool } from 'undici';
import { startNomadTestServer } from '../nomad-test-server/nomad-test-server';
import { percentile, timed } from './bench-stats';
import type { NomadServerPlacement } from './scenario';

/** A running test server. */
export interface NomadServerHandle {
  readonly url: string;
  /** Requests per Nomad API operation since the server started. */
  requestCounts(): Promise<Record<string, number>>;
  /**
   * The recovery floor: milliseconds to fetch and parse the three lists a controller needs to recover (every job,
   * every allocation, every variable under `poseidon/`), one after the other; the median of three tries.
   */
  rawListMs(): Promise<number>;
  close(): Promise<void>;
}

/** Starts the test server where `placement` says. */
export async function startNomadServer(placement: NomadServerPlacement): Promise<NomadServerHandle> {
  if (placement === 'in-process') {
    const server = await startNomadTestServer({ runtime: 'mock' });
    return withStats(server.url, () => server.close());
  }
  return startChildServer();
}

function withStats(url: string, close: () => Promise<void>): NomadServerHandle {
  // A pool of its own (not the global fetch agent), closed with the server, so no keep-alive socket outlives it.
  const pool = new Pool(url, { connections: 2 });
  const get = async (path: string): Promise<unknown> => {
    const res = await pool.request({ method: 'GET', path });
    const text = await res.body.text();
    if (res.statusCode !== 200) throw new Error(`${path} answered ${res.statusCode}`);
    return JSON.parse(text);
  };
  return {
    url,
    close: async () => {
      await pool.close();
      await close();
    },
    rawListMs: async () => {
      const tries: number[] = [];
      for (let n = 0; n < 3; n++) {
        tries.push(
          await timed(async () => {
            for (const path of ['/v1/jobs', '/v1/allocations', '/v1/vars?prefix=poseidon/']) await get(path);
          }),
        );
      }
      return percentile(tries, 50);
    },
    requestCounts: async () => ((await get('/_test/stats')) as { requests: Record<string, number> }).requests,
  };
}

async function startChildServer(): Promise<NomadServerHandle> {
  const main = path.join(__dirname, '..', 'nomad-test-server', 'main.js');
  if (!existsSync(main)) throw new Error(`${main} is missing: run the compiled benchmarks (npm run bench)`);
  const args = [main, '--port', '0', '--runtime', 'mock', '--log-level', 'warn'];
  const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'inherit'] });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const url = await new Promise<string>((resolve, reject) => {
    const lines = createInterface({ input: child.stdout });
    const timer = setTimeout(() => reject(new Error('the Nomad test server did not start within 15 s')), 15_000);
    lines.on('line', (line) => {
      const match = /listening on (\S+)/.exec(line);
      if (!match?.[1]) return;
      clearTimeout(timer);
      lines.close();
      resolve(match[1]);
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`the Nomad test server exited with ${code}`));
    });
  }).catch(async (error: unknown) => {
    child.kill('SIGKILL');
    await exited;
    throw error;
  });
  child.stdout.resume();
  // Dies with this process too (main.ts turns SIGINT/SIGTERM into an exit, which runs this).
  const killOnExit = (): void => void child.kill('SIGKILL');
  process.once('exit', killOnExit);
  return withStats(url, async () => {
    process.removeListener('exit', killOnExit);
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
    await exited;
  });
}
