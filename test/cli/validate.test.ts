/**
 * `poseidon validate` offline: no service, exit 0 for valid manifests, exit 1 with every problem as
 * `file:line:column: path: message`.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { environmentYaml, runCli } from './support/cli-harness';

let dir: string;

beforeEach(() => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'poseidon-validate-'));
  mkdirSync(path.join(dir, 'sub'));
});

afterEach(() => {
  rmSync(dir, { recursive: true, force: true });
});

function write(relative: string, text: string): string {
  const file = path.join(dir, relative);
  writeFileSync(file, text);
  return file;
}

describe('validate', () => {
  it('accepts valid manifests and lists them with their position', async () => {
    const a = write('a.yaml', environmentYaml('alpha', 1));
    write('sub/b.yaml', `# leading comment\n${environmentYaml('beta', 2)}---\n${environmentYaml('gamma', 3)}`);

    const result = await runCli(['validate', '-f', dir]);
    expect(result).toMatchObject({ code: 0, stderr: '' });
    expect(result.stdout).toBe(
      [
        '3 environments valid in 2 file(s)',
        `  ${a}:1:1: executionenvironment/alpha (id 1)`,
        `  ${path.join(dir, 'sub', 'b.yaml')}:2:1: executionenvironment/beta (id 2)`,
        `  ${path.join(dir, 'sub', 'b.yaml')}:12:1: executionenvironment/gamma (id 3)`,
        '',
      ].join('\n'),
    );
  });

  it('reports every error with file:line:column across files, and exits 1', async () => {
    const typo = write(
      'typo.yaml',
      environmentYaml('typo', 1).replace('prewarmingPoolSize: 1', 'prewarmingPoolSise: 1').replace('id: 1', 'id: -1'),
    );
    const syntax = write('sub/syntax.yaml', 'apiVersion: poseidon.openhpi.de/v1alpha1\nkind: [unclosed\n');
    const kind = write(
      'sub/runner.yaml',
      environmentYaml('runner', 5).replace('kind: ExecutionEnvironment', 'kind: Runner'),
    );
    const dupe = write('sub/z-dupe.yaml', environmentYaml('other', 7).replace('id: 7', 'id: 6'));
    write('sub/y-first.yaml', environmentYaml('first', 6));

    const result = await runCli(['validate', '-f', dir]);
    expect(result.code).toBe(1);
    expect(result.stdout).toBe('');
    const lines = result.stderr.trimEnd().split('\n');
    expect(lines[0]).toBe('poseidon: invalid manifests (5 errors):');
    expect(lines).toEqual(
      expect.arrayContaining([
        `${typo}:6:7: spec.id: must be an integer >= 0, got -1`,
        expect.stringMatching(new RegExp(`^${escape(typo)}:8:3: spec.prewarmingPoolSise: unknown field`)),
        expect.stringMatching(new RegExp(`^${escape(syntax)}:\\d+:\\d+: YAML: `)),
        `${kind}:2:7: kind: must be "ExecutionEnvironment", got "Runner"`,
        expect.stringMatching(new RegExp(`^${escape(dupe)}:6:7: spec.id: duplicate environment id 6, first used at `)),
      ]),
    );
  });

  it('reads standard input, and needs -f', async () => {
    const valid = await runCli(['validate', '-f', '-'], { stdin: environmentYaml('piped', 9) });
    expect(valid.code).toBe(0);
    expect(valid.stdout).toContain('<stdin>:1:1: executionenvironment/piped (id 9)');

    const none = await runCli(['validate']);
    expect(none.code).toBe(1);
    expect(none.stderr).toContain('no manifests given: use -f FILE, -f DIR or -f -');
  });
});

function escape(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
