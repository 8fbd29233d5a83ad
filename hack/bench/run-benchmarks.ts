/**
 * Runs a selection of scenarios one after another with shared floors, and collects their rows into one report. A
 * scenario that throws is recorded as a failure (and its error printed); the others still run.
 */
import { machineInfo, type BenchReport, type ScenarioRow } from './bench-report';
import { elapsedMs } from './bench-stats';
import { DEFAULT_FLOOR_BUDGETS, Floors, SMOKE_FLOOR_BUDGETS, type FloorBudgets } from './floors';
import type { NomadServerPlacement, RunSize, Scenario } from './scenario';

/** Options of {@link runBenchmarks}. */
export interface RunOptions {
  readonly scenarios: readonly Scenario[];
  readonly size: RunSize;
  readonly nomadServer: NomadServerPlacement;
  /** Default: {@link DEFAULT_FLOOR_BUDGETS} for full runs, {@link SMOKE_FLOOR_BUDGETS} for smoke runs. */
  readonly floorBudgets?: FloorBudgets;
  /** Progress lines. Default: none. */
  readonly log?: (message: string) => void;
  /** Called with each scenario's rows as soon as it finished. */
  readonly onRows?: (scenario: Scenario, rows: readonly ScenarioRow[]) => void;
}

/** Runs the scenarios in order and answers the report. Never rejects for a failing scenario. */
export async function runBenchmarks(options: RunOptions): Promise<BenchReport> {
  const startedAt = new Date().toISOString();
  const start = process.hrtime.bigint();
  const log = options.log ?? (() => undefined);
  const floors = new Floors(
    options.floorBudgets ?? (options.size === 'smoke' ? SMOKE_FLOOR_BUDGETS : DEFAULT_FLOOR_BUDGETS),
  );
  const results = new Map<Scenario, ScenarioRow[]>();
  const failures: { scenario: string; error: string }[] = [];
  const runOne = async (scenario: Scenario): Promise<void> => {
    log(`== ${scenario.name}: ${scenario.title}`);
    const scenarioStart = process.hrtime.bigint();
    try {
      const rows = await scenario.run({ size: options.size, floors, nomadServer: options.nomadServer, log });
      results.set(scenario, rows);
      options.onRows?.(scenario, rows);
    } catch (error) {
      const message = error instanceof Error ? (error.stack ?? error.message) : String(error);
      failures.push({ scenario: scenario.name, error: message });
      log(`!! ${scenario.name} failed: ${message}`);
    }
    log(`   ${scenario.name} took ${(elapsedMs(scenarioStart) / 1000).toFixed(1)} s`);
  };
  try {
    for (const scenario of options.scenarios) await runOne(scenario);
  } finally {
    await floors.close();
  }
  // In scenario order; a floor row shared by two scenarios is reported once, by the first.
  const scenarios: ScenarioRow[] = [];
  const seen = new Set<string>();
  for (const scenario of options.scenarios) {
    for (const row of results.get(scenario) ?? []) {
      const key = `${row.name}\0${row.figure}`;
      if (row.name.startsWith('floor') && seen.has(key)) continue;
      seen.add(key);
      scenarios.push(row);
    }
  }
  return { startedAt, durationMs: elapsedMs(start), machine: machineInfo(), scenarios, failures };
}
