/**
 * `poseidon get [NAME|ID...] [-o table|wide|yaml|json|name]`: lists environments (all, or the named ones).
 */
import type { Command } from 'commander';
import type { CliContext } from './cli-io';
import { selectResources, withClient } from './client-command';
import { withConnectionOptions, type ConnectionFlags } from './connection';
import { parseGetFormat, renderGet } from './get-output';

interface GetFlags extends ConnectionFlags {
  output: string;
}

/** Registers `get`. */
export function registerGet(program: Command, context: CliContext): void {
  withConnectionOptions(
    program
      .command('get')
      .description('list ExecutionEnvironments (all, or those named by name or environment id)')
      .argument('[names...]', 'names (or environment ids); default: all')
      .option('-o, --output <format>', 'table, wide, yaml, json or name', 'table'),
  ).action(async (names: string[], flags: GetFlags) => {
    const format = parseGetFormat(flags.output);
    await withClient(context, flags, async (client) => {
      const resources = selectResources(await client.list(), names);
      if (resources.length === 0 && (format === 'table' || format === 'wide')) {
        context.io.stderr.write('No ExecutionEnvironments found.\n');
        return;
      }
      context.io.stdout.write(renderGet(resources, format, { now: Date.now(), single: names.length === 1 }));
    });
  });
}
