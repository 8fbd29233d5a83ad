/**
 * The alloc exec WebSocket of the double (`/v1/client/allocation/:id/exec`), as Nomad ≥2.0.3 does it: the
 * connection is upgraded first, errors then arrive as close frames (1008 for 4xx-class, 1011 for 5xx-class, the
 * message as reason); output goes out as `{"stdout":{"data":<base64>}}` frames of at most 1024 bytes (Docker's
 * size), then `{"exited":true,"result":{...}}` (`exit_code` omitted when 0), and the connection is dropped without a
 * close frame (the client sees 1006). Client frames: stdin data and close, `tty_size`, anything else a heartbeat.
 */
import type { IncomingMessage } from 'node:http';
import type { Duplex, Readable } from 'node:stream';
import WebSocket, { WebSocketServer } from 'ws';
import type { NomadExecInput, NomadExecOutput } from '../../controllers/backends/nomad/nomad-wire';
import type { AllocationRuntime, RuntimeProcess } from './allocation-runtime';
import type { ClusterState } from './cluster-state';
import { tokenMatches, tokenOf } from './http-kit';

const PATH_RE = /^\/v1\/client\/allocation\/([^/]+)\/exec$/;
/** The spellings Go's strconv.ParseBool accepts. */
const GO_BOOLS = ['1', 't', 'T', 'TRUE', 'true', 'True', '0', 'f', 'F', 'FALSE', 'false', 'False'];
const FRAME_BYTES = 1024;
/** Unacknowledged output frames before the process output is paused. */
const MAX_IN_FLIGHT = 256;

/** Exec sessions and the "restart the agent" switch. */
export class ExecEndpoint {
  private readonly server = new WebSocketServer({
    noServer: true,
    perMessageDeflate: false,
    maxPayload: 64 * 1024 * 1024,
  });
  private readonly sessions = new Set<{ socket: WebSocket; process?: RuntimeProcess }>();

  constructor(
    private readonly state: ClusterState,
    private readonly runtime: AllocationRuntime,
    private readonly token: string,
    private readonly onFrame?: (frame: unknown) => void,
  ) {}

  /** True when the upgrade request is for this endpoint (then it has been handled). */
  handleUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): boolean {
    const url = new URL(req.url ?? '/', 'http://localhost');
    const match = PATH_RE.exec(url.pathname);
    if (!match) return false;
    if (this.token && !tokenMatches(tokenOf(req), this.token)) {
      socket.end(
        'HTTP/1.1 403 Forbidden\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Length: 17\r\n\r\nPermission denied',
      );
      return true;
    }
    this.server.handleUpgrade(
      req,
      socket,
      head,
      (ws) => void this.session(ws, decodeURIComponent(match[1] ?? ''), url.searchParams),
    );
    return true;
  }

  /** Cuts every exec connection and kills its command (a client agent restart). */
  breakAll(): void {
    for (const session of this.sessions) {
      session.process?.kill();
      session.socket.terminate();
    }
  }

  /** Number of open sessions. */
  get count(): number {
    return this.sessions.size;
  }

  private async session(socket: WebSocket, allocationId: string, query: URLSearchParams): Promise<void> {
    const session: { socket: WebSocket; process?: RuntimeProcess } = { socket };
    this.sessions.add(session);
    // Input may arrive while the command is still being started: keep it until the process can take it.
    const early: Buffer[] = [];
    const hold = (data: Buffer) => early.push(data);
    socket.on('message', hold);
    socket.on('close', () => {
      session.process?.kill();
      this.sessions.delete(session);
    });
    const failure = this.check(allocationId, query);
    if (failure) return socket.close(failure.code, failure.reason.slice(0, 123));
    const command = JSON.parse(query.get('command') ?? '[]') as string[];
    const tty = ['1', 't', 'T', 'TRUE', 'true', 'True'].includes(query.get('tty') ?? '');
    try {
      session.process = await this.runtime.exec(allocationId, command, tty);
    } catch (error) {
      return socket.close(1011, (error as Error).message.slice(0, 123));
    }
    if (socket.readyState !== WebSocket.OPEN) return session.process.kill();
    socket.off('message', hold);
    this.pump(socket, session.process, tty, early);
  }

  /**
   * The checks in Nomad's order: the agent parses `command` and `tty` (500 -> 1011, Go's texts), then the client
   * looks up the allocation (404), the task name (400), the command (400), the task's driver (`task not found`, 500)
   * and its state (404 while not started or not running). 4xx-class errors close with 1008, 5xx with 1011.
   */
  private check(allocationId: string, query: URLSearchParams): { code: number; reason: string } | undefined {
    let command: unknown;
    try {
      command = JSON.parse(query.get('command') ?? '');
    } catch (error) {
      return { code: 1011, reason: `failed to marshal command into json: ${goJsonError(error)}` };
    }
    if (command !== null && (!Array.isArray(command) || !command.every((part) => typeof part === 'string'))) {
      return { code: 1011, reason: 'failed to marshal command into json: json: cannot unmarshal into []string' };
    }
    const tty = query.get('tty') ?? '';
    if (tty !== '' && !GO_BOOLS.includes(tty)) {
      return {
        code: 1011,
        reason: `tty value is not a boolean: strconv.ParseBool: parsing ${JSON.stringify(tty)}: invalid syntax`,
      };
    }
    const alloc = this.state.allocs.get(allocationId);
    if (!alloc) return { code: 1008, reason: `Unknown allocation "${allocationId}"` };
    const task = query.get('task');
    if (!task) return { code: 1008, reason: 'must provide task name' };
    if (!Array.isArray(command) || command.length === 0) return { code: 1008, reason: 'command is not present' };
    if (
      !(alloc.Job.TaskGroups ?? []).some(
        (g) => g.Name === alloc.TaskGroup && (g.Tasks ?? []).some((t) => t.Name === task),
      )
    ) {
      return { code: 1011, reason: 'task not found' };
    }
    const state = alloc.TaskStates[task];
    if (!state?.StartedAt) return { code: 1008, reason: `task "${task}" not started yet.` };
    if (alloc.ClientStatus !== 'running' || state.State !== 'running')
      return { code: 1008, reason: `task "${task}" is not running.` };
    return undefined;
  }

  private pump(socket: WebSocket, process: RuntimeProcess, tty: boolean, early: Buffer[]): void {
    for (const data of early) this.onInput(socket, process, data);
    socket.on('message', (data) => this.onInput(socket, process, data as Buffer));
    const outputs = [this.forward(socket, process.stdout, 'stdout')];
    if (!tty) outputs.push(this.forward(socket, process.stderr, 'stderr'));
    else process.stderr.resume();
    void Promise.all([
      process.exit.then(
        (code) => ({ code }),
        () => undefined,
      ),
      ...outputs,
    ]).then(([exit]) => {
      if (socket.readyState !== WebSocket.OPEN) return;
      if (!exit) return socket.close(1011, 'exec stream failed');
      this.send(socket, { exited: true, result: exit.code === 0 ? {} : { exit_code: exit.code } }, () =>
        socket.terminate(),
      );
    });
  }

  private onInput(socket: WebSocket, process: RuntimeProcess, data: Buffer): void {
    let frame: NomadExecInput;
    try {
      frame = JSON.parse(data.toString('utf8')) as NomadExecInput;
    } catch {
      return;
    }
    if (frame?.stdin?.data && !process.stdin.writableEnded) {
      if (!process.stdin.write(Buffer.from(frame.stdin.data, 'base64'))) {
        socket.pause();
        process.stdin.once('drain', () => socket.resume());
      }
    }
    if (frame?.stdin?.close && !process.stdin.writableEnded) process.stdin.end();
  }

  private forward(socket: WebSocket, stream: Readable, name: 'stdout' | 'stderr'): Promise<void> {
    let inFlight = 0;
    stream.on('data', (chunk: Buffer) => {
      for (let offset = 0; offset < chunk.length; offset += FRAME_BYTES) {
        inFlight += 1;
        this.send(socket, { [name]: { data: chunk.subarray(offset, offset + FRAME_BYTES).toString('base64') } }, () => {
          inFlight -= 1;
          if (inFlight < MAX_IN_FLIGHT / 2 && stream.isPaused()) stream.resume();
        });
      }
      if (inFlight >= MAX_IN_FLIGHT) stream.pause();
    });
    return new Promise((resolve) => {
      stream.once('end', () => this.send(socket, { [name]: { close: true } }, () => resolve()));
      stream.once('error', () => resolve());
      stream.once('close', () => resolve());
    });
  }

  private send(socket: WebSocket, frame: NomadExecOutput, done?: () => void): void {
    if (socket.readyState !== WebSocket.OPEN) return void done?.();
    this.onFrame?.(frame);
    socket.send(JSON.stringify(frame), () => done?.());
  }

  /** Closes the WebSocket server (sessions first). */
  close(): void {
    this.breakAll();
    this.server.close();
  }
}

/** Roughly Go's encoding/json syntax error text for what JSON.parse rejected. */
function goJsonError(error: unknown): string {
  const message = (error as Error).message ?? '';
  return /end of (JSON )?input/i.test(message) ? 'unexpected end of JSON input' : `invalid character in JSON`;
}
