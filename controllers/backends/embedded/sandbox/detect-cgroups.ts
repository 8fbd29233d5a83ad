/**
 * Picks the cgroup hierarchy: v2 when a writable unified hierarchy offers the memory controller, else v1 when the
 * memory and pids hierarchies are writable, else none (and one clear warning: nothing will be limited).
 */
import { promises as fs } from 'node:fs';
import path from 'node:path';
import type { Logger } from 'pino';
import { type CgroupDriver, noCgroups } from './cgroup-driver';
import { CgroupV1 } from './cgroup-v1';
import { CgroupV2 } from './cgroup-v2';

async function controllersOf(dir: string): Promise<string[]> {
  try {
    return (await fs.readFile(path.join(dir, 'cgroup.controllers'), 'utf8')).trim().split(/\s+/);
  } catch {
    return [];
  }
}

async function tryV2(root: string, instanceTag: string): Promise<CgroupDriver | undefined> {
  for (const dir of [root, path.join(root, 'unified')]) {
    const controllers = await controllersOf(dir);
    if (!controllers.includes('memory') || !controllers.includes('pids')) continue;
    const driver = new CgroupV2(dir, instanceTag);
    try {
      await driver.prepareBase();
      return driver;
    } catch {
      return undefined;
    }
  }
  return undefined;
}

async function tryV1(root: string, instanceTag: string): Promise<CgroupDriver | undefined> {
  for (const controller of ['memory', 'cpu', 'pids']) {
    const base = path.join(root, controller, `poseidon-${instanceTag}`);
    try {
      await fs.mkdir(base, { recursive: true });
    } catch {
      return undefined;
    }
  }
  return new CgroupV1(root, instanceTag);
}

/** Detects the usable hierarchy under `root`. Logs one warning when none is writable. */
export async function detectCgroups(root: string, instanceTag: string, logger: Logger): Promise<CgroupDriver> {
  const driver = (await tryV2(root, instanceTag)) ?? (await tryV1(root, instanceTag));
  if (driver) {
    logger.info({ cgroups: driver.kind }, 'embedded backend: runner limits through cgroups');
    return driver;
  }
  logger.warn(
    { cgroupRoot: root },
    'embedded backend: cgroups are not writable (not root?): runners run WITHOUT memory, CPU and process limits',
  );
  return noCgroups;
}
