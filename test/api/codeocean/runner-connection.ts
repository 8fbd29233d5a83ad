/**
 * CodeOcean's WebSocket to one execution (lib/runner/connection.rb as codeocean-client.md B.5 describes it): the
 * upgrade carries `Poseidon-Token` and Sentry trace headers, no subprotocol, no pings; input goes out as text frames
 * (`<raw JSON>\n`); every frame is parsed as JSON (a failure ends the connection with status `error`) and validated
 * against the event schema (an invalid event is dropped silently); handlers set the status; the outcome is decided
 * only on close, from the status. CodeOcean has no timeout of its own; `hangGuardMs` turns a socket the service never
 * closes into a failure instead of a hang (a test-harness addition, named as such in the error).
 */
import WebSocket from 'ws';
import { LineBuffer } from './line-buffer';
import { isValidEvent } from './message-schema';
import { RunnerError } from './runner-errors';

/** The connection's status, as connection.rb tracks it. */
export type ConnectionStatus =
  | 'established'
  | 'terminated_by_management'
  | 'timeout'
  | 'out_of_memory'
  | 'terminated_by_client'
  | 'error';

/** The text CodeOcean matches to recognise an OOM-killed runner. */
export const OOM_ERROR_TEXT = 'the allocation was OOM Killed';

/** A finished execution CodeOcean accepts (an exit other than 137). */
export interface ExecutionResult {
  readonly exitCode: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** Everything the connection saw, for assertions. */
export interface ConnectionRecord {
  /** Every frame as received (text). */
  readonly frames: string[];
  /** Frames that failed validation and were dropped. */
  readonly dropped: string[];
  /** Error texts reported (not OOM) — CodeOcean only reports them to Sentry. */
  readonly reportedErrors: string[];
  closeCode: number | undefined;
  status: ConnectionStatus;
}

/** Options of {@link openRunnerConnection}. */
export interface ConnectionOptions {
  readonly token: string;
  readonly ca?: Buffer;
  /** Called when the outcome requires CodeOcean to DELETE the runner. */
  readonly destroyRunner: () => Promise<void>;
  /** Fail (instead of hanging forever) when the service keeps the socket open this long. */
  readonly hangGuardMs: number;
}

/** An open execution socket. */
export interface RunnerConnection {
  readonly record: ConnectionRecord;
  /** Sends a browser event the way CodeOcean forwards it: its raw JSON text plus "\n", as one text frame. */
  sendEvent(event: unknown): void;
  /** The learner pressed stop (`client_kill`): CodeOcean closes the socket with Faye's default code 1000. */
  kill(): void;
  /** Resolves with the result or rejects with the error the close handler raises. */
  readonly outcome: Promise<ExecutionResult>;
}

/** Opens the WebSocket at `url` (exactly as `/execute` returned it). */
export function openRunnerConnection(url: string, options: ConnectionOptions): Promise<RunnerConnection> {
  const socket = new WebSocket(url, {
    headers: {
      'Poseidon-Token': options.token,
      'sentry-trace': '0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-1',
      baggage: 'sentry-environment=test,sentry-release=codeocean',
    },
    perMessageDeflate: false,
    ...(options.ca ? { ca: options.ca } : {}),
  });
  const record: ConnectionRecord = {
    frames: [],
    dropped: [],
    reportedErrors: [],
    closeCode: undefined,
    status: 'established',
  };
  const buffers = { stdout: new LineBuffer(), stderr: new LineBuffer() };
  let exitCode: number | undefined;
  socket.on('message', (data, isBinary) => {
    const text = data.toString();
    record.frames.push(text);
    let parsed: unknown;
    try {
      if (isBinary) throw new Error('binary frame');
      parsed = JSON.parse(text);
    } catch {
      record.status = 'error';
      socket.close();
      return;
    }
    if (!isValidEvent(parsed)) {
      record.dropped.push(text);
      return;
    }
    switch (parsed.type) {
      case 'stdout':
      case 'stderr':
        buffers[parsed.type].append(parsed.data);
        break;
      case 'exit':
        exitCode = parsed.data;
        record.status = 'terminated_by_management';
        break;
      case 'timeout':
        record.status = 'timeout';
        break;
      case 'error':
        if (parsed.data === OOM_ERROR_TEXT) record.status = 'out_of_memory';
        else record.reportedErrors.push(parsed.data);
        break;
      default:
        break;
    }
  });
  socket.on('error', () => {
    if (record.status === 'established') record.status = 'error';
  });
  const closed = new Promise<void>((resolve, reject) => {
    const guard = setTimeout(() => {
      socket.terminate();
      reject(new RunnerError('Unknown', `harness: the service kept the socket open for ${options.hangGuardMs} ms`));
    }, options.hangGuardMs);
    socket.on('close', (code) => {
      clearTimeout(guard);
      record.closeCode = code;
      resolve();
    });
  });
  const outcome = closed.then(async () => {
    buffers.stdout.flush();
    buffers.stderr.flush();
    return decide(record, exitCode, buffers, options);
  });
  return new Promise((resolve, reject) => {
    socket.once('open', () =>
      resolve({
        record,
        outcome,
        sendEvent: (event) => socket.send(`${JSON.stringify(event)}\n`),
        kill: () => {
          record.status = 'terminated_by_client';
          socket.close(1000);
        },
      }),
    );
    socket.once('unexpected-response', (_req, res) => {
      res.resume();
      reject(new RunnerError('UnexpectedResponse', `WebSocket upgrade answered ${res.statusCode}`, res.statusCode));
    });
    socket.once('error', reject);
  });
}

async function decide(
  record: ConnectionRecord,
  exitCode: number | undefined,
  buffers: { stdout: LineBuffer; stderr: LineBuffer },
  options: ConnectionOptions,
): Promise<ExecutionResult> {
  switch (record.status) {
    case 'timeout':
      await options.destroyRunner();
      throw new RunnerError('ExecutionTimeout', 'execution timed out');
    case 'out_of_memory':
      throw new RunnerError('OutOfMemory', 'the runner was OOM-killed');
    case 'terminated_by_management':
      if (exitCode === 137) throw new RunnerError('OutOfMemory', 'exit 137');
      return { exitCode: exitCode ?? -1, stdout: buffers.stdout.text(), stderr: buffers.stderr.text() };
    case 'terminated_by_client':
    case 'error':
      await options.destroyRunner();
      throw new RunnerError(record.status === 'error' ? 'Unknown' : 'TerminatedByClient', `closed: ${record.status}`);
    default:
      await options.destroyRunner();
      throw new RunnerError('Unknown', 'execution terminated with an unknown reason');
  }
}
