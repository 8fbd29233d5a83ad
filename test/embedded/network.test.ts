/**
 * Runners with network access: each in its own network namespace, exposed ports published on the host without two
 * runners colliding on the same port.
 */
import { existsSync, readdirSync } from 'node:fs';
import http from 'node:http';
import type { AllocationState, ExecProcess } from '../../reconcilers/ports';
import { eventually } from '../support/eventually';
import { bash, collect, runnerJob, startHarness, type Harness } from './embedded-harness';

const FIRST = '4-00000000-0000-4000-8000-0000000000d1';
const SECOND = '4-00000000-0000-4000-8000-0000000000d2';
const SERVER = "require('http').createServer((q, s) => s.end(process.env.MARK)).listen(8080, () => console.log('up'))";

let h: Harness;
beforeAll(async () => {
  h = await startHarness();
  const settings = { networkAccess: true, exposedPorts: [8080] };
  await Promise.all([
    h.backend.registerJob(runnerJob(FIRST, settings)),
    h.backend.registerJob(runnerJob(SECOND, settings)),
  ]);
  await h.backend.settled();
});
afterAll(async () => {
  await h?.destroy();
});

function get(host: string, port: number): Promise<string> {
  return new Promise((resolve, reject) => {
    http
      .get({ host, port, path: '/', agent: false }, (response) => {
        let body = '';
        response.on('data', (chunk: Buffer) => (body += chunk.toString()));
        response.on('end', () => resolve(body));
      })
      .on('error', reject);
  });
}

async function serve(jobId: string, mark: string): Promise<ExecProcess> {
  const execution = await h.backend.exec({
    jobId,
    command: ['node', '-e', SERVER],
    env: { MARK: mark },
    privileged: false,
    tty: false,
  });
  let out = '';
  execution.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
  void collect(execution.stderr);
  await eventually(() => out.includes('up'), { timeoutMs: 10000 });
  return execution;
}

const allocationOf = async (jobId: string): Promise<AllocationState> => {
  const [allocation] = await h.backend.jobAllocations(jobId);
  if (!allocation) throw new Error('no allocation');
  return allocation;
};

describe('exposed ports', () => {
  it('reach each runner at its own host address, even when both listen on the same port', async () => {
    if (h.backend.networkMode !== 'namespaces') return;
    const [first, second] = await Promise.all([allocationOf(FIRST), allocationOf(SECOND)]);
    const [a, b] = [first.ports[0], second.ports[0]];
    expect(a).toMatchObject({ label: '8080', to: 8080, hostIp: '127.0.0.1' });
    expect(b?.value).not.toBe(a?.value);
    const servers = await Promise.all([serve(FIRST, 'first'), serve(SECOND, 'second')]);
    try {
      expect(await get(a?.hostIp ?? '', a?.value ?? 0)).toBe('first');
      expect(await get(b?.hostIp ?? '', b?.value ?? 0)).toBe('second');
    } finally {
      for (const server of servers) server.kill();
      await Promise.all(servers.map((server) => server.exited));
    }
  });

  it('stop being published and the namespace goes when the job is deregistered', async () => {
    if (h.backend.networkMode !== 'namespaces') return;
    const allocation = await allocationOf(SECOND);
    const port = allocation.ports[0];
    const namespaces = readdirSync('/run/netns');
    const own = namespaces.filter((name) => name.endsWith(allocation.id));
    expect(own).toHaveLength(1);
    await h.backend.deregisterJob(SECOND);
    await expect(get(port?.hostIp ?? '', port?.value ?? 0)).rejects.toThrow();
    expect(existsSync(`/run/netns/${own[0]}`)).toBe(false);
  });
});

describe('a runner with network access', () => {
  it('has its own interface and loopback, separate from the host', async () => {
    const result = await bash(
      h.backend,
      FIRST,
      'ls /sys/class/net 2>/dev/null || cat /proc/net/dev | tail -n +3 | cut -d: -f1',
    );
    if (h.backend.networkMode === 'namespaces') {
      expect(result.stdout.split(/\s+/).filter(Boolean).sort()).toEqual(['eth0', 'lo']);
    }
    expect(result.exitCode).toBe(0);
  });
});

describe('a restart of the backend object', () => {
  it('publishes the exposed port of a running runner again, on the same host port', async () => {
    if (h.backend.networkMode !== 'namespaces') return;
    const before = await allocationOf(FIRST);
    await h.backend.stop();
    await h.reopen();
    const after = await allocationOf(FIRST);
    expect(after.ports).toEqual(before.ports);
    const server = await serve(FIRST, 'again');
    try {
      expect(await get(after.ports[0]?.hostIp ?? '', after.ports[0]?.value ?? 0)).toBe('again');
    } finally {
      server.kill();
      await server.exited;
    }
  });
});
