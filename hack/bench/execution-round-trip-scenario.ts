/**
 * Execution round trip: POST /execute, open the WebSocket, run `true`, receive `exit`, closed by the server; one
 * execution at a time on one claimed runner. Its floor is the sum of the parts without the service's own work:
 * the same sandbox command started directly through the service's backend (the exec request the API makes: `bash -c
 * true`, a PTY, separate stderr, unprivileged), one HTTP keep-alive round trip and one WebSocket session.
 * Target: p50 <= 1.5x floor.
 */
import type { Backend, ExecRequest } from '../../reconcilers/ports';
import { scenarioRow, type ScenarioRow } from './bench-report';
import { percentiles, sample, timed } from './bench-stats';
import { bySize, type Scenario } from './scenario';
import { startServiceUnderTest, waitForFullPools } from './service-under-test';

const SIZES = {
  full: { samples: { count: 200, budgetMs: 30_000 }, warmup: 10 },
  smoke: { samples: { count: 3, budgetMs: 5_000 }, warmup: 1 },
};

const ENVIRONMENT = 1;

/** The execution round trip scenario. */
export const executionRoundTripScenario: Scenario = {
  name: 'execute',
  title: 'execution round trip (`true`) against the sandbox + HTTP + WebSocket floor',
  async run(context): Promise<ScenarioRow[]> {
    const size = bySize(context, SIZES);
    const [http, wsSession] = [await context.floors.get('http'), await context.floors.get('wsSession')];
    const sut = await startServiceUnderTest();
    try {
      const { client } = sut;
      await client.putEnvironment(ENVIRONMENT, { image: 'host', prewarmingPoolSize: 2 });
      await waitForFullPools(client, [ENVIRONMENT], 60_000);
      const runnerId = await client.claimOrThrow(ENVIRONMENT);
      const execute = async (): Promise<void> => {
        const result = await client.execute(runnerId, 'true');
        if (result.exitCode !== 0) throw new Error(`true exited with ${result.exitCode}`);
      };
      const request: ExecRequest = {
        jobId: runnerId,
        command: ['bash', '-c', 'true'],
        privileged: false,
        tty: true,
        separateStderr: true,
      };
      const direct = (): Promise<void> => execDirectly(sut.service.backend, request);
      for (let n = 0; n < size.warmup; n++) {
        await execute();
        await direct();
      }
      context.log(`executing \`true\` up to ${size.samples.count} times, alternating API and direct`);
      // Alternate the two so a change of the machine's load hits both alike.
      const viaApi: number[] = [];
      const viaBackend: number[] = [];
      await sample(size.samples, async () => {
        viaApi.push(await timed(execute));
        viaBackend.push(await timed(direct));
      });
      const api = percentiles(viaApi);
      const sandbox = percentiles(viaBackend);
      const floor = { p50: sandbox.p50 + http.p50 + wsSession.p50, p99: sandbox.p99 + http.p99 + wsSession.p99 };
      const name = 'execute `true`: POST + WebSocket until closed';
      const sandboxName = 'floor part: the same sandbox exec, direct';
      return [
        scenarioRow(sandboxName, 'p50', sandbox.p50, 'ms'),
        scenarioRow(sandboxName, 'p99', sandbox.p99, 'ms'),
        scenarioRow(name, 'p50', api.p50, 'ms', { floor: floor.p50, target: { kind: 'maxRatio', value: 1.5 } }),
        scenarioRow(name, 'p99', api.p99, 'ms', { floor: floor.p99 }),
      ];
    } finally {
      await sut.destroy();
    }
  },
};

/** Runs one exec request through the backend port and waits for its exit, draining its output. */
export async function execDirectly(backend: Backend, request: ExecRequest): Promise<void> {
  const process = await backend.exec(request);
  process.stdout.resume();
  process.stderr.resume();
  process.stdin.end();
  const { exitCode } = await process.exited;
  if (exitCode !== 0) throw new Error(`direct exec exited with ${exitCode}`);
}
