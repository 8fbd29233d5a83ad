/**
 * Contract: the WebSocket execution protocol (poseidon-api.md 4.9, 5; codeocean-client.md B.5, B.7): attach checks,
 * message shapes and order, stdin, time limits, stopping, output decoding.
 */
import { eventually } from '../../support/eventually';
import type { ApiTarget } from '../support/api-target';
import { ContractKit } from '../support/contract-kit';
import { connect, isSocket } from '../support/ws-client';
import { protocolProblems } from './message-schema';

/** Registers the execution tests. */
export function describeExecutionsContract(getTarget: () => ApiTarget): void {
  describe('executions over the WebSocket', () => {
    let kit: ContractKit;
    let environmentId: number;
    let runnerId: string;
    beforeAll(async () => {
      kit = new ContractKit(getTarget());
      environmentId = await kit.createEnvironment({ prewarmingPoolSize: 5 });
      runnerId = await kit.claim(environmentId, 300);
    });
    afterAll(() => kit.cleanup());

    describe('attach', () => {
      it('rejects an unknown, a reused and a missing execution id with a JSON 404', async () => {
        const url = await kit.execute(runnerId, { command: 'true' });
        await kit.run(runnerId, { command: 'true' });
        const first = await kit.attach(url);
        await first.closed;
        const unknown = new URL(url);
        unknown.searchParams.set('executionID', '00000000-0000-4000-8000-000000000000');
        const missing = new URL(url);
        missing.search = '';
        for (const target of [url, unknown.toString(), missing.toString()]) {
          const attempt = await connect(target, { token: getTarget().token });
          expect(isSocket(attempt) ? 101 : attempt.status).toBe(404);
          if (!isSocket(attempt)) expect(JSON.parse(attempt.body)).toEqual({ message: expect.any(String) });
        }
      });

      it('requires the token on the upgrade', async () => {
        if (getTarget().token === '') return;
        const url = await kit.execute(runnerId, { command: 'true' });
        const attempt = await connect(url, { token: null });
        expect(isSocket(attempt) ? 101 : attempt.status).toBe(401);
        expect((await kit.attach(url)).messages).toBeDefined();
      });

      it('rejects a browser origin of another host with 403 and keeps the execution', async () => {
        const url = await kit.execute(runnerId, { command: 'echo kept' });
        const attempt = await connect(url, { token: getTarget().token, headers: { Origin: 'https://evil.example' } });
        expect(isSocket(attempt) ? 101 : attempt.status).toBe(403);
        const run = await kit.run(runnerId, { command: 'true' });
        expect(run.terminal).toEqual({ type: 'exit', data: 0 });
        const socket = await kit.attach(url);
        await socket.closed;
        expect(socket.output()).toContain('kept');
      });

      it('answers a plain GET on the WebSocket route with 400', async () => {
        const url = new URL(await kit.execute(runnerId, { command: 'true' }));
        const response = await kit.client.request(`${url.pathname}${url.search}`);
        expect(response.status).toBe(400);
      });

      it('tolerates tracing headers on the upgrade', async () => {
        const url = await kit.execute(runnerId, { command: 'true' });
        const socket = await connect(url, {
          token: getTarget().token,
          headers: { 'sentry-trace': '771a43a4192642f0b136d5159a501700-771a43a4192642f0-1', baggage: 'a=b' },
        });
        expect(isSocket(socket)).toBe(true);
        if (isSocket(socket)) await socket.closed;
      });
    });

    describe('messages', () => {
      it('sends start, the output, one exit and closes with 1000', async () => {
        const run = await kit.run(runnerId, { command: 'echo -n Hello World' });
        expect(protocolProblems(run.messages)).toEqual([]);
        expect(run.stdout).toBe('Hello World');
        expect(run.terminal).toEqual({ type: 'exit', data: 0 });
        expect(run.closed.code).toBe(1000);
        expect(run.protocolViolations).toEqual([]);
      });

      it('reports exit codes, 0 included', async () => {
        for (const code of [0, 1, 42, 255]) {
          expect((await kit.run(runnerId, { command: `exit ${code}` })).terminal).toEqual({ type: 'exit', data: code });
        }
      });

      it('delivers stderr separately and before the exit', async () => {
        const run = await kit.run(runnerId, { command: 'cat -invalid' });
        expect(protocolProblems(run.messages)).toEqual([]);
        expect(run.stderr).toMatch(/invalid/);
        expect(run.terminal).toEqual({ type: 'exit', data: 1 });
      });

      it('runs the command verbatim under bash: quotes, $, backticks, unicode, newlines', async () => {
        const command = 'X="a  b"; echo "$X" `echo tick` $((6*7)) "äöü 😀"\necho "line2"';
        const run = await kit.run(runnerId, { command });
        expect(run.stdout.replace(/\r\n/g, '\n')).toBe('a  b tick 42 äöü 😀\nline2\n');
      });

      it('passes environment variables exactly; CODEOCEAN stays true', async () => {
        const environment = { SPACED: 'a b  $HOME "q" `x`', CODEOCEAN: 'false', EMPTY: '' };
        const run = await kit.run(runnerId, {
          command: 'printf "%s|%s|%s|" "$SPACED" "$CODEOCEAN" "${EMPTY-unset}"; env | grep -c ^NOMAD_ || true',
          environment,
        });
        expect(run.stdout.replace(/\r\n/g, '\n')).toBe('a b  $HOME "q" `x`|true||0\n');
      });

      it('runs privileged executions as root and the others as an unprivileged user', async () => {
        const privileged = await kit.run(runnerId, { command: 'id -u', privilegedExecution: true });
        const unprivileged = await kit.run(runnerId, { command: 'id -u', privilegedExecution: false });
        expect(privileged.stdout.trim()).toBe('0');
        expect(unprivileged.stdout.trim()).not.toBe('0');
      });

      it('runs on a terminal: output lines end with CRLF and stdout is a tty', async () => {
        const run = await kit.run(runnerId, { command: 'test -t 1 && echo tty' });
        expect(run.stdout).toBe('tty\r\n');
      });

      it('keeps a character split across reads whole and replaces invalid bytes', async () => {
        const run = await kit.run(runnerId, { command: 'printf "\\xc3"; sleep 0.2; printf "\\xa4|\\xff\\xfe|"' });
        expect(run.protocolViolations).toEqual([]);
        expect(run.stdout).toBe('ä|\ufffd\ufffd|');
      });

      it('delivers large output completely and in order', async () => {
        const run = await kit.run(runnerId, { command: 'seq 1 200000' });
        const lines = run.stdout.split('\r\n').filter((line) => line !== '');
        expect(lines.length).toBe(200000);
        expect(lines[0]).toBe('1');
        expect(lines[199999]).toBe('200000');
        expect(lines.every((line, i) => line === String(i + 1))).toBe(true);
      });

      it('holds an exit status of 128 back for about a second', async () => {
        const started = Date.now();
        const run = await kit.run(runnerId, { command: 'exit 128' });
        expect(run.terminal).toEqual({ type: 'exit', data: 128 });
        expect(Date.now() - started).toBeGreaterThanOrEqual(900);
      });

      it('runs two executions on one runner at the same time', async () => {
        const [a, b] = await Promise.all([
          kit.run(runnerId, { command: 'sleep 0.3; echo first' }),
          kit.run(runnerId, { command: 'sleep 0.1; echo second' }),
        ]);
        expect(a.stdout).toBe('first\r\n');
        expect(b.stdout).toBe('second\r\n');
      });
    });

    describe('stdin', () => {
      it('echoes input sent right after connecting, line by line', async () => {
        const run = await kit.run(runnerId, { command: 'head -n 1' }, ['Hello World!\n']);
        expect(run.stdout).toBe('Hello World!\r\nHello World!\r\n');
        expect(run.terminal).toEqual({ type: 'exit', data: 0 });
      });

      it('keeps the order of many input frames', async () => {
        const lines = Array.from({ length: 50 }, (_, i) => `line ${i}\n`);
        const run = await kit.run(runnerId, { command: 'head -n 50 > /dev/null; echo done' }, lines);
        expect(run.stdout.endsWith('done\r\n')).toBe(true);
        const echoed = run.stdout.split('\r\n').filter((line) => line.startsWith('line '));
        expect(echoed).toEqual(lines.map((line) => line.trim()));
      });

      it('ends input with Ctrl-D and interrupts with Ctrl-C', async () => {
        expect((await kit.run(runnerId, { command: 'cat' }, ['abc\n', '\x04'])).terminal).toEqual({
          type: 'exit',
          data: 0,
        });
        expect((await kit.run(runnerId, { command: 'sleep 10' }, ['\x03'])).terminal).toEqual({
          type: 'exit',
          data: 130,
        });
      });

      it('stops reading input after a binary frame', async () => {
        const socket = await kit.attach(await kit.execute(runnerId, { command: 'head -n 1', timeLimit: 1 }));
        socket.sendBinary(Buffer.from('binary\n'));
        socket.send('late\n');
        await socket.closed;
        expect(socket.messages[socket.messages.length - 1]).toEqual({ type: 'timeout' });
        expect(socket.output()).not.toContain('late');
      });
    });

    describe('ending executions', () => {
      it('times out after the time limit with a timeout message and Close 1000', async () => {
        const started = Date.now();
        const run = await kit.run(runnerId, { command: 'sleep 4', timeLimit: 1 });
        expect(protocolProblems(run.messages)).toEqual([]);
        expect(run.terminal).toEqual({ type: 'timeout' });
        expect(run.closed.code).toBe(1000);
        expect(Date.now() - started).toBeLessThan(2500);
      });

      it('times out at once with a negative time limit', async () => {
        const run = await kit.run(runnerId, { command: 'sleep 4', timeLimit: -1 });
        expect(run.terminal).toEqual({ type: 'timeout' });
      });

      it('sends Ctrl-\\ to the program when the client closes, and no terminal message', async () => {
        const own = await kit.claim(environmentId, 300);
        const socket = await kit.attach(
          await kit.execute(own, {
            command: 'trap "echo quit > quit.txt; exit 3" QUIT; echo ready; while :; do sleep 0.05; done',
          }),
        );
        await socket.waitFor((message) => message.type === 'stdout' && String(message.data).includes('ready'));
        socket.close();
        const closed = await socket.closed;
        expect(closed.code).toBe(1000);
        expect(protocolProblems(socket.messages, true)).toEqual([]);
        const check = await kit.run(own, {
          command: 'for i in $(seq 50); do [ -f quit.txt ] && break; sleep 0.1; done; cat quit.txt',
        });
        expect(check.stdout).toBe('quit\r\n');
      });

      it('destroys the runner when a program ignores Ctrl-\\ for 3 s after the client left', async () => {
        const own = await kit.claim(environmentId, 300);
        const socket = await kit.attach(await kit.execute(own, { command: 'trap "" QUIT; echo ready; sleep 100' }));
        await socket.waitFor((message) => message.type === 'stdout' && String(message.data).includes('ready'));
        socket.close();
        await socket.closed;
        const probe = async (): Promise<number> => (await kit.api('GET', `/runners/${own}/files`)).status;
        expect(await probe()).toBe(200);
        await eventually(async () => (await probe()) === 410, { timeoutMs: 8000, intervalMs: 100 });
      });

      it('destroys the runner when a program ignores Ctrl-\\ for 3 s after its time limit', async () => {
        const own = await kit.claim(environmentId, 300);
        const run = await kit.run(own, { command: 'trap "" QUIT; echo ready; sleep 100', timeLimit: 1 });
        expect(run.terminal).toEqual({ type: 'timeout' });
        expect(run.closed.code).toBe(1000);
        const probe = async (): Promise<number> =>
          (await kit.api('POST', `/runners/${own}/execute`, { command: 'true' })).status;
        await eventually(async () => (await probe()) === 410, { timeoutMs: 15_000, intervalMs: 100 });
      });

      it('tells a running execution that its runner was released', async () => {
        const own = await kit.claim(environmentId, 300);
        const socket = await kit.attach(await kit.execute(own, { command: 'echo ready; sleep 100' }));
        await socket.waitFor((message) => message.type === 'stdout');
        expect((await kit.api('DELETE', `/runners/${own}`)).status).toBe(204);
        await socket.closed;
        expect(protocolProblems(socket.messages)).toEqual([]);
        expect(socket.messages[socket.messages.length - 1]).toEqual({
          type: 'error',
          data: 'the allocation stopped as expected',
        });
      });

      it('sends timeout when the inactivity timeout ends a running execution', async () => {
        const own = await kit.claim(environmentId, 1);
        const run = await kit.run(own, { command: 'sleep 10' });
        expect(run.terminal).toEqual({ type: 'timeout' });
        expect((await kit.api('GET', `/runners/${own}/files`)).status).toBe(410);
      });
    });
  });
}
