/**
 * The pool planner: a pure function of the pool's facts to a plan value, by stepping the pool machine with xstate's
 * pure `transition()`.
 */
import { initialTransition, transition } from 'xstate';
import type { Step } from '../shared/steps';
import type { PoolFacts } from './pool-facts';
import { poolMachine, type PoolState } from './pool-machine';

/** What the pool reconciler should do. */
export interface PoolPlan {
  readonly state: PoolState;
  readonly steps: readonly Step[];
  /** More runners are missing than one plan may create: plan again soon. */
  readonly moreToCreate: boolean;
}

/** Plans one pool. Pure: the same facts give the same plan. */
export function planPool(facts: PoolFacts): PoolPlan {
  const [initial] = initialTransition(poolMachine, facts);
  const [snapshot] = transition(poolMachine, initial, { type: 'observe' });
  const created = snapshot.context.steps.filter((step) => step.kind === 'createRunner').length;
  return {
    state: snapshot.value as PoolState,
    steps: snapshot.context.steps,
    moreToCreate: created > 0 && created < snapshot.context.counts.missing,
  };
}
