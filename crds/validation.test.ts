import { checkResourceSet } from './resource-set-check';
import type { AnyResource } from './resources';
import { formatIssues, validateKind, validateResource, type ValidationIssue } from './validation';

const API = 'poseidon.openhpi.de/v1alpha1';

function environmentDoc(spec: Record<string, unknown> = {}, metadata: Record<string, unknown> = {}) {
  return {
    apiVersion: API,
    kind: 'ExecutionEnvironment',
    metadata: { name: 'python', ...metadata },
    spec: { id: 10, image: 'python:3.12', ...spec },
  };
}

function issuesOf(document: unknown): Pick<ValidationIssue, 'path' | 'message'>[] {
  const result = validateResource(document);
  if (result.ok) throw new Error('expected the document to be invalid');
  return result.issues.map(({ path, message }) => ({ path, message }));
}

describe('validateResource', () => {
  it('returns the resource with schema defaults filled in and leaves the input untouched', () => {
    const document = environmentDoc();
    const result = validateResource(document);
    expect(result).toEqual({
      ok: true,
      value: {
        ...document,
        spec: {
          id: 10,
          image: 'python:3.12',
          prewarmingPoolSize: 0,
          cpuLimit: 40,
          memoryLimit: 0,
          networkAccess: false,
          exposedPorts: [],
        },
      },
    });
    expect(document.spec).toEqual({ id: 10, image: 'python:3.12' });
  });

  it('explains a wrong type with the expected type, bound and the value it got', () => {
    expect(issuesOf(environmentDoc({ memoryLimit: '256MB' }))).toEqual([
      { path: 'spec.memoryLimit', message: 'must be an integer >= 0, got "256MB"' },
    ]);
    expect(issuesOf(environmentDoc({ cpuLimit: 2.5, memoryLimit: 3e9 }))).toEqual([
      { path: 'spec.cpuLimit', message: 'must be an integer >= 0, got 2.5' },
      { path: 'spec.memoryLimit', message: 'must be an integer <= 2147483647, got 3000000000' },
    ]);
  });

  it('names the expected apiVersion and the allowed kinds', () => {
    expect(issuesOf({ ...environmentDoc(), apiVersion: 'v1' })).toEqual([
      { path: 'apiVersion', message: 'must be "poseidon.openhpi.de/v1alpha1", got "v1"' },
    ]);
    expect(issuesOf({ ...environmentDoc(), kind: 'Pod' })).toEqual([
      { path: 'kind', message: 'must be one of "ExecutionEnvironment", "Runner", got "Pod"' },
    ]);
    const { kind: _kind, ...withoutKind } = environmentDoc();
    expect(issuesOf(withoutKind)).toEqual([
      { path: 'kind', message: 'is required ("ExecutionEnvironment", "Runner")' },
    ]);
  });

  it('accepts only the kinds asked for', () => {
    const runner = {
      apiVersion: API,
      kind: 'Runner',
      metadata: { name: '1-x' },
      spec: { environmentId: 1, templateRevision: 'r' },
    };
    const result = validateResource(runner, { kinds: ['ExecutionEnvironment'] });
    expect(result.ok ? [] : result.issues.map((i) => i.message)).toEqual([
      'must be "ExecutionEnvironment", got "Runner"',
    ]);
  });

  it('reports one "is required" per missing field and unknown fields with a hint', () => {
    const document = environmentDoc({ memorylimit: 5 });
    delete (document.spec as Record<string, unknown>).image;
    expect(issuesOf(document)).toEqual([
      { path: 'spec.image', message: 'is required' },
      { path: 'spec.memorylimit', message: 'unknown field (did you mean "memoryLimit"?)' },
    ]);
    expect(issuesOf({ ...environmentDoc(), extra: true })).toEqual([{ path: 'extra', message: 'unknown field' }]);
  });

  it('points into lists and odd label keys', () => {
    const document = environmentDoc({ exposedPorts: [80, 70000, 80] }, { labels: { 'app.kubernetes.io/name': 1 } });
    expect(issuesOf(document)).toEqual([
      { path: 'metadata.labels["app.kubernetes.io/name"]', message: 'must be a string, got 1' },
      { path: 'spec.exposedPorts[1]', message: 'must be an integer between 1 and 65535, got 70000' },
      { path: 'spec.exposedPorts', message: 'must not contain duplicates, got 80 more than once' },
    ]);
  });

  it('describes names, non-empty strings, booleans and enums in words', () => {
    const document = environmentDoc({ image: '', networkAccess: 'yes' }, { name: 'Python_3' });
    expect(issuesOf(document)).toEqual([
      {
        path: 'metadata.name',
        message:
          'must be a name of lower-case letters, digits, "-" and ".", starting and ending with a letter or digit, ' +
          'at most 253 characters, got "Python_3"',
      },
      { path: 'spec.image', message: 'must be a non-empty string, got ""' },
      { path: 'spec.networkAccess', message: 'must be true or false, got "yes"' },
    ]);
    const runner = {
      apiVersion: API,
      kind: 'Runner',
      metadata: { name: '1-x' },
      spec: { environmentId: 1, templateRevision: 'r' },
      status: { phase: 'Sleeping' },
    };
    expect(issuesOf(runner)).toEqual([
      { path: 'status.phase', message: 'must be one of "Pending", "Running", "Failed", "Terminating", got "Sleeping"' },
    ]);
  });

  it('rejects documents that are not objects', () => {
    expect(issuesOf(['a'])).toEqual([
      { path: '', message: 'must be an object with apiVersion, kind, metadata and spec, got ["a"]' },
    ]);
    expect(issuesOf({ ...environmentDoc(), spec: 'none' })).toEqual([
      { path: 'spec', message: 'must be an object, got "none"' },
    ]);
  });

  it('checks that the document says the kind it is validated as', () => {
    const result = validateKind('Runner', environmentDoc());
    expect(result.ok).toBe(false);
    expect(formatIssues(result.ok ? [] : result.issues)).toContain(
      'kind: must be "Runner", got "ExecutionEnvironment"',
    );
  });
});

describe('checkResourceSet', () => {
  function valid(document: unknown): AnyResource {
    const result = validateResource(document);
    if (!result.ok) throw new Error(formatIssues(result.issues));
    return result.value;
  }

  it('finds duplicate names per kind and duplicate environment ids on the later document', () => {
    const resources = [
      valid(environmentDoc({ id: 1 }, { name: 'a' })),
      valid(environmentDoc({ id: 2 }, { name: 'b' })),
      valid(environmentDoc({ id: 1 }, { name: 'c' })),
      valid(environmentDoc({ id: 3 }, { name: 'a' })),
      valid({
        apiVersion: API,
        kind: 'Runner',
        metadata: { name: 'a' },
        spec: { environmentId: 1, templateRevision: 'r' },
      }),
    ];
    expect(
      checkResourceSet(resources).map(({ index, firstIndex, path, message }) => ({ index, firstIndex, path, message })),
    ).toEqual([
      { index: 2, firstIndex: 0, path: 'spec.id', message: 'duplicate environment id 1, first used at document 1' },
      {
        index: 3,
        firstIndex: 0,
        path: 'metadata.name',
        message: 'duplicate ExecutionEnvironment name "a", first defined at document 1',
      },
    ]);
  });
});
