/**
 * The lifecycle of an environment's pool as an xstate machine, re-derived on every reconcile from the pool's facts
 * (started with them, sent `observe`); the named actions collect the plan's steps in the context.
 */
import { assign, setup } from 'xstate';
import type { Step } from '../shared/steps';
import {
  creationSteps,
  narrowedClaimSteps,
  poolCounts,
  staleIdleSteps,
  surplusSteps,
  teardownSteps,
  type PoolCounts,
  type PoolFacts,
} from './pool-facts';

/** The machine's context: the facts, their counts, and the steps planned. */
export interface PoolMachineContext {
  readonly facts: PoolFacts;
  readonly counts: PoolCounts;
  readonly steps: readonly Step[];
}

const add = (context: PoolMachineContext, steps: readonly Step[]) => ({ steps: [...context.steps, ...steps] });

/** The pool lifecycle. Input: the facts; event: `observe`. */
export const poolMachine = setup({
  types: {} as { context: PoolMachineContext; input: PoolFacts; events: { type: 'observe' } },
  guards: {
    environmentGone: ({ context }) => context.facts.environment === undefined,
    outdatedRunners: ({ context: { counts } }) => counts.staleIdle.length > 0 || counts.narrowedClaims.length > 0,
    templateNotReady: ({ context: { facts, counts } }) => !facts.templateReady && counts.missing > 0,
    belowSize: ({ context: { counts } }) => counts.missing > 0,
    aboveSize: ({ context: { counts } }) => counts.surplus > 0,
    creationsInFlight: ({ context: { facts } }) => facts.pendingCreations > 0,
  },
  actions: {
    deleteAllRunners: assign(({ context }) => add(context, teardownSteps(context.facts))),
    destroyNarrowedClaims: assign(({ context }) => add(context, narrowedClaimSteps(context.counts))),
    deleteStaleIdle: assign(({ context }) => add(context, staleIdleSteps(context.counts))),
    createMissing: assign(({ context }) => add(context, creationSteps(context.facts, context.counts))),
    deleteSurplus: assign(({ context }) => add(context, surplusSteps(context.counts))),
  },
}).createMachine({
  id: 'pool',
  context: ({ input }) => ({ facts: input, counts: poolCounts(input), steps: [] }),
  initial: 'unobserved',
  states: {
    unobserved: { on: { observe: 'resolving' } },
    resolving: {
      always: [
        { guard: 'environmentGone', target: 'terminating', actions: 'deleteAllRunners' },
        {
          guard: 'outdatedRunners',
          target: 'rolling',
          actions: ['destroyNarrowedClaims', 'deleteStaleIdle', 'createMissing', 'deleteSurplus'],
        },
        { guard: 'templateNotReady', target: 'awaitingTemplate' },
        { guard: 'belowSize', target: 'scalingUp', actions: 'createMissing' },
        { guard: 'aboveSize', target: 'scalingDown', actions: 'deleteSurplus' },
        { guard: 'creationsInFlight', target: 'awaitingCaches' },
        { target: 'steady' },
      ],
    },
    terminating: { type: 'final' },
    rolling: { type: 'final' },
    awaitingTemplate: { type: 'final' },
    scalingUp: { type: 'final' },
    scalingDown: { type: 'final' },
    awaitingCaches: { type: 'final' },
    steady: { type: 'final' },
  },
});

/** The states a pool can be in after `observe`. */
export type PoolState =
  | 'terminating'
  | 'rolling'
  | 'awaitingTemplate'
  | 'scalingUp'
  | 'scalingDown'
  | 'awaitingCaches'
  | 'steady';
