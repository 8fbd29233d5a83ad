import { readdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { formatBenchTable, runStoreBench } from './store-bench';

describe('runStoreBench (smoke run on a tiny store; no timing is asserted)', () => {
  it('reports every figure with its floor and ratio and leaves no files behind', async () => {
    const before = (await readdir(tmpdir())).filter((name) => name.startsWith('store-bench-'));
    const rows = await runStoreBench({ runners: 300, updates: 40, writers: 4, floorSamples: 20 });
    expect(rows.map((row) => `${row.name} ${row.figure}`)).toEqual([
      'append 200 B + fdatasync p50',
      'append 200 B + fdatasync p99',
      'fill 300 runners (256 in flight) throughput',
      'check-and-set update, 1 writer p50',
      'check-and-set update, 1 writer p99',
      'check-and-set update, 4 writers p50',
      'check-and-set update, 4 writers p99',
      'check-and-set update, 4 writers throughput',
      'open 300 runners (snapshot + log as left) time',
      'open 300 runners (compacted snapshot) time',
    ]);
    for (const row of rows) {
      expect(row.value).toBeGreaterThan(0);
      expect(row.ratio).toBeCloseTo(
        row.unit.endsWith('/s') ? (row.floor ?? 0) / row.value : row.value / (row.floor ?? 1),
      );
    }
    expect(formatBenchTable(rows).split('\n')).toHaveLength(rows.length + 2);
    const after = (await readdir(tmpdir())).filter((name) => name.startsWith('store-bench-'));
    expect(after).toEqual(before);
  });
});
