/**
 * Network namespaces for allocations with network access: each gets `/run/netns/<name>` with a veth pair to the host
 * (a /30 from the pool, default route via the host end, no IPv6 addresses) and its exposed ports published on the
 * host by in-service TCP forwarders from a dynamic host port to the runner's address, so two runners can listen on
 * the same port. The firewall (runner-firewall.ts, needs `nft`) masquerades the pool so runners reach other networks
 * and keeps them off this host and each other; without `nft` runners reach only the host end of their link (and
 * host services listening on every address), with a warning at start-up. When namespaces cannot be made at all (not
 * root, no iproute2), allocations fall back to the host network, with a warning at start-up (see the README).
 */
import { execFile, spawn } from 'node:child_process';
import { existsSync, promises as fs } from 'node:fs';
import { networkInterfaces } from 'node:os';
import type { Logger } from 'pino';
import { promisify } from 'node:util';
import type { AllocatedPort } from '../../../../reconcilers/ports';
import type { NetworkAttachment } from '../jobs/job-records';
import type { AllocationNetworks } from '../sandbox/allocation-sandboxes';
import { freeSlot, hostLinkPrefix, linkFor } from './link-addresses';
import { type Forwarder, forwardPort } from './port-forwarder';
import { type FirewallScope, installFirewall, removeFirewall } from './runner-firewall';

const run = promisify(execFile);
const IP = ['/usr/sbin/ip', '/sbin/ip', '/usr/bin/ip', '/bin/ip'].find((file) => existsSync(file)) ?? 'ip';

/** How allocations with network access get their network. */
export type NetworkMode = 'namespaces' | 'host';

/** `nft`: runners reach other networks but not the host; `none`: they reach only the host (see the module comment). */
export type FirewallMode = 'nft' | 'none';

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
  private firewallValue: FirewallMode = 'none';
  private readonly slots = new Set<number>();
  private readonly forwarders = new Map<string, Forwarder[]>();
  private readonly scope: FirewallScope;

  constructor(private readonly config: RunnerNetworksConfig) {
    this.scope = {
      instanceTag: config.instanceTag,
      pool: `${config.networkPrefix[0]}.${config.networkPrefix[1]}.0.0/16`,
      linkPrefix: hostLinkPrefix(config.instanceTag),
    };
  }

  /** `namespaces` when network namespaces work here, else `host`. Known after {@link init}. */
  get mode(): NetworkMode {
    return this.modeValue;
  }

  /** Whether the firewall and NAT of the runner pool are in place. Known after {@link init}. */
  get firewall(): FirewallMode {
    return this.firewallValue;
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
    await this.setUpFirewall();
    await this.warnAboutLoopbackResolvers();
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
    // Deleting the namespace deletes the runner's end of the pair and with it the host's; this is for leftovers.
    if (linkExists(attachment.hostLink)) await ip(['link', 'del', attachment.hostLink]).catch(() => undefined);
    this.slots.delete(attachment.slot);
  }

  isAttached(attachment: NetworkAttachment): boolean {
    return existsSync(this.namespacePath(attachment));
  }

  /**
   * Closes every forwarder and removes the firewall table (namespaces stay for a restart; with no execution left,
   * nothing inside them can send, and the next start installs the table again).
   */
  async stop(): Promise<void> {
    await Promise.all([...this.forwarders.keys()].map((id) => this.closeForwarders(id)));
    if (this.firewallValue === 'nft') {
      await removeFirewall(this.scope).catch((error: unknown) => {
        this.config.logger.warn({ err: error }, 'embedded backend: cannot remove the runner firewall table');
      });
      this.firewallValue = 'none';
    }
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
    const taken = addressesOnThisMachine();
    const slot = freeSlot(this.slots, (candidate) => {
      const link = linkFor(this.config.networkPrefix, this.config.instanceTag, candidate);
      return taken.has(link.hostAddress) || taken.has(link.runnerAddress);
    });
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
    if (linkExists(hostLink)) await ip(['link', 'del', hostLink]).catch(() => undefined);
    await ip(['netns', 'add', ns]);
    // Two batches instead of ten `ip` processes (each fork of a large service costs tens of milliseconds). Names and
    // addresses are generated here, never taken from a request.
    try {
      await ipBatch([
        `link add ${hostLink} type veth peer name ${peer}`,
        // No IPv6 on either end (no link-local address): the runner must not reach host services over IPv6. Moving
        // a link to another namespace resets the setting, so the runner's end gets it there.
        `link set ${hostLink} addrgenmode none`,
        `link set ${peer} netns ${ns}`,
        `addr add ${attachment.hostAddress}/30 dev ${hostLink}`,
        `link set ${hostLink} up`,
      ]);
      await ipBatch(
        [
          `link set ${peer} name eth0 addrgenmode none`,
          `addr add ${attachment.runnerAddress}/30 dev eth0`,
          'link set eth0 up',
          'link set lo up',
          `route add default via ${attachment.hostAddress}`,
        ],
        ns,
      );
    } catch (error) {
      await ip(['netns', 'del', ns]).catch(() => undefined);
      if (linkExists(hostLink)) await ip(['link', 'del', hostLink]).catch(() => undefined);
      throw error;
    }
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

  /** Runners see the host's resolv.conf; a resolver on the host's loopback is out of their reach. */
  private async warnAboutLoopbackResolvers(): Promise<void> {
    const text = await fs.readFile('/etc/resolv.conf', 'utf8').catch(() => '');
    const loopback = loopbackResolvers(text);
    if (loopback.length > 0) {
      this.config.logger.warn(
        { nameservers: loopback },
        'embedded backend: /etc/resolv.conf names resolvers on the loopback interface; runners with network access ' +
          'cannot reach them and will not resolve host names',
      );
    }
  }

  private async setUpFirewall(): Promise<void> {
    try {
      await installFirewall(this.scope);
      this.firewallValue = 'nft';
      this.config.logger.info({ pool: this.scope.pool }, 'embedded backend: runner network pool firewalled and NATed');
    } catch (error) {
      this.config.logger.warn(
        { err: error, pool: this.scope.pool },
        'embedded backend: no runner firewall (install nftables): runners with network access reach only this host, ' +
          'including every host service listening on all addresses, and no other network',
      );
    }
  }
}

/** The `nameserver` addresses of a resolv.conf text that are loopback addresses. */
export function loopbackResolvers(resolvConf: string): string[] {
  return [...resolvConf.matchAll(/^\s*nameserver\s+(\S+)/gm)]
    .map((match) => match[1] ?? '')
    .filter((address) => address.startsWith('127.') || address === '::1');
}

/** Every IPv4 address configured on this machine's interfaces (no process is forked). */
function addressesOnThisMachine(): Set<string> {
  const addresses = new Set<string>();
  for (const entries of Object.values(networkInterfaces())) {
    for (const entry of entries ?? []) if (entry.family === 'IPv4') addresses.add(entry.address);
  }
  return addresses;
}

async function ip(args: readonly string[]): Promise<void> {
  await run(IP, [...args]);
}

/** Runs `ip` commands in one process (in network namespace `namespace` if given); stops at the first failure. */
function ipBatch(commands: readonly string[], namespace?: string): Promise<void> {
  const args = [...(namespace ? ['-n', namespace] : []), '-batch', '-'];
  return new Promise((resolve, reject) => {
    const child = spawn(IP, args, { stdio: ['pipe', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.once('error', reject);
    child.once('close', (code) =>
      code === 0 ? resolve() : reject(new Error(`ip ${args.join(' ')} failed (${code}): ${stderr.trim()}`)),
    );
    child.stdin.end(`${commands.join('\n')}\n`);
  });
}

/** True when a network interface of this name exists in the host's namespace (no process is forked). */
function linkExists(name: string): boolean {
  return existsSync(`/sys/class/net/${name}`);
}
