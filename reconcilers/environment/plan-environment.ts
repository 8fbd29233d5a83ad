/**
 * The environment planner: a pure function of the environment's facts to a plan value, by stepping the environment
 * machine with xstate's pure `transition()`.
 */
import { initialTransition, transition } from 'xstate';
import type { Step } from '../shared/steps';
import type { EnvironmentFacts } from './environment-facts';
import { environmentMachine, type EnvironmentState } from './environment-machine';

/** What the environment reconciler should do. */
export interface EnvironmentPlan {
  readonly state: EnvironmentState;
  readonly steps: readonly Step[];
}

/** Plans one environment. Pure: the same facts give the same plan. */
export function planEnvironment(facts: EnvironmentFacts): EnvironmentPlan {
  const [initial] = initialTransition(environmentMachine, facts);
  const [snapshot] = transition(environmentMachine, initial, { type: 'observe' });
  return { state: snapshot.value as EnvironmentState, steps: snapshot.context.steps };
}
