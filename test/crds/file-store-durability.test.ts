/**
 * Durability of the FileStore across kills: a child process writes from several lanes at once and is SIGKILLed at
 * random instants, many times over the same directory. After every kill the store must reopen, hold every
 * acknowledged write exactly (an object with a write in flight may be at its old or its new state), hold only valid
 * objects, and keep counting resourceVersions upwards.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { FileStore } from '../../crds/store/file-store';
import { validateResource } from '../../crds/validation';
import { objectHash } from './support/store-writer';

const REGISTER = join(__dirname, 'support', 'ts-register.cjs');
const WRITER = join(__dirname, 'support', 'store-writer.ts');
const KILLS = 20;
const LANES = 4;

type Expected = { rv: string; hash: string } | 'absent';

interface Line {
  t: 'ready' | 'begin' | 'ack';
  lane?: number;
  kind?: string;
  name?: string;
  rv?: string;
  hash?: string;
  deleted?: boolean;
}

interface RunOutcome {
  acks: number;
  inFlight: Set<string>;
}

describe('FileStore durability across SIGKILL', () => {
  let dir: string;
  let child: ChildProcess | undefined;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'store-kill-'));
  });
  afterEach(async () => {
    if (child && child.exitCode === null && child.signalCode === null) {
      child.kill('SIGKILL');
      await once(child, 'exit');
    }
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  /** Runs the writer until `killAfterAcks` acknowledgements arrive, then kills it; records what it acknowledged. */
  async function runAndKill(seed: number, killAfterAcks: number, expected: Map<string, Expected>): Promise<RunOutcome> {
    const writer = spawn(process.execPath, ['-r', REGISTER, WRITER, dir, String(seed), String(LANES), '16384'], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    child = writer;
    let stderr = '';
    writer.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const exited = once(writer, 'exit');
    const inFlight = new Map<number, string>();
    let acks = 0;
    let killed = false;
    for await (const text of createInterface({ input: writer.stdout! })) {
      const line = parseLine(text);
      if (!line) continue; // the last line may be cut by the kill
      const key = `${line.kind}/${line.name}`;
      if (line.t === 'begin') inFlight.set(line.lane ?? 0, key);
      if (line.t === 'ack') {
        inFlight.delete(line.lane ?? 0);
        expected.set(key, line.deleted ? 'absent' : { rv: line.rv ?? '', hash: line.hash ?? '' });
        acks += 1;
      }
      // Lines printed before the kill landed still count, so keep reading to the end of the output.
      if (!killed && ((line.t === 'ready' && killAfterAcks === 0) || acks >= killAfterAcks)) {
        killed = writer.kill('SIGKILL');
      }
    }
    const [code, signal] = (await exited) as [number | null, string | null];
    if (signal !== 'SIGKILL') throw new Error(`writer exited by itself (code ${code}): ${stderr}`);
    return { acks, inFlight: new Set(inFlight.values()) };
  }

  /** Reopens the store and compares it with the acknowledged writes; returns the recovered state. */
  async function verify(expected: Map<string, Expected>, inFlight: Set<string>, context: string) {
    const store = await FileStore.open(dir);
    try {
      const objects = [...(await store.list('ExecutionEnvironment')), ...(await store.list('Runner'))];
      const recovered = new Map<string, Expected>();
      for (const object of objects) {
        const check = validateResource(object);
        if (!check.ok) throw new Error(`${context}: invalid object ${object.metadata.name}`);
        recovered.set(`${object.kind}/${object.metadata.name}`, {
          rv: object.metadata.resourceVersion ?? '',
          hash: objectHash(object),
        });
      }
      for (const key of new Set([...expected.keys(), ...recovered.keys()])) {
        const want = expected.get(key) ?? 'absent';
        const got = recovered.get(key) ?? 'absent';
        if (inFlight.has(key)) {
          if (want !== 'absent' && got !== 'absent' && Number(got.rv) < Number(want.rv)) {
            throw new Error(`${context}: ${key} went back from ${want.rv} to ${got.rv}`);
          }
          continue;
        }
        if (JSON.stringify(want) !== JSON.stringify(got)) {
          throw new Error(`${context}: ${key} should be ${JSON.stringify(want)} but is ${JSON.stringify(got)}`);
        }
      }
      const maxVersion = Math.max(0, ...objects.map((object) => Number(object.metadata.resourceVersion)));
      return { recovered, maxVersion, recovery: store.recovery };
    } finally {
      await store.close();
    }
  }

  it('keeps every acknowledged write and never a torn one, kill after kill', async () => {
    const baseSeed = Math.floor(Math.random() * 2 ** 31);
    let expected = new Map<string, Expected>();
    let previousMax = 0;
    let totalAcks = 0;
    let compactedRuns = 0;
    for (let kill = 0; kill < KILLS; kill++) {
      const seed = baseSeed + kill;
      const killAfterAcks = kill % 5 === 0 ? 0 : 1 + Math.floor(Math.random() * 300);
      const { acks, inFlight } = await runAndKill(seed, killAfterAcks, expected);
      totalAcks += acks;
      const context = `seed ${baseSeed}, kill ${kill} after ${acks} acks`;
      const { recovered, maxVersion, recovery } = await verify(expected, inFlight, context);
      expect(maxVersion).toBeGreaterThanOrEqual(previousMax);
      if (recovery.snapshotObjects > 0) compactedRuns += 1;
      previousMax = maxVersion;
      expected = recovered;
    }
    expect(totalAcks).toBeGreaterThan(KILLS * 50);
    expect(compactedRuns).toBeGreaterThan(0);
  }, 120_000);
});

function parseLine(text: string): Line | undefined {
  try {
    return JSON.parse(text) as Line;
  } catch {
    return undefined;
  }
}
