/**
 * A child process for durability tests: opens a FileStore and writes to it forever from several concurrent lanes
 * (each lane owns one environment and its runners, and writes them one at a time: creates, claims, status updates,
 * deletes, spec changes). Before each write it prints `{"t":"begin",...}`, after the write is acknowledged
 * `{"t":"ack",...}` with the object's resourceVersion and a hash of its JSON, one JSON object per line on stdout. The
 * test kills it with SIGKILL at random instants and checks the reopened store against the acknowledgements.
 *
 * Usage: node -r test/crds/support/ts-register.cjs test/crds/support/store-writer.ts <dir> <seed> <lanes> <compactAfterBytes>
 */
import { createHash } from 'node:crypto';
import { FileStore } from '../../../crds/store/file-store';
import type { Stored } from '../../../crds/store/store';
import { environment, runner } from '../builders';

type AnyStored = Stored<'ExecutionEnvironment'> | Stored<'Runner'>;

const MAX_RUNNERS_PER_LANE = 40;

/** Hash of an object's JSON, as both the writer and the checker compute it. */
export function objectHash(object: unknown): string {
  return createHash('sha256').update(JSON.stringify(object)).digest('hex').slice(0, 16);
}

function say(line: object): void {
  process.stdout.write(`${JSON.stringify(line)}\n`);
}

function mulberry32(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

async function tracked<T extends AnyStored | undefined>(
  lane: number,
  kind: string,
  name: string,
  write: () => Promise<T>,
): Promise<T> {
  say({ t: 'begin', lane, kind, name });
  const object = await write();
  if (object === undefined) say({ t: 'ack', lane, kind, name, deleted: true });
  else say({ t: 'ack', lane, kind, name, rv: object.metadata.resourceVersion, hash: objectHash(object) });
  return object;
}

async function runLane(store: FileStore, lane: number, random: () => number): Promise<never> {
  const envName = `lane-${lane}`;
  let env =
    (await store.get('ExecutionEnvironment', envName)) ??
    (await tracked(lane, 'ExecutionEnvironment', envName, () =>
      store.create('ExecutionEnvironment', environment(envName, lane)),
    ));
  const runners = new Map<string, Stored<'Runner'>>();
  for (const existing of await store.list('Runner')) {
    if (existing.spec.environmentId === lane) runners.set(existing.metadata.name, existing);
  }
  for (let step = 0; ; step++) {
    const pick = random();
    const names = [...runners.keys()];
    const target = names[Math.floor(random() * names.length)];
    const current = target === undefined ? undefined : runners.get(target);
    if (pick < 0.35 && names.length < MAX_RUNNERS_PER_LANE) {
      const name = `${lane}-${Date.now().toString(16)}-${step}-${Math.floor(random() * 1e9)}`;
      runners.set(name, await tracked(lane, 'Runner', name, () => store.create('Runner', runner(name, lane))));
    } else if (pick < 0.6 && current && target) {
      const claim = { inactivityTimeout: Math.floor(random() * 600), claimedAt: new Date().toISOString() };
      const updated = { ...current, spec: { ...current.spec, claim } };
      runners.set(target, await tracked(lane, 'Runner', target, () => store.update('Runner', updated)));
    } else if (pick < 0.8 && current && target) {
      const status = { phase: random() < 0.5 ? ('Running' as const) : ('Pending' as const), allocationId: `a${step}` };
      const rv = current.metadata.resourceVersion ?? '';
      runners.set(
        target,
        await tracked(lane, 'Runner', target, () => store.updateStatus('Runner', target, rv, status)),
      );
    } else if (pick < 0.95 && current && target) {
      const rv = current.metadata.resourceVersion ?? '';
      await tracked(lane, 'Runner', target, () =>
        store.delete('Runner', target, { resourceVersion: rv }).then(() => undefined),
      );
      runners.delete(target);
    } else {
      const spec = { ...env.spec, prewarmingPoolSize: Math.floor(random() * 50) + 100 * (step % 2) };
      env = await tracked(lane, 'ExecutionEnvironment', envName, () =>
        store.update('ExecutionEnvironment', { ...env, spec }),
      );
    }
  }
}

async function main(): Promise<void> {
  const [dir, seedText, lanesText, compactText] = process.argv.slice(2);
  if (!dir) throw new Error('usage: store-writer <dir> <seed> <lanes> <compactAfterBytes>');
  const random = mulberry32(Number(seedText ?? '1'));
  const store = await FileStore.open(dir, { compactAfterBytes: Number(compactText ?? 16384) });
  say({ t: 'ready', recovery: store.recovery });
  const lanes = Array.from({ length: Number(lanesText ?? '4') }, (_, index) => runLane(store, index + 1, random));
  await Promise.all(lanes);
}

if (require.main === module) {
  main().catch((error: unknown) => {
    console.error(error);
    process.exit(1);
  });
}
