/**
 * `poseidon diff -f FILE|DIR|- [--prune [--selector S]]`: a unified diff of the live environments against the files
 * (managed fields only: name, labels, annotations, spec). Exit code 0 when there is no difference, 2 when there is,
 * 1 on an error (as `sync`).
 */
import type { Command } from 'commander';
import { CliError, EXIT_CHANGES } from './cli-error';
import type { CliContext } from './cli-io';
import { withClient } from './client-command';
import { withConnectionOptions, type ConnectionFlags } from './connection';
import { parseSelector } from './label-selector';
import { collect, loadDesired } from './manifest-input';
import { makePlan } from './plan';
import { actionDiff } from './unified-diff';

interface DiffFlags extends ConnectionFlags {
  filename: string[];
  prune?: boolean;
  selector?: string;
}

/** Registers `diff`. */
export function registerDiff(program: Command, context: CliContext): void {
  withConnectionOptions(
    program
      .command('diff')
      .description('show a unified diff of the live environments against YAML files (exit 0: none, 2: differences)')
      .option('-f, --filename <path>', 'a YAML file, a folder (recursive) or -; repeatable', collect)
      .option('--prune', 'also show environments that are not in the files (what sync --prune deletes)')
      .option('-l, --selector <selector>', 'with --prune: only environments whose labels match'),
  ).action(async (flags: DiffFlags) => {
    if (flags.selector !== undefined && !flags.prune) throw new CliError('--selector only applies with --prune');
    const selector = flags.selector === undefined ? undefined : parseSelector(flags.selector);
    const desired = await loadDesired(flags.filename, context.io, { requireSome: !flags.prune });
    await withClient(context, flags, async (client) => {
      const live = await client.list();
      const plan = orderedForReading(
        makePlan(
          desired.map((entry) => entry.resource),
          live,
          { prune: flags.prune === true, selector },
        ).actions,
      );
      const text = plan.map(actionDiff).join('');
      context.io.stdout.write(text);
      context.exitCode = text === '' ? 0 : EXIT_CHANGES;
    });
  });
}

/** Diffs read best by name, not in execution order. */
function orderedForReading<T extends { name: string }>(actions: readonly T[]): T[] {
  return [...actions].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}
