/**
 * Removes what a whole-service test left on the machine: the embedded backend keeps runner jobs across stops (a
 * restart recovers them), and their cgroups, network namespaces and firewall table live outside the state folder.
 * A fresh backend on the same state deregisters every job and stops (which drops the firewall table); then the
 * folder goes. Call it only after every service on the folder stopped.
 */
import { rmSync } from 'node:fs';
import pino from 'pino';
import { createEmbeddedBackend } from '../../controllers/backends/embedded';

/** Deregisters every job in the embedded state under `stateDir`, stops, and deletes `removeDir` (the whole test folder). */
export async function purgeEmbeddedState(stateDir: string, removeDir: string): Promise<void> {
  const backend = await createEmbeddedBackend({
    stateDir,
    logger: pino({ level: 'silent' }),
    supervisionIntervalMs: 0,
  });
  try {
    const { items } = await backend.listJobs('');
    await Promise.all(items.map((job) => backend.deregisterJob(job.id)));
    await backend.settled();
  } finally {
    await backend.stop();
  }
  rmSync(removeDir, { recursive: true, force: true });
}
