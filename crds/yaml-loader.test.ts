import { mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'yaml';
import { dumpYaml } from './yaml-dumper';
import { formatManifestError, loadManifests, parseManifests, type LoadResult } from './yaml-loader';

const python = `apiVersion: poseidon.openhpi.de/v1alpha1
kind: ExecutionEnvironment
metadata:
  name: python
spec:
  id: 10
  image: openhpi/co_execenv_python:3.8
`;

function environment(name: string, id: number, extra = ''): string {
  return `apiVersion: poseidon.openhpi.de/v1alpha1
kind: ExecutionEnvironment
metadata:
  name: ${name}
spec:
  id: ${id}
  image: img-${name}
${extra}`;
}

function errorLines(result: LoadResult): string[] {
  if (result.ok) throw new Error('expected errors');
  return result.errors.map(formatManifestError);
}

describe('parseManifests', () => {
  it('returns typed, defaulted resources with their source positions and skips empty documents', () => {
    const text = `# leading comment\n---\n${python}---\n---\n# nothing here\n---\n${environment('java', 11)}`;
    const result = parseManifests(text, 'envs.yaml');
    if (!result.ok) throw new Error(result.errors.map(formatManifestError).join('\n'));
    expect(result.resources.map((r) => [r.resource.metadata.name, r.source])).toEqual([
      ['python', { file: 'envs.yaml', line: 3, column: 1, document: 0 }],
      ['java', { file: 'envs.yaml', line: 14, column: 1, document: 3 }],
    ]);
    const first = result.resources[0]?.resource;
    expect(first?.kind === 'ExecutionEnvironment' && first.spec.cpuLimit).toBe(40);
  });

  it('names file, line, column and field of a bad value', () => {
    const text = `${python}  memoryLimit: "256MB"\n`;
    expect(errorLines(parseManifests(text, 'envs/python.yaml'))).toEqual([
      'envs/python.yaml:8:16: spec.memoryLimit: must be an integer >= 0, got "256MB"',
    ]);
  });

  it('reports unknown fields at their key, missing fields at their parent, list items at the item', () => {
    const text = `${environment('a', 1, '  exposedPorts: [80, 0]\n  memorylimit: 5\n')}---\n${python.replace('  image: openhpi/co_execenv_python:3.8\n', '')}`;
    expect(errorLines(parseManifests(text, 'f.yaml'))).toEqual([
      'f.yaml:8:22: spec.exposedPorts[1]: must be an integer between 1 and 65535, got 0',
      'f.yaml:9:3: spec.memorylimit: unknown field (did you mean "memoryLimit"?)',
      'f.yaml:16:3: spec.image: is required',
    ]);
  });

  it('reports YAML syntax errors and duplicate keys with their position', () => {
    expect(errorLines(parseManifests(`${python}  id: 11\n`, 'dup.yaml'))).toEqual([
      'dup.yaml:8:3: YAML: Map keys must be unique',
    ]);
    const [line] = errorLines(parseManifests('spec: [1, 2\nkind: x\n', 'bad.yaml'));
    expect(line).toMatch(/^bad\.yaml:\d+:\d+: YAML: /);
  });

  it('rejects documents that are not mappings, and kinds not asked for', () => {
    expect(errorLines(parseManifests('- a\n- b\n', 'list.yaml'))).toEqual([
      'list.yaml:1:1: must be an object with apiVersion, kind, metadata and spec, got ["a","b"]',
    ]);
    const runner =
      'apiVersion: poseidon.openhpi.de/v1alpha1\nkind: Runner\nmetadata: {name: r}\nspec: {environmentId: 1, templateRevision: x}\n';
    expect(errorLines(parseManifests(runner, 'r.yaml', { kinds: ['ExecutionEnvironment'] }))).toEqual([
      'r.yaml:2:7: kind: must be "ExecutionEnvironment", got "Runner"',
    ]);
  });

  it('refuses alias bombs instead of expanding them', () => {
    const lines = ['a: &a [x, x, x, x, x, x, x, x, x, x]'];
    for (let i = 0; i < 8; i++)
      lines.push(`${'bcdefghij'[i]}: &${'bcdefghij'[i]} [${Array(10).fill(`*${'abcdefghij'[i]}`).join(', ')}]`);
    const [line] = errorLines(parseManifests(`${lines.join('\n')}\n`, 'bomb.yaml'));
    expect(line).toMatch(/^bomb\.yaml:1:1: YAML: .*alias/i);
  });
});

describe('loadManifests', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'manifests-'));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('loads a folder recursively in sorted order, only *.yaml and *.yml, skipping hidden entries', async () => {
    await mkdir(join(dir, 'b', 'nested'), { recursive: true });
    await mkdir(join(dir, '.hidden'));
    await writeFile(join(dir, 'b', 'nested', 'z.yml'), environment('z', 3));
    await writeFile(join(dir, 'b', 'a.yaml'), environment('b-a', 2));
    await writeFile(join(dir, 'a.yaml'), environment('a', 1));
    await writeFile(join(dir, 'notes.txt'), 'not yaml');
    await writeFile(join(dir, '.hidden', 'x.yaml'), 'broken: [');
    await symlink(join(dir, 'b'), join(dir, 'b', 'nested', 'loop'));
    const result = await loadManifests([dir]);
    if (!result.ok) throw new Error(result.errors.map(formatManifestError).join('\n'));
    expect(result.resources.map((r) => [r.source.file.slice(dir.length + 1), r.resource.metadata.name])).toEqual([
      ['a.yaml', 'a'],
      ['b/a.yaml', 'b-a'],
      ['b/nested/z.yml', 'z'],
    ]);
  });

  it('returns every error and no resources when any document is bad, including duplicates across files', async () => {
    await writeFile(join(dir, 'a.yaml'), environment('a', 1));
    await writeFile(join(dir, 'b.yaml'), `${environment('b', 1)}---\n${environment('a', 2, '  cpuLimit: -1\n')}`);
    const lines = errorLines(await loadManifests([dir, join(dir, 'missing.yaml')]));
    expect(lines.map((line) => line.split(dir).join('D'))).toEqual([
      'D/missing.yaml: no such file or directory',
      'D/b.yaml:16:13: spec.cpuLimit: must be an integer >= 0, got -1',
      'D/b.yaml:6:7: spec.id: duplicate environment id 1, first used at D/a.yaml:1:1',
    ]);
  });

  it('reads standard input for "-" from the text the caller passes', async () => {
    const result = await loadManifests(['-'], { stdin: environment('from-stdin', 4) });
    expect(result.ok && result.resources[0]?.source.file).toBe('<stdin>');
    expect(errorLines(await loadManifests(['-']))).toEqual(['<stdin>: standard input was not provided']);
  });

  it('finds a duplicate name between files and points at the later one', async () => {
    await writeFile(join(dir, 'one.yaml'), environment('same', 1));
    await writeFile(join(dir, 'two.yaml'), `\n\n${environment('same', 2)}`);
    const lines = errorLines(await loadManifests([dir]));
    expect(lines.map((line) => line.split(dir).join('D'))).toEqual([
      'D/two.yaml:6:9: metadata.name: duplicate ExecutionEnvironment name "same", first defined at D/one.yaml:1:1',
    ]);
  });
});

describe('dumpYaml', () => {
  it('writes documents that load back to the same resources', () => {
    const result = parseManifests(`${python}---\n${environment('java', 11, '  exposedPorts: [8080]\n')}`, 'in.yaml');
    if (!result.ok) throw new Error('fixture invalid');
    const resources = result.resources.map((r) => r.resource);
    const dumped = dumpYaml(resources);
    expect(dumped.split('\n')[0]).toBe('apiVersion: poseidon.openhpi.de/v1alpha1');
    const again = parseManifests(dumped, 'out.yaml');
    expect(again.ok && again.resources.map((r) => r.resource)).toEqual(resources);
    expect(parse(dumpYaml([resources[0]]))).toEqual(resources[0]);
    expect(dumpYaml([])).toBe('');
  });
});
