/**
 * Options of the embedded backend, their documented defaults, and the compiled configuration the parts use.
 */
import { createHash, randomUUID } from 'node:crypto';
import path from 'node:path';
import type { Logger } from 'pino';
import type { Registry } from 'prom-client';
import { PoseidonError } from '../../../crds/errors';
import type { Clock } from '../../../reconcilers/ports';
import { systemClock, type Timers } from '../../runtime/timers';

/** What {@link createEmbeddedBackend} takes. */
export interface EmbeddedBackendOptions {
  /** Directory holding jobs, allocations, the index and every runner's workspace. Created when missing. */
  readonly stateDir: string;
  /** Image name -> root directory of that image. Unmapped images use the host's system directories (one warning). */
  readonly rootfs?: Readonly<Record<string, string>>;
  readonly logger: Logger;
  /** Registry for the backend's metrics. Default: a private registry nobody scrapes. */
  readonly registry?: Registry;
  /** Source of task event times. Default: `Date.now`. */
  readonly clock?: Clock;
  /** Timers for the supervision loop. Default: the global timers. */
  readonly timers?: Timers;
  /** Maximum number of processes per allocation (cgroup pids.max). Default 512. */
  readonly pidsLimit?: number;
  /** Number of event batches (indexes) kept for resuming the event feed. Default 1024. */
  readonly eventBufferSize?: number;
  /** Host address exposed ports are published on. Default 127.0.0.1. */
  readonly exposedPortsHost?: string;
  /** Id generator for allocations and evaluations. Default: random UUIDs. */
  readonly newId?: () => string;
  /** How often running allocations are checked (workspace present). Default 2000 ms; 0 disables the loop. */
  readonly supervisionIntervalMs?: number;
  /** The bubblewrap binary. Default /usr/bin/bwrap. */
  readonly bwrapPath?: string;
  /** Where the cgroup hierarchies are mounted. Default /sys/fs/cgroup. */
  readonly cgroupRoot?: string;
  /** A /16 IPv4 network (`a.b.0.0/16`) runner network namespaces get their /30 links from. Default: derived from stateDir. */
  readonly networkPool?: string;
}

/** The compiled configuration: every default applied, every derived name computed once. */
export interface EmbeddedConfig {
  readonly stateDir: string;
  readonly jobsDir: string;
  readonly allocationsDir: string;
  readonly runDir: string;
  readonly etcDir: string;
  readonly rootfs: ReadonlyMap<string, string>;
  readonly logger: Logger;
  readonly clock: Clock;
  readonly timers: Timers;
  readonly pidsLimit: number;
  readonly eventBufferSize: number;
  readonly exposedPortsHost: string;
  readonly newId: () => string;
  readonly supervisionIntervalMs: number;
  readonly bwrapPath: string;
  readonly cgroupRoot: string;
  /** Short hash of the state directory: keeps cgroups, network namespaces and links of two backends apart. */
  readonly instanceTag: string;
  /** First two octets of the runner network pool. */
  readonly networkPrefix: readonly [number, number];
}

/** Applies defaults and validates. Throws `Invalid` for unusable values. */
export function compileOptions(options: EmbeddedBackendOptions): EmbeddedConfig {
  if (!options.stateDir) throw new PoseidonError('Invalid', 'embedded backend: stateDir is required');
  const stateDir = path.resolve(options.stateDir);
  const instanceTag = createHash('sha256').update(stateDir).digest('hex').slice(0, 8);
  const pidsLimit = options.pidsLimit ?? 512;
  if (!Number.isInteger(pidsLimit) || pidsLimit < 16) {
    throw new PoseidonError('Invalid', `embedded backend: pidsLimit must be an integer >= 16, got ${pidsLimit}`);
  }
  const eventBufferSize = options.eventBufferSize ?? 1024;
  if (!Number.isInteger(eventBufferSize) || eventBufferSize < 1) {
    throw new PoseidonError('Invalid', `embedded backend: eventBufferSize must be a positive integer`);
  }
  const clock = options.clock ?? systemClock();
  return {
    stateDir,
    jobsDir: path.join(stateDir, 'jobs'),
    allocationsDir: path.join(stateDir, 'allocations'),
    runDir: path.join(stateDir, 'run'),
    etcDir: path.join(stateDir, 'etc'),
    rootfs: new Map(Object.entries(options.rootfs ?? {}).map(([image, dir]) => [image, path.resolve(dir)])),
    logger: options.logger,
    clock,
    timers: options.timers ?? systemClock(),
    pidsLimit,
    eventBufferSize,
    exposedPortsHost: options.exposedPortsHost ?? '127.0.0.1',
    newId: options.newId ?? randomUUID,
    supervisionIntervalMs: options.supervisionIntervalMs ?? 2000,
    bwrapPath: options.bwrapPath ?? '/usr/bin/bwrap',
    cgroupRoot: options.cgroupRoot ?? '/sys/fs/cgroup',
    instanceTag,
    networkPrefix: parseNetworkPool(options.networkPool, instanceTag),
  };
}

/** `a.b.0.0/16` -> [a, b]; default: 100.(64..127) from the instance tag (the shared address space, rarely routed). */
function parseNetworkPool(pool: string | undefined, instanceTag: string): readonly [number, number] {
  if (pool === undefined) return [100, 64 + (parseInt(instanceTag.slice(0, 4), 16) % 64)];
  const match = /^(\d{1,3})\.(\d{1,3})\.0\.0\/16$/.exec(pool);
  const a = Number(match?.[1]);
  const b = Number(match?.[2]);
  if (!match || a > 255 || b > 255) {
    throw new PoseidonError('Invalid', `embedded backend: networkPool must look like 10.77.0.0/16, got ${pool}`);
  }
  return [a, b];
}
