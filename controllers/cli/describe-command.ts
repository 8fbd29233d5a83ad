/**
 * `poseidon describe [NAME|ID...]`: spec, status, live pool figures, conditions and recent events of environments.
 */
import type { Command } from 'commander';
import { CliError } from './cli-error';
import type { CliContext } from './cli-io';
import { selectResources, withClient } from './client-command';
import { withConnectionOptions, type ConnectionFlags } from './connection';
import { renderDescribe } from './describe-output';

/** Registers `describe`. */
export function registerDescribe(program: Command, context: CliContext): void {
  withConnectionOptions(
    program
      .command('describe')
      .description('show an ExecutionEnvironment in detail: spec, status, pool, conditions, recent events')
      .argument('[names...]', 'names (or environment ids); default: all'),
  ).action(async (names: string[], flags: ConnectionFlags) => {
    await withClient(context, flags, async (client) => {
      const resources = selectResources(await client.list(), names);
      const texts: string[] = [];
      for (const resource of resources) {
        const view = await client.status(resource.metadata.name);
        if (!view) throw new CliError(`executionenvironment/${resource.metadata.name} was deleted meanwhile`);
        texts.push(renderDescribe(resource, view, Date.now()));
      }
      if (texts.length === 0) context.io.stderr.write('No ExecutionEnvironments found.\n');
      context.io.stdout.write(texts.join('\n'));
    });
  });
}
