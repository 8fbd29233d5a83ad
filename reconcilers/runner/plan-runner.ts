/**
 * The runner planner: a pure function of the runner's facts (desired, observed, now) to a plan value, by stepping
 * the runner machine with xstate's pure `transition()`.
 */
import { initialTransition, transition } from 'xstate';
import { earliestRequeue } from '../reconciler';
import type { Step } from '../shared/steps';
import type { RunnerFacts } from './runner-facts';
import { runnerMachine, type RunnerState } from './runner-machine';

/** What the runner reconciler should do. */
export interface RunnerPlan {
  readonly state: RunnerState;
  readonly steps: readonly Step[];
  /** Check again after this many ms (an inactivity deadline, a pending write's expiry). */
  readonly requeueAfter: number | undefined;
}

/** Plans one runner. Pure: the same facts give the same plan. */
export function planRunner(facts: RunnerFacts): RunnerPlan {
  const [initial] = initialTransition(runnerMachine, facts);
  const [snapshot] = transition(runnerMachine, initial, { type: 'observe' });
  const state = snapshot.value as RunnerState;
  const deadline = state !== 'destroyed' && facts.deadline !== undefined ? facts.deadline - facts.now : undefined;
  const pending = facts.pendingExpiry !== undefined ? facts.pendingExpiry - facts.now : undefined;
  return { state, steps: snapshot.context.steps, requeueAfter: earliestRequeue(deadline, pending) };
}
