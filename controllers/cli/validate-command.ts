/**
 * `poseidon validate -f FILE|DIR|-`: checks manifests offline (schema, YAML syntax, duplicate names and ids across
 * the files) and prints every problem as `file:line:column: path: message`. Exit code 0 when all are valid, 1 else.
 */
import type { Command } from 'commander';
import type { CliContext } from './cli-io';
import { collect, loadDesired } from './manifest-input';

interface ValidateFlags {
  filename: string[];
}

/** Registers `validate`. */
export function registerValidate(program: Command, context: CliContext): void {
  program
    .command('validate')
    .description('check YAML manifests offline; errors as file:line:column (exit 0: valid, 1: errors)')
    .option('-f, --filename <path>', 'a YAML file, a folder (recursive) or -; repeatable', collect)
    .action(async (flags: ValidateFlags) => {
      const resources = await loadDesired(flags.filename, context.io, { requireSome: false, offline: true });
      const files = new Set(resources.map((entry) => entry.where.replace(/:\d+:\d+$/, '')));
      const what = resources.length === 1 ? 'environment' : 'environments';
      context.io.stdout.write(`${resources.length} ${what} valid in ${files.size} file(s)\n`);
      for (const entry of resources) {
        const { name } = entry.resource.metadata;
        context.io.stdout.write(`  ${entry.where}: executionenvironment/${name} (id ${entry.resource.spec.id})\n`);
      }
    });
}
