/**
 * `poseidon sync -f DIR [--prune [--selector S]] [--dry-run] [--wait]`: GitOps. Makes the server's environments equal
 * the folder: prints the plan, then applies it (creations, updates and, with `--prune`, deletions of environments not
 * in the folder). Exit code 0 when nothing changed or needed changing, 2 when changes were applied (or would be, with
 * `--dry-run`), 1 on an error. An empty folder is refused unless `--allow-empty` (with `--prune` it would delete
 * everything).
 */
import type { Command } from 'commander';
import { CliError, EXIT_CHANGES } from './cli-error';
import type { CliContext } from './cli-io';
import { withClient } from './client-command';
import { withConnectionOptions, type ConnectionFlags } from './connection';
import { parseDuration } from './duration';
import { executePlan } from './execute-plan';
import { parseSelector } from './label-selector';
import { collect, loadDesired } from './manifest-input';
import { makePlan, planChanges } from './plan';
import { printPlan } from './plan-output';
import { waitUntilWarm } from './wait-warm';

interface SyncFlags extends ConnectionFlags {
  filename: string[];
  prune?: boolean;
  selector?: string;
  dryRun?: boolean;
  allowEmpty?: boolean;
  wait?: boolean;
  timeout: string;
}

/** Registers `sync`. */
export function registerSync(program: Command, context: CliContext): void {
  withConnectionOptions(
    program
      .command('sync')
      .description('make the server equal a folder of YAML (exit 0: nothing changed, 2: changed, 1: error)')
      .option('-f, --filename <path>', 'the folder (or files, or -); repeatable', collect)
      .option('--prune', 'delete environments that are not in the files')
      .option('-l, --selector <selector>', 'with --prune: only delete environments whose labels match (e.g. team=a)')
      .option('--dry-run', 'print the plan, change nothing (exit 2 when it would change something)')
      .option('--allow-empty', 'accept files without any environment')
      .option('--wait', 'after applying, wait until every environment in the files has its prewarmed pool')
      .option('--timeout <duration>', 'how long --wait waits (e.g. 90s, 5m)', '5m'),
  ).action(async (flags: SyncFlags) => {
    if (flags.selector !== undefined && !flags.prune) throw new CliError('--selector only applies with --prune');
    const selector = flags.selector === undefined ? undefined : parseSelector(flags.selector);
    const timeoutMs = parseDuration(flags.timeout, '--timeout');
    const desired = await loadDesired(flags.filename, context.io, { requireSome: flags.allowEmpty !== true });
    await withClient(context, flags, async (client) => {
      const plan = makePlan(
        desired.map((entry) => entry.resource),
        await client.list(),
        { prune: flags.prune === true, selector },
      );
      const out = context.io.stdout;
      printPlan(out, plan);
      const dryRun = flags.dryRun === true;
      if (planChanges(plan)) {
        const result = await executePlan(client, plan, out, { dryRun, showUnchanged: false });
        context.exitCode = result.changed > 0 ? EXIT_CHANGES : 0;
      }
      if (dryRun) out.write('dry run: nothing was changed\n');
      const names = desired.map((entry) => entry.resource.metadata.name);
      if (flags.wait && !dryRun) await waitUntilWarm(client, names, out, { timeoutMs });
    });
  });
}
