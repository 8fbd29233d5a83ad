/**
 * The `store` scenario: the file-backed store on its own (`store-bench.ts`: filling it with Runner resources,
 * check-and-set updates by one and by several writers, opening the filled store), each figure against the
 * append + fdatasync floor or raw record decoding measured in the same run.
 */
import { scenarioRow, type ScenarioRow } from './bench-report';
import { bySize, type Scenario } from './scenario';
import { runStoreBench } from './store-bench';

const SIZES = {
  full: { runners: 20_000, updates: 2000, writers: 8, floorSamples: 500 },
  smoke: { runners: 200, updates: 20, writers: 4, floorSamples: 10 },
};

/** The store scenario. */
export const storeScenario: Scenario = {
  name: 'store',
  title: 'file store: check-and-set writes and recovery against fdatasync',
  async run(context): Promise<ScenarioRow[]> {
    const rows = await runStoreBench(bySize(context, SIZES));
    return rows.map((row) => {
      const base = scenarioRow(`store: ${row.name}`, row.figure, row.value, row.unit);
      return { ...base, floor: row.floor, ratio: row.ratio };
    });
  },
};
