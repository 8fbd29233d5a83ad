import type { ExecRequest, JobSpec } from '../../../../reconcilers/ports';
import { validateExecRequest, validateJobSpec } from './validate-job-spec';

const job = (overrides: Partial<JobSpec> = {}): JobSpec => ({
  id: '1-00000000-0000-4000-8000-000000000001',
  settings: { image: 'img', cpuLimit: 20, memoryLimit: 50, networkAccess: true, exposedPorts: [80, 8080] },
  meta: { used: 'false' },
  ...overrides,
});

const invalid = expect.objectContaining({ code: 'Invalid' });

describe('validateJobSpec', () => {
  it('accepts runner and template jobs', () => {
    expect(() => validateJobSpec(job())).not.toThrow();
    expect(() => validateJobSpec(job({ id: 'template-12' }))).not.toThrow();
  });

  it.each(['../etc', 'a/b', '.hidden', '', 'x'.repeat(129), 'a b'])('rejects the job id %j', (id) => {
    expect(() => validateJobSpec(job({ id }))).toThrow(invalid);
  });

  it('rejects impossible settings and non-string meta', () => {
    const settings = job().settings;
    expect(() => validateJobSpec(job({ settings: { ...settings, memoryLimit: -1 } }))).toThrow(invalid);
    expect(() => validateJobSpec(job({ settings: { ...settings, exposedPorts: [0] } }))).toThrow(invalid);
    expect(() => validateJobSpec(job({ settings: { ...settings, exposedPorts: [80, 80] } }))).toThrow(invalid);
    expect(() => validateJobSpec(job({ meta: { used: 1 as unknown as string } }))).toThrow(invalid);
  });
});

describe('validateExecRequest', () => {
  const request = (overrides: Partial<ExecRequest> = {}): ExecRequest => ({
    jobId: 'j',
    command: ['bash', '-c', 'echo $X'],
    env: { X: '$(id); `x` \n' },
    privileged: false,
    tty: false,
    ...overrides,
  });

  it('accepts any argv and values without NUL', () => {
    expect(() => validateExecRequest(request())).not.toThrow();
  });

  it('rejects empty commands, NUL bytes and variable names a program could not receive', () => {
    expect(() => validateExecRequest(request({ command: [] }))).toThrow(invalid);
    expect(() => validateExecRequest(request({ command: ['a\0b'] }))).toThrow(invalid);
    expect(() => validateExecRequest(request({ env: { 'A=B': 'x' } }))).toThrow(invalid);
    expect(() => validateExecRequest(request({ env: { '1A': 'x' } }))).toThrow(invalid);
    expect(() => validateExecRequest(request({ env: { A: 'x\0' } }))).toThrow(invalid);
  });
});
