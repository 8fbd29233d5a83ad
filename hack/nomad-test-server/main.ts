/**
 * `npm run nomad:dev -- --port PORT`: runs the Nomad API test server until SIGINT/SIGTERM. Prints one line with its
 * address when ready. Allocations run in the embedded backend's sandboxes unless `--runtime mock`.
 */
import { Command, InvalidArgumentError } from 'commander';
import pino from 'pino';
import { startNomadTestServer } from './nomad-test-server';

function integer(value: string): number {
  const parsed = Number(value);
  if (!Number.isInteger(parsed) || parsed < 0) throw new InvalidArgumentError('expected a non-negative integer');
  return parsed;
}

async function main(argv: string[]): Promise<void> {
  const program = new Command('nomad-test-server')
    .description('A double of the Nomad HTTP and WebSocket API on loopback, for development and tests.')
    .option('--host <host>', 'address to listen on', '127.0.0.1')
    .option('--port <port>', 'port to listen on (0 = any)', integer, 4646)
    .option('--token <token>', 'ACL token every call must present (default: ACLs disabled)', '')
    .option('--runtime <runtime>', 'embedded (real sandboxes) or mock (nothing runs)', 'embedded')
    .option('--state-dir <dir>', 'state directory of the embedded runtime (default: a temporary directory)')
    .option('--event-buffer-size <n>', 'raft entries kept for event replay', integer, 100)
    .option('--heartbeat-ms <ms>', 'event stream heartbeat period', integer, 30_000)
    .option('--max-conns-per-client <n>', 'connections per client IP before 429 (0 = unlimited)', integer, 0)
    .option('--restart-delay-ms <ms>', 'delay of in-place task restarts', integer, 200)
    .option('--reschedule-delay-ms <ms>', 'delay of reschedules', integer, 200)
    .option('--log-level <level>', 'pino log level', 'info')
    .parse(argv);
  const options = program.opts<{
    host: string;
    port: number;
    token: string;
    runtime: string;
    stateDir?: string;
    eventBufferSize: number;
    heartbeatMs: number;
    maxConnsPerClient: number;
    restartDelayMs: number;
    rescheduleDelayMs: number;
    logLevel: string;
  }>();
  if (options.runtime !== 'embedded' && options.runtime !== 'mock')
    throw new Error('--runtime must be embedded or mock');
  const logger = pino({ level: options.logLevel });
  const server = await startNomadTestServer({
    host: options.host,
    port: options.port,
    token: options.token,
    runtime: options.runtime,
    embeddedStateDir: options.stateDir,
    eventBufferSize: options.eventBufferSize,
    heartbeatMs: options.heartbeatMs,
    maxConnsPerClient: options.maxConnsPerClient,
    restartDelayMs: options.restartDelayMs,
    rescheduleDelayMs: options.rescheduleDelayMs,
    logger,
  });
  logger.info({ url: server.url, runtime: options.runtime }, 'nomad test server listening');
  process.stdout.write(`nomad test server listening on ${server.url}\n`);
  let stopping = false;
  const stop = () => {
    if (stopping) return;
    stopping = true;
    server.close().then(
      () => process.exit(0),
      (error: unknown) => {
        logger.error({ err: error }, 'nomad test server: close failed');
        process.exit(1);
      },
    );
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
}

main(process.argv).catch((error: unknown) => {
  process.stderr.write(`nomad test server: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
