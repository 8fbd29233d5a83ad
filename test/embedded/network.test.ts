/**
 * Runners with network access on this machine (root, iproute2, nftables): each in its own network namespace, exposed
 * ports published on the host without two runners colliding on the same port, other networks reachable through NAT,
 * and neither this host nor another runner reachable from inside. Without root none of this can be set up, and the
 * suite is skipped (the backend then warns that network runners share the host network).
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import http from 'node:http';
import { createServer, type Server } from 'node:net';
import { networkInterfaces } from 'node:os';
import { compileOptions } from '../../controllers/backends/embedded/embedded-options';
import { hostLinkPrefix } from '../../controllers/backends/embedded/network/link-addresses';
import type { AllocationState, ExecProcess } from '../../reconcilers/ports';
import { eventually } from '../support/eventually';
import { bash, collect, runnerJob, startHarness, type Harness } from './embedded-harness';
import { type OutsideNetwork, startOutsideNetwork } from './outside-network';

const FIRST = '4-00000000-0000-4000-8000-0000000000d1';
const SECOND = '4-00000000-0000-4000-8000-0000000000d2';
const SERVER = "require('http').createServer((q, s) => s.end(process.env.MARK)).listen(8080, () => console.log('up'))";

const asRoot = process.getuid?.() === 0;

let h: Harness;
let outside: OutsideNetwork;
beforeAll(async () => {
  if (!asRoot) return;
  h = await startHarness();
  const settings = { networkAccess: true, exposedPorts: [8080] };
  await Promise.all([
    h.backend.registerJob(runnerJob(FIRST, settings)),
    h.backend.registerJob(runnerJob(SECOND, settings)),
  ]);
  await h.backend.settled();
  outside = await startOutsideNetwork();
});
afterAll(async () => {
  await outside?.close();
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

async function stopServers(servers: readonly ExecProcess[]): Promise<void> {
  for (const server of servers) server.kill();
  await Promise.all(servers.map((server) => server.exited));
}

const allocationOf = async (jobId: string): Promise<AllocationState> => {
  const [allocation] = await h.backend.jobAllocations(jobId);
  if (!allocation) throw new Error('no allocation');
  return allocation;
};

/** A bash script printing `<n> open` or `<n> closed` per TCP connection attempt (in parallel, at most 1.5 s each). */
const probes = (targets: readonly (readonly [string, number])[]): string =>
  targets
    .map(
      ([host, port], n) =>
        `(timeout 1.5 bash -c 'exec 3<>/dev/tcp/${host}/${port}' 2>/dev/null && echo ${n} open || echo ${n} closed) &`,
    )
    .join('\n') + '\nwait';

/** A bash line that connects to the outside server (at most 5 s) and prints its answer. */
const outbound = (): string =>
  `timeout 5 bash -c 'exec 3<>/dev/tcp/${outside.serverAddress}/${outside.port} && cat <&3'`;

/** The runner's own address on its link. */
async function runnerAddress(jobId: string): Promise<string> {
  const result = await bash(h.backend, jobId, "ip -4 -o addr show dev eth0 | awk '{print $4}' | cut -d/ -f1");
  return result.stdout.trim();
}

function hostAddress(): string {
  const address = Object.values(networkInterfaces())
    .flatMap((entries) => entries ?? [])
    .find((entry) => entry.family === 'IPv4' && !entry.internal && !entry.address.startsWith('100.'));
  if (!address) throw new Error('this machine has no external IPv4 address');
  return address.address;
}

function tableExists(): boolean {
  const table = `poseidon_${compileOptions(h.options).instanceTag}`;
  return execFileSync('nft', ['list', 'tables'], { encoding: 'utf8' }).includes(table);
}

(asRoot ? describe : describe.skip)('network access on this machine (as root)', () => {
  it('uses network namespaces and the nftables firewall (bootstrap installs nftables)', () => {
    expect(h.backend.networkMode).toBe('namespaces');
    expect(h.backend.firewall).toBe('nft');
    expect(tableExists()).toBe(true);
  });

  describe('exposed ports', () => {
    it('reach each runner at its own host address, even when both listen on the same port', async () => {
      const [first, second] = await Promise.all([allocationOf(FIRST), allocationOf(SECOND)]);
      const [a, b] = [first.ports[0], second.ports[0]];
      expect(a).toMatchObject({ label: '8080', to: 8080, hostIp: '127.0.0.1' });
      expect(b?.value).not.toBe(a?.value);
      const servers = await Promise.all([serve(FIRST, 'first'), serve(SECOND, 'second')]);
      try {
        expect(await get(a?.hostIp ?? '', a?.value ?? 0)).toBe('first');
        expect(await get(b?.hostIp ?? '', b?.value ?? 0)).toBe('second');
      } finally {
        await stopServers(servers);
      }
    });
  });

  describe('a runner with network access', () => {
    it('has its own interface and loopback, and no IPv6 address on its link', async () => {
      const result = await bash(h.backend, FIRST, 'tail -n +3 /proc/net/dev | cut -d: -f1');
      expect(result.stdout.split(/\s+/).filter(Boolean).sort()).toEqual(['eth0', 'lo']);
      const ipv6 = await bash(h.backend, FIRST, 'ip -6 -o addr show dev eth0');
      expect(ipv6).toEqual({ stdout: '', stderr: '', exitCode: 0 });
      const prefix = hostLinkPrefix(compileOptions(h.options).instanceTag);
      const hostLinksWithIpv6 = readFileSync('/proc/net/if_inet6', 'utf8')
        .split('\n')
        .filter((line) => line.trim().split(/\s+/).pop()?.startsWith(prefix));
      expect(hostLinksWithIpv6).toEqual([]);
    });

    it('reaches another network, masqueraded behind the host', async () => {
      const result = await bash(h.backend, FIRST, outbound());
      // The outside network has no route to the runner pool: an answer at all proves the address translation.
      expect(result).toEqual({ stdout: `${outside.hostAddress}\n`, stderr: '', exitCode: 0 });
    });

    it('reaches neither the services of this host nor another runner, even as root', async () => {
      let connections = 0;
      const server: Server = createServer((socket) => {
        connections += 1;
        socket.destroy();
      });
      await new Promise<void>((resolve) => server.listen(0, '0.0.0.0', resolve));
      const port = (server.address() as { port: number }).port;
      const other = await serve(SECOND, 'second');
      try {
        const gateway = (await bash(h.backend, FIRST, "ip route | awk '/default/ {print $3}'")).stdout.trim();
        const targets = [
          [gateway, port],
          [hostAddress(), port],
          [await runnerAddress(SECOND), 8080],
        ] as const;
        const [user, root] = await Promise.all([
          bash(h.backend, FIRST, probes(targets)),
          bash(h.backend, FIRST, probes(targets), { privileged: true }),
        ]);
        const sorted = (text: string): string[] => text.trim().split('\n').sort();
        expect(sorted(user.stdout)).toEqual(['0 closed', '1 closed', '2 closed']);
        expect(sorted(root.stdout)).toEqual(['0 closed', '1 closed', '2 closed']);
        expect(connections).toBe(0);
        // The other runner does listen: through its published port the host reaches it.
        const published = (await allocationOf(SECOND)).ports[0];
        expect(await get(published?.hostIp ?? '', published?.value ?? 0)).toBe('second');
      } finally {
        await stopServers([other]);
        await new Promise((resolve) => server.close(resolve));
      }
    });
  });

  describe('a restart of the backend object', () => {
    it('removes the firewall while stopped, then restores it and the exposed port on the same host port', async () => {
      const before = await allocationOf(FIRST);
      await h.backend.stop();
      expect(tableExists()).toBe(false);
      await h.reopen();
      expect(tableExists()).toBe(true);
      const after = await allocationOf(FIRST);
      expect(after.ports).toEqual(before.ports);
      const server = await serve(FIRST, 'again');
      try {
        expect(await get(after.ports[0]?.hostIp ?? '', after.ports[0]?.value ?? 0)).toBe('again');
      } finally {
        await stopServers([server]);
      }
      const reached = await bash(h.backend, FIRST, outbound());
      expect(reached.stdout).toBe(`${outside.hostAddress}\n`);
    });
  });

  describe('a runner whose network namespace is deleted behind its back', () => {
    it('fails, and its executions lose the runner', async () => {
      const id = '4-00000000-0000-4000-8000-0000000000d3';
      await h.backend.registerJob(runnerJob(id, { networkAccess: true }));
      await h.backend.settled();
      const allocation = await allocationOf(id);
      const [namespace] = readdirSync('/run/netns').filter((name) => name.endsWith(allocation.id));
      execFileSync('ip', ['netns', 'del', namespace ?? '']);
      await expect(
        h.backend.exec({ jobId: id, command: ['true'], privileged: false, tty: false }),
      ).rejects.toMatchObject({ code: 'RunnerGone', details: { cause: 'stoppedUnexpectedly' } });
      expect((await allocationOf(id)).clientStatus).toBe('failed');
    });
  });

  describe('deregistering the job', () => {
    it('stops publishing its ports and removes its namespace', async () => {
      const allocation = await allocationOf(SECOND);
      const port = allocation.ports[0];
      const own = readdirSync('/run/netns').filter((name) => name.endsWith(allocation.id));
      expect(own).toHaveLength(1);
      await h.backend.deregisterJob(SECOND);
      await expect(get(port?.hostIp ?? '', port?.value ?? 0)).rejects.toThrow();
      expect(existsSync(`/run/netns/${own[0]}`)).toBe(false);
    });
  });
});
