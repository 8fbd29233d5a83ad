/**
 * Benchmark of the file-backed store: fills it with Runner resources, measures check-and-set updates (one writer, then
 * several concurrent writers) and the time to open (recover) the filled store. Every figure is reported with a floor
 * measured in the same run on the same directory, and the ratio to it: a raw 200-byte append + fdatasync for writes,
 * reading the store's files and decoding their records (checksum + JSON.parse, no store logic) for recovery. Run with `node dist/hack/bench/store-bench.js [runners]`.
 */
import { randomUUID } from 'node:crypto';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { API_GROUP_VERSION } from '../../crds/meta';
import { FileStore } from '../../crds/store/file-store';
import type { Stored } from '../../crds/store/store';
import { decodeRecords } from '../../crds/store/record-codec';
import { closeFile, openFile, syncData, writeAll } from '../../crds/store/store-files';
import { LOCK_FILE } from '../../crds/store/store-lock';

/** One measured figure. `floor` and `ratio` are null when the figure has no floor. */
export interface BenchRow {
  name: string;
  figure: string;
  value: number;
  unit: string;
  floor: number | null;
  ratio: number | null;
}

/** Options of {@link runStoreBench}. */
export interface StoreBenchOptions {
  /** Runner resources to fill the store with. Default 20000. */
  runners?: number;
  /** Check-and-set updates per phase. Default 2000. */
  updates?: number;
  /** Concurrent writers of the concurrent phase. Default 8. */
  writers?: number;
  /** Samples of the append + fdatasync floor. Default 500. */
  floorSamples?: number;
  /** Directory to work in (emptied and removed afterwards); default a fresh temp directory. */
  dir?: string;
  /** Source of randomness (which runner to update). Default Math.random. */
  random?: () => number;
}

/** Runs the benchmark and returns its rows. */
export async function runStoreBench(options: StoreBenchOptions = {}): Promise<BenchRow[]> {
  const runners = options.runners ?? 20000;
  const updates = options.updates ?? 2000;
  const writers = options.writers ?? 8;
  const random = options.random ?? Math.random;
  const dir = options.dir ?? (await mkdtemp(join(tmpdir(), 'store-bench-')));
  const floorHalf = Math.ceil((options.floorSamples ?? 500) / 2);
  try {
    // The floor is sampled in two halves, before and after the write phases, so a change in the machine's load
    // during the run shows up in the floor as well as in the figures.
    const floorSamples = await measureSyncFloor(dir, floorHalf);
    const writes = await writePhases(join(dir, 'store'), runners, updates, writers, random);
    floorSamples.push(...(await measureSyncFloor(dir, floorHalf)));
    const floor = { p50: percentile(floorSamples, 50), p99: percentile(floorSamples, 99) };
    const rows = [
      row('append 200 B + fdatasync', 'p50', floor.p50, 'ms', floor.p50),
      row('append 200 B + fdatasync', 'p99', floor.p99, 'ms', floor.p99),
      ...writes.map((figure) => withFloor(figure, floor)),
      await openRow(dir, `open ${runners} runners (snapshot + log as left)`),
    ];
    const store = await FileStore.open(join(dir, 'store'));
    await store.compact();
    await store.close();
    rows.push(await openRow(dir, `open ${runners} runners (compacted snapshot)`));
    return rows;
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** Fills a store and runs the check-and-set phases; rows come without floors. */
async function writePhases(
  storeDir: string,
  runners: number,
  updates: number,
  writers: number,
  random: () => number,
): Promise<BenchRow[]> {
  const store = await FileStore.open(storeDir);
  try {
    const fill = await fillRunners(store, runners);
    const names = (await store.list('Runner')).map((runner) => runner.metadata.name);
    const pick = (): string => names[Math.floor(random() * names.length)] ?? '';
    const one = await casPhase(store, updates, 1, pick);
    const many = await casPhase(store, updates, writers, pick);
    const concurrent = `check-and-set update, ${writers} writers`;
    return [
      row(`fill ${runners} runners (256 in flight)`, 'throughput', fill, 'writes/s', null),
      row('check-and-set update, 1 writer', 'p50', one.p50, 'ms', null),
      row('check-and-set update, 1 writer', 'p99', one.p99, 'ms', null),
      row(concurrent, 'p50', many.p50, 'ms', null),
      row(concurrent, 'p99', many.p99, 'ms', null),
      row(concurrent, 'throughput', many.rate, 'writes/s', null),
    ];
  } finally {
    await store.close();
  }
}

/** A write figure with its floor: the floor's p99 for p99s, its p50 for p50s, 1 / p50 for throughput. */
function withFloor(figure: BenchRow, floor: { p50: number; p99: number }): BenchRow {
  const base = figure.unit.endsWith('/s') ? 1000 / floor.p50 : figure.figure === 'p99' ? floor.p99 : floor.p50;
  return { ...figure, ...ratioTo(figure, base) };
}

/** Prints rows as an aligned table. */
export function formatBenchTable(rows: readonly BenchRow[]): string {
  const cells = rows.map((r) => [
    r.name,
    r.figure,
    `${round(r.value)} ${r.unit}`,
    r.floor === null ? '-' : `${round(r.floor)} ${r.unit}`,
    r.ratio === null ? '-' : `${round(r.ratio)}x`,
  ]);
  const header = ['benchmark', 'figure', 'value', 'floor', 'ratio'];
  const widths = header.map((title, column) =>
    Math.max(title.length, ...cells.map((line) => line[column]?.length ?? 0)),
  );
  const print = (line: readonly string[]): string => line.map((cell, i) => cell.padEnd(widths[i] ?? 0)).join('  ');
  return [print(header), print(widths.map((width) => '-'.repeat(width))), ...cells.map(print)].join('\n');
}

function row(name: string, figure: string, value: number, unit: string, floor: number | null): BenchRow {
  return { name, figure, value, unit, ...ratioTo({ value, unit }, floor) };
}

/** The floor and ratio of a figure. For throughput the ratio is floor / value: the cost of one write in floor writes. */
function ratioTo(figure: { value: number; unit: string }, floor: number | null): Pick<BenchRow, 'floor' | 'ratio'> {
  if (floor === null) return { floor, ratio: null };
  return { floor, ratio: figure.unit.endsWith('/s') ? floor / figure.value : figure.value / floor };
}

/** Times `samples` appends of 200 bytes + fdatasync to a file in `dir` (the floor of every durable write), in ms. */
export async function measureSyncFloor(dir: string, samples: number): Promise<number[]> {
  const fd = await openFile(join(dir, 'floor.bin'), 'a');
  const payload = Buffer.alloc(200, 0x61);
  const times: number[] = [];
  try {
    for (let i = 0; i < samples; i++) {
      const start = process.hrtime.bigint();
      await writeAll(fd, [payload]);
      await syncData(fd);
      times.push(elapsedMs(start));
    }
  } finally {
    await closeFile(fd);
  }
  return times;
}

async function fillRunners(store: FileStore, count: number): Promise<number> {
  const start = process.hrtime.bigint();
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < count) {
      const n = next++;
      const name = `${n % 50}-${randomUUID()}`;
      await store.create('Runner', {
        apiVersion: API_GROUP_VERSION,
        kind: 'Runner',
        metadata: { name },
        spec: { environmentId: n % 50, templateRevision: 'c0ffee0123456789' },
      });
    }
  };
  await Promise.all(Array.from({ length: 256 }, worker));
  return count / (elapsedMs(start) / 1000);
}

async function casPhase(
  store: FileStore,
  updates: number,
  writers: number,
  pick: () => string,
): Promise<{ p50: number; p99: number; rate: number }> {
  const times: number[] = [];
  let remaining = updates;
  const writer = async (): Promise<void> => {
    while (remaining-- > 0) {
      const current = (await store.get('Runner', pick())) as Stored<'Runner'>;
      const claim = { inactivityTimeout: 60, claimedAt: new Date().toISOString() };
      const start = process.hrtime.bigint();
      try {
        await store.update('Runner', { ...current, spec: { ...current.spec, claim } });
      } catch (error) {
        if ((error as { code?: string }).code !== 'Conflict') throw error;
      }
      times.push(elapsedMs(start));
    }
  };
  const start = process.hrtime.bigint();
  await Promise.all(Array.from({ length: writers }, writer));
  const rate = updates / (elapsedMs(start) / 1000);
  return { p50: percentile(times, 50), p99: percentile(times, 99), rate };
}

async function openRow(dir: string, name: string): Promise<BenchRow> {
  const storeDir = join(dir, 'store');
  const readStart = process.hrtime.bigint();
  for (const file of await readdir(storeDir)) {
    if (file !== LOCK_FILE) decodeRecords(await readFile(join(storeDir, file)));
  }
  const readAndDecode = elapsedMs(readStart);
  const start = process.hrtime.bigint();
  const store = await FileStore.open(storeDir);
  const openMs = elapsedMs(start);
  await store.close();
  return row(name, 'time', openMs, 'ms', readAndDecode);
}

function percentile(values: readonly number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? Number.NaN;
}

function elapsedMs(start: bigint): number {
  return Number(process.hrtime.bigint() - start) / 1e6;
}

function round(value: number): string {
  return value >= 100 ? value.toFixed(0) : value >= 10 ? value.toFixed(1) : value.toFixed(2);
}

if (require.main === module) {
  const runners = Number(process.argv[2] ?? 20000);
  runStoreBench({ runners }).then(
    (rows) => console.log(formatBenchTable(rows)),
    (error: unknown) => {
      console.error(error);
      process.exitCode = 1;
    },
  );
}
