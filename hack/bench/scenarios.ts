/** Every scenario `npm run bench` knows, in the order a full run executes them. */
import { claimLatencyScenario } from './claim-latency-scenario';
import { executionRoundTripScenario } from './execution-round-trip-scenario';
import { floorsScenario } from './floors-scenario';
import { nomadScaleScenario } from './nomad-scale-scenario';
import { codeOceanFlowScenario, freshRunnerFlowScenario } from './flow-throughput-scenarios';
import { poolRefillScenario, warmPoolScenario } from './pool-scenarios';
import { restartRecoveryScenario } from './restart-recovery-scenario';
import type { Scenario } from './scenario';
import { storeScenario } from './store-scenario';

/** All scenarios, in run order. */
export const SCENARIOS: readonly Scenario[] = [
  floorsScenario,
  claimLatencyScenario,
  executionRoundTripScenario,
  freshRunnerFlowScenario,
  codeOceanFlowScenario,
  poolRefillScenario,
  warmPoolScenario,
  restartRecoveryScenario,
  nomadScaleScenario,
  storeScenario,
];

/**
 * The scenarios named in `selectors` (exact names, or prefixes of names), in run order; all when `selectors` is
 * empty. Throws for a selector that matches nothing.
 */
export function selectScenarios(selectors: readonly string[]): Scenario[] {
  if (selectors.length === 0) return [...SCENARIOS];
  const unknown = selectors.filter((selector) => !SCENARIOS.some((s) => s.name.startsWith(selector)));
  if (unknown.length > 0) {
    const known = SCENARIOS.map((s) => s.name).join(', ');
    throw new Error(`unknown scenario ${unknown.join(', ')}; known: ${known}`);
  }
  return SCENARIOS.filter((s) => selectors.some((selector) => s.name.startsWith(selector)));
}
