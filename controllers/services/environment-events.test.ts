import type { DesiredChange } from '../cache/desired-cache';
import type { StoredEnvironment, StoredRunner } from '../../reconcilers/desired-state';
import type { RunnerLossCause } from '../../reconcilers/ports';
import { EnvironmentEventLog, eventsOfChange, recordEnvironmentEvents } from './environment-events';

function environment(generation: number, pool: number, ready?: ['True' | 'False', string]): StoredEnvironment {
  return {
    apiVersion: 'poseidon.openhpi.de/v1alpha1',
    kind: 'ExecutionEnvironment',
    metadata: { name: 'python', generation, resourceVersion: String(generation) },
    spec: {
      id: 10,
      image: 'img',
      prewarmingPoolSize: pool,
      cpuLimit: 40,
      memoryLimit: 0,
      networkAccess: false,
      exposedPorts: [],
    },
    ...(ready
      ? {
          status: {
            conditions: [
              { type: 'Ready', status: ready[0], reason: ready[1], message: 'm', lastTransitionTime: 't' },
              { type: 'Progressing', status: 'True', reason: ready[1], message: 'm', lastTransitionTime: 't' },
            ],
          },
        }
      : {}),
  };
}

function runner(name: string, claimed: boolean): StoredRunner {
  return {
    apiVersion: 'poseidon.openhpi.de/v1alpha1',
    kind: 'Runner',
    metadata: { name },
    spec: {
      environmentId: 10,
      templateRevision: 'r',
      ...(claimed ? { claim: { inactivityTimeout: 0, claimedAt: 't' } } : {}),
    },
  };
}

const context = (causes: Record<string, RunnerLossCause> = {}) => ({
  environmentName: (id: number) => (id === 10 ? 'python' : undefined),
  lossCause: (runnerId: string) => causes[runnerId],
});

describe('eventsOfChange', () => {
  it('records creation, spec changes with the changed fields, condition flips and deletion', () => {
    const created: DesiredChange = {
      type: 'added',
      kind: 'ExecutionEnvironment',
      name: 'python',
      object: environment(1, 1),
    };
    expect(eventsOfChange(created, context())).toEqual([
      { name: 'python', entry: { type: 'Normal', reason: 'Created', message: 'created: id 10, image img, pool 1' } },
    ]);
    const resized: DesiredChange = {
      type: 'modified',
      kind: 'ExecutionEnvironment',
      name: 'python',
      object: environment(2, 3, ['False', 'PoolFilling']),
      previous: environment(1, 1),
    };
    expect(eventsOfChange(resized, context()).map((e) => e.entry)).toEqual([
      { type: 'Normal', reason: 'SpecChanged', message: 'generation 1 -> 2: prewarmingPoolSize 1 -> 3' },
      { type: 'Normal', reason: 'PoolFilling', message: 'Ready=False: m' },
    ]);
    const sameStatus: DesiredChange = { ...resized, previous: resized.object };
    expect(eventsOfChange(sameStatus, context())).toEqual([]);
    const deleted: DesiredChange = { ...created, type: 'deleted' };
    expect(eventsOfChange(deleted, context())[0]?.entry.reason).toBe('Deleted');
  });

  it('records runner losses with a cause, but not releases or pool deletions', () => {
    const lost = (name: string, claimed = true): DesiredChange => ({
      type: 'deleted',
      kind: 'Runner',
      name,
      object: runner(name, claimed),
    });
    const causes = { '10-a': 'oomKilled', '10-b': 'released', '10-c': 'inactivityTimeout' } as const;
    expect(eventsOfChange(lost('10-a'), context(causes))).toEqual([
      { name: 'python', entry: { type: 'Warning', reason: 'RunnerLost', message: 'claimed runner 10-a: oomKilled' } },
    ]);
    expect(eventsOfChange(lost('10-b'), context(causes))).toEqual([]);
    expect(eventsOfChange(lost('10-c'), context(causes))[0]?.entry.type).toBe('Normal');
    expect(eventsOfChange(lost('10-d', false), context(causes))).toEqual([]);
  });
});

describe('EnvironmentEventLog', () => {
  it('folds repeats, keeps the newest events per environment and a bounded number of environments', () => {
    let now = 0;
    const log = new EnvironmentEventLog({ now: () => now, perEnvironment: 2, environments: 2 });
    const entry = { type: 'Normal' as const, reason: 'R', message: 'm' };
    log.record('a', entry);
    now = 1000;
    log.record('a', entry);
    expect(log.eventsOf('a')).toEqual([
      { ...entry, firstTime: '1970-01-01T00:00:00.000Z', lastTime: '1970-01-01T00:00:01.000Z', count: 2 },
    ]);
    log.record('a', { ...entry, message: 'x' });
    log.record('a', { ...entry, message: 'y' });
    expect(log.eventsOf('a').map((e) => e.message)).toEqual(['x', 'y']);
    log.record('b', entry);
    log.record('c', entry);
    expect(log.eventsOf('a')).toEqual([]);
    expect(log.eventsOf('c')).toHaveLength(1);
  });

  it('is fed by the desired cache until unsubscribed', () => {
    const listeners = new Set<(change: DesiredChange) => void>();
    const desired = {
      onChange: (listener: (change: DesiredChange) => void) => {
        listeners.add(listener);
        return () => void listeners.delete(listener);
      },
      environment: () => undefined,
    };
    const log = new EnvironmentEventLog({ now: () => 0 });
    const stop = recordEnvironmentEvents({ desired, losses: { causeOf: () => undefined } }, log);
    const change: DesiredChange = {
      type: 'added',
      kind: 'ExecutionEnvironment',
      name: 'python',
      object: environment(1, 1),
    };
    for (const listener of listeners) listener(change);
    expect(log.eventsOf('python')).toHaveLength(1);
    stop();
    expect(listeners.size).toBe(0);
  });
});
