/**
 * `poseidon delete NAME|ID... | -f FILE|DIR|- [--ignore-not-found] [--dry-run]`: deletes environments (their
 * runners go with them). Everything named must exist unless `--ignore-not-found`; nothing is deleted otherwise.
 */
import type { Command } from 'commander';
import { CliError } from './cli-error';
import type { CliContext } from './cli-io';
import { selectResources, withClient } from './client-command';
import { withConnectionOptions, type ConnectionFlags } from './connection';
import { collect, loadDesired } from './manifest-input';
import { reference } from './plan-output';
import { isApiError } from './resource-client';

interface DeleteFlags extends ConnectionFlags {
  filename?: string[];
  ignoreNotFound?: boolean;
  dryRun?: boolean;
}

/** Registers `delete`. */
export function registerDelete(program: Command, context: CliContext): void {
  withConnectionOptions(
    program
      .command('delete')
      .description('delete ExecutionEnvironments by name or environment id, or those in YAML files')
      .argument('[names...]', 'names (or environment ids)')
      .option('-f, --filename <path>', 'delete the environments named in these files (repeatable)', collect)
      .option('--ignore-not-found', 'skip names that do not exist instead of failing')
      .option('--dry-run', 'print what would be deleted, delete nothing'),
  ).action(async (args: string[], flags: DeleteFlags) => {
    const fromFiles = flags.filename ? await loadDesired(flags.filename, context.io) : [];
    const names = [...args, ...fromFiles.map((entry) => entry.resource.metadata.name)];
    if (names.length === 0) throw new CliError('delete: name at least one environment, or use -f');
    await withClient(context, flags, async (client) => {
      const targets = selectResources(await client.list(), names, { ignoreMissing: flags.ignoreNotFound === true });
      for (const target of targets) {
        const name = target.metadata.name;
        if (!flags.dryRun) {
          try {
            await client.delete(name);
          } catch (error) {
            if (!(isApiError(error, 'NotFound') && flags.ignoreNotFound)) throw error;
            continue;
          }
        }
        context.io.stdout.write(`${reference(name)} deleted${flags.dryRun ? ' (dry run)' : ''}\n`);
      }
    });
  });
}
