/**
 * Runs every scenario at its smoke size (a few samples each, the Nomad test server in-process), so the benchmarks
 * cannot rot: each must produce its rows with finite values, consistent ratios and judged targets, and leave no
 * temp directory or process behind. No timing is asserted.
 */
import { readdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import type { ScenarioRow } from './bench-report';
import { runBenchmarks } from './run-benchmarks';
import { SCENARIOS } from './scenarios';

const TEMP_PREFIXES = ['poseidon-bench-', 'bench-sandbox-', 'bench-fsync-', 'store-bench-'];

async function benchTempDirs(): Promise<string[]> {
  return (await readdir(tmpdir())).filter((name) => TEMP_PREFIXES.some((prefix) => name.startsWith(prefix)));
}

describe('npm run bench at smoke size', () => {
  it('runs every scenario to its rows and cleans up after itself', async () => {
    const before = await benchTempDirs();
    const rowsByScenario = new Map<string, readonly ScenarioRow[]>();
    const report = await runBenchmarks({
      scenarios: SCENARIOS,
      size: 'smoke',
      nomadServer: 'in-process',
      onRows: (scenario, rows) => rowsByScenario.set(scenario.name, rows),
    });
    expect(report.failures).toEqual([]);
    expect([...rowsByScenario.keys()]).toEqual(SCENARIOS.map((scenario) => scenario.name));
    for (const [name, rows] of rowsByScenario) expect({ name, rows: rows.length }).not.toEqual({ name, rows: 0 });
    for (const row of report.scenarios) {
      expect(Number.isFinite(row.value)).toBe(true);
      if (row.floor !== null) expect(row.ratio).toBeGreaterThan(0);
      expect(row.met === null).toBe(row.target === null);
    }
    const targets = report.scenarios.filter((row) => row.target !== null).map((row) => row.figure);
    expect(targets).toEqual(
      expect.arrayContaining(['p99', 'NOMAD_OVERLOAD', 'throughput', 'per idle runner', 'count']),
    );
    expect(report.machine.cores).toBeGreaterThan(0);
    expect(await benchTempDirs()).toEqual(before);
  }, 120_000);
});
