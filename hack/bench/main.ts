/**
 * `npm run bench [-- [scenario...] [--json FILE] [--smoke] [--list]]`: runs the benchmarks against a service it
 * starts itself, prints one table (every figure with its floor, ratio and target) and writes the same figures as
 * JSON (default `.state/bench/<timestamp>.json`). Exits 0 when every scenario ran, 1 when one failed; a missed
 * target is printed as MISSED but is a result, not a failure.
 */
import '../../controllers/cli/threadpool-size';
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { Command } from 'commander';
import { formatMachine, formatTable, machineInfo } from './bench-report';
import { projectRoot } from './floor-peer';
import { runBenchmarks } from './run-benchmarks';
import type { NomadServerPlacement } from './scenario';
import { SCENARIOS, selectScenarios } from './scenarios';

interface CliOptions {
  json?: string;
  smoke?: boolean;
  list?: boolean;
  nomadInProcess?: boolean;
}

async function main(argv: string[]): Promise<number> {
  const program = new Command('bench')
    .description('Measures every performance goal against the machine floors measured in the same run.')
    .argument('[scenario...]', 'scenarios to run (names or prefixes; default: all)')
    .option('--json <file>', 'write the report as JSON to this file (default .state/bench/<timestamp>.json)')
    .option('--smoke', 'tiny sizes: checks that every scenario still runs (figures are meaningless)')
    .option('--nomad-in-process', 'run the Nomad API test server in this process instead of a child process')
    .option('--list', 'list the scenarios and exit')
    .parse(argv);
  const options = program.opts<CliOptions>();
  if (options.list) {
    for (const scenario of SCENARIOS) console.log(`${scenario.name.padEnd(16)} ${scenario.title}`);
    return 0;
  }
  const scenarios = selectScenarios(program.args);
  const placement: NomadServerPlacement = options.nomadInProcess ? 'in-process' : 'process';
  const log = (message: string): void => void process.stderr.write(`${message}\n`);
  log(formatMachine(machineInfo()));
  const report = await runBenchmarks({
    scenarios,
    size: options.smoke ? 'smoke' : 'full',
    nomadServer: placement,
    log,
    onRows: (_scenario, rows) => log(formatTable(rows)),
  });
  const file =
    options.json ?? path.join(projectRoot(), '.state', 'bench', `${report.startedAt.replace(/[:.]/g, '-')}.json`);
  mkdirSync(path.dirname(path.resolve(file)), { recursive: true });
  writeFileSync(file, `${JSON.stringify(report, null, 2)}\n`);
  console.log(formatMachine(report.machine));
  console.log(formatTable(report.scenarios));
  for (const failure of report.failures) console.log(`FAILED ${failure.scenario}: ${failure.error.split('\n')[0]}`);
  console.log(`\n${report.scenarios.filter((r) => r.met === false).length} target(s) missed; report: ${file}`);
  return report.failures.length > 0 ? 1 : 0;
}

// Exit on a signal (rather than die of it) so 'exit' handlers stop the child processes the scenarios started.
for (const signal of ['SIGINT', 'SIGTERM'] as const) process.once(signal, () => process.exit(130));

main(process.argv).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    process.stderr.write(`bench: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exitCode = 2;
  },
);
