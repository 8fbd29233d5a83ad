import { decodeClaimBody, decodeEnvironmentBody, decodeExecutionBody, decodeFilePatchBody } from './request-bodies';

const json = (value: unknown): Buffer => Buffer.from(typeof value === 'string' ? value : JSON.stringify(value));

function invalidMessage(run: () => unknown): string {
  try {
    run();
  } catch (error) {
    expect((error as { code?: string }).code).toBe('Invalid');
    return (error as Error).message;
  }
  throw new Error('expected an Invalid error');
}

describe('request bodies decoded like Go encoding/json', () => {
  it('fills missing and null fields with zero values and ignores unknown ones', () => {
    expect(decodeEnvironmentBody(json({ image: 'python', cpuLimit: null, extra: [1, { x: 2 }] }))).toEqual({
      image: 'python',
      prewarmingPoolSize: 0,
      cpuLimit: 0,
      memoryLimit: 0,
      networkAccess: false,
      exposedPorts: [],
    });
    expect(decodeClaimBody(json('null'))).toEqual({ executionEnvironmentId: 0, inactivityTimeout: 0 });
  });

  it('matches field names case-insensitively when there is no exact match', () => {
    expect(decodeClaimBody(json({ ExecutionEnvironmentID: 7, inactivitytimeout: 3 }))).toEqual({
      executionEnvironmentId: 7,
      inactivityTimeout: 3,
    });
  });

  it('reads only the first JSON value', () => {
    expect(decodeClaimBody(json('{"executionEnvironmentId": 4} {"executionEnvironmentId": 5}'))).toMatchObject({
      executionEnvironmentId: 4,
    });
    expect(decodeClaimBody(json('  {"executionEnvironmentId": 4}garbage'))).toMatchObject({
      executionEnvironmentId: 4,
    });
  });

  it('names Go types in type errors', () => {
    expect(invalidMessage(() => decodeEnvironmentBody(json({ cpuLimit: -1 })))).toBe(
      'json: cannot unmarshal number -1 into Go struct field dto.ExecutionEnvironmentRequest.cpuLimit of type uint',
    );
    expect(invalidMessage(() => decodeExecutionBody(json({ command: 5 })))).toBe(
      'json: cannot unmarshal number into Go struct field dto.ExecutionRequest.command of type string',
    );
    expect(invalidMessage(() => decodeClaimBody(json([])))).toBe(
      'json: cannot unmarshal array into Go value of type dto.RunnerRequest',
    );
    expect(invalidMessage(() => decodeClaimBody(json('')))).toBe('EOF');
    expect(invalidMessage(() => decodeClaimBody(json('{"a": ')))).toBe('unexpected EOF');
  });

  it('rejects ports outside uint16 and keeps ports only with network access, without 0 or duplicates', () => {
    expect(invalidMessage(() => decodeEnvironmentBody(json({ exposedPorts: [65536] })))).toMatch(/uint16/);
    expect(decodeEnvironmentBody(json({ networkAccess: true, exposedPorts: [0, 80, 80, 443] })).exposedPorts).toEqual([
      80, 443,
    ]);
    expect(decodeEnvironmentBody(json({ networkAccess: false, exposedPorts: [80] })).exposedPorts).toEqual([]);
  });

  it("forbids ' in commands and decodes the environment map", () => {
    expect(invalidMessage(() => decodeExecutionBody(json({ command: "echo 'x'" })))).toBe('use of forbidden character');
    expect(decodeExecutionBody(json({ command: 'env', environment: { A: 'b c', N: null }, timeLimit: -3 }))).toEqual({
      command: 'env',
      privilegedExecution: false,
      timeLimit: -3,
      environment: { A: 'b c', N: '' },
    });
    expect(invalidMessage(() => decodeExecutionBody(json({ environment: { A: 1 } })))).toMatch(/of type string/);
  });

  it('decodes file contents from padded standard base64; null content is an empty file', () => {
    const patch = decodeFilePatchBody(
      json({ delete: ['a', null], copy: [{ path: 'x', content: 'aGk=' }, { path: 'y' }] }),
    );
    expect(patch.delete).toEqual(['a', '']);
    expect(patch.copy.map((copy) => [copy.path, copy.content.toString()])).toEqual([
      ['x', 'hi'],
      ['y', ''],
    ]);
    expect(invalidMessage(() => decodeFilePatchBody(json({ copy: [{ path: 'x', content: 'aGk' }] })))).toBe(
      'illegal base64 data at input byte 0',
    );
  });

  it('rejects what no program can receive: NUL bytes, bad variable names, file copies onto directory paths', () => {
    expect(invalidMessage(() => decodeExecutionBody(json({ command: 'echo a\u0000b' })))).toMatch(/command.*NUL/);
    for (const name of ['', 'A=B', 'A\u0000']) {
      expect(invalidMessage(() => decodeExecutionBody(json({ environment: { [name]: 'x' } })))).toMatch(/variable/);
    }
    expect(invalidMessage(() => decodeExecutionBody(json({ environment: { A: 'x\u0000' } })))).toMatch(/NUL/);
    expect(invalidMessage(() => decodeFilePatchBody(json({ delete: ['a\u0000b'] })))).toMatch(/delete path.*NUL/);
    for (const path of ['', '.', 'a/..', '..', 'x/../..', 'a\u0000b', 'dir\u0000/']) {
      expect(invalidMessage(() => decodeFilePatchBody(json({ copy: [{ path, content: '' }] })))).toMatch(/copy path/);
    }
    expect(invalidMessage(() => decodeFilePatchBody(json({ copy: [null] })))).toMatch(/names a directory/);
    expect(
      decodeFilePatchBody(json({ copy: [{ path: './' }, { path: '/' }, { path: '../up.txt' }] })).copy,
    ).toHaveLength(3);
  });
});
