/**
 * `poseidon apply -f FILE|DIR|- [--dry-run] [--wait [--timeout 5m]]`: creates or updates every ExecutionEnvironment
 * in the files (never deletes; that is `sync --prune`). Files are validated first, all or nothing; the plan is
 * checked against the server (ids held by other environments) before the first write.
 */
import type { Command } from 'commander';
import type { CliContext } from './cli-io';
import { withClient } from './client-command';
import { withConnectionOptions, type ConnectionFlags } from './connection';
import { parseDuration } from './duration';
import { executePlan } from './execute-plan';
import { collect, loadDesired } from './manifest-input';
import { makePlan } from './plan';
import { waitUntilWarm } from './wait-warm';

interface ApplyFlags extends ConnectionFlags {
  filename: string[];
  dryRun?: boolean;
  wait?: boolean;
  timeout: string;
}

/** Registers `apply`. */
export function registerApply(program: Command, context: CliContext): void {
  withConnectionOptions(
    program
      .command('apply')
      .description('create or update the ExecutionEnvironments in YAML files (a file, a folder recursively, or -)')
      .option('-f, --filename <path>', 'a YAML file, a folder (recursive) or - for standard input; repeatable', collect)
      .option('--dry-run', 'print what would change, change nothing')
      .option('--wait', 'wait until every applied environment has its prewarmed pool')
      .option('--timeout <duration>', 'how long --wait waits (e.g. 90s, 5m)', '5m'),
  ).action(async (flags: ApplyFlags) => {
    const timeoutMs = parseDuration(flags.timeout, '--timeout');
    const desired = await loadDesired(flags.filename, context.io);
    await withClient(context, flags, async (client) => {
      const plan = makePlan(
        desired.map((entry) => entry.resource),
        await client.list(),
        { prune: false },
      );
      const out = context.io.stdout;
      const result = await executePlan(client, plan, out, { dryRun: flags.dryRun === true, showUnchanged: true });
      if (flags.wait && !flags.dryRun) await waitUntilWarm(client, result.names, out, { timeoutMs });
    });
  });
}
