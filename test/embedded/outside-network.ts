/**
 * A stand-in for "another network" in tests (this machine reaches no internet but package mirrors): a network
 * namespace linked to the host by a veth pair in 198.18.0.0/15 (the benchmarking range) with no route back to the
 * runner pool, and a TCP server inside it that answers each connection with the address it came from. A runner that
 * gets an answer reached another network, and the answer shows whether its traffic was masqueraded.
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { randomInt } from 'node:crypto';
import { networkInterfaces } from 'node:os';

const SERVER =
  "const s = require('net').createServer((c) => c.end(c.remoteAddress + '\\n'));" +
  "s.listen(Number(process.argv[1]), process.argv[2], () => console.log('up'));" +
  'process.stdin.on("end", () => process.exit(0)).resume();';

/** A running outside network. */
export interface OutsideNetwork {
  /** The host's address on the link (what masqueraded traffic comes from). */
  readonly hostAddress: string;
  /** The server's address and port. */
  readonly serverAddress: string;
  readonly port: number;
  close(): Promise<void>;
}

/** A /24 of 198.18.0.0/16 that no interface of this machine uses. */
function freeBlock(): number {
  const used = new Set<string>();
  for (const entries of Object.values(networkInterfaces())) for (const e of entries ?? []) used.add(e.address);
  for (;;) {
    const block = randomInt(0, 256);
    if (!used.has(`198.18.${block}.1`)) return block;
  }
}

/** Creates the namespace, the link and the server (needs root and iproute2). */
export async function startOutsideNetwork(): Promise<OutsideNetwork> {
  const block = freeBlock();
  const name = `psdtest-${process.pid}-${block}`;
  const [hostLink, peer] = [`ot${process.pid % 100000}x${block}`, `oi${process.pid % 100000}x${block}`];
  const hostAddress = `198.18.${block}.1`;
  const serverAddress = `198.18.${block}.2`;
  const ip = (...args: string[]): void => void execFileSync('ip', args, { stdio: 'ignore' });
  ip('netns', 'add', name);
  let server: ChildProcess | undefined;
  try {
    ip('link', 'add', hostLink, 'type', 'veth', 'peer', 'name', peer);
    ip('link', 'set', peer, 'netns', name);
    ip('addr', 'add', `${hostAddress}/30`, 'dev', hostLink);
    ip('link', 'set', hostLink, 'up');
    ip('-n', name, 'addr', 'add', `${serverAddress}/30`, 'dev', peer);
    ip('-n', name, 'link', 'set', peer, 'up');
    const port = 7000 + randomInt(1000);
    server = spawn('ip', ['netns', 'exec', name, process.execPath, '-e', SERVER, String(port), serverAddress], {
      stdio: ['pipe', 'pipe', 'inherit'],
    });
    await new Promise<void>((resolve, reject) => {
      server?.stdout?.once('data', () => resolve());
      server?.once('exit', (code) => reject(new Error(`the outside server exited (${code})`)));
    });
    const running = server;
    return {
      hostAddress,
      serverAddress,
      port,
      close: async () => {
        const exited = new Promise((resolve) => running.once('exit', resolve));
        running.stdin?.end();
        await exited;
        ip('netns', 'del', name);
      },
    };
  } catch (error) {
    server?.kill('SIGKILL');
    ip('netns', 'del', name);
    throw error;
  }
}
