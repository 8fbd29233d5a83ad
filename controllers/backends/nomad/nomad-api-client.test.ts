import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import pino from 'pino';
import { createNomadBackend } from './nomad-backend';
import { runnerSpec, startNomadFixture, type NomadFixture } from './nomad-test-harness';

describe('the Nomad API client against the test server', () => {
  let fixture: NomadFixture | undefined;
  afterEach(async () => {
    await fixture?.close();
    fixture = undefined;
  });

  it('sends the ACL token, and reports a refused token as a non-retryable error', async () => {
    fixture = await startNomadFixture({ runtime: 'mock', token: 'secret-token' });
    await expect(fixture.backend.listJobs('')).resolves.toMatchObject({ items: [] });
    const wrong = createNomadBackend({
      address: fixture.server.url,
      token: 'wrong',
      logger: pino({ level: 'silent' }),
    });
    try {
      await expect(wrong.start()).rejects.toMatchObject({ code: 'BackendUnavailable', retryable: false });
      await expect(wrong.listJobs('')).rejects.toMatchObject({ code: 'BackendUnavailable', retryable: false });
    } finally {
      await wrong.stop();
    }
  });

  it('keeps every call in its namespace', async () => {
    fixture = await startNomadFixture({ runtime: 'mock' }, { namespace: 'poseidon' });
    const spec = runnerSpec();
    await fixture.backend.registerJob(spec);
    expect(fixture.server.state.job('poseidon', spec.id)).toBeDefined();
    expect(fixture.server.state.job('default', spec.id)).toBeUndefined();
    const other = createNomadBackend({ address: fixture.server.url, logger: pino({ level: 'silent' }) });
    try {
      expect((await other.listJobs('')).items).toEqual([]);
      expect(await other.readJob(spec.id)).toBeUndefined();
    } finally {
      await other.stop();
    }
  });

  it('writes variables with check-and-set: a stale index is a Conflict carrying the current variable', async () => {
    fixture = await startNomadFixture({ runtime: 'mock' });
    const { api } = fixture.backend;
    const created = await api.writeVariable('poseidon/environments/env-1', { spec: '{}' }, 0);
    await expect(api.writeVariable('poseidon/environments/env-1', { spec: 'x' }, 0)).rejects.toMatchObject({
      code: 'Conflict',
      details: { current: { ModifyIndex: created.ModifyIndex, Items: { spec: '{}' } } },
    });
    const updated = await api.writeVariable('poseidon/environments/env-1', { spec: 'y' }, created.ModifyIndex);
    expect(updated.CreateIndex).toBe(created.CreateIndex);
    expect((await api.listVariables('poseidon/')).items.map((v) => v.Path)).toEqual(['poseidon/environments/env-1']);
    await expect(api.deleteVariable('poseidon/environments/env-1', created.ModifyIndex)).rejects.toMatchObject({
      code: 'Conflict',
    });
    await api.deleteVariable('poseidon/environments/env-1', updated.ModifyIndex);
    expect(await api.readVariable('poseidon/environments/env-1')).toBeUndefined();
    await expect(api.writeVariable('bad path!', { a: 'b' })).rejects.toMatchObject({ code: 'Invalid' });
    expect(fixture.server.violations).toEqual([]);
  });

  it('reports injected server errors and timeouts as retryable BackendUnavailable', async () => {
    fixture = await startNomadFixture({ runtime: 'mock' });
    fixture.server.failRequests({ status: 500, path: '^/v1/jobs$', count: 1, body: 'rpc error: No cluster leader' });
    await expect(fixture.backend.listJobs('')).rejects.toMatchObject({ code: 'BackendUnavailable', retryable: true });
    await expect(fixture.backend.listJobs('')).resolves.toBeDefined();
    // A backend with a short timeout of its own: the one above keeps the default, so a loaded machine cannot make
    // the successful call time out.
    const impatient = createNomadBackend({
      address: fixture.server.url,
      requestTimeoutMs: 200,
      logger: pino({ level: 'silent' }),
    });
    try {
      fixture.server.setLatency(1000);
      await expect(impatient.listJobs('')).rejects.toMatchObject({ code: 'BackendUnavailable', retryable: true });
    } finally {
      await impatient.stop();
    }
  });

  it('reports the per-client connection cap (429) as retryable BackendUnavailable', async () => {
    fixture = await startNomadFixture({ runtime: 'mock', maxConnsPerClient: 1 }, { maxConnections: 4 });
    fixture.server.setLatency(300);
    const results = await Promise.allSettled([1, 2, 3].map(() => fixture?.backend.listJobs('')));
    const rejected = results.filter((r) => r.status === 'rejected').map((r) => (r as PromiseRejectedResult).reason);
    expect(rejected.length).toBeGreaterThan(0);
    expect(rejected[0]).toMatchObject({ code: 'BackendUnavailable', retryable: true });
  });
});

describe('TLS towards Nomad', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'nomad-tls-'));
    const openssl = (...args: string[]) => execFileSync('openssl', args, { cwd: dir, stdio: 'ignore' });
    openssl(
      'req',
      '-x509',
      '-newkey',
      'rsa:2048',
      '-nodes',
      '-keyout',
      'ca.key',
      '-out',
      'ca.pem',
      '-days',
      '1',
      '-subj',
      '/CN=test-ca',
    );
    writeFileSync(path.join(dir, 'server.ext'), 'subjectAltName=IP:127.0.0.1\n');
    writeFileSync(path.join(dir, 'client.ext'), 'extendedKeyUsage=clientAuth\n');
    for (const name of ['server', 'client']) {
      openssl(
        'req',
        '-newkey',
        'rsa:2048',
        '-nodes',
        '-keyout',
        `${name}.key`,
        '-out',
        `${name}.csr`,
        '-subj',
        `/CN=${name}`,
      );
      openssl(
        'x509',
        '-req',
        '-in',
        `${name}.csr`,
        '-CA',
        'ca.pem',
        '-CAkey',
        'ca.key',
        '-CAcreateserial',
        '-out',
        `${name}.pem`,
        '-days',
        '1',
        '-extfile',
        `${name}.ext`,
      );
    }
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('verifies the agent with the configured CA and presents the client certificate', async () => {
    const file = (name: string) => path.join(dir, name);
    const seen: (string | undefined)[] = [];
    const server = createServer(
      {
        key: readFileSync(file('server.key')),
        cert: readFileSync(file('server.pem')),
        ca: readFileSync(file('ca.pem')),
        requestCert: true,
        rejectUnauthorized: true,
      },
      (req, res) => {
        seen.push((req.socket as import('node:tls').TLSSocket).getPeerCertificate().subject?.CN);
        res.writeHead(200, { 'Content-Type': 'application/json' }).end('{"config":{},"member":{},"stats":{}}');
      },
    );
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const port = (server.address() as AddressInfo).port;
    const tls = { active: true, caFile: file('ca.pem'), certFile: file('client.pem'), keyFile: file('client.key') };
    const trusted = createNomadBackend({ address: '127.0.0.1', port, tls, logger: pino({ level: 'silent' }) });
    const untrusting = createNomadBackend({
      address: '127.0.0.1',
      port,
      tls: { active: true },
      logger: pino({ level: 'silent' }),
    });
    try {
      await expect(trusted.api.probe()).resolves.toBeUndefined();
      expect(seen).toEqual(['client']);
      await expect(untrusting.api.probe()).rejects.toMatchObject({ code: 'BackendUnavailable' });
    } finally {
      await Promise.all([trusted.stop(), untrusting.stop()]);
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    }
  });
});
