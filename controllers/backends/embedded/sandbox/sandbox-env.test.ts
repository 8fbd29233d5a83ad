import { SANDBOX_PATH, sandboxEnvironment } from './sandbox-env';

describe('sandboxEnvironment', () => {
  it('holds only PATH, HOME, TERM with a tty, CODEOCEAN and the request variables', () => {
    expect(sandboxEnvironment({ privileged: false, tty: true, env: { A: '1' } })).toEqual({
      PATH: SANDBOX_PATH,
      HOME: '/workspace',
      TERM: 'xterm',
      A: '1',
      CODEOCEAN: 'true',
    });
    expect(sandboxEnvironment({ privileged: true, tty: false })).toEqual({
      PATH: SANDBOX_PATH,
      HOME: '/root',
      CODEOCEAN: 'true',
    });
  });

  it('lets the request override defaults but never CODEOCEAN', () => {
    const env = sandboxEnvironment({ privileged: false, tty: false, env: { PATH: '/x', CODEOCEAN: 'false' } });
    expect(env.PATH).toBe('/x');
    expect(env.CODEOCEAN).toBe('true');
  });
});
