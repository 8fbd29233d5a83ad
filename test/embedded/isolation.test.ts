/**
 * What a program inside a runner can and cannot see or do: real sandboxes on this machine.
 */
import { randomBytes } from 'node:crypto';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { hostname as hostname_ } from 'node:os';
import { bash, run, runnerJob, startHarness, type Harness } from './embedded-harness';

const A = '7-00000000-0000-4000-8000-00000000000a';
const B = '7-00000000-0000-4000-8000-00000000000b';

/** Host secrets only root may read, made before the first execution scans /etc (as root; removed afterwards). */
const secretTag = randomBytes(6).toString('hex');
const SECRET_FILE = `/etc/poseidon-test-secret-${secretTag}`;
const SECRET_DIR = `/etc/poseidon-test-private-${secretTag}`;
const asRoot = process.getuid?.() === 0;

let h: Harness;
beforeAll(async () => {
  if (asRoot) {
    writeFileSync(SECRET_FILE, 'top secret\n', { mode: 0o600 });
    mkdirSync(SECRET_DIR, { mode: 0o700 });
    writeFileSync(`${SECRET_DIR}/key`, 'private key\n', { mode: 0o644 });
  }
  h = await startHarness();
  await Promise.all([h.backend.registerJob(runnerJob(A)), h.backend.registerJob(runnerJob(B))]);
  await h.backend.settled();
});
afterAll(async () => {
  await h?.destroy();
  rmSync(SECRET_FILE, { force: true });
  rmSync(SECRET_DIR, { recursive: true, force: true });
});

describe('an unprivileged execution', () => {
  it('runs as user (uid 1000, home /workspace) in /workspace, and root privileged runs as root', async () => {
    const [user, root] = await Promise.all([
      bash(h.backend, A, 'id -u; id -un; whoami; echo $HOME; pwd'),
      bash(h.backend, A, 'id -u; id -un; whoami', { privileged: true }),
    ]);
    expect(user.stdout.split('\n')).toEqual(['1000', 'user', 'user', '/workspace', '/workspace', '']);
    expect(root.stdout.split('\n')).toEqual(['0', 'root', 'root', '']);
  });

  it('cannot write the read-only root, but /workspace and /tmp', async () => {
    const result = await bash(
      h.backend,
      A,
      'touch /usr/x 2>/dev/null || echo usr-ro; touch /etc/x 2>/dev/null || echo etc-ro; ' +
        'touch /workspace/mine && echo ws-ok; touch /tmp/mine && echo tmp-ok',
    );
    const privileged = await bash(h.backend, A, 'touch /usr/x 2>/dev/null || echo usr-ro', { privileged: true });
    expect(result.stdout).toBe('usr-ro\netc-ro\nws-ok\ntmp-ok\n');
    expect(privileged.stdout).toBe('usr-ro\n');
  });

  it("sees neither the service's files nor other runners' workspaces", async () => {
    const marker = `marker-${randomBytes(6).toString('hex')}`;
    await bash(h.backend, B, `echo secret > /workspace/${marker}`);
    const result = await bash(
      h.backend,
      A,
      `for d in /work /home /var /srv /mnt ${h.stateDir}; do [ -e "$d" ] && echo "sees $d"; done; ` +
        `ls -A /root | sed 's/^/root has /'; find / -xdev -name '${marker}' 2>/dev/null; ls -A /tmp /workspace`,
      { privileged: true },
    );
    expect(result.stdout).not.toContain('sees');
    expect(result.stdout).not.toContain('root has');
    expect(result.stdout).not.toContain(marker);
    expect(result.stdout).toContain('mine');
  });

  it('cannot delete a file root put into the sticky workspace, but its own', async () => {
    await bash(h.backend, A, 'echo keep > /workspace/root-file', { privileged: true });
    const result = await bash(
      h.backend,
      A,
      'rm -f /workspace/root-file 2>/dev/null; cat /workspace/root-file; echo x > own && rm own && echo own-gone; ' +
        'stat -c %a /workspace',
    );
    expect(result.stdout).toBe('keep\nown-gone\n1777\n');
  });

  it('sees only its own processes and its own hostname', async () => {
    const result = await bash(h.backend, A, 'ls /proc | grep -c "^[0-9]"; hostname');
    const [count, hostname] = result.stdout.trim().split('\n');
    expect(Number(count)).toBeLessThanOrEqual(4);
    expect(hostname).not.toBe(hostname_());
  });

  it('has no network: a loopback server of the test is unreachable', async () => {
    let connections = 0;
    const server: Server = createServer((socket) => {
      connections += 1;
      socket.end();
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const port = (server.address() as { port: number }).port;
    try {
      const result = await bash(
        h.backend,
        A,
        `(echo hi > /dev/tcp/127.0.0.1/${port}) 2>/dev/null && echo connected || echo refused; ip -o link 2>/dev/null | wc -l; ls /sys/class/net 2>/dev/null`,
      );
      expect(result.stdout.split('\n')[0]).toBe('refused');
      expect(connections).toBe(0);
    } finally {
      await new Promise((resolve) => server.close(resolve));
    }
  });
});

describe('a privileged execution', () => {
  it('is root without the powers to leave the sandbox: no mounts, device nodes, namespaces or kernel settings', async () => {
    const result = await bash(
      h.backend,
      A,
      'id -u; mount -t tmpfs none /tmp 2>/dev/null && echo mounted; mknod /tmp/disk b 8 0 2>/dev/null && echo mknod; ' +
        '(echo 3 > /proc/sys/vm/drop_caches) 2>/dev/null && echo wrote-sysctl; ' +
        'cat /proc/sys/kernel/pid_max > /dev/null && echo reads-sysctl; unshare -m true 2>/dev/null && echo unshared; ' +
        'nsenter -t 1 -m true 2>/dev/null && echo entered; hostname other 2>/dev/null && echo renamed; ls /sys 2>&1 | wc -l',
      { privileged: true },
    );
    expect(result.stdout).toBe('0\nreads-sysctl\n1\n');
  });

  (asRoot ? it : it.skip)("cannot read the host's files only root may read: they look empty", async () => {
    const result = await bash(
      h.backend,
      A,
      `cat ${SECRET_FILE}; ls -A ${SECRET_DIR}; cat ${SECRET_DIR}/key 2>/dev/null; cat /etc/shadow- 2>/dev/null | grep -v '^[^:]*:[*!x]*:'; ` +
        'stat -c %s /etc/passwd; echo done',
      { privileged: true },
    );
    expect(result.stdout).toMatch(/^\d+\ndone\n$/);
  });
});

describe('the environment of an execution', () => {
  it('is clean: no variable of the service leaks in, CODEOCEAN stays true, request values override', async () => {
    process.env.EMBEDDED_TEST_SERVICE_SECRET = 'service-secret';
    try {
      const result = await run(h.backend, {
        jobId: A,
        command: ['env'],
        env: { CODEOCEAN: 'false', GREETING: 'hello world', PATH: '/usr/bin:/bin' },
      });
      const env = Object.fromEntries(
        result.stdout
          .trim()
          .split('\n')
          .map((line) => [line.slice(0, line.indexOf('=')), line.slice(line.indexOf('=') + 1)]),
      );
      // PWD is the working directory, set by bubblewrap's --chdir (as any shell would).
      expect(env).toEqual({
        PATH: '/usr/bin:/bin',
        HOME: '/workspace',
        PWD: '/workspace',
        CODEOCEAN: 'true',
        GREETING: 'hello world',
      });
    } finally {
      delete process.env.EMBEDDED_TEST_SERVICE_SECRET;
    }
  });

  it('passes argv and values literally, never through a shell', async () => {
    const hostile = '$(touch /workspace/pwned); `touch /workspace/pwned2`';
    const result = await run(h.backend, {
      jobId: A,
      command: ['printf', '%s|', hostile, '; rm -rf /workspace', '$HOME'],
      env: { HOSTILE: hostile },
    });
    const check = await bash(h.backend, A, 'printf "%s" "$HOSTILE"; ls /workspace | grep -c pwned', {
      env: { HOSTILE: hostile },
    });
    expect(result.stdout).toBe(`${hostile}|; rm -rf /workspace|$HOME|`);
    expect(check.stdout).toBe(`${hostile}0\n`);
  });
});

describe('pipes without a tty', () => {
  it('carry binary data unchanged in both directions', async () => {
    const payload = randomBytes(1 << 20);
    const process = await h.backend.exec({ jobId: A, command: ['cat'], privileged: false, tty: false });
    const chunks: Buffer[] = [];
    process.stdout.on('data', (chunk: Buffer) => chunks.push(chunk));
    process.stderr.resume();
    process.stdin.end(payload);
    expect(await process.exited).toEqual({ exitCode: 0 });
    expect(Buffer.concat(chunks).equals(payload)).toBe(true);
  });

  it('keep stdout and stderr apart', async () => {
    const result = await bash(h.backend, A, 'echo out; echo err >&2; exit 7');
    expect(result).toEqual({ stdout: 'out\n', stderr: 'err\n', exitCode: 7 });
  });
});
