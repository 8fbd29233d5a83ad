import { bwrapArgs, sandboxCommand, type SandboxPlan, STDERR_FIFO_TARGET } from './bwrap-command';

const plan = (overrides: Partial<SandboxPlan> = {}): SandboxPlan => ({
  bwrapPath: '/usr/bin/bwrap',
  root: {
    entries: [
      { kind: 'dir', source: '/usr', target: '/usr' },
      { kind: 'symlink', source: 'usr/bin', target: '/bin' },
    ],
    identityTargets: ['/etc/passwd'],
    needsRootHome: true,
    masked: [
      { kind: 'file', target: '/etc/shadow-' },
      { kind: 'dir', target: '/etc/ssl/private' },
    ],
  },
  etcDir: '/state/etc',
  workspaceDir: '/state/allocations/a/workspace',
  tmpDir: '/state/allocations/a/tmp',
  hostname: 'a',
  network: { kind: 'isolated' },
  tty: false,
  privileged: false,
  env: { CODEOCEAN: 'true' },
  command: ['bash', '-c', 'echo hi'],
  cgroupProcs: ['/sys/fs/cgroup/pids/x/cgroup.procs'],
  ...overrides,
});

function pairs(args: readonly string[], flag: string): string[][] {
  return args.flatMap((arg, i) => (arg === flag ? [args.slice(i + 1, i + 3)] : []));
}

describe('bwrapArgs', () => {
  it('isolates network, session and privileges of an unprivileged run without tty', () => {
    const args = bwrapArgs(plan());
    expect(args).toEqual(expect.arrayContaining(['--unshare-net', '--new-session', '--die-with-parent']));
    const inner = args.slice(args.indexOf('--') + 1);
    expect(inner.slice(0, 1)).toEqual(['/usr/bin/setpriv']);
    expect(inner).toEqual(expect.arrayContaining(['--reuid=1000', '--regid=1000', '--no-new-privs']));
    expect(inner.slice(-3)).toEqual(['bash', '-c', 'echo hi']);
  });

  it('binds the root read-only and only the allocation directories writable', () => {
    const args = bwrapArgs(plan());
    expect(pairs(args, '--ro-bind')).toEqual([
      ['/usr', '/usr'],
      ['/state/etc/passwd', '/etc/passwd'],
      ['/state/etc/masked-file', '/etc/shadow-'],
      ['/state/etc/masked-dir', '/etc/ssl/private'],
      ['/proc/sys', '/proc/sys'],
    ]);
    expect(pairs(args, '--bind')).toEqual([
      ['/state/allocations/a/tmp', '/tmp'],
      ['/state/allocations/a/workspace', '/workspace'],
    ]);
    expect(pairs(args, '--symlink')).toEqual([['usr/bin', '/bin']]);
  });

  it('gives a tty run its own session with the PTY as controlling terminal and stderr through the FIFO', () => {
    const args = bwrapArgs(plan({ tty: true, stderrFifo: '/state/run/x.stderr' }));
    expect(args).not.toContain('--new-session');
    expect(pairs(args, '--bind')).toContainEqual(['/state/run/x.stderr', STDERR_FIFO_TARGET]);
    const inner = args.slice(args.indexOf('--') + 1);
    expect(inner.slice(0, 4)).toEqual(['/bin/sh', '-c', 'exec 2>"$0" && exec "$@"', STDERR_FIFO_TARGET]);
    expect(inner.slice(4, 6)).toEqual(['/usr/bin/setsid', '--ctty']);
  });

  it('keeps root for privileged runs but only with a reduced capability set', () => {
    const inner = bwrapArgs(plan({ privileged: true }));
    expect(inner.join(' ')).not.toContain('--reuid');
    const bounding = inner.find((arg) => arg.startsWith('--bounding-set='));
    expect(bounding).toContain('-all,');
    expect(bounding).not.toMatch(/sys_admin|mknod|sys_ptrace|sys_module/);
  });

  it('passes hostile names and values as single argv entries, after clearing the environment', () => {
    const env = { CODEOCEAN: 'true', X: '$(touch /pwned); `id`', Y: '--unshare-all' };
    const args = bwrapArgs(plan({ env, command: ['sh', '-c', 'x', '; rm -rf /'] }));
    expect(args.indexOf('--clearenv')).toBeLessThan(args.indexOf('--setenv'));
    expect(pairs(args, '--setenv')).toEqual(
      expect.arrayContaining([
        ['X', env.X],
        ['Y', '--unshare-all'],
      ]),
    );
    expect(args.slice(-4)).toEqual(['sh', '-c', 'x', '; rm -rf /']);
  });

  it('enters the allocation network namespace instead of unsharing the network', () => {
    const command = sandboxCommand(plan({ network: { kind: 'namespace', path: '/run/netns/n' } }));
    expect(command.file).toBe('/bin/bash');
    const afterCgroups = command.args.slice(command.args.indexOf('--') + 1);
    expect(afterCgroups.slice(0, 4)).toEqual(['/usr/bin/nsenter', '--net=/run/netns/n', '--', '/usr/bin/bwrap']);
    expect(afterCgroups).not.toContain('--unshare-net');
  });

  it('names the cgroups to join before the launcher separator', () => {
    const command = sandboxCommand(plan());
    const launcher = command.args.indexOf('poseidon-launch');
    expect(command.args.slice(launcher + 1, launcher + 3)).toEqual(['/sys/fs/cgroup/pids/x/cgroup.procs', '--']);
  });
});
