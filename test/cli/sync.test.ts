/**
 * GitOps end to end: `poseidon sync` makes the real service's environments equal a folder. Exit codes: 0 nothing
 * changed, 2 changes applied (or planned with --dry-run), 1 error. Each test asserts what the server holds.
 */
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { environmentYaml, startCliWorld, type CliWorld } from './support/cli-harness';

let world: CliWorld;
let repo: string;

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
  repo = path.join(world.dir, 'repo');
  rmSync(repo, { recursive: true, force: true });
  mkdirSync(path.join(repo, 'languages'), { recursive: true });
});

function write(relative: string, text: string): void {
  writeFileSync(path.join(repo, relative), text);
}

function remove(relative: string): void {
  rmSync(path.join(repo, relative));
}

async function live(): Promise<Record<string, { id: number; pool: number }>> {
  const result: Record<string, { id: number; pool: number }> = {};
  for (const resource of await world.service.store.list('ExecutionEnvironment')) {
    result[resource.metadata.name] = { id: resource.spec.id, pool: resource.spec.prewarmingPoolSize };
  }
  return result;
}

async function seedRepo(): Promise<void> {
  write('languages/python.yaml', environmentYaml('python', 10, { labels: { managed: 'gitops' } }));
  write('languages/java.yaml', environmentYaml('java', 11, { labels: { managed: 'gitops' } }));
  write('ruby.yaml', environmentYaml('ruby', 12, { labels: { managed: 'gitops' } }));
  const first = await world.cli(['sync', '-f', repo]);
  expect(first.code).toBe(2);
}

describe('sync', () => {
  it('creates what is missing (exit 2), then finds nothing to do (exit 0)', async () => {
    write('languages/python.yaml', environmentYaml('python', 10));
    write('languages/java.yaml', environmentYaml('java', 11, { pool: 0 }));

    const first = await world.cli(['sync', '-f', repo]);
    expect(first.stderr).toBe('');
    expect(first.code).toBe(2);
    expect(first.stdout).toBe(
      [
        'Plan: 2 to create, 0 to update, 0 to delete, 0 unchanged',
        '  + executionenvironment/java (id 11)',
        '  + executionenvironment/python (id 10)',
        'executionenvironment/java created',
        'executionenvironment/python created',
        '',
      ].join('\n'),
    );
    expect(await live()).toEqual({ java: { id: 11, pool: 0 }, python: { id: 10, pool: 1 } });

    const second = await world.cli(['sync', '-f', repo]);
    expect(second.code).toBe(0);
    expect(second.stdout).toBe(
      [
        'Plan: 0 to create, 0 to update, 0 to delete, 2 unchanged',
        '    executionenvironment/java (id 11)',
        '    executionenvironment/python (id 10)',
        '',
      ].join('\n'),
    );
  });

  it('--dry-run prints the plan and exits 2 without changing anything; exit 0 when nothing would change', async () => {
    await seedRepo();
    write('ruby.yaml', environmentYaml('ruby', 12, { pool: 4, labels: { managed: 'gitops' } }));
    remove('languages/java.yaml');

    const dry = await world.cli(['sync', '-f', repo, '--prune', '--dry-run']);
    expect(dry.code).toBe(2);
    expect(dry.stdout).toContain('Plan: 0 to create, 1 to update, 1 to delete, 1 unchanged\n');
    expect(dry.stdout).toContain('  - executionenvironment/java (id 11)\n');
    expect(dry.stdout).toContain('  ~ executionenvironment/ruby (id 12): prewarmingPoolSize: 1 -> 4\n');
    expect(dry.stdout).toContain('executionenvironment/ruby configured (dry run)\n');
    expect(dry.stdout).toContain('dry run: nothing was changed\n');
    expect(await live()).toEqual({
      java: { id: 11, pool: 1 },
      python: { id: 10, pool: 1 },
      ruby: { id: 12, pool: 1 },
    });

    write('languages/java.yaml', environmentYaml('java', 11, { labels: { managed: 'gitops' } }));
    write('ruby.yaml', environmentYaml('ruby', 12, { labels: { managed: 'gitops' } }));
    expect((await world.cli(['sync', '-f', repo, '--prune', '--dry-run'])).code).toBe(0);
  });

  it('without --prune keeps environments that left the folder; with --prune deletes them', async () => {
    await seedRepo();
    remove('languages/java.yaml');
    write('ruby.yaml', environmentYaml('ruby', 12, { pool: 2, labels: { managed: 'gitops' } }));

    const kept = await world.cli(['sync', '-f', repo]);
    expect(kept.code).toBe(2);
    expect(kept.stdout).toContain('executionenvironment/ruby configured\n');
    expect(await live()).toEqual({
      java: { id: 11, pool: 1 },
      python: { id: 10, pool: 1 },
      ruby: { id: 12, pool: 2 },
    });

    const pruned = await world.cli(['sync', '-f', repo, '--prune']);
    expect(pruned.code).toBe(2);
    expect(pruned.stdout).toContain('executionenvironment/java deleted\n');
    expect(await live()).toEqual({ python: { id: 10, pool: 1 }, ruby: { id: 12, pool: 2 } });

    expect((await world.cli(['sync', '-f', repo, '--prune'])).code).toBe(0);
  });

  it('--prune with a selector deletes only the environments whose labels match', async () => {
    await seedRepo();
    await world.cli(['apply', '-f', '-'], { stdin: environmentYaml('by-hand', 50) });
    remove('ruby.yaml');

    const result = await world.cli(['sync', '-f', repo, '--prune', '--selector', 'managed=gitops']);
    expect(result.code).toBe(2);
    expect(Object.keys(await live()).sort()).toEqual(['by-hand', 'java', 'python']);
  });

  it('deletes before it creates, so an environment id can move to a new name in one sync', async () => {
    await seedRepo();
    remove('ruby.yaml');
    write('ruby-3.yaml', environmentYaml('ruby-3', 12, { labels: { managed: 'gitops' } }));

    const result = await world.cli(['sync', '-f', repo, '--prune']);
    expect(result.code).toBe(2);
    expect(result.stdout.indexOf('ruby deleted')).toBeLessThan(result.stdout.indexOf('ruby-3 created'));
    expect((await live())['ruby-3']).toEqual({ id: 12, pool: 1 });
    expect((await live()).ruby).toBeUndefined();
  });

  it('exits 1 and changes nothing when an id is held by an environment the sync keeps', async () => {
    await seedRepo();
    await world.cli(['apply', '-f', '-'], { stdin: environmentYaml('by-hand', 60) });
    write('clash.yaml', environmentYaml('clash', 60));
    write('ruby.yaml', environmentYaml('ruby', 12, { pool: 3, labels: { managed: 'gitops' } }));

    const result = await world.cli(['sync', '-f', repo]);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('executionenvironment/clash: environment id 60 is used by "by-hand"');
    expect(result.stderr).toContain('nothing was changed');
    expect((await live()).clash).toBeUndefined();
    expect((await live()).ruby).toEqual({ id: 12, pool: 1 });
  });

  it('exits 1 on invalid files, on an empty folder (unless --allow-empty), and on a missing folder', async () => {
    await seedRepo();
    write('broken.yaml', 'apiVersion: poseidon.openhpi.de/v1alpha1\nkind: ExecutionEnvironment\nmetadata: {name: x}\n');
    const invalid = await world.cli(['sync', '-f', repo, '--prune']);
    expect(invalid.code).toBe(1);
    expect(invalid.stderr).toContain(`${path.join(repo, 'broken.yaml')}:1:1: spec: is required`);
    expect(Object.keys(await live())).toHaveLength(3);

    const empty = path.join(world.dir, 'empty');
    mkdirSync(empty, { recursive: true });
    const refused = await world.cli(['sync', '-f', empty, '--prune']);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain('no ExecutionEnvironment resources in');
    expect(Object.keys(await live())).toHaveLength(3);

    const allowed = await world.cli(['sync', '-f', empty, '--prune', '--allow-empty', '--dry-run']);
    expect(allowed.code).toBe(2);
    expect(allowed.stdout).toContain('Plan: 0 to create, 0 to update, 3 to delete, 0 unchanged');

    const selectorAlone = await world.cli(['sync', '-f', repo, '--selector', 'a=b']);
    expect(selectorAlone).toMatchObject({ code: 1, stdout: '' });
    expect(selectorAlone.stderr).toContain('--selector only applies with --prune');

    const missing = await world.cli(['sync', '-f', path.join(world.dir, 'nope')]);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain('nope: no such file or directory');
  });

  it('--wait waits for the synced environments to be warm', async () => {
    write('languages/python.yaml', environmentYaml('python', 10, { pool: 2 }));
    const result = await world.cli(['sync', '-f', repo, '--wait', '--timeout', '60s']);
    expect(result.code).toBe(2);
    expect(result.stdout).toContain('executionenvironment/python warm (2/2 idle runners)\n');
  });
});
