import fc from 'fast-check';
import type { BackendEvent, JobSpec } from '../../../../reconcilers/ports';
import { runningAllocation } from './allocation-transitions';
import { type EventSink, JobTable } from './job-table';

interface Batch {
  index: number;
  events: readonly BackendEvent[];
}

function world(): { table: JobTable; batches: Batch[] } {
  const batches: Batch[] = [];
  let index = 0;
  const sink: EventSink = {
    commit: (build) => {
      index += 1;
      batches.push({ index, events: build(index) });
      return index;
    },
    get index() {
      return index;
    },
  };
  let id = 0;
  const table = new JobTable(
    sink,
    () => `id-${++id}`,
    () => 1_000,
  );
  return { table, batches };
}

const spec = (id: string, memoryLimit = 0, meta: Record<string, string> = {}): JobSpec => ({
  id,
  settings: { image: 'img', cpuLimit: 100, memoryLimit, networkAccess: false, exposedPorts: [] },
  meta,
});

const kinds = (batch: Batch | undefined): string[] =>
  (batch?.events ?? []).map((event) => `${event.topic}:${event.type}`);

describe('JobTable', () => {
  it('registers a new job at one index and places a pending allocation at the next', () => {
    const { table, batches } = world();
    const outcome = table.register(spec('a'), 0);
    expect(outcome).toMatchObject({ index: 1, jobModifyIndex: 1 });
    expect(kinds(batches[0])).toEqual(['Job:JobRegistered', 'Evaluation:JobRegistered']);
    expect(kinds(batches[1])).toEqual(['Allocation:PlanResult', 'Evaluation:PlanResult']);
    const [allocation] = table.get('a')?.allocations ?? [];
    expect(allocation?.state).toMatchObject({ clientStatus: 'pending', desiredStatus: 'run', createIndex: 2 });
    expect(table.get('a')?.job).toMatchObject({ status: 'pending', createIndex: 1, version: 0 });
  });

  it('rejects a register whose enforceIndex is stale and changes nothing', () => {
    const { table, batches } = world();
    table.register(spec('a'), 0);
    expect(() => table.register(spec('a', 0, { used: 'true' }), 0)).toThrow(
      expect.objectContaining({ code: 'Conflict' }),
    );
    expect(() => table.register(spec('b'), 7)).toThrow(expect.objectContaining({ code: 'Conflict' }));
    expect(batches).toHaveLength(2);
    expect(table.get('a')?.job.meta).toEqual({});
  });

  it('keeps the allocation when only meta changes and bumps the job version', () => {
    const { table, batches } = world();
    const first = table.register(spec('a'), 0);
    const allocationId = table.get('a')?.allocations[0]?.state.id;
    const second = table.register(spec('a', 0, { used: 'true' }), first.jobModifyIndex);
    expect(second.placed).toBeUndefined();
    expect(kinds(batches.at(-1))).toEqual(['Job:JobRegistered', 'Evaluation:JobRegistered']);
    expect(table.get('a')?.allocations.map((a) => a.state.id)).toEqual([allocationId]);
    expect(table.get('a')?.job).toMatchObject({ version: 1, jobModifyIndex: second.index, meta: { used: 'true' } });
  });

  it('answers an unchanged register with an evaluation only, keeping the check-and-set token', () => {
    const { table, batches } = world();
    const first = table.register(spec('a'), 0);
    const again = table.register(spec('a'), first.jobModifyIndex);
    expect(again.jobModifyIndex).toBe(first.jobModifyIndex);
    expect(kinds(batches.at(-1))).toEqual(['Evaluation:EvaluationUpdated']);
  });

  it('replaces the allocation when settings change, linking old and new', () => {
    const { table } = world();
    table.register(spec('a'), undefined);
    const outcome = table.register(spec('a', 64), undefined);
    const [placed, old] = table.get('a')?.allocations ?? [];
    expect(outcome.placed?.state.id).toBe(placed?.state.id);
    expect(placed?.state.previousAllocationId).toBe(old?.state.id);
    expect(old?.state).toMatchObject({
      desiredStatus: 'stop',
      clientStatus: 'complete',
      nextAllocationId: placed?.state.id,
    });
    expect(placed?.settings.memoryLimit).toBe(64);
  });

  it('stops the allocations and purges the job on deregister', () => {
    const { table, batches } = world();
    table.register(spec('a'), undefined);
    const outcome = table.deregister('a');
    expect(outcome?.allocations).toHaveLength(1);
    expect(table.get('a')).toBeUndefined();
    expect(kinds(batches.at(-1))).toEqual([
      'Allocation:PlanResult',
      'Job:JobDeregistered',
      'Evaluation:JobDeregistered',
    ]);
    expect(table.deregister('a')).toBeUndefined();
  });

  it('publishes client updates with the job status they imply, and nothing for a no-op change', () => {
    const { table, batches } = world();
    table.register(spec('a'), undefined);
    const allocationId = table.get('a')?.allocations[0]?.state.id ?? '';
    table.updateAllocation('a', allocationId, (record, index, time) => ({
      ...record,
      state: runningAllocation(record.state, index, time, []),
    }));
    expect(kinds(batches.at(-1))).toEqual(['Allocation:AllocationUpdated', 'Job:JobRegistered']);
    expect(table.get('a')?.job.status).toBe('running');
    const count = batches.length;
    table.updateAllocation('a', allocationId, (record) => record);
    expect(batches).toHaveLength(count);
  });

  it('lists jobs and allocations by prefix in id order', () => {
    const { table } = world();
    for (const id of ['10-b', '1-a', 'template-1', '1-c']) table.register(spec(id), undefined);
    expect(table.jobs('1-').map((job) => job.id)).toEqual(['1-a', '1-c']);
    expect(table.allocations('template-').map((a) => a.jobId)).toEqual(['template-1']);
    expect(table.jobs('')).toHaveLength(4);
  });

  it('stamps every event with the index of its batch, and indexes only increase', () => {
    const operation = fc.oneof(
      fc.record({ kind: fc.constant('register' as const), id: fc.constantFrom('a', 'b', 'c'), memory: fc.nat(3) }),
      fc.record({ kind: fc.constant('deregister' as const), id: fc.constantFrom('a', 'b', 'c') }),
    );
    fc.assert(
      fc.property(fc.array(operation, { maxLength: 40 }), (operations) => {
        const { table, batches } = world();
        for (const op of operations) {
          if (op.kind === 'register') table.register(spec(op.id, op.memory), undefined);
          else table.deregister(op.id);
        }
        batches.forEach((batch, n) => {
          expect(batch.index).toBe(n + 1);
          for (const event of batch.events) expect(event.index).toBe(batch.index);
        });
        for (const record of table.all()) {
          expect(record.allocations.filter((a) => a.state.desiredStatus === 'run')).toHaveLength(1);
          expect(record.allocations[0]?.state.desiredStatus).toBe('run');
        }
      }),
    );
  });
});
