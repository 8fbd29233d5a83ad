#!/usr/bin/env node
/**
 * The `poseidon` command line. Each subcommand lives in its own module and registers itself here.
 * Errors end the process with exit code 1 and one readable message (no stack trace unless DEBUG is set).
 */
import { Command, CommanderError } from 'commander';
import { packageVersion } from '../config/package-version';
import { registerServe } from './serve-command';

/** Builds the program with every subcommand. */
export function buildProgram(): Command {
  const program = new Command('poseidon')
    .description('Poseidon: run learners’ code in isolated runners (REST + WebSocket API, reconciling controller)')
    .version(packageVersion())
    .exitOverride();
  registerServe(program);
  return program;
}

/** The original Poseidon takes `-config FILE`; it is accepted as `--config FILE`. */
function normalizeArgv(argv: readonly string[]): string[] {
  return argv.map((arg) => (arg === '-config' ? '--config' : arg.replace(/^-config=/, '--config=')));
}

/** Runs the command line; resolves with the exit code. */
export async function main(argv: readonly string[]): Promise<number> {
  try {
    await buildProgram().parseAsync(normalizeArgv(argv), { from: 'user' });
    return typeof process.exitCode === 'number' ? process.exitCode : 0;
  } catch (error) {
    if (error instanceof CommanderError) return error.exitCode;
    const message = error instanceof Error ? error.message : String(error);
    process.stderr.write(`poseidon: ${message}\n`);
    if (process.env.DEBUG && error instanceof Error && error.stack) process.stderr.write(`${error.stack}\n`);
    return 1;
  }
}

if (require.main === module) {
  main(process.argv.slice(2)).then(
    (code) => {
      process.exitCode = code;
    },
    () => {
      process.exitCode = 1;
    },
  );
}
