import { spawn } from 'node:child_process';
import WebSocket from 'ws';
import { eventually } from '../../test/support/eventually';
import type { AllocationRuntime } from './allocation-runtime';
import { startNomadTestServer, type NomadTestServer } from './nomad-test-server';

/** A runtime that runs exec'd commands as plain local processes (argv, no shell): real output and exit codes. */
function localRuntime(): AllocationRuntime {
  return {
    name: 'local',
    start: async () => ({ ports: [] }),
    stop: async () => undefined,
    exec: async (_allocation, command) => {
      const [file, ...args] = command;
      const child = spawn(file as string, args, { stdio: ['pipe', 'pipe', 'pipe'] });
      return {
        stdin: child.stdin,
        stdout: child.stdout,
        stderr: child.stderr,
        exit: new Promise((resolve) =>
          child.on('exit', (code, signal) => resolve(code ?? 128 + (signal === 'SIGKILL' ? 9 : 15))),
        ),
        kill: () => child.kill('SIGKILL'),
      };
    },
    onTaskDeath: () => undefined,
    close: async () => undefined,
  };
}

const job = (id: string) => ({
  Job: { ID: id, Type: 'batch', TaskGroups: [{ Name: 'g', Tasks: [{ Name: 'default-task', Driver: 'docker' }] }] },
});

describe('the Nomad API test server on the wire', () => {
  let server: NomadTestServer;
  beforeEach(async () => {
    server = await startNomadTestServer({ runtime: localRuntime(), validateResponses: true, heartbeatMs: 100 });
  });
  afterEach(async () => server.close());

  const call = (path: string, init: RequestInit = {}) => fetch(`${server.url}${path}`, init);
  const put = (path: string, body: unknown) => call(path, { method: 'PUT', body: JSON.stringify(body) });

  it('answers errors in plain text with Nomad status codes', async () => {
    const missing = await call('/v1/job/nope');
    expect([missing.status, missing.headers.get('content-type'), await missing.text()]).toEqual([
      404,
      'text/plain; charset=utf-8',
      'job not found',
    ]);
    expect(missing.headers.get('x-nomad-index')).not.toBeNull();
    expect(await (await put('/v1/jobs', {})).text()).toBe('Job must be specified');
    const invalid = await put('/v1/jobs', { Job: { ID: 'x', TaskGroups: [] } });
    expect([invalid.status, await invalid.text()]).toEqual([500, '1 error occurred:\n\t* Missing job task groups\n\n']);
    const unknownRoute = await call('/v1/nothing');
    expect([unknownRoute.status, await unknownRoute.text()]).toEqual([404, '']);
    expect((await call('/v1/jobs', { method: 'DELETE' })).status).toBe(405);
    expect((await call('/v1/var/a', { method: 'PATCH' })).status).toBe(400);
  });

  it('enforces the job modify index with Nomad 500 texts and lists empty things as []', async () => {
    expect(await (await call('/v1/jobs')).json()).toEqual([]);
    expect(await (await call('/v1/job/nope/allocations')).json()).toEqual([]);
    const created = (await (await put('/v1/jobs', { ...job('a'), EnforceIndex: true, JobModifyIndex: 0 })).json()) as {
      JobModifyIndex: number;
    };
    const again = await put('/v1/jobs', { ...job('a'), EnforceIndex: true, JobModifyIndex: 0 });
    expect([again.status, await again.text()]).toEqual([500, 'Enforcing job modify index 0: job already exists']);
    const stale = await put('/v1/jobs', {
      ...job('a'),
      EnforceIndex: true,
      JobModifyIndex: created.JobModifyIndex + 5,
    });
    expect(await stale.text()).toBe(
      `Enforcing job modify index ${created.JobModifyIndex + 5}: job exists with conflicting job modify index: ${created.JobModifyIndex}`,
    );
    const gone = (await (await call('/v1/job/unknown?purge=true', { method: 'DELETE' })).json()) as { EvalID: string };
    expect(gone.EvalID).toBe('');
    expect(server.violations).toEqual([]);
  });

  it('holds a blocking query until the index moves past it', async () => {
    await put('/v1/jobs', job('a'));
    const first = await call('/v1/jobs');
    const index = Number(first.headers.get('x-nomad-index'));
    const blocked = call(`/v1/jobs?index=${index}&wait=5s`);
    setTimeout(() => void put('/v1/jobs', job('b')), 50);
    const answer = await blocked;
    expect(Number(answer.headers.get('x-nomad-index'))).toBeGreaterThan(index);
    expect(((await answer.json()) as { ID: string }[]).map((stub) => stub.ID)).toEqual(['a', 'b']);
    const timedOut = await call(`/v1/jobs?index=${index + 1000}&wait=50ms`);
    expect(timedOut.status).toBe(200);
  });

  it('streams NDJSON: a heartbeat first, then frames from the requested index inclusive', async () => {
    await put('/v1/jobs', job('c'));
    await server.settled();
    const entries = () => [...server.state.jobs.values()].map((j) => j.CreateIndex);
    const from = entries()[0] ?? 1;
    const controller = new AbortController();
    const response = await call(`/v1/event/stream?topic=Job:c&index=${from}`, { signal: controller.signal });
    expect(response.headers.get('content-type')).toBe('application/json');
    const reader = response.body!.getReader();
    let text = '';
    await eventually(async () => {
      const { value } = await reader.read();
      text += Buffer.from(value ?? []).toString();
      return text.split('\n').filter((line) => line === '{}').length >= 2;
    });
    controller.abort();
    const lines = text
      .split('\n')
      .filter(Boolean)
      .map((line) => JSON.parse(line) as { Index?: number; Events?: { Key: string }[] });
    expect(lines[0]).toEqual({});
    const frames = lines.filter((line) => line.Index !== undefined);
    expect(frames[0]?.Index).toBe(from);
    expect(frames.flatMap((f) => f.Events ?? []).every((e) => e.Key === 'c')).toBe(true);
    expect(lines.some((line, i) => i > 0 && line.Index === undefined)).toBe(true);
    expect(server.violations).toEqual([]);
  });

  it('runs exec sessions with base64 frames, omits exit_code 0 and drops the connection after exited', async () => {
    await put('/v1/jobs', job('d'));
    const [alloc] = await eventually(() => {
      const list = [...server.state.allocs.values()].filter((a) => a.JobID === 'd' && a.ClientStatus === 'running');
      return list.length > 0 ? list : false;
    });
    const frames: Record<string, unknown>[] = [];
    const command = encodeURIComponent(JSON.stringify(['head', '-c', '3000']));
    const socket = new WebSocket(
      `${server.url.replace('http', 'ws')}/v1/client/allocation/${alloc?.ID}/exec?task=default-task&tty=false&command=${command}`,
    );
    socket.on('message', (data) => frames.push(JSON.parse(data.toString()) as Record<string, unknown>));
    const closed = new Promise<number>((resolve) => socket.on('close', (code) => resolve(code)));
    socket.on('open', () => {
      socket.send(JSON.stringify({ stdin: { data: Buffer.alloc(3000, 'z').toString('base64') } }));
      socket.send(JSON.stringify({ stdin: { close: true } }));
    });
    expect(await closed).toBe(1006);
    const data = frames.flatMap((f) =>
      (f.stdout as { data?: string })?.data ? [Buffer.from((f.stdout as { data: string }).data, 'base64')] : [],
    );
    expect(data.every((chunk) => chunk.length <= 1024)).toBe(true);
    expect(Buffer.concat(data).toString()).toBe('z'.repeat(3000));
    expect(frames.at(-1)).toEqual({ exited: true, result: {} });
    expect(server.violations).toEqual([]);
  });

  it('closes exec sessions for unknown allocations with 1008 and the reason', async () => {
    const socket = new WebSocket(
      `${server.url.replace('http', 'ws')}/v1/client/allocation/nope/exec?task=default-task&command=%5B%22true%22%5D`,
    );
    const [code, reason] = await new Promise<[number, string]>((resolve) =>
      socket.on('close', (c, r) => resolve([c, r.toString()])),
    );
    expect([code, reason]).toEqual([1008, 'Unknown allocation "nope"']);
  });

  it('takes fault switches over its /_test/ API', async () => {
    await call('/_test/placements', { method: 'POST', body: JSON.stringify({ fail: true }) });
    await put('/v1/jobs', job('e'));
    await server.settled();
    expect([...server.state.allocs.values()].filter((a) => a.JobID === 'e')).toEqual([]);
    await call('/_test/placements', { method: 'POST', body: JSON.stringify({ fail: false }) });
    await eventually(() => [...server.state.allocs.values()].some((a) => a.JobID === 'e'));
    const stats = (await (await call('/_test/stats')).json()) as { requests: Record<string, number> };
    expect(stats.requests.registerJob).toBe(1);
  });
});
