/**
 * Wire details of the test server checked against what Nomad's HTTP layer does (command/agent/*_endpoint.go,
 * nomad/job_endpoint.go, nomad/state/state_store_variables.go): write indexes, re-registering an unchanged job,
 * Go's flag parsing, the hijacked event stream response, topic and index parsing, variable check-and-set on delete,
 * and the ACL token headers.
 */
import { request } from 'node:http';
import { connect } from 'node:net';
import WebSocket from 'ws';
import { startNomadTestServer, type NomadTestServer } from './nomad-test-server';

const job = (id: string, image = 'debian:12') => ({
  Job: {
    ID: id,
    Type: 'batch',
    TaskGroups: [{ Name: 'default-group', Tasks: [{ Name: 'default-task', Driver: 'docker', Config: { image } }] }],
  },
});

/** The raw bytes of an exchange, read until `done(text)` holds (or 10 s passed); the socket is then closed. */
function rawExchange(port: number, head: string, done: (text: string) => boolean): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1', () => socket.write(head));
    let text = '';
    const timer = setTimeout(() => socket.destroy(), 10_000);
    socket.on('data', (chunk: Buffer) => {
      text += chunk.toString('utf8');
      if (done(text)) socket.destroy();
    });
    socket.on('error', reject);
    socket.on('close', () => {
      clearTimeout(timer);
      resolve(text);
    });
  });
}

describe('the test server speaks Nomad on the wire', () => {
  let server: NomadTestServer;
  beforeAll(async () => {
    server = await startNomadTestServer({ runtime: 'mock', validateResponses: true, heartbeatMs: 60_000 });
  });
  afterAll(async () => server.close());

  const call = (path: string, init: RequestInit = {}) => fetch(`${server.url}${path}`, init);
  const put = (path: string, body: unknown) => call(path, { method: 'PUT', body: JSON.stringify(body) });

  it('sets X-Nomad-Index on job writes and answers an unchanged re-register with the job ModifyIndex', async () => {
    const created = await put('/v1/jobs', job('wire-a'));
    const body = (await created.json()) as { Index: number; JobModifyIndex: number; EvalID: string };
    expect(Number(created.headers.get('x-nomad-index'))).toBe(body.Index);
    expect(body.EvalID).toMatch(/^[0-9a-f-]{36}$/);
    await server.settled();
    const stored = (await (await call('/v1/job/wire-a')).json()) as { ModifyIndex: number; JobModifyIndex: number };
    expect(stored.ModifyIndex).toBeGreaterThan(stored.JobModifyIndex); // the status moved on after placement

    const again = (await (await put('/v1/jobs', job('wire-a'))).json()) as { JobModifyIndex: number; Index: number };
    expect(again.JobModifyIndex).toBe(stored.ModifyIndex);
    const reread = (await (await call('/v1/job/wire-a')).json()) as { Version: number; JobModifyIndex: number };
    expect(reread).toMatchObject({ Version: 0, JobModifyIndex: stored.JobModifyIndex });

    const deleted = await call('/v1/job/wire-a?purge=true', { method: 'DELETE' });
    expect(Number(deleted.headers.get('x-nomad-index'))).toBe(((await deleted.json()) as { Index: number }).Index);
  });

  it('registers through POST /v1/job/:id only when the body job has that id', async () => {
    const mismatch = await call('/v1/job/other', { method: 'POST', body: JSON.stringify(job('wire-b')) });
    expect([mismatch.status, await mismatch.text()]).toEqual([400, 'Job ID does not match name']);
    const matching = await call('/v1/job/wire-b', { method: 'POST', body: JSON.stringify(job('wire-b')) });
    expect(matching.status).toBe(200);
    expect((await call('/v1/job/wire-b')).status).toBe(200);
  });

  it('parses flags as Go does: a bare ?purge is false, a malformed one is a 500', async () => {
    await put('/v1/jobs', job('wire-c'));
    await call('/v1/job/wire-c?purge', { method: 'DELETE' });
    const stopped = (await (await call('/v1/job/wire-c')).json()) as { Stop: boolean };
    expect(stopped.Stop).toBe(true);
    const malformed = await call('/v1/job/wire-c?purge=yes', { method: 'DELETE' });
    expect([malformed.status, await malformed.text()]).toEqual([
      500,
      'Failed to parse value of "purge" (yes) as a bool: strconv.ParseBool: parsing "yes": invalid syntax',
    ]);
    await call('/v1/job/wire-c?purge=True', { method: 'DELETE' });
    expect((await call('/v1/job/wire-c')).status).toBe(404);
  });

  it('answers the event stream as a hijacked connection: 200, Connection: close, no chunking, {} first', async () => {
    const text = await rawExchange(
      server.port,
      'GET /v1/event/stream?topic=Job HTTP/1.1\r\nHost: 127.0.0.1\r\nAccept: application/json\r\n\r\n',
      (text) => text.includes('\r\n\r\n{}\n'),
    );
    const [head, body] = text.split('\r\n\r\n');
    expect(head).toMatch(/^HTTP\/1\.1 200 OK\r\n/);
    expect(head).toMatch(/\r\nConnection: close/i);
    expect(head).toMatch(/\r\nContent-Type: application\/json/i);
    expect(head).not.toMatch(/Transfer-Encoding/i);
    expect(body?.split('\n')[0]).toBe('{}');
  });

  it('parses the event stream index before the topics, with Nomad texts', async () => {
    const both = await call('/v1/event/stream?index=x&topic=a:b:c');
    expect([both.status, await both.text()]).toEqual([
      400,
      'Unable to parse index: strconv.Atoi: parsing "x": invalid syntax',
    ]);
    const topic = await call('/v1/event/stream?topic=a:b:c');
    expect([topic.status, await topic.text()]).toEqual([
      400,
      'Invalid topic query: error parsing topics: Invalid key value pair for topic, topic: a:b:c',
    ]);
  });

  it('deletes variables with check-and-set as Nomad: absent + cas>0 conflicts, absent + cas=0 is a no-op', async () => {
    const absent = await call('/v1/var/wire/none?cas=7', { method: 'DELETE' });
    expect(absent.status).toBe(409);
    expect(await absent.json()).toMatchObject({ Namespace: 'default', Path: 'wire/none', ModifyIndex: 0 });
    expect((await call('/v1/var/wire/none?cas=0', { method: 'DELETE' })).status).toBe(204);

    const written = (await (await put('/v1/var/wire/v', { Path: 'ignored', Items: { a: 'b' } })).json()) as {
      Path: string;
      ModifyIndex: number;
    };
    expect(written.Path).toBe('wire/v');
    const createOnly = await call('/v1/var/wire/v?cas=0', { method: 'DELETE' });
    expect([createOnly.status, createOnly.headers.get('x-nomad-index')]).toEqual([409, String(written.ModifyIndex)]);
    const badCas = await call('/v1/var/wire/v?cas=x', { method: 'DELETE' });
    expect(badCas.status).toBe(400);
    const deleted = await call(`/v1/var/wire/v?cas=${written.ModifyIndex}`, { method: 'DELETE' });
    expect([deleted.status, await deleted.text()]).toEqual([204, '']);
    expect(server.violations).toEqual([]);
  });
});

describe('exec errors on the test server', () => {
  let server: NomadTestServer;
  let allocationId = '';
  beforeAll(async () => {
    server = await startNomadTestServer({ runtime: 'mock' });
    await fetch(`${server.url}/v1/jobs`, { method: 'PUT', body: JSON.stringify(job('exec-a')) });
    await server.settled();
    allocationId = [...server.state.allocs.values()].find((alloc) => alloc.JobID === 'exec-a')?.ID ?? '';
  });
  afterAll(async () => server.close());

  /** Opens an exec session and resolves with its close code and reason. */
  const closeOf = (allocation: string, query: string) =>
    new Promise<[number, string]>((resolve) => {
      const socket = new WebSocket(
        `${server.url.replace('http', 'ws')}/v1/client/allocation/${allocation}/exec?${query}`,
      );
      socket.on('close', (code, reason) => resolve([code, reason.toString('utf8')]));
      socket.on('error', () => undefined);
    });
  const argv = (command: unknown) => `command=${encodeURIComponent(JSON.stringify(command))}`;

  it('upgrades first and closes with 1011 for what the agent cannot parse, 1008 for what the client refuses', async () => {
    expect(await closeOf(allocationId, `task=default-task&command=%5B`)).toEqual([
      1011,
      'failed to marshal command into json: unexpected end of JSON input',
    ]);
    expect(await closeOf(allocationId, `task=default-task&${argv(['true'])}&tty=yes`)).toEqual([
      1011,
      'tty value is not a boolean: strconv.ParseBool: parsing "yes": invalid syntax',
    ]);
    const unknown = '00000000-0000-4000-8000-000000000000';
    expect(await closeOf(unknown, `task=default-task&${argv(['true'])}`)).toEqual([
      1008,
      `Unknown allocation "${unknown}"`,
    ]);
    expect(await closeOf(allocationId, argv(['true']))).toEqual([1008, 'must provide task name']);
    expect(await closeOf(allocationId, `task=default-task&${argv([])}`)).toEqual([1008, 'command is not present']);
    expect(await closeOf(allocationId, `task=nope&${argv(['true'])}`)).toEqual([1011, 'task not found']);
  });
});

describe('ACL tokens on the test server', () => {
  let server: NomadTestServer;
  beforeAll(async () => {
    server = await startNomadTestServer({ runtime: 'mock', token: 's3cret' });
  });
  afterAll(async () => server.close());

  const status = (headers: Record<string, string>) =>
    new Promise<[number, string]>((resolve, reject) => {
      const req = request(`${server.url}/v1/jobs`, { headers }, (res) => {
        let body = '';
        res.on('data', (chunk: Buffer) => (body += chunk.toString('utf8')));
        res.on('end', () => resolve([res.statusCode ?? 0, body]));
      });
      req.on('error', reject);
      req.end();
    });

  it('takes X-Nomad-Token or Authorization: Bearer, X-Nomad-Token winning, and refuses others with 403', async () => {
    expect(await status({ 'X-Nomad-Token': 's3cret' })).toEqual([200, '[]']);
    expect(await status({ Authorization: 'Bearer s3cret' })).toEqual([200, '[]']);
    expect(await status({ 'X-Nomad-Token': 'wrong', Authorization: 'Bearer s3cret' })).toEqual([
      403,
      'Permission denied',
    ]);
    expect(await status({})).toEqual([403, 'Permission denied']);
  });
});
