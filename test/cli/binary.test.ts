/**
 * The real `poseidon` binary (dist/controllers/cli/main.js, built before jest by `npm test`) in child processes
 * against a real service that speaks HTTPS: TLS trust (`--ca`, `--insecure`), standard input, exit codes. Few spawns:
 * each child loads the whole service stack, which takes seconds on a loaded 2-core machine.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { selfSignedCertificate } from '../api/support/tls-material';
import { environmentYaml, spawnCli, startCliWorld, type CliWorld } from './support/cli-harness';

// Each child process loads the whole service stack; on a loaded 2-core machine that takes seconds.
jest.setTimeout(240_000);

let world: CliWorld;
let tlsDir: string;
let ca: string;
let env: Record<string, string>;

beforeAll(async () => {
  const material = selfSignedCertificate();
  tlsDir = mkdtempSync(path.join(os.tmpdir(), 'poseidon-cli-tls-'));
  ca = path.join(tlsDir, 'cert.pem');
  const key = path.join(tlsDir, 'key.pem');
  writeFileSync(ca, material.cert);
  writeFileSync(key, material.key);
  world = await startCliWorld({
    env: { POSEIDON_SERVER_TLS_ACTIVE: 'true', POSEIDON_SERVER_TLS_CERTFILE: ca, POSEIDON_SERVER_TLS_KEYFILE: key },
  });
  env = { POSEIDON_SERVER: world.server, POSEIDON_TOKEN: world.token };
});

afterAll(async () => {
  await world?.destroy();
  if (tlsDir) rmSync(tlsDir, { recursive: true, force: true });
});

describe('the poseidon binary', () => {
  it('refuses an untrusted certificate with a hint, and works with --ca', async () => {
    expect(world.server).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/);
    const untrusted = await spawnCli(['get'], { env });
    expect(untrusted.code).toBe(1);
    expect(untrusted.stderr).toMatch(
      /^poseidon: cannot reach the service at https:\/\/127\.0\.0\.1:\d+: .*certificate/,
    );
    expect(untrusted.stderr).toContain('--ca FILE');

    const applied = await spawnCli(['apply', '-f', '-', '--ca', ca], { env, stdin: environmentYaml('piped', 70) });
    expect(applied).toMatchObject({ code: 0, stdout: 'executionenvironment/piped created\n', stderr: '' });
    expect((await world.service.store.get('ExecutionEnvironment', 'piped'))?.spec.id).toBe(70);
  });

  it('exits 2 from diff and sync when something changes, 0 when not, 1 on errors (with --insecure)', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'poseidon-cli-bin-'));
    try {
      writeFileSync(path.join(dir, 'a.yaml'), environmentYaml('from-disk', 71));
      const flags = ['-f', dir, '--insecure'];
      expect((await spawnCli(['diff', ...flags], { env })).code).toBe(2);
      expect(await world.service.store.get('ExecutionEnvironment', 'from-disk')).toBeUndefined();
      expect((await spawnCli(['sync', ...flags], { env })).code).toBe(2);
      expect((await world.service.store.get('ExecutionEnvironment', 'from-disk'))?.spec.id).toBe(71);
      expect((await spawnCli(['sync', ...flags], { env })).code).toBe(0);

      writeFileSync(path.join(dir, 'b.yaml'), 'kind: ExecutionEnvironment\n');
      const invalid = await spawnCli(['validate', '-f', dir], { env: {} });
      expect(invalid.code).toBe(1);
      expect(invalid.stderr).toContain(`${path.join(dir, 'b.yaml')}:1:1: apiVersion: is required`);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('prints help for every command', async () => {
    const help = await spawnCli(['--help'], { env: {} });
    expect(help.code).toBe(0);
    for (const command of ['serve', 'apply', 'get', 'describe', 'delete', 'diff', 'sync', 'validate']) {
      expect(help.stdout).toMatch(new RegExp(`^ {2}${command}\\b`, 'm'));
    }
  });
});
