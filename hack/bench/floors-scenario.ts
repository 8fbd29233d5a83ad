/**
 * The `floors` scenario: prints every floor the run uses (p50 and p99) so each ratio in the table can be traced to
 * the figure it was divided by.
 */
import { scenarioRow, type ScenarioRow } from './bench-report';
import { FLOOR_TITLES, type FloorName } from './floors';
import type { Scenario } from './scenario';

const ORDER: readonly FloorName[] = ['spawn', 'sandbox', 'http', 'wsEcho', 'wsSession', 'fsync'];

/** Every floor of the machine, measured now (or reused if measured already in this run). */
export const floorsScenario: Scenario = {
  name: 'floors',
  title: 'the machine floors',
  async run(context): Promise<ScenarioRow[]> {
    const rows: ScenarioRow[] = [];
    for (const name of ORDER) {
      context.log(`measuring ${FLOOR_TITLES[name]}`);
      const floor = await context.floors.get(name);
      rows.push(
        scenarioRow(FLOOR_TITLES[name], 'p50', floor.p50, 'ms'),
        scenarioRow(FLOOR_TITLES[name], 'p99', floor.p99, 'ms'),
      );
    }
    return rows;
  },
};
