import { allocationStateOf, wasOomKilled } from './parse-allocation';
import { lossCause } from './nomad-exec';
import { backendEventOf } from './parse-event';
import type { NomadEvent } from './nomad-wire';

const runner = '3-6f04b525-5315-11ee-af32-fa163e079f19';

describe('reading allocations', () => {
  it('treats omitted fields as zero values', () => {
    expect(allocationStateOf({ ID: 'a', JobID: runner })).toMatchObject({
      clientStatus: 'pending',
      desiredStatus: 'run',
      taskState: 'pending',
      restarts: 0,
      taskEvents: [],
      ports: [],
    });
    expect(allocationStateOf({ JobID: runner })).toBeUndefined();
  });

  it('detects OOM kills from the task events and names them as the loss cause', () => {
    const allocation = allocationStateOf({
      ID: 'a',
      JobID: runner,
      ClientStatus: 'pending',
      TaskStates: {
        'default-task': {
          State: 'pending',
          Failed: false,
          Restarts: 1,
          LastRestart: null,
          StartedAt: null,
          FinishedAt: null,
          Events: [
            {
              Type: 'Terminated',
              Time: 1,
              Message: 'OOM Killed',
              DisplayMessage: 'Exit Code: 137',
              Details: { oom_killed: 'true', exit_code: '137' },
              FailsTask: false,
              ExitCode: 137,
              Signal: 0,
            },
            {
              Type: 'Restarting',
              Time: 2,
              Message: '',
              DisplayMessage: '',
              Details: {},
              FailsTask: false,
              ExitCode: 0,
              Signal: 0,
            },
          ],
        },
      },
    });
    expect(allocation?.taskEvents).toEqual([
      { type: 'Terminated', time: 1, exitCode: 137, oomKilled: true, message: 'Exit Code: 137' },
      { type: 'Restarting', time: 2 },
    ]);
    expect(allocation && wasOomKilled(allocation)).toBe(true);
    expect(lossCause(allocation)).toBe('oomKilled');
  });

  it('takes reschedule lineage from PreviousAllocation or, on stubs, from the reschedule tracker', () => {
    expect(allocationStateOf({ ID: 'b', JobID: runner, PreviousAllocation: 'a' })?.previousAllocationId).toBe('a');
    const stub = allocationStateOf({
      ID: 'c',
      JobID: runner,
      RescheduleTracker: { Events: [{ PrevAllocID: 'a' }, { PrevAllocID: 'b' }] },
    });
    expect(stub?.previousAllocationId).toBe('b');
    const replaced = allocationStateOf({ ID: 'a', JobID: runner, ClientStatus: 'failed', NextAllocation: 'b' });
    expect(replaced?.nextAllocationId).toBe('b');
    expect(lossCause(replaced)).toBe('rescheduled');
  });

  it('reads the ports of the group network', () => {
    const allocation = allocationStateOf({
      ID: 'a',
      JobID: runner,
      AllocatedResources: { Shared: { Ports: [{ Label: '8080', Value: 23456, To: 8080, HostIP: '10.0.0.1' }] } },
    });
    expect(allocation?.ports).toEqual([{ label: '8080', value: 23456, to: 8080, hostIp: '10.0.0.1' }]);
  });
});

describe('reading events', () => {
  const event = (topic: NomadEvent['Topic'], payload: NomadEvent['Payload'], type = 'PlanResult'): NomadEvent => ({
    Topic: topic,
    Type: type,
    Key: 'k',
    Namespace: 'default',
    FilterKeys: null,
    Index: 5,
    Payload: payload,
  });

  it('keeps only events of template and runner jobs', () => {
    expect(backendEventOf(event('Allocation', { Allocation: { ID: 'a', JobID: 'web' } }))).toBeUndefined();
    expect(backendEventOf(event('Allocation', { Allocation: { ID: 'a', JobID: runner } }))).toMatchObject({
      topic: 'Allocation',
      type: 'PlanResult',
      index: 5,
      key: 'a',
    });
    expect(
      backendEventOf(event('Evaluation', { Evaluation: { ID: 'e', JobID: 'template-3', Status: 'complete' } })),
    ).toEqual({
      topic: 'Evaluation',
      type: 'PlanResult',
      index: 5,
      key: 'e',
      jobId: 'template-3',
      status: 'complete',
    });
  });

  it('reports a purged job as deregistered without its state', () => {
    const mapped = backendEventOf({ ...event('Job', { Deleted: true }, 'JobDeregistered'), Key: runner });
    expect(mapped).toEqual({ topic: 'Job', type: 'JobDeregistered', index: 5, key: runner });
  });
});
