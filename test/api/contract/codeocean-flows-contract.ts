/**
 * Contract: CodeOcean's call sequences (codeocean-client.md B.2-B.7), driven by a re-enactment of its client
 * (test/api/codeocean/): environment validation and sync, Run with input and the file tree, Score with a failing and
 * a timed-out test, the 410 paths of copy/execute/list, downloads, OOM, stop, the admin shell, claim errors, health,
 * version, statistics and a kept-alive connection. Every runner id it receives must be new (Runner.create!).
 */
import { randomBytes } from 'node:crypto';
import { CodeOcean } from '../codeocean/codeocean';
import { environmentIds, health, statistics, syncAll, version } from '../codeocean/poseidon-strategy';
import type { CodeOceanEnvironment, CodeOceanFile } from '../codeocean/poseidon-strategy';
import type { RunnerConnection } from '../codeocean/runner-connection';
import { isRunnerError, userFacingStatus } from '../codeocean/runner-errors';
import type { ApiTarget } from '../support/api-target';
import { ContractKit } from '../support/contract-kit';

const PNG = Buffer.from('89504e470d0a1a0a0000000d4948445200000001000000010806000000', 'hex');

const PROGRAM: CodeOceanFile[] = [
  {
    path: '',
    name: 'main.sh',
    content: [
      'source lib/helper.sh',
      'read -r line',
      'greet "$line"',
      'echo "careful" >&2',
      'mkdir -p out && printf "%s" "$line" > out/result.txt',
      '',
    ].join('\n'),
  },
  { path: 'lib', name: 'helper.sh', content: 'greet() { echo "Hello, $1"; }\n' },
];

const TESTS: CodeOceanFile[] = [
  { path: '', name: 'solution.sh', content: 'answer() { echo 42; }\n' },
  {
    path: 'spec',
    name: 'pass.sh',
    content: 'source solution.sh; [ "$(answer)" = 42 ] && echo "1 examples, 0 failures"\n',
  },
  { path: 'spec', name: 'fail.sh', content: 'echo "1 examples, 1 failures"; echo "expected 43" >&2; exit 1\n' },
];

/** Registers the CodeOcean flows. */
export function describeCodeOceanFlows(getTarget: () => ApiTarget): void {
  describe("CodeOcean's call sequences", () => {
    let kit: ContractKit;
    let co: CodeOcean;
    let environment: CodeOceanEnvironment;
    const created: number[] = [];

    function codeOceanEnvironment(overrides: Partial<CodeOceanEnvironment> = {}): CodeOceanEnvironment {
      const id = kit.freshEnvironmentId();
      created.push(id);
      return {
        id,
        dockerImage: getTarget().image,
        poolSize: 5,
        cpuLimit: 20,
        memoryLimit: 256,
        networkEnabled: false,
        exposedPorts: [],
        permittedExecutionTime: 10,
        ...overrides,
      };
    }

    beforeAll(async () => {
      const target = getTarget();
      kit = new ContractKit(target);
      co = new CodeOcean({
        url: `${target.baseUrl}/api/v1`,
        token: target.token,
        ...(target.ca ? { ca: target.ca } : {}),
        unusedRunnerExpirationTime: 180,
      });
      environment = codeOceanEnvironment();
      await co.validateEnvironment(environment);
    });

    afterAll(async () => {
      for (const id of created) await kit.api('DELETE', `/execution-environments/${id}`);
      co.close();
      await kit.cleanup();
    });

    async function runnerStatus(runnerId: string): Promise<number> {
      return (await kit.api('GET', `/runners/${runnerId}/files?path=./`)).status;
    }

    function whenOutput(connection: RunnerConnection, text: string): Promise<void> {
      return new Promise((resolve) => {
        const check = (): void => {
          // Stops polling once the socket closed: the test then fails on the outcome, with no timer left behind.
          if (connection.record.frames.some((frame) => frame.includes(text))) resolve();
          else if (connection.record.closeCode === undefined) setTimeout(check, 10);
        };
        check();
      });
    }

    describe('environments', () => {
      it('validates a new environment: PUT, then claim and whoami until a runner answers', async () => {
        const fresh = codeOceanEnvironment({ poolSize: 1, exposedPorts: [] });
        const user = await co.validateEnvironment(fresh);
        expect(user).not.toBe('');
        expect((await kit.api('GET', `/execution-environments/${fresh.id}`)).json()).toMatchObject({
          id: fresh.id,
          prewarmingPoolSize: 1,
          image: fresh.dockerImage,
        });
      });

      it('syncs all: PUTs every local environment (extra id, [] ports, pool 0) and DELETEs the remote-only ones', async () => {
        const stale = kit.freshEnvironmentId();
        created.push(stale);
        expect((await kit.api('PUT', `/execution-environments/${stale}`, { image: getTarget().image })).status).toBe(
          201,
        );
        const idle = codeOceanEnvironment({ poolSize: 0, exposedPorts: [] });
        const open = codeOceanEnvironment({ poolSize: 0, networkEnabled: true, exposedPorts: [8080, 0, 8080] });
        // Environments of other suites on a shared target count as known to this CodeOcean.
        const others: CodeOceanEnvironment[] = [];
        for (const id of await environmentIds(co.http)) {
          if (id === stale || created.includes(id)) continue;
          const spec = (await kit.api('GET', `/execution-environments/${id}`)).json<Record<string, unknown>>();
          others.push({
            id,
            dockerImage: String(spec.image),
            poolSize: Number(spec.prewarmingPoolSize),
            cpuLimit: Number(spec.cpuLimit),
            memoryLimit: Number(spec.memoryLimit),
            networkEnabled: spec.networkAccess === true,
            exposedPorts: (spec.exposedPorts as number[] | null) ?? [],
            permittedExecutionTime: 2,
          });
        }
        await syncAll(co.http, [environment, idle, open, ...others]);
        const remote = await environmentIds(co.http);
        expect(remote).toEqual(expect.arrayContaining([environment.id, idle.id, open.id]));
        expect(remote).not.toContain(stale);
        expect((await kit.api('GET', `/execution-environments/${open.id}`)).json()).toMatchObject({
          networkAccess: true,
          exposedPorts: [8080],
        });
      });

      it('answers a claim for an unknown environment with 404, after which CodeOcean PUTs it', async () => {
        const unknown = codeOceanEnvironment({ poolSize: 0 });
        const error = await co.claimNew('learner-404', unknown).catch((caught: unknown) => caught);
        expect(isRunnerError(error, 'EnvironmentNotFound')).toBe(true);
        expect((await kit.api('GET', `/execution-environments/${unknown.id}`)).status).toBe(200);
        const depleted = await co.claimNew('learner-404', unknown).catch((caught: unknown) => caught);
        expect(isRunnerError(depleted, 'NotAvailable')).toBe(true);
        expect(userFacingStatus(depleted)).toBe('container_depleted');
      });
    });

    describe('Run', () => {
      it('claims once, copies, streams output with the echoed input, exits 0 and lists the file tree', async () => {
        const claims = co.calls.claims;
        const outcome = await co.run('learner-run', environment, PROGRAM, 'bash main.sh', (connection) =>
          connection.sendEvent({ cmd: 'result', data: 'Ada' }),
        );
        expect(co.calls.claims).toBe(claims + 1);
        const typed = JSON.stringify({ cmd: 'result', data: 'Ada' });
        expect(outcome.result).toEqual({
          exitCode: 0,
          stdout: `${typed}\nHello, ${typed}\n`,
          stderr: 'careful\n',
        });
        const names = (outcome.files ?? []).map((file) => file.name).sort();
        expect(names).toEqual(['./lib', './lib/helper.sh', './main.sh', './out', './out/result.txt']);
        for (const file of outcome.files ?? []) {
          expect(typeof file.size).toBe('number');
          expect(typeof file.modificationTime).toBe('number');
          expect(['-', 'd']).toContain(file.entryType);
        }
      });

      it('keeps the runner for the next run; the copy starts from a clean workspace', async () => {
        const runnerId = co.storedRunner('learner-run', environment);
        const claims = co.calls.claims;
        const outcome = await co.run('learner-run', environment, PROGRAM, 'ls -1; ls -1 lib');
        expect(co.calls.claims).toBe(claims);
        expect(co.storedRunner('learner-run', environment)).toBe(runnerId);
        expect(outcome.result.stdout).toBe('lib\nmain.sh\nhelper.sh\n');
      });

      it('replaces an expired runner: the PATCH gets 410, CodeOcean claims a new runner and copies again', async () => {
        const old = co.storedRunner('learner-run', environment) as string;
        await kit.api('DELETE', `/runners/${old}`);
        const outcome = await co.run('learner-run', environment, PROGRAM, 'cat lib/helper.sh');
        expect(co.storedRunner('learner-run', environment)).not.toBe(old);
        expect(outcome.result).toMatchObject({ exitCode: 0, stdout: 'greet() { echo "Hello, $1"; }\n' });
      });

      it('stops a run: CodeOcean closes the socket, the program ends and the runner is DELETEd', async () => {
        const destroys = co.calls.destroys;
        let connection: RunnerConnection | undefined;
        const outcome = co.run('learner-stop', environment, PROGRAM, 'echo ready; sleep 60', (opened) => {
          connection = opened;
          void whenOutput(opened, 'ready').then(() => opened.kill());
        });
        const error = await outcome.catch((caught: unknown) => caught);
        expect(isRunnerError(error, 'TerminatedByClient')).toBe(true);
        expect(connection?.record.closeCode).toBe(1000);
        expect(co.calls.destroys).toBe(destroys + 1);
        expect(co.storedRunner('learner-stop', environment)).toBeUndefined();
      });

      it('treats exit 137 as out of memory and keeps the runner', async () => {
        const error = await co
          .run('learner-oom', environment, PROGRAM, 'echo start; kill -KILL $$')
          .catch((caught: unknown) => caught);
        expect(isRunnerError(error, 'OutOfMemory')).toBe(true);
        expect(userFacingStatus(error)).toBe('out_of_memory');
        const runnerId = co.storedRunner('learner-oom', environment) as string;
        expect(await runnerStatus(runnerId)).toBe(200);
      });
    });

    describe('Score and Test', () => {
      it('runs each test on one runner; a timeout DELETEs it and the next test gets a new runner with the files', async () => {
        const strict = codeOceanEnvironment({ permittedExecutionTime: 4 });
        await co.validateEnvironment(strict);
        const claims = co.calls.claims;
        const outcomes = await co.score('learner-score', strict, TESTS, [
          'bash spec/pass.sh',
          'bash spec/fail.sh',
          'echo slow; sleep 30',
          'bash spec/pass.sh',
        ]);
        expect(outcomes[0]?.result).toEqual({ exitCode: 0, stdout: '1 examples, 0 failures\n', stderr: '' });
        expect(outcomes[1]?.result).toEqual({
          exitCode: 1,
          stdout: '1 examples, 1 failures\n',
          stderr: 'expected 43\n',
        });
        expect(outcomes[2]?.error?.kind).toBe('ExecutionTimeout');
        expect(outcomes[3]?.result).toMatchObject({ exitCode: 0, stdout: '1 examples, 0 failures\n' });
        expect(co.calls.claims).toBe(claims + 2);
      });

      it('runs a test on a new runner without the files when the runner vanished between PATCH and execute', async () => {
        await co.copyFiles('learner-test', environment, TESTS);
        const old = co.storedRunner('learner-test', environment) as string;
        await kit.api('DELETE', `/runners/${old}`);
        const result = await co.executeCommand('learner-test', environment, 'ls | wc -l');
        expect(co.storedRunner('learner-test', environment)).not.toBe(old);
        expect(result).toEqual({ exitCode: 0, stdout: '0\n', stderr: '' });
      });
    });

    describe('files', () => {
      it('downloads a generated file with its exact length and a sniffed type; a missing one is a workspace error', async () => {
        await co.copyFiles('learner-files', environment, PROGRAM);
        const png = PNG.toString('hex').replace(/(..)/g, '\\x$1');
        const made = await co.executeCommand(
          'learner-files',
          environment,
          `mkdir -p out; printf "${png}" > out/plot.png`,
        );
        expect(made.exitCode).toBe(0);
        const download = await co.download('learner-files', environment, 'out/plot.png');
        expect(download.contentLength).toBe(PNG.length);
        expect(download.body.equals(PNG)).toBe(true);
        expect(download.contentType).toBe('image/png');
        const missing = await co
          .download('learner-files', environment, 'out/none.png')
          .catch((caught: unknown) => caught);
        expect(isRunnerError(missing, 'WorkspaceError')).toBe(true);
      });

      it('lists again on a new runner when the stored one is gone', async () => {
        const old = co.storedRunner('learner-files', environment) as string;
        await kit.api('DELETE', `/runners/${old}`);
        expect(await co.retrieveFiles('learner-files', environment, './', true)).toEqual([]);
        expect(co.storedRunner('learner-files', environment)).not.toBe(old);
      });

      it('serves the admin shell: privileged commands, non-recursive listings and downloads of absolute paths', async () => {
        const dir = `/tmp/co-admin-${randomBytes(6).toString('hex')}`;
        const made = await co.executeCommand(
          'admin',
          environment,
          `mkdir -p ${dir} && echo admin > ${dir}/a.txt; id -u`,
          true,
        );
        expect(made).toEqual({ exitCode: 0, stdout: '0\n', stderr: '' });
        const listed = await co.retrieveFiles('admin', environment, dir, false, true);
        expect(listed.map((file) => file.name)).toEqual(['a.txt']);
        const download = await co.download('admin', environment, `${dir}/a.txt`, true);
        expect(download.body.toString()).toBe('admin\n');
        await co.executeCommand('admin', environment, `rm -rf ${dir}`, true);
      });
    });

    describe('service calls', () => {
      it('reads health, version and statistics the way CodeOcean does', async () => {
        expect(await health(co.http)).toEqual({ healthy: true });
        expect(typeof (await version(co.http))).toBe('string');
        const stats = await statistics(co.http);
        expect(stats[String(environment.id)]).toEqual({
          id: environment.id,
          prewarmingPoolSize: environment.poolSize,
          idleRunners: expect.any(Number),
          usedRunners: expect.any(Number),
        });
      });

      it('reuses a kept-alive connection after six idle seconds without a reset', async () => {
        await statistics(co.http);
        await new Promise((resolve) => setTimeout(resolve, 6000));
        const response = await co.http.request('GET', '/statistics/execution-environments');
        expect([response.status, response.reusedSocket]).toEqual([200, true]);
      });
    });
  });
}
