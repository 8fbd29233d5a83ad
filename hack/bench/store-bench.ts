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
  try {
    const floor = await measureSyncFloor(dir, options.floorSamples ?? 500);
    const rows: BenchRow[] = [
      row('append 200 B + fdatasync', 'p50', floor.p50, 'ms', floor.p50),
      row('append 200 B + fdatasync', 'p99', floor.p99, 'ms', floor.p99),
    ];
    let store = await FileStore.open(join(dir, 'store'));
    const fill = await fillRunners(store, runners);
    rows.push(row(`fill ${runners} runners (256 in flight)`, 'throughput', fill, 'writes/s', 1000 / floor.p50));
    const names = (await store.list('Runner')).map((runner) => runner.metadata.name);
    const pick = (): string => names[Math.floor(random() * names.length)] ?? '';
    const sequential = await casPhase(store, updates, 1, pick);
    rows.push(row('check-and-set update, 1 writer', 'p50', sequential.p50, 'ms', floor.p50));
    rows.push(row('check-and-set update, 1 writer', 'p99', sequential.p99, 'ms', floor.p99));
    const concurrent = await casPhase(store, updates, writers, pick);
    rows.push(row(`check-and-set update, ${writers} writers`, 'p50', concurrent.p50, 'ms', floor.p50));
    rows.push(row(`check-and-set update, ${writers} writers`, 'p99', concurrent.p99, 'ms', floor.p99));
    rows.push(
      row(`check-and-set update, ${writers} writers`, 'throughput', concurrent.rate, 'writes/s', 1000 / floor.p50),
    );
    await store.close();
    rows.push(await openRow(dir, `open ${runners} runners (snapshot + log as left)`));
    store = await FileStore.open(join(dir, 'store'));
    await store.compact();
    await store.close();
    rows.push(await openRow(dir, `open ${runners} runners (compacted snapshot)`));
    return rows;
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
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
  // For throughput, higher is better: the ratio says how many floor-limited writes one store write costs.
  const ratio = floor === null ? null : unit.endsWith('/s') ? floor / value : value / floor;
  return { name, figure, value, unit, floor, ratio };
}

async function measureSyncFloor(dir: string, samples: number): Promise<{ p50: number; p99: number }> {
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
  return { p50: percentile(times, 50), p99: percentile(times, 99) };
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
