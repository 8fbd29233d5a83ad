/**
 * The machine's floors, measured in the same run as the figures they divide: the cheapest way to do what a scenario
 * does without the service in the way. Each floor is measured once per run, on first use, and shared.
 *
 * - `spawn`: `true` via child_process (fork + exec + wait);
 * - `sandbox`: the embedded backend's own sandbox argv (`sandboxCommand`, no tty, no cgroups) running `true`;
 * - `http`: a keep-alive POST round trip to a trivial Node server in another process (the same undici pool type the
 *   API client uses), at 100 requests/s;
 * - `wsEcho`: one message echoed on an open WebSocket; `wsSession`: connect, receive one message, server closes;
 * - `fsync`: append 200 bytes + fdatasync.
 *
 * And one capacity floor, {@link Floors.sandboxRate}: sandboxes running `true` per minute with N concurrent starters.
 */
import { spawn } from 'node:child_process';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Pool } from 'undici';
import WebSocket from 'ws';
import { sandboxCommand } from '../../controllers/backends/embedded/sandbox/bwrap-command';
import { hostRoot, writeIdentityFiles } from '../../controllers/backends/embedded/sandbox/root-filesystem';
import { sandboxEnvironment } from '../../controllers/backends/embedded/sandbox/sandbox-env';
import { percentiles, sample, type Percentiles, type SampleBudget } from './bench-stats';
import { startFloorPeer, type FloorPeer } from './floor-peer';
import { closedLoop, openLoop } from './open-loop';
import { measureSyncFloor } from './store-bench';

/** The floors' names. */
export type FloorName = 'spawn' | 'sandbox' | 'http' | 'wsEcho' | 'wsSession' | 'fsync';

/** What each floor measures, for the table. */
export const FLOOR_TITLES: Readonly<Record<FloorName, string>> = {
  spawn: 'floor: spawn `true` (child_process)',
  sandbox: 'floor: bwrap sandbox running `true`',
  http: 'floor: HTTP keep-alive round trip',
  wsEcho: 'floor: WebSocket echo',
  wsSession: 'floor: WebSocket session',
  fsync: 'floor: append 200 B + fdatasync',
};

/** Sample sizes of the floors. */
export interface FloorBudgets {
  /** Samples of each process-spawning floor. Default 200 within 10 s. */
  readonly spawn: SampleBudget;
  /** Samples of each network floor. Default 1000 within 10 s. */
  readonly network: SampleBudget;
  /** Duration of a capacity floor. Default 5 s. */
  readonly rateMs: number;
}

/** Default floor budgets. */
export const DEFAULT_FLOOR_BUDGETS: FloorBudgets = {
  spawn: { count: 200, budgetMs: 10_000 },
  network: { count: 1000, budgetMs: 10_000 },
  rateMs: 5_000,
};

/** Floor budgets of smoke runs: enough samples to exercise the code, too few for meaningful figures. */
export const SMOKE_FLOOR_BUDGETS: FloorBudgets = {
  spawn: { count: 3, budgetMs: 1_000 },
  network: { count: 5, budgetMs: 1_000 },
  rateMs: 200,
};

/** The floors of one run, measured lazily and once. Close it to stop the peer process. */
export class Floors {
  private readonly measured = new Map<FloorName, Promise<Percentiles>>();
  private readonly rates = new Map<number, Promise<number>>();
  private peer: Promise<FloorPeer> | undefined;

  constructor(private readonly budgets: FloorBudgets = DEFAULT_FLOOR_BUDGETS) {}

  /** The floor `name` in milliseconds (measured now if this run has not measured it yet). */
  get(name: FloorName): Promise<Percentiles> {
    let floor = this.measured.get(name);
    if (!floor) {
      floor = this.measure(name);
      this.measured.set(name, floor);
    }
    return floor;
  }

  /** Sandboxes (the `sandbox` floor's command) completed per minute by `clients` concurrent loops. */
  sandboxRate(clients: number): Promise<number> {
    let rate = this.rates.get(clients);
    if (!rate) {
      rate = withSandbox((file, args) => loopRate(clients, this.budgets.rateMs, () => spawnAndWait(file, args)));
      this.rates.set(clients, rate);
    }
    return rate;
  }

  /** Every floor measured so far. */
  async all(): Promise<Map<FloorName, Percentiles>> {
    const entries = await Promise.all([...this.measured].map(async ([name, p]) => [name, await p] as const));
    return new Map(entries);
  }

  /** Stops the peer process, if one was started. */
  async close(): Promise<void> {
    const peer = this.peer;
    this.peer = undefined;
    if (peer) await (await peer).close();
  }

  private async measure(name: FloorName): Promise<Percentiles> {
    const { spawn: spawnBudget, network } = this.budgets;
    switch (name) {
      case 'spawn':
        return percentiles(await sample(spawnBudget, () => spawnAndWait('true', [])));
      case 'sandbox':
        return percentiles(await sandboxSamples(spawnBudget));
      case 'http':
        return percentiles(await httpSamples((await this.startPeer()).url, network));
      case 'wsEcho':
        return percentiles(await wsEchoSamples((await this.startPeer()).port, network));
      case 'wsSession':
        return percentiles(await sample(network, async () => wsSession((await this.startPeer()).port)));
      case 'fsync':
        return percentiles(await fsyncSamples(network.count));
    }
  }

  private startPeer(): Promise<FloorPeer> {
    return (this.peer ??= startFloorPeer());
  }
}

function spawnAndWait(file: string, args: readonly string[]): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(file, args, { stdio: 'ignore' });
    child.once('error', reject);
    child.once('close', (code) => (code === 0 ? resolve() : reject(new Error(`${file} exited with ${code}`))));
  });
}

async function sandboxSamples(budget: SampleBudget): Promise<number[]> {
  return withSandbox((file, args) => sample(budget, () => spawnAndWait(file, args)));
}

/** Runs `body` with the argv of a sandbox running `true` in a fresh directory, removed afterwards. */
async function withSandbox<T>(body: (file: string, args: readonly string[]) => Promise<T>): Promise<T> {
  const dir = await mkdtemp(path.join(tmpdir(), 'bench-sandbox-'));
  try {
    const etcDir = path.join(dir, 'etc');
    const workspaceDir = path.join(dir, 'workspace');
    const tmpDir = path.join(dir, 'tmp');
    await writeIdentityFiles(etcDir);
    await mkdir(workspaceDir, { mode: 0o1777 });
    await mkdir(tmpDir, { mode: 0o1777 });
    const { file, args } = sandboxCommand({
      bwrapPath: '/usr/bin/bwrap',
      root: await hostRoot(),
      etcDir,
      workspaceDir,
      tmpDir,
      hostname: 'bench',
      network: { kind: 'isolated' },
      tty: false,
      privileged: false,
      env: sandboxEnvironment({ privileged: false, tty: false }),
      command: ['true'],
      cgroupProcs: [],
    });
    return await body(file, args);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** Completions per minute of `clients` loops running `action` back to back for `durationMs`. */
async function loopRate(clients: number, durationMs: number, action: () => Promise<void>): Promise<number> {
  const run = await closedLoop(clients, durationMs, action);
  if (run.errors.length > 0) throw run.errors[0];
  return (run.completed / run.elapsedMs) * 60_000;
}

async function httpSamples(url: string, budget: SampleBudget): Promise<number[]> {
  const pool = new Pool(url, { connections: 8, pipelining: 1, keepAliveTimeout: 60_000 });
  const body = JSON.stringify({ executionEnvironmentId: 1, inactivityTimeout: 0 });
  const post = async (): Promise<void> => {
    const res = await pool.request({
      method: 'POST',
      path: '/',
      headers: { 'content-type': 'application/json' },
      body,
    });
    await res.body.text();
    if (res.statusCode !== 200) throw new Error(`floor peer answered ${res.statusCode}`);
  };
  try {
    for (let n = 0; n < Math.min(50, budget.count); n++) await post(); // warm-up: connection, JIT
    const run = await openLoop(100, Math.min(budget.budgetMs, budget.count * 10), post);
    if (run.errors.length > 0) throw run.errors[0];
    return run.latencies;
  } finally {
    await pool.close();
  }
}

function openSocket(url: string): Promise<WebSocket> {
  return new Promise((resolve, reject) => {
    const socket = new WebSocket(url, { perMessageDeflate: false });
    socket.once('open', () => resolve(socket));
    socket.once('error', reject);
  });
}

async function wsEchoSamples(port: number, budget: SampleBudget): Promise<number[]> {
  const socket = await openSocket(`ws://127.0.0.1:${port}/echo`);
  try {
    const echo = (): Promise<void> =>
      new Promise((resolve) => {
        socket.once('message', () => resolve());
        socket.send('{"type":"stdout","data":"x"}');
      });
    for (let n = 0; n < Math.min(50, budget.count); n++) await echo();
    return await sample(budget, echo);
  } finally {
    socket.terminate();
  }
}

function wsSession(port: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const socket = new WebSocket(`ws://127.0.0.1:${port}/session`, { perMessageDeflate: false });
    let received = false;
    socket.on('message', () => (received = true));
    socket.once('error', reject);
    socket.once('close', () => (received ? resolve() : reject(new Error('session closed without a message'))));
  });
}

async function fsyncSamples(count: number): Promise<number[]> {
  const dir = await mkdtemp(path.join(tmpdir(), 'bench-fsync-'));
  try {
    return await measureSyncFloor(dir, Math.min(count, 500));
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
