/**
 * Measures where a claim should be written, against the test server (`node dist/hack/nomad-test-server/
 * bench-claim-storage.js [runners]`): (A) the Runner resource in a Nomad Variable (one `cas` write; the job's config
 * meta is mirrored afterwards by the runner reconciler), or (B) the runner job itself (register with EnforceIndex).
 * Prints, per option: claim latency (p50/p95), raft entries, evaluations and HTTP calls per claim, and what
 * recovering all claims costs. The double has no disk and no consensus, so only the counts carry over to Nomad;
 * latencies compare the two options on equal terms.
 */
import pino from 'pino';
import { NomadStore } from '../../crds/store/nomad-store';
import { createNomadBackend } from '../../controllers/backends/nomad/nomad-backend';
import { runnerSpec } from '../../controllers/backends/nomad/nomad-test-harness';
import { API_GROUP_VERSION } from '../../crds/meta';
import { startNomadTestServer } from './nomad-test-server';

interface Figures {
  option: string;
  p50Ms: number;
  p95Ms: number;
  raftEntriesPerClaim: number;
  evaluationsPerClaim: number;
  httpCallsPerClaim: number;
  recoveryCalls: number;
}

function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return Number((sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? 0).toFixed(2));
}

async function measure(option: 'variables' | 'job', runners: number): Promise<Figures> {
  const server = await startNomadTestServer({ runtime: 'mock' });
  const backend = createNomadBackend({ address: server.url, logger: pino({ level: 'silent' }) });
  const store =
    option === 'variables' ? await NomadStore.open({ variables: backend.api, watchWaitMs: 60_000 }) : undefined;
  try {
    const specs = Array.from({ length: runners }, () => runnerSpec(1));
    for (const spec of specs) {
      await backend.registerJob(spec, { enforceIndex: 0 });
      if (option === 'variables') {
        const metadata = { name: spec.id };
        await store?.create('Runner', {
          apiVersion: API_GROUP_VERSION,
          kind: 'Runner',
          metadata,
          spec: { environmentId: 1, templateRevision: 'hash-1' },
        });
      }
    }
    await server.settled();
    const [startIndex, startEvals] = [server.state.index, server.state.evals.size];
    server.resetStats();
    const latencies: number[] = [];
    for (const spec of specs) {
      const started = performance.now();
      const claimedAt = new Date().toISOString();
      if (option === 'variables') {
        const current = await store?.get('Runner', spec.id);
        if (!current) throw new Error('missing runner');
        await store?.update('Runner', {
          ...current,
          spec: { ...current.spec, claim: { inactivityTimeout: 60, claimedAt } },
        });
        latencies.push(performance.now() - started);
        await backend.registerJob({ ...spec, meta: { ...spec.meta, used: 'true', timeout: '60' } }); // the mirror
      } else {
        const job = await backend.readJob(spec.id);
        await backend.registerJob(
          { ...spec, meta: { ...spec.meta, used: 'true', timeout: '60', claimedAt } },
          { enforceIndex: job?.jobModifyIndex },
        );
        latencies.push(performance.now() - started);
      }
    }
    await server.settled();
    const calls = [...server.requests.values()].reduce((sum, n) => sum + n, 0);
    const figures = {
      raftEntriesPerClaim: (server.state.index - startIndex) / runners,
      evaluationsPerClaim: (server.state.evals.size - startEvals) / runners,
      httpCallsPerClaim: calls / runners,
    };
    server.resetStats();
    if (option === 'variables') await NomadStore.open({ variables: backend.api }).then((s) => s.close());
    else await backend.listJobs('');
    const recoveryCalls = [...server.requests.values()].reduce((sum, n) => sum + n, 0);
    return { option, p50Ms: percentile(latencies, 50), p95Ms: percentile(latencies, 95), ...figures, recoveryCalls };
  } finally {
    await store?.close();
    await backend.stop();
    await server.close();
  }
}

async function main(): Promise<void> {
  const runners = Number(process.argv[2] ?? 300);
  const results = [await measure('variables', runners), await measure('job', runners)];
  console.table(results);
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
