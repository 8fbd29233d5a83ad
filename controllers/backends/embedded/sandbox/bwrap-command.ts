/**
 * The argv that starts one execution's sandbox, built as data (never as a shell string: paths, names, argv and
 * environment values cannot inject anything). The chain is:
 *
 *   bash LAUNCHER <cgroup.procs files> -- [nsenter --net=<ns> --] bwrap <namespaces, mounts, env> -- <inner>
 *
 * The launcher (a constant script run by the host's bash) joins the execution's cgroups before anything forks and
 * closes every inherited descriptor above stderr. bwrap creates the namespaces and the root. Inside, with a tty,
 * `setsid -c` gives the program its own session with the PTY as controlling terminal (so Ctrl-C/Ctrl-\ reach it and
 * not bwrap), then `setpriv` drops to `user` or to root with Docker's default capabilities, and execs the program.
 */
import { MASKED_DIR, MASKED_FILE, type RootLayout } from './root-filesystem';

/** Everything one sandbox start depends on. */
export interface SandboxPlan {
  readonly bwrapPath: string;
  readonly root: RootLayout;
  /** Directory with the generated identity files. */
  readonly etcDir: string;
  readonly workspaceDir: string;
  readonly tmpDir: string;
  readonly hostname: string;
  /**
   * `isolated`: a private network namespace with loopback only; `namespace`: the allocation's network namespace;
   * `host`: the host's network (only when network namespaces cannot be made; see the README).
   */
  readonly network:
    | { readonly kind: 'isolated' }
    | { readonly kind: 'host' }
    | { readonly kind: 'namespace'; readonly path: string };
  readonly tty: boolean;
  /** Host path of the FIFO stderr goes to (tty with separate stderr). */
  readonly stderrFifo?: string;
  readonly privileged: boolean;
  readonly env: Readonly<Record<string, string>>;
  readonly command: readonly string[];
  /** `cgroup.procs` files the process joins before it forks. */
  readonly cgroupProcs: readonly string[];
}

/** Where the stderr FIFO appears inside the sandbox. */
export const STDERR_FIFO_TARGET = '/dev/poseidon-stderr';
/** The uid and gid of `user`. */
export const USER_ID = 1000;

/** Joins the cgroups named before `--`, closes inherited descriptors > 2, then execs the rest. */
export const LAUNCHER = [
  'while [ "$1" != -- ]; do printf "%s\\n" "$$" > "$1" || exit 125; shift; done; shift',
  'for fd in /proc/$$/fd/*; do fd=${fd##*/}; if [ "$fd" -gt 2 ]; then { exec {fd}>&-; } 2>/dev/null; fi; done',
  'exec "$@"',
].join('\n');

/** Docker's default capabilities minus mknod, setfcap and setpcap (no device nodes, no file capabilities). */
const ROOT_CAPABILITIES = [
  'chown',
  'dac_override',
  'fowner',
  'fsetid',
  'kill',
  'setgid',
  'setuid',
  'net_bind_service',
  'net_raw',
  'sys_chroot',
  'audit_write',
];

function privilegeArgs(privileged: boolean): string[] {
  if (privileged) {
    return ['--inh-caps=-all', `--bounding-set=-all,${ROOT_CAPABILITIES.map((cap) => `+${cap}`).join(',')}`];
  }
  return [
    `--reuid=${USER_ID}`,
    `--regid=${USER_ID}`,
    '--clear-groups',
    '--inh-caps=-all',
    '--bounding-set=-all',
    '--no-new-privs',
  ];
}

function rootArgs(plan: SandboxPlan): string[] {
  const args: string[] = [];
  for (const entry of plan.root.entries) {
    if (entry.kind === 'symlink') args.push('--symlink', entry.source, entry.target);
    else args.push('--ro-bind', entry.source, entry.target);
  }
  for (const target of plan.root.identityTargets) {
    args.push('--ro-bind', `${plan.etcDir}/${target.slice('/etc/'.length)}`, target);
  }
  for (const masked of plan.root.masked) {
    args.push('--ro-bind', `${plan.etcDir}/${masked.kind === 'dir' ? MASKED_DIR : MASKED_FILE}`, masked.target);
  }
  if (plan.root.needsRootHome) args.push('--perms', '0700', '--dir', '/root');
  return args;
}

function innerCommand(plan: SandboxPlan): string[] {
  const inner = ['/usr/bin/setpriv', ...privilegeArgs(plan.privileged), '--', ...plan.command];
  if (!plan.tty) return inner;
  const session = ['/usr/bin/setsid', '--ctty', ...inner];
  if (!plan.stderrFifo) return session;
  return ['/bin/sh', '-c', 'exec 2>"$0" && exec "$@"', STDERR_FIFO_TARGET, ...session];
}

/** bwrap's own arguments (namespaces, mounts, environment) followed by `--` and the inner command. */
export function bwrapArgs(plan: SandboxPlan): string[] {
  const args = ['--unshare-pid', '--unshare-ipc', '--unshare-uts', '--unshare-cgroup-try', '--die-with-parent'];
  if (plan.network.kind === 'isolated') args.push('--unshare-net');
  if (!plan.tty) args.push('--new-session');
  args.push('--hostname', plan.hostname, ...rootArgs(plan));
  // bwrap leaves /proc/sys writable (its write check on the directory fails even for root, so it thinks it is
  // read-only already): root inside could change the host's kernel settings (core_pattern runs a program on the
  // host). A read-only bind of it closes that.
  args.push('--proc', '/proc', '--ro-bind', '/proc/sys', '/proc/sys', '--dev', '/dev');
  args.push('--bind', plan.tmpDir, '/tmp', '--bind', plan.workspaceDir, '/workspace');
  if (plan.stderrFifo) args.push('--bind', plan.stderrFifo, STDERR_FIFO_TARGET);
  args.push('--chdir', '/workspace', '--clearenv');
  for (const [name, value] of Object.entries(plan.env)) args.push('--setenv', name, value);
  return [...args, '--', ...innerCommand(plan)];
}

/** The program and argv to spawn for `plan`. */
export function sandboxCommand(plan: SandboxPlan): { file: string; args: string[] } {
  const netns = plan.network.kind === 'namespace' ? ['/usr/bin/nsenter', `--net=${plan.network.path}`, '--'] : [];
  return {
    file: '/bin/bash',
    // --norc: bash reads ~/.bashrc when its stdin is a socket (node's stdio pipes are socketpairs).
    args: [
      '--norc',
      '--noprofile',
      '-c',
      LAUNCHER,
      'poseidon-launch',
      ...plan.cgroupProcs,
      '--',
      ...netns,
      plan.bwrapPath,
      ...bwrapArgs(plan),
    ],
  };
}
