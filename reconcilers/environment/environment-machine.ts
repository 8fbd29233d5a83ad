/**
 * The lifecycle of an environment as an xstate machine, re-derived on every reconcile from the environment's facts
 * (started with them, sent `observe`); the named actions collect the plan's steps in the context.
 */
import { assign, setup } from 'xstate';
import { META_POOL_SIZE, META_TEMPLATE_HASH } from '../naming';
import type { Step } from '../shared/steps';
import { isDepleting } from '../statistics/pool-statistics';
import {
  deregisterTemplateSteps,
  registerTemplateSteps,
  statusSteps,
  type EnvironmentFacts,
  type EnvironmentPhase,
} from './environment-facts';

/** The machine's context: the facts and the steps planned. */
export interface EnvironmentMachineContext {
  readonly facts: EnvironmentFacts;
  readonly steps: readonly Step[];
}

const add = (context: EnvironmentMachineContext, steps: readonly Step[]) => ({ steps: [...context.steps, ...steps] });
const templateMeta = (facts: EnvironmentFacts, key: string) => facts.template?.meta[key];

/** The environment lifecycle. Input: the facts; event: `observe`. */
export const environmentMachine = setup({
  types: {} as { context: EnvironmentMachineContext; input: EnvironmentFacts; events: { type: 'observe' } },
  guards: {
    ownTemplateLeft: ({ context: { facts } }) =>
      !facts.environment && facts.templateJob?.meta[META_TEMPLATE_HASH] !== undefined,
    specGone: ({ context: { facts } }) => !facts.environment,
    templateMissing: ({ context: { facts } }) => !facts.templateJob,
    templateOutdated: ({ context: { facts } }) =>
      facts.templateJob?.meta[META_TEMPLATE_HASH] !== templateMeta(facts, META_TEMPLATE_HASH),
    poolSizeOutdated: ({ context: { facts } }) =>
      facts.templateJob?.meta[META_POOL_SIZE] !== templateMeta(facts, META_POOL_SIZE),
    templateFailed: ({ context: { facts } }) => facts.templateJob?.status === 'dead',
    templateStarting: ({ context: { facts } }) => facts.templateJob?.status === 'pending',
    poolDepleting: ({ context: { facts } }) =>
      !!facts.statistics && isDepleting(facts.statistics, facts.depletionThreshold),
    poolFilling: ({ context: { facts } }) =>
      !!facts.statistics && facts.statistics.idleRunners < facts.statistics.prewarmingPoolSize,
  },
  actions: {
    registerTemplate: assign(({ context }) => add(context, registerTemplateSteps(context.facts))),
    deregisterTemplate: assign(({ context }) => add(context, deregisterTemplateSteps(context.facts))),
    writeStatus: assign(({ context }, params: { phase: EnvironmentPhase }) =>
      add(context, statusSteps(context.facts, params.phase)),
    ),
  },
}).createMachine({
  id: 'environment',
  context: ({ input }) => ({ facts: input, steps: [] }),
  initial: 'unobserved',
  states: {
    unobserved: { on: { observe: 'resolving' } },
    resolving: {
      always: [
        { guard: 'ownTemplateLeft', target: 'tearingDown', actions: 'deregisterTemplate' },
        { guard: 'specGone', target: 'absent' },
        { guard: 'templateMissing', target: 'registering', actions: 'registerTemplate' },
        { guard: 'templateOutdated', target: 'updating', actions: 'registerTemplate' },
        { guard: 'poolSizeOutdated', target: 'checkingTemplate', actions: 'registerTemplate' },
        { target: 'checkingTemplate' },
      ],
    },
    checkingTemplate: {
      always: [
        { guard: 'templateFailed', target: 'failed' },
        { guard: 'templateStarting', target: 'starting' },
        { guard: 'poolDepleting', target: 'depleting' },
        { guard: 'poolFilling', target: 'filling' },
        { target: 'ready' },
      ],
    },
    registering: { type: 'final', entry: status('registering') },
    updating: { type: 'final', entry: status('updating') },
    starting: { type: 'final', entry: status('starting') },
    failed: { type: 'final', entry: status('failed') },
    depleting: { type: 'final', entry: status('depleting') },
    filling: { type: 'final', entry: status('filling') },
    ready: { type: 'final', entry: status('ready') },
    tearingDown: { type: 'final' },
    absent: { type: 'final' },
  },
});

function status(phase: EnvironmentPhase) {
  return { type: 'writeStatus', params: { phase } } as const;
}

/** The states an environment can be in after `observe`. */
export type EnvironmentState = EnvironmentPhase | 'tearingDown' | 'absent';
