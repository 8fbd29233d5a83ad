/**
 * The lifecycle of one runner as an xstate machine. Its state is never stored: each reconcile starts it with the
 * runner's facts (desired and observed) and sends `observe`; eventless transitions walk the lifecycle to the state the
 * facts imply, and the named actions on the way collect the plan's steps in the context.
 */
import { assign, setup } from 'xstate';
import { META_TEMPLATE_HASH } from '../naming';
import type { RunnerLossCause } from '../ports';
import type { Step } from '../shared/steps';
import {
  REGISTER_EXPECTATION,
  adoptSteps,
  deregisterOrphanSteps,
  destroySteps,
  mirrorClaimSteps,
  registerSteps,
  statusSteps,
  type RunnerFacts,
} from './runner-facts';

/** The machine's context: the facts it decides on and the steps it planned. */
export interface RunnerMachineContext {
  readonly facts: RunnerFacts;
  readonly steps: readonly Step[];
}

const add = (context: RunnerMachineContext, steps: readonly Step[]) => ({ steps: [...context.steps, ...steps] });
const lost = (facts: RunnerFacts, cause: RunnerLossCause) =>
  facts.allocation.kind === 'lost' && facts.allocation.cause === cause;
const stale = (facts: RunnerFacts) => facts.runner?.spec.templateRevision !== facts.currentRevision;

/** The runner lifecycle. Input: the facts; event: `observe`. */
export const runnerMachine = setup({
  types: {} as { context: RunnerMachineContext; input: RunnerFacts; events: { type: 'observe' } },
  guards: {
    resourceAndJobGone: ({ context: { facts } }) => !facts.runner && !facts.job,
    orphanedJob: ({ context: { facts } }) => !facts.runner && facts.job?.meta[META_TEMPLATE_HASH] !== undefined,
    adoptableJob: ({ context: { facts } }) => !facts.runner && !!facts.environment && facts.job?.status !== 'dead',
    noResource: ({ context: { facts } }) => !facts.runner,
    environmentGone: ({ context: { facts } }) => !facts.environment,
    jobVanished: ({ context: { facts } }) => !facts.job && facts.runner?.status?.allocationId !== undefined,
    registrationPending: ({ context: { facts } }) => !facts.job && facts.pendingWrites.includes(REGISTER_EXPECTATION),
    staleClaimWithoutJob: ({ context: { facts } }) => !facts.job && stale(facts) && !!facts.runner?.spec.claim,
    staleWithoutJob: ({ context: { facts } }) => !facts.job && stale(facts),
    jobMissing: ({ context: { facts } }) => !facts.job,
    oomKilled: ({ context: { facts } }) => lost(facts, 'oomKilled'),
    rescheduled: ({ context: { facts } }) => lost(facts, 'rescheduled'),
    allocationStopped: ({ context: { facts } }) => lost(facts, 'stoppedUnexpectedly') || facts.job?.status === 'dead',
    allocationRunning: ({ context: { facts } }) => facts.allocation.kind === 'running',
    claimExpired: ({ context: { facts } }) => facts.deadline !== undefined && facts.deadline <= facts.now,
    claimed: ({ context: { facts } }) => !!facts.runner?.spec.claim,
  },
  actions: {
    destroy: assign(({ context }, params: { cause: RunnerLossCause }) =>
      add(context, destroySteps(context.facts, params.cause)),
    ),
    registerJob: assign(({ context }) => add(context, registerSteps(context.facts))),
    mirrorClaim: assign(({ context }) => add(context, mirrorClaimSteps(context.facts))),
    writeStatus: assign(({ context }, params: { phase: 'Pending' | 'Running' }) =>
      add(context, statusSteps(context.facts, params.phase)),
    ),
    adoptJob: assign(({ context }) => add(context, adoptSteps(context.facts))),
    deregisterOrphan: assign(({ context }) => add(context, deregisterOrphanSteps(context.facts))),
  },
}).createMachine({
  id: 'runner',
  context: ({ input }) => ({ facts: input, steps: [] }),
  initial: 'unobserved',
  states: {
    unobserved: { on: { observe: 'resolving' } },
    resolving: {
      always: [
        { guard: 'resourceAndJobGone', target: 'gone' },
        { guard: 'orphanedJob', target: 'orphaned' },
        { guard: 'adoptableJob', target: 'adopting' },
        { guard: 'noResource', target: 'ignored' },
        { guard: 'environmentGone', target: 'destroyed', actions: destroy('deregistered') },
        { guard: 'claimExpired', target: 'destroyed', actions: destroy('inactivityTimeout') },
        { target: 'provisioning' },
      ],
    },
    provisioning: {
      always: [
        { guard: 'jobVanished', target: 'destroyed', actions: destroy('stoppedUnexpectedly') },
        { guard: 'registrationPending', target: 'registering' },
        { guard: 'staleClaimWithoutJob', target: 'destroyed', actions: destroy('stoppedUnexpectedly') },
        { guard: 'staleWithoutJob', target: 'awaitingReplacement' },
        { guard: 'jobMissing', target: 'registering', actions: 'registerJob' },
        { target: 'scheduled' },
      ],
    },
    scheduled: {
      always: [
        { guard: 'oomKilled', target: 'destroyed', actions: destroy('oomKilled') },
        { guard: 'rescheduled', target: 'destroyed', actions: destroy('rescheduled') },
        { guard: 'allocationStopped', target: 'destroyed', actions: destroy('stoppedUnexpectedly') },
        { guard: 'allocationRunning', target: 'running' },
        { target: 'pending' },
      ],
    },
    running: {
      always: [{ guard: 'claimed', target: 'claimed' }, { target: 'idle' }],
    },
    pending: { type: 'final', entry: ['mirrorClaim', { type: 'writeStatus', params: { phase: 'Pending' } }] },
    idle: { type: 'final', entry: ['mirrorClaim', { type: 'writeStatus', params: { phase: 'Running' } }] },
    claimed: { type: 'final', entry: ['mirrorClaim', { type: 'writeStatus', params: { phase: 'Running' } }] },
    registering: { type: 'final' },
    awaitingReplacement: { type: 'final' },
    orphaned: { type: 'final', entry: 'deregisterOrphan' },
    adopting: { type: 'final', entry: 'adoptJob' },
    ignored: { type: 'final' },
    gone: { type: 'final' },
    destroyed: { type: 'final' },
  },
});

function destroy(cause: RunnerLossCause) {
  return { type: 'destroy', params: { cause } } as const;
}

/** The states a runner can be in after `observe`. */
export type RunnerState =
  | 'pending'
  | 'idle'
  | 'claimed'
  | 'registering'
  | 'awaitingReplacement'
  | 'orphaned'
  | 'adopting'
  | 'ignored'
  | 'gone'
  | 'destroyed';
