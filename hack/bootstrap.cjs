#!/usr/bin/env node
// Makes a fresh clone ready to run: installs npm dependencies from the lock file when they are missing or stale,
// installs the Debian packages the embedded backend needs (bubblewrap, iproute2, nftables) when they are missing
// (quietly, as root; otherwise it says what to run, and stops when bubblewrap is missing), and with --build compiles
// the TypeScript sources. Uses only Node's standard library, because it
// runs before any dependency exists. `npm start` and `npm test` call it first.
'use strict';

const { spawnSync } = require('node:child_process');
const crypto = require('node:crypto');
const fs = require('node:fs');
const path = require('node:path');

const root = path.resolve(__dirname, '..');
const args = new Set(process.argv.slice(2));
const quiet = args.has('--quiet');

function info(message) {
  if (!quiet) process.stderr.write(`[bootstrap] ${message}\n`);
}

function run(command, argv, options = {}) {
  const result = spawnSync(command, argv, {
    cwd: root,
    stdio: quiet ? ['ignore', 'ignore', 'inherit'] : 'inherit',
    ...options,
  });
  return result.status === 0;
}

function onPath(command) {
  return (process.env.PATH || '').split(path.delimiter).some((dir) => dir && fs.existsSync(path.join(dir, command)));
}

function ensureNodeVersion() {
  const major = Number(process.versions.node.split('.')[0]);
  if (major < 20) {
    process.stderr.write(`[bootstrap] Node.js 20 or newer is required, this is ${process.version}\n`);
    process.exit(1);
  }
}

function ensureDependencies() {
  const lock = path.join(root, 'package-lock.json');
  const stamp = path.join(root, 'node_modules', '.bootstrap-lock-hash');
  const hash = crypto.createHash('sha256').update(fs.readFileSync(lock)).digest('hex');
  const current = fs.existsSync(stamp) ? fs.readFileSync(stamp, 'utf8').trim() : '';
  if (current === hash) return;
  info('installing npm dependencies from package-lock.json');
  if (!run('npm', ['ci', '--no-audit', '--no-fund', '--loglevel=error'])) {
    process.stderr.write('[bootstrap] npm ci failed; see the output above\n');
    process.exit(1);
  }
  fs.writeFileSync(stamp, hash);
}

/**
 * Debian packages the embedded backend needs, each found by one command: bubblewrap builds every sandbox (required);
 * iproute2 makes the network namespaces of runners with network access, and nftables masquerades their traffic and
 * keeps them off the host (without these two, network runners degrade as the embedded backend's README says).
 */
const SYSTEM_PACKAGES = [
  { name: 'bubblewrap', command: 'bwrap', required: true },
  { name: 'iproute2', command: 'ip', required: false },
  { name: 'nftables', command: 'nft', required: false },
];
const SYSTEM_DIRS = ['/usr/local/sbin', '/usr/local/bin', '/usr/sbin', '/usr/bin', '/sbin', '/bin'];

function installed(command) {
  return onPath(command) || SYSTEM_DIRS.some((dir) => fs.existsSync(path.join(dir, command)));
}

/** apt-get with its chatter swallowed; its stderr is shown only when it fails. */
function aptGet(argv) {
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  const result = spawnSync('apt-get', ['-q', '-y', '-o', 'Dpkg::Use-Pty=0', ...argv], {
    cwd: root,
    env,
    stdio: ['ignore', 'ignore', 'pipe'],
    encoding: 'utf8',
  });
  return { ok: result.status === 0, stderr: result.stderr || (result.error ? String(result.error) : '') };
}

function ensureSystemPackages() {
  if (process.platform !== 'linux' || process.env.POSEIDON_BOOTSTRAP_PACKAGES === 'skip') return;
  const missingNow = () => SYSTEM_PACKAGES.filter((pkg) => !installed(pkg.command));
  let missing = missingNow();
  if (missing.length === 0) return;
  const isRoot = typeof process.getuid === 'function' && process.getuid() === 0;
  let problem;
  if (!isRoot) problem = 'installing them needs root';
  else if (!installed('apt-get')) problem = 'this machine has no apt-get';
  else {
    const names = missing.map((pkg) => pkg.name);
    info(`installing ${names.join(', ')} (needed by the embedded backend's sandboxes)`);
    const install = ['install', '--no-install-recommends', ...names];
    let attempt = aptGet(install);
    if (!attempt.ok) attempt = aptGet(['update']).ok ? aptGet(install) : attempt;
    missing = missingNow();
    if (missing.length === 0) return;
    problem = attempt.ok
      ? 'apt-get installed them without their commands appearing'
      : `apt-get failed:\n${attempt.stderr.trim()}`;
  }
  const names = missing.map((pkg) => pkg.name);
  const required = missing.some((pkg) => pkg.required);
  process.stderr.write(
    `[bootstrap] the embedded backend needs the Debian packages ${names.join(', ')}, which are missing, and ` +
      `${problem}.\n` +
      `[bootstrap] Install them with: sudo apt-get install ${names.join(' ')}\n` +
      (required
        ? '[bootstrap] Without bubblewrap no runner can start. To use only the CLI or the nomad backend, set\n' +
          '[bootstrap] POSEIDON_BOOTSTRAP_PACKAGES=skip.\n'
        : '[bootstrap] Continuing without them: runners with network access then reach only this host or share its\n' +
          '[bootstrap] network (see controllers/backends/embedded/README.md).\n'),
  );
  if (required) process.exit(1);
}

function build() {
  info('compiling TypeScript');
  const tsc = path.join(root, 'node_modules', 'typescript', 'bin', 'tsc');
  if (!run(process.execPath, [tsc, '-p', 'tsconfig.json'])) {
    process.stderr.write('[bootstrap] the TypeScript build failed; see the errors above\n');
    process.exit(1);
  }
}

ensureNodeVersion();
ensureDependencies();
ensureSystemPackages();
if (args.has('--build')) build();
