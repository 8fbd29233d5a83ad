/**
 * Network namespaces for allocations with network access: each gets `/run/netns/<name>` with a veth pair to the host
 * (a /30 from the pool, default route via the host end) and its exposed ports published on the host by in-service
 * TCP forwarders from a dynamic host port to the runner's address, so two runners can listen on the same port.
 * Outgoing traffic beyond the host needs NAT: with `nft` on the machine, the pool is masqueraded and the runners are
 * kept from opening connections to the host itself; without it runners reach only the host end of their link.
 * When namespaces cannot be made at all (not root, no iproute2), allocations fall back to the host network, with a
 * warning at start-up (see the README).
 */
import { execFile, spawn } from 'node:child_process';
import { existsSync, promises as fs } from 'node:fs';
import type { Logger } from 'pino';
import { promisify } from 'node:util';
import type { AllocatedPort } from '../../../../reconcilers/ports';
import type { NetworkAttachment } from '../jobs/job-records';
import type { AllocationNetworks } from '../sandbox/allocation-sandboxes';
import { freeSlot, linkFor } from './link-addresses';
import { type Forwarder, forwardPort } from './port-forwarder';

const run = promisify(execFile);
const IP = ['/usr/sbin/ip', '/sbin/ip', '/usr/bin/ip', '/bin/ip'].find((file) => existsSync(file)) ?? 'ip';
const NFT = ['/usr/sbin/nft', '/sbin/nft'].find((file) => existsSync(file));

/** How allocations with network access get their network. */
export type NetworkMode = 'namespaces' | 'host';

/** Configuration of {@link RunnerNetworks}. */
export interface RunnerNetworksConfig {
  readonly instanceTag: string;
  readonly networkPrefix: readonly [number, number];
  readonly exposedPortsHost: string;
  readonly logger: Logger;
}

/** The network namespaces and port forwarders of every allocation. */
export class RunnerNetworks implements AllocationNetworks {
  private modeValue: NetworkMode = 'host';
  private readonly slots = new Set<number>();
  private readonly forwarders = new Map<string, Forwarder[]>();

  constructor(private readonly config: RunnerNetworksConfig) {}

  /** `namespaces` when network namespaces work here, else `host`. Known after {@link init}. */
  get mode(): NetworkMode {
    return this.modeValue;
  }

  /** Probes for namespace support and sets up NAT; `usedSlots` are the slots of persisted allocations. */
  async init(usedSlots: Iterable<number>): Promise<void> {
    for (const slot of usedSlots) this.slots.add(slot);
    const probe = `psd-probe-${this.config.instanceTag}`;
    try {
      await ip(['netns', 'add', probe]);
      await ip(['netns', 'del', probe]);
      this.modeValue = 'namespaces';
    } catch (error) {
      this.config.logger.warn(
        { err: error },
        'embedded backend: cannot create network namespaces; runners WITH network access share the HOST network ' +
          '(no isolation between them, exposed ports are the runner ports themselves and can collide)',
      );
      return;
    }
    await this.setUpNat();
  }

  /** The path of the allocation's namespace for `nsenter`. */
  namespacePath(attachment: NetworkAttachment): string {
    return `/run/netns/${attachment.namespace}`;
  }

  async attach(
    allocationId: string,
    exposedPorts: readonly number[],
    previous?: { attachment: NetworkAttachment; ports: readonly AllocatedPort[] },
  ): Promise<{ attachment?: NetworkAttachment; ports: AllocatedPort[] }> {
    if (this.modeValue === 'host') {
      const hostIp = this.config.exposedPortsHost;
      return { ports: exposedPorts.map((to) => ({ label: String(to), value: to, to, hostIp })) };
    }
    const attachment = previous?.attachment ?? this.newAttachment(allocationId);
    this.slots.add(attachment.slot);
    if (!existsSync(this.namespacePath(attachment))) await this.createNamespace(attachment);
    const ports = await this.publish(allocationId, attachment, exposedPorts, previous?.ports ?? []);
    return { attachment, ports };
  }

  async detach(allocationId: string, attachment: NetworkAttachment | undefined): Promise<void> {
    await this.closeForwarders(allocationId);
    if (!attachment) return;
    await ip(['netns', 'del', attachment.namespace]).catch(() => undefined);
    await ip(['link', 'del', attachment.hostLink]).catch(() => undefined);
    this.slots.delete(attachment.slot);
  }

  /** Closes every forwarder (namespaces stay for a restart). */
  async stop(): Promise<void> {
    await Promise.all([...this.forwarders.keys()].map((id) => this.closeForwarders(id)));
  }

  /** Deletes namespaces of this instance that belong to no known allocation. */
  async removeOrphans(known: ReadonlySet<string>): Promise<void> {
    const prefix = `psd-${this.config.instanceTag}-`;
    const names = await fs.readdir('/run/netns').catch(() => []);
    for (const name of names) {
      if (name.startsWith(prefix) && !known.has(name)) await ip(['netns', 'del', name]).catch(() => undefined);
    }
  }

  private newAttachment(allocationId: string): NetworkAttachment {
    const slot = freeSlot(this.slots);
    if (slot === undefined) throw new Error('the runner network pool is exhausted');
    const link = linkFor(this.config.networkPrefix, this.config.instanceTag, slot);
    return {
      namespace: `psd-${this.config.instanceTag}-${allocationId}`,
      hostLink: link.hostLink,
      slot,
      hostAddress: link.hostAddress,
      runnerAddress: link.runnerAddress,
    };
  }

  private async createNamespace(attachment: NetworkAttachment): Promise<void> {
    const { namespace: ns, hostLink } = attachment;
    const peer = linkFor(this.config.networkPrefix, this.config.instanceTag, attachment.slot).peerLink;
    await ip(['link', 'del', hostLink]).catch(() => undefined);
    await ip(['netns', 'add', ns]);
    await ip(['link', 'add', hostLink, 'type', 'veth', 'peer', 'name', peer]);
    await ip(['link', 'set', peer, 'netns', ns]);
    await ip(['addr', 'add', `${attachment.hostAddress}/30`, 'dev', hostLink]);
    await ip(['link', 'set', hostLink, 'up']);
    await ip(['-n', ns, 'link', 'set', peer, 'name', 'eth0']);
    await ip(['-n', ns, 'addr', 'add', `${attachment.runnerAddress}/30`, 'dev', 'eth0']);
    await ip(['-n', ns, 'link', 'set', 'eth0', 'up']);
    await ip(['-n', ns, 'link', 'set', 'lo', 'up']);
    await ip(['-n', ns, 'route', 'add', 'default', 'via', attachment.hostAddress]);
  }

  private async publish(
    allocationId: string,
    attachment: NetworkAttachment,
    exposedPorts: readonly number[],
    previous: readonly AllocatedPort[],
  ): Promise<AllocatedPort[]> {
    await this.closeForwarders(allocationId);
    const forwarders: Forwarder[] = [];
    this.forwarders.set(allocationId, forwarders);
    const ports: AllocatedPort[] = [];
    for (const to of exposedPorts) {
      const preferred = previous.find((port) => port.to === to)?.value ?? 0;
      const target = { host: attachment.runnerAddress, port: to };
      const forwarder = await forwardPort(this.config.exposedPortsHost, preferred, target);
      forwarders.push(forwarder);
      ports.push({ label: String(to), value: forwarder.port, to, hostIp: this.config.exposedPortsHost });
    }
    return ports;
  }

  private async closeForwarders(allocationId: string): Promise<void> {
    const forwarders = this.forwarders.get(allocationId) ?? [];
    this.forwarders.delete(allocationId);
    await Promise.all(forwarders.map((forwarder) => forwarder.close()));
  }

  private async setUpNat(): Promise<void> {
    const pool = `${this.config.networkPrefix[0]}.${this.config.networkPrefix[1]}.0.0/16`;
    if (!NFT) {
      this.config.logger.warn(
        { pool },
        'embedded backend: nft not found: runners with network access reach only the host (no NAT to other networks)',
      );
      return;
    }
    const table = `poseidon_${this.config.instanceTag}`;
    const script = [
      `table ip ${table} {}`,
      `delete table ip ${table}`,
      `table ip ${table} {`,
      `  chain postrouting { type nat hook postrouting priority 100; ip saddr ${pool} ip daddr != ${pool} masquerade; }`,
      `  chain input { type filter hook input priority 0; ip saddr ${pool} ct state established,related accept; ip saddr ${pool} drop; }`,
      `}`,
    ].join('\n');
    try {
      await fs.writeFile('/proc/sys/net/ipv4/ip_forward', '1');
      await runWithInput(NFT, ['-f', '-'], script);
      this.config.logger.info({ pool, table }, 'embedded backend: runner network pool masqueraded');
    } catch (error) {
      this.config.logger.warn({ err: error, pool }, 'embedded backend: cannot set up NAT for runner networks');
    }
  }
}

async function ip(args: readonly string[]): Promise<void> {
  await run(IP, [...args]);
}

function runWithInput(file: string, args: readonly string[], input: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(file, [...args], { stdio: ['pipe', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.once('error', reject);
    child.once('close', (code) => (code === 0 ? resolve() : reject(new Error(`${file} failed (${code}): ${stderr}`))));
    child.stdin.end(input);
  });
}
