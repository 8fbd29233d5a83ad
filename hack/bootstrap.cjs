#!/usr/bin/env node
// Makes a fresh clone ready to run: installs npm dependencies from the lock file when they are missing or stale,
// installs bubblewrap (the embedded backend's sandbox tool) from Debian's packages when it is missing and this
// machine allows it, and with --build compiles the TypeScript sources. Uses only Node's standard library, because it
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

function ensureBubblewrap() {
  if (process.platform !== 'linux' || onPath('bwrap')) return;
  const isRoot = typeof process.getuid === 'function' && process.getuid() === 0;
  if (isRoot && onPath('apt-get')) {
    info('installing bubblewrap (the embedded backend runs each runner in a bubblewrap sandbox)');
    const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
    const install = () => run('apt-get', ['install', '-y', '-q', 'bubblewrap'], { env });
    if (install() || (run('apt-get', ['update', '-q'], { env }) && install())) return;
  }
  process.stderr.write(
    '[bootstrap] bubblewrap (bwrap) is not installed and could not be installed here.\n' +
      '[bootstrap] The embedded backend needs it: run `sudo apt-get install bubblewrap` (Debian/Ubuntu),\n' +
      '[bootstrap] or use the nomad backend (POSEIDON_BACKEND=nomad).\n',
  );
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
ensureBubblewrap();
if (args.has('--build')) build();
