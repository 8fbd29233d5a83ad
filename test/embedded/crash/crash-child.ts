/**
 * The service side of the crash test, run as its own process (`node -r ./ts-require-hook.cjs crash-child.ts <stateDir>
 * <jobId> <mark>`): an embedded backend with one runner, a file in its workspace and a long execution holding `sleep
 * <mark>`. It prints one JSON line `{allocationId, index}` when all is in place and then waits to be killed.
 */
import pino from 'pino';
import { createEmbeddedBackend } from '../../../controllers/backends/embedded/embedded-backend';

async function main(): Promise<void> {
  const [stateDir, jobId, mark] = process.argv.slice(2);
  if (!stateDir || !jobId || !mark) throw new Error('usage: crash-child <stateDir> <jobId> <mark>');
  const backend = await createEmbeddedBackend({
    stateDir,
    logger: pino({ level: 'silent' }),
    supervisionIntervalMs: 0,
  });
  await backend.registerJob({
    id: jobId,
    settings: { image: 'host', cpuLimit: 100, memoryLimit: 64, networkAccess: false, exposedPorts: [] },
    meta: { used: 'true', timeout: '60' },
  });
  await backend.settled();
  const write = await backend.exec({
    jobId,
    command: ['bash', '-c', 'echo before-crash > /workspace/kept'],
    privileged: false,
    tty: false,
  });
  write.stdout.resume();
  write.stderr.resume();
  await write.exited;
  for (const tty of [false, true]) {
    const sleeper = await backend.exec({ jobId, command: ['sleep', mark], privileged: false, tty });
    sleeper.stdout.resume();
    sleeper.stderr.resume();
  }
  const [allocation] = await backend.jobAllocations(jobId);
  const { index } = await backend.listJobs('');
  process.stdout.write(`${JSON.stringify({ allocationId: allocation?.id, index })}\n`);
  setInterval(() => undefined, 60_000);
}

main().catch((error: unknown) => {
  process.stderr.write(`${String(error)}\n`);
  process.exit(1);
});
