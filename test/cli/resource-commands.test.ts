/**
 * The operator CLI end to end against one real service (embedded backend, real sandboxes): apply (with --dry-run
 * and --wait), get in every output, describe, diff, delete. Each test asserts what the server holds afterwards.
 */
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { parseAllDocuments } from 'yaml';
import { environmentYaml, startCliWorld, type CliWorld } from './support/cli-harness';

let world: CliWorld;
let files: string;

beforeAll(async () => {
  world = await startCliWorld();
});

afterAll(async () => {
  await world?.destroy();
});

beforeEach(async () => {
  for (const resource of await world.service.store.list('ExecutionEnvironment')) {
    await world.service.store.delete('ExecutionEnvironment', resource.metadata.name);
  }
  files = path.join(world.dir, 'files');
  rmSync(files, { recursive: true, force: true });
  mkdirSync(path.join(files, 'nested'), { recursive: true });
});

function write(relative: string, text: string): string {
  const file = path.join(files, relative);
  writeFileSync(file, text);
  return file;
}

async function stored(name: string) {
  return world.service.store.get('ExecutionEnvironment', name);
}

describe('apply', () => {
  it('creates every environment of a folder (recursively, multi-document) and reports unchanged on a re-apply', async () => {
    write('a.yaml', environmentYaml('alpha', 101));
    write('nested/b.yml', `${environmentYaml('beta', 102)}---\n${environmentYaml('gamma', 103, { pool: 0 })}`);

    const first = await world.cli(['apply', '-f', files]);
    expect(first).toMatchObject({ code: 0, stderr: '' });
    expect(first.stdout).toBe(
      'executionenvironment/alpha created\nexecutionenvironment/beta created\nexecutionenvironment/gamma created\n',
    );
    expect((await stored('beta'))?.spec).toMatchObject({ id: 102, image: 'host', prewarmingPoolSize: 1 });

    const again = await world.cli(['apply', '-f', files]);
    expect(again.code).toBe(0);
    expect(again.stdout).toContain('executionenvironment/alpha unchanged');
    expect((await stored('alpha'))?.metadata.generation).toBe(1);
  });

  it('updates a changed environment, and --dry-run changes nothing', async () => {
    const file = write('a.yaml', environmentYaml('alpha', 101));
    await world.cli(['apply', '-f', file]);
    write('a.yaml', environmentYaml('alpha', 101, { pool: 2, memory: 128 }));

    const dry = await world.cli(['apply', '-f', file, '--dry-run']);
    expect(dry).toMatchObject({ code: 0, stdout: 'executionenvironment/alpha configured (dry run)\n' });
    expect((await stored('alpha'))?.spec.prewarmingPoolSize).toBe(1);

    const real = await world.cli(['apply', '-f', file]);
    expect(real).toMatchObject({ code: 0, stdout: 'executionenvironment/alpha configured\n' });
    expect((await stored('alpha'))?.spec).toMatchObject({ prewarmingPoolSize: 2, memoryLimit: 128 });
    expect((await stored('alpha'))?.metadata.generation).toBe(2);
  });

  it('reads standard input with -f -', async () => {
    const result = await world.cli(['apply', '-f', '-'], { stdin: environmentYaml('stdin-env', 120) });
    expect(result).toMatchObject({ code: 0, stdout: 'executionenvironment/stdin-env created\n' });
    expect(await stored('stdin-env')).toBeDefined();
  });

  it('rejects invalid files with file:line:column errors and writes nothing, not even the valid documents', async () => {
    const good = write('good.yaml', environmentYaml('good', 130));
    const bad = write('bad.yaml', environmentYaml('bad', 131).replace('memoryLimit: 256', 'memoryLimit: 256MB'));

    const result = await world.cli(['apply', '-f', good, '-f', bad]);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain(`${bad}:9:16: spec.memoryLimit: must be an integer`);
    expect(result.stderr).toContain('nothing was sent to the server');
    expect(await world.service.store.list('ExecutionEnvironment')).toEqual([]);
  });

  it('refuses a plan whose environment id belongs to another live environment, before writing anything', async () => {
    await world.cli(['apply', '-f', '-'], { stdin: environmentYaml('owner', 140) });
    write('x.yaml', `${environmentYaml('first', 141)}---\n${environmentYaml('thief', 140)}`);

    const result = await world.cli(['apply', '-f', files]);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('executionenvironment/thief: environment id 140 is used by "owner"');
    expect(await stored('first')).toBeUndefined();
  });

  it('--wait waits until the prewarmed pool is warm, and the runners exist', async () => {
    const file = write('w.yaml', environmentYaml('warm-me', 150, { pool: 2 }));

    const result = await world.cli(['apply', '-f', file, '--wait', '--timeout', '60s']);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('executionenvironment/warm-me created\n');
    expect(result.stdout).toContain('executionenvironment/warm-me warm (2/2 idle runners)\n');
    const runners = (await world.service.store.list('Runner')).filter((runner) => runner.spec.environmentId === 150);
    expect(runners.filter((runner) => !runner.spec.claim)).toHaveLength(2);
    expect((await stored('warm-me'))?.status?.conditions?.find((c) => c.type === 'Ready')?.status).toBe('True');
  });

  it('--wait gives up at the timeout and says what each environment still waits for', async () => {
    const file = write('slow.yaml', environmentYaml('slow', 160, { pool: 3 }));

    const result = await world.cli(['apply', '-f', file, '--wait', '--timeout', '0s']);
    expect(result.code).toBe(1);
    expect(result.stdout).toContain('executionenvironment/slow created\nwaiting for slow ');
    expect(result.stderr).toMatch(
      /timed out after 0s waiting for warm pools:\n {2}executionenvironment\/slow: \d\/3 idle runners; (the controller has not processed generation 1 yet|no Ready condition yet|Ready=False \w+: .+)\n$/,
    );
  });
});

describe('get', () => {
  beforeEach(async () => {
    await world.cli(['apply', '-f', '-'], {
      stdin: `${environmentYaml('python', 10, { labels: { lang: 'python' } })}---\n${environmentYaml('java', 11, { pool: 0 })}`,
    });
  });

  it('prints a table, and a wide table', async () => {
    const table = await world.cli(['get']);
    expect(table.code).toBe(0);
    const lines = table.stdout.trimEnd().split('\n');
    expect(lines[0]).toMatch(/^NAME\s+ID\s+IMAGE\s+POOL\s+READY\s+AGE$/);
    expect(lines.slice(1).map((line) => line.split(/\s+/).slice(0, 3))).toEqual([
      ['java', '11', 'host'],
      ['python', '10', 'host'],
    ]);
    const wide = await world.cli(['get', '-o', 'wide', 'python']);
    expect(wide.stdout).toMatch(/^NAME\s+ID\s+IMAGE\s+POOL\s+READY\s+AGE\s+USED\s+CPU\s+MEMORY\s+NETWORK\s+PORTS/);
    expect(wide.stdout).toMatch(/python\s+10\s+host\s+.*40MHz\s+256MB\s+no\s+-\s+1\//);
  });

  it('prints YAML that applies back as unchanged', async () => {
    const yaml = await world.cli(['get', '-o', 'yaml']);
    const documents = parseAllDocuments(yaml.stdout).map(
      (document) => document.toJS() as { metadata: { name: string } },
    );
    expect(documents.map((document) => document.metadata.name)).toEqual(['java', 'python']);
    expect(documents[1]).toMatchObject({ metadata: { labels: { lang: 'python' }, generation: 1 } });

    const reapplied = await world.cli(['apply', '-f', '-'], { stdin: yaml.stdout });
    expect(reapplied).toMatchObject({
      code: 0,
      stdout: 'executionenvironment/java unchanged\nexecutionenvironment/python unchanged\n',
    });
  });

  it('prints JSON: the object for one name (or id), a list otherwise', async () => {
    const one = JSON.parse((await world.cli(['get', '10', '-o', 'json'])).stdout) as { metadata: { name: string } };
    expect(one.metadata.name).toBe('python');
    const all = JSON.parse((await world.cli(['get', '-o', 'json'])).stdout) as { kind: string; items: unknown[] };
    expect(all.kind).toBe('ExecutionEnvironmentList');
    expect(all.items).toHaveLength(2);
  });

  it('prints names, and fails for an unknown one or an unknown format', async () => {
    expect((await world.cli(['get', '-o', 'name'])).stdout).toBe(
      'executionenvironment/java\nexecutionenvironment/python\n',
    );
    const missing = await world.cli(['get', 'nope']);
    expect(missing).toMatchObject({ code: 1, stdout: '' });
    expect(missing.stderr).toContain('no ExecutionEnvironment named (or with the id) "nope"');
    const format = await world.cli(['get', '-o', 'xml']);
    expect(format.code).toBe(1);
    expect(format.stderr).toContain('unknown output format "xml"');
  });
});

describe('describe', () => {
  it('shows spec, live pool figures, conditions and the recent events', async () => {
    const file = write('d.yaml', environmentYaml('described', 20, { pool: 1 }));
    await world.cli(['apply', '-f', file, '--wait', '--timeout', '60s']);
    write('d.yaml', environmentYaml('described', 20, { pool: 0 }));
    await world.cli(['apply', '-f', file]);

    const result = await world.cli(['describe', 'described']);
    expect(result.code).toBe(0);
    const text = result.stdout;
    expect(text).toMatch(/^Name:\s+described$/m);
    expect(text).toMatch(/^Environment ID:\s+20$/m);
    expect(text).toMatch(/^ {2}Image:\s+host$/m);
    expect(text).toMatch(/^ {2}Memory Limit:\s+256 MB$/m);
    expect(text).toMatch(/^ {2}Pool:\s+\d+ idle of 0, 0 in use$/m);
    expect(text).toMatch(/^Conditions:\n {2}TYPE\s+STATUS\s+REASON/m);
    expect(text).toMatch(/^ {2}Ready\s+(True|False)\s+\w+/m);
    expect(text).toMatch(/Normal\s+Created\s+created: id 20, image host, pool 1/);
    expect(text).toMatch(/Normal\s+PoolReady\s+Ready=True/);
    expect(text).toMatch(/Normal\s+SpecChanged\s+generation 1 -> 2: prewarmingPoolSize 1 -> 0/);
  });
});

describe('diff', () => {
  it('exits 0 with no output when the files match, 2 with a unified diff when they do not', async () => {
    const file = write('a.yaml', environmentYaml('alpha', 30));
    await world.cli(['apply', '-f', file]);
    expect(await world.cli(['diff', '-f', file])).toEqual({ code: 0, stdout: '', stderr: '' });

    write('a.yaml', environmentYaml('alpha', 30, { pool: 3 }));
    write('new.yaml', environmentYaml('fresh', 31));
    const result = await world.cli(['diff', '-f', files]);
    expect(result.code).toBe(2);
    expect(result.stdout).toContain(
      '--- a/executionenvironment/alpha\tlive\n+++ b/executionenvironment/alpha\tdesired\n',
    );
    expect(result.stdout).toContain('-  prewarmingPoolSize: 1\n+  prewarmingPoolSize: 3\n');
    expect(result.stdout).toContain('--- /dev/null\tlive\n+++ b/executionenvironment/fresh\tdesired\n');
    expect(result.stdout).toContain('+  id: 31\n');
    expect((await stored('alpha'))?.spec.prewarmingPoolSize).toBe(1);
  });

  it('with --prune, also shows the environments that are not in the files', async () => {
    await world.cli(['apply', '-f', '-'], { stdin: environmentYaml('orphan', 32) });
    const file = write('a.yaml', environmentYaml('alpha', 33));
    const result = await world.cli(['diff', '--prune', '-f', file]);
    expect(result.code).toBe(2);
    expect(result.stdout).toContain('--- a/executionenvironment/orphan\tlive\n+++ /dev/null\tdesired\n');
  });
});

describe('delete', () => {
  beforeEach(async () => {
    await world.cli(['apply', '-f', '-'], {
      stdin: [environmentYaml('one', 40), environmentYaml('two', 41), environmentYaml('three', 42)].join('---\n'),
    });
  });

  it('deletes by name and by environment id, and the environments are gone', async () => {
    const result = await world.cli(['delete', 'one', '41']);
    expect(result).toMatchObject({
      code: 0,
      stdout: 'executionenvironment/one deleted\nexecutionenvironment/two deleted\n',
    });
    expect((await world.service.store.list('ExecutionEnvironment')).map((e) => e.metadata.name)).toEqual(['three']);
  });

  it('deletes the environments named in files', async () => {
    const file = write('three.yaml', environmentYaml('three', 42));
    expect((await world.cli(['delete', '-f', file])).stdout).toBe('executionenvironment/three deleted\n');
    expect(await stored('three')).toBeUndefined();
  });

  it('fails on an unknown name without deleting the others, unless --ignore-not-found', async () => {
    const failed = await world.cli(['delete', 'one', 'ghost']);
    expect(failed.code).toBe(1);
    expect(failed.stderr).toContain('"ghost"');
    expect(await stored('one')).toBeDefined();

    const ignored = await world.cli(['delete', 'one', 'ghost', '--ignore-not-found']);
    expect(ignored).toMatchObject({ code: 0, stdout: 'executionenvironment/one deleted\n' });
    expect(await stored('one')).toBeUndefined();
  });

  it('--dry-run deletes nothing', async () => {
    expect((await world.cli(['delete', 'two', '--dry-run'])).stdout).toBe(
      'executionenvironment/two deleted (dry run)\n',
    );
    expect(await stored('two')).toBeDefined();
  });
});

describe('connection', () => {
  it('fails clearly with a wrong token, and when nothing listens', async () => {
    const wrong = await world.cli(['get'], { env: { POSEIDON_SERVER: world.server, POSEIDON_TOKEN: 'wrong' } });
    expect(wrong.code).toBe(1);
    expect(wrong.stderr).toContain('rejected the token (401)');

    const flags = await world.cli(['get', '--server', world.server, '--token', world.token], { env: {} });
    expect(flags.code).toBe(0);

    const nobody = await world.cli(['get', '--server', 'http://127.0.0.1:9'], { env: {} });
    expect(nobody.code).toBe(1);
    expect(nobody.stderr).toContain('cannot reach the service at http://127.0.0.1:9');

    const bad = await world.cli(['get', '--server', 'ftp://x'], { env: {} });
    expect(bad.stderr).toContain('must be an http:// or https:// URL');
  });
});
