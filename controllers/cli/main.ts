#!/usr/bin/env node
/**
 * The `poseidon` command line. Each subcommand lives in its own module and registers itself here.
 * Errors end the process with exit code 1 and one readable message (no stack trace unless DEBUG is set).
 * `main(argv, io)` runs in-process with any {@link CliIo} (tests capture the output this way).
 */
import './threadpool-size';
import { Command, CommanderError } from 'commander';
import { packageVersion } from '../config/package-version';
import { registerApply } from './apply-command';
import type { CliContext, CliIo } from './cli-io';
import { processIo } from './cli-io';
import { registerDelete } from './delete-command';
import { registerDescribe } from './describe-command';
import { registerDiff } from './diff-command';
import { registerGet } from './get-command';
import { registerServe } from './serve-command';
import { registerSync } from './sync-command';
import { registerValidate } from './validate-command';

/** Builds the program with every subcommand; output goes to `context.io` (subcommands inherit both settings). */
export function buildProgram(context: CliContext = { io: processIo(), exitCode: 0 }): Command {
  const { io } = context;
  const program = new Command('poseidon')
    .description('Poseidon: run learners’ code in isolated runners (REST + WebSocket API, reconciling controller)')
    .version(packageVersion())
    .configureOutput({ writeOut: (text) => io.stdout.write(text), writeErr: (text) => io.stderr.write(text) })
    .exitOverride();
  registerServe(program);
  registerApply(program, context);
  registerGet(program, context);
  registerDescribe(program, context);
  registerDelete(program, context);
  registerDiff(program, context);
  registerSync(program, context);
  registerValidate(program, context);
  return program;
}

/** The original Poseidon takes `-config FILE`; it is accepted as `--config FILE`. */
function normalizeArgv(argv: readonly string[]): string[] {
  return argv.map((arg) => (arg === '-config' ? '--config' : arg.replace(/^-config=/, '--config=')));
}

/** Runs the command line; resolves with the exit code. */
export async function main(argv: readonly string[], io: CliIo = processIo()): Promise<number> {
  const context: CliContext = { io, exitCode: 0 };
  try {
    await buildProgram(context).parseAsync(normalizeArgv(argv), { from: 'user' });
    if (context.exitCode !== 0) return context.exitCode;
    return typeof process.exitCode === 'number' ? process.exitCode : 0;
  } catch (error) {
    if (error instanceof CommanderError) return error.exitCode;
    const message = error instanceof Error ? error.message : String(error);
    io.stderr.write(`poseidon: ${message}\n`);
    if (io.env.DEBUG && error instanceof Error && error.stack) io.stderr.write(`${error.stack}\n`);
    const code = (error as { exitCode?: unknown }).exitCode;
    return typeof code === 'number' && code > 0 ? code : 1;
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
