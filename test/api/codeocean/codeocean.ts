/**
 * CodeOcean's use of runners (app/models/runner.rb with the strategy, codeocean-client.md B.2, B.4, B.6): one runner id
 * per (contributor, environment), reused while it exists; the retries of `copy_files`, `execute_command` and
 * `retrieve_files`; the flows Run, Score/Test, download, admin shell, environment validation and sync. Runner ids
 * must be unique across the whole table, as `Runner.create!` validates.
 */
import { ManagementHttp, type RunnerManagementConfig } from './management-http';
import {
  PoseidonRunner,
  requestFromManagement,
  syncEnvironment,
  type CodeOceanEnvironment,
  type CodeOceanFile,
  type Download,
  type ListedFile,
} from './poseidon-strategy';
import type { ExecutionResult, RunnerConnection } from './runner-connection';
import { RunnerError, isRunnerError } from './runner-errors';

/** What a Run produced: the execution result and the file tree CodeOcean shows afterwards. */
export interface RunOutcome {
  readonly result: ExecutionResult;
  /** `undefined` when the listing answered 410 or 424 (ignored in the run flow). */
  readonly files: ListedFile[] | undefined;
}

/** One teacher test of a Score: its command and what CodeOcean collected. */
export interface TestOutcome {
  readonly command: string;
  readonly result?: ExecutionResult;
  readonly error?: RunnerError;
}

/** Counters of the calls CodeOcean made, for assertions about retries. */
export interface CallLog {
  claims: number;
  destroys: number;
}

/** CodeOcean, as far as runners are concerned. */
export class CodeOcean {
  readonly http: ManagementHttp;
  readonly calls: CallLog = { claims: 0, destroys: 0 };
  /** The runners table: contributor + environment -> runner id. */
  private readonly runners = new Map<string, PoseidonRunner>();
  /** Every runner id ever stored (the uniqueness validation of `Runner.create!`). */
  private readonly everStored = new Set<string>();

  constructor(config: RunnerManagementConfig) {
    this.http = new ManagementHttp(config);
  }

  /** The runner id stored for `contributor` in `environment`, if any. */
  storedRunner(contributor: string, environment: CodeOceanEnvironment): string | undefined {
    return this.runners.get(key(contributor, environment))?.id;
  }

  /** Claims a new runner and stores it (replacing an old record). */
  async claimNew(contributor: string, environment: CodeOceanEnvironment): Promise<PoseidonRunner> {
    this.calls.claims++;
    const id = await requestFromManagement(this.http, environment);
    if (this.everStored.has(id)) throw new Error(`Runner.create!: runner id ${id} has already been taken`);
    this.everStored.add(id);
    const runner = new PoseidonRunner(id, this.http);
    this.runners.set(key(contributor, environment), runner);
    return runner;
  }

  /** The stored runner, or a newly claimed one. */
  async runnerFor(contributor: string, environment: CodeOceanEnvironment): Promise<PoseidonRunner> {
    return this.runners.get(key(contributor, environment)) ?? this.claimNew(contributor, environment);
  }

  /** `copy_files`: on any runner error, claim a new runner and PATCH once more; a second failure is raised. */
  async copyFiles(contributor: string, environment: CodeOceanEnvironment, files: readonly CodeOceanFile[]) {
    const runner = await this.runnerFor(contributor, environment);
    try {
      await runner.copyFiles(files);
      return runner;
    } catch (error) {
      if (!isRunnerError(error)) throw error;
      const fresh = await this.claimNew(contributor, environment);
      await fresh.copyFiles(files);
      return fresh;
    }
  }

  /** Attaches to a new execution; the connection DELETEs the runner (and CodeOcean forgets it) when needed. */
  private attach(
    contributor: string,
    environment: CodeOceanEnvironment,
    runner: PoseidonRunner,
    command: string,
    privileged: boolean,
  ): Promise<RunnerConnection> {
    return runner.attachToExecution(command, environment.permittedExecutionTime, privileged, async () => {
      this.calls.destroys++;
      this.forget(contributor, environment, runner.id);
      await runner.destroyAtManagement();
    });
  }

  private forget(contributor: string, environment: CodeOceanEnvironment, runnerId: string): void {
    if (this.runners.get(key(contributor, environment))?.id === runnerId)
      this.runners.delete(key(contributor, environment));
  }

  /**
   * `execute_command` (score, test, admin shell, validation): on RunnerNotFound it claims a new runner and executes
   * once more, without copying the files again.
   */
  async executeCommand(
    contributor: string,
    environment: CodeOceanEnvironment,
    command: string,
    privileged = false,
  ): Promise<ExecutionResult> {
    const runner = await this.runnerFor(contributor, environment);
    let connection: RunnerConnection;
    try {
      connection = await this.attach(contributor, environment, runner, command, privileged);
    } catch (error) {
      if (!isRunnerError(error, 'RunnerNotFound')) throw error;
      const fresh = await this.claimNew(contributor, environment);
      connection = await this.attach(contributor, environment, fresh, command, privileged);
    }
    return connection.outcome;
  }

  /**
   * The Run button: claim if needed, PATCH (retried once on a new runner), execute and attach without retry, hand
   * the connection to `interact` (input, stop), and after an exit list the files (410 and 424 ignored).
   */
  async run(
    contributor: string,
    environment: CodeOceanEnvironment,
    files: readonly CodeOceanFile[],
    command: string,
    interact: (connection: RunnerConnection) => void = () => undefined,
  ): Promise<RunOutcome> {
    const runner = await this.copyFiles(contributor, environment, files);
    const connection = await this.attach(contributor, environment, runner, command, false);
    interact(connection);
    const result = await connection.outcome;
    let listed: ListedFile[] | undefined;
    try {
      listed = await runner.retrieveFiles('./', true, false);
    } catch (error) {
      if (!isRunnerError(error, 'RunnerNotFound') && !isRunnerError(error, 'WorkspaceError')) throw error;
    }
    return { result, files: listed };
  }

  /**
   * Score (and Test with one file): PATCH all files, then each test command on the same runner; after a timeout
   * with more tests to come, a new runner is claimed and the files are copied again.
   */
  async score(
    contributor: string,
    environment: CodeOceanEnvironment,
    files: readonly CodeOceanFile[],
    testCommands: readonly string[],
  ): Promise<TestOutcome[]> {
    await this.copyFiles(contributor, environment, files);
    const outcomes: TestOutcome[] = [];
    for (const [index, command] of testCommands.entries()) {
      if (index > 0 && !this.storedRunner(contributor, environment))
        await this.copyFiles(contributor, environment, files);
      try {
        outcomes.push({ command, result: await this.executeCommand(contributor, environment, command) });
      } catch (error) {
        if (!isRunnerError(error)) throw error;
        outcomes.push({ command, error });
      }
    }
    return outcomes;
  }

  /** `retrieve_files`: on RunnerNotFound once more with a newly claimed runner. */
  async retrieveFiles(
    contributor: string,
    environment: CodeOceanEnvironment,
    path: string,
    recursive: boolean,
    privileged = false,
  ): Promise<ListedFile[]> {
    const runner = await this.runnerFor(contributor, environment);
    try {
      return await runner.retrieveFiles(path, recursive, privileged);
    } catch (error) {
      if (!isRunnerError(error, 'RunnerNotFound')) throw error;
      return (await this.claimNew(contributor, environment)).retrieveFiles(path, recursive, privileged);
    }
  }

  /** Downloads a file the program generated (streamed, with the upstream Content-Length). */
  async download(
    contributor: string,
    environment: CodeOceanEnvironment,
    path: string,
    privileged = false,
  ): Promise<Download> {
    return (await this.runnerFor(contributor, environment)).downloadFile(path, privileged);
  }

  /** Releases the stored runner (410 swallowed) and forgets it. */
  async release(contributor: string, environment: CodeOceanEnvironment): Promise<void> {
    const runner = this.runners.get(key(contributor, environment));
    if (!runner) return;
    this.forget(contributor, environment, runner.id);
    this.calls.destroys++;
    await runner.destroyAtManagement();
  }

  /**
   * Saving an environment with pool > 0: PUT, then claim and run `whoami`, retrying up to `attempts` times at
   * `intervalMs` on any runner error; rejected when `whoami` writes to stderr. Returns the user name.
   */
  async validateEnvironment(environment: CodeOceanEnvironment, attempts = 60, intervalMs = 1000): Promise<string> {
    await syncEnvironment(this.http, environment);
    const validator = `validation-${environment.id}`;
    let lastError: unknown;
    for (let attempt = 0; attempt < attempts; attempt++) {
      try {
        await this.claimNew(validator, environment);
        const result = await this.executeCommand(validator, environment, 'whoami');
        if (result.stderr !== '') throw new Error(`validation failed: whoami wrote to stderr: ${result.stderr}`);
        await this.release(validator, environment);
        return result.stdout.trim();
      } catch (error) {
        if (!isRunnerError(error)) throw error;
        lastError = error;
        await new Promise((resolve) => setTimeout(resolve, intervalMs));
      }
    }
    throw lastError instanceof Error ? lastError : new Error('validation failed');
  }

  /** Closes the persistent connections. */
  close(): void {
    this.http.close();
  }
}

function key(contributor: string, environment: CodeOceanEnvironment): string {
  return `${contributor}\u0000${environment.id}`;
}
