import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { errorCodeOf } from '../../crds/errors';
import { configPathFromArgv, loadConfig } from './load-config';

let dir: string;

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'poseidon-config-'));
});

afterEach(() => {
  rmSync(dir, { recursive: true, force: true });
});

function write(name: string, text: string): string {
  const file = join(dir, name);
  writeFileSync(file, text);
  return file;
}

function load(env: Record<string, string> = {}, argv: string[] = []) {
  return loadConfig({ argv, env, cwd: dir, version: '9.9.9' });
}

function loadError(env: Record<string, string> = {}, argv: string[] = []): Error {
  try {
    load(env, argv);
  } catch (error) {
    return error as Error;
  }
  throw new Error('expected loadConfig to throw');
}

describe('loadConfig', () => {
  it('uses the original defaults when there is neither a file nor environment variables', () => {
    const { config, warnings, file } = load();
    expect(file).toBeUndefined();
    expect(warnings).toEqual([]);
    expect(config.server).toMatchObject({ address: '127.0.0.1', port: 7200, token: '', interactivestderr: true });
    expect(config.server.alert).toEqual({ prewarmingpoolthreshold: 0, prewarmingpoolreloadtimeout: 0 });
    expect(config.nomad).toMatchObject({ port: 4646, namespace: 'default', network: { mode: 'bridge' } });
    expect(config).toMatchObject({ backend: 'embedded', logger: { level: 'info' }, sentry: { release: '9.9.9' } });
    expect(config.server.maxbodybytes).toBe(64 * 1024 * 1024);
    expect(config.server.keepalivetimeout).toBe(65);
    expect(config.store.path).toBe(join(dir, '.state/store'));
    expect(Object.isFrozen(config.server.tls)).toBe(true);
  });

  it('lets the file override defaults and the environment override the file', () => {
    write('configuration.yaml', 'server:\n  port: 7300\n  token: from-file\nnomad:\n  namespace: poseidon\n');
    const { config, file } = load({ POSEIDON_SERVER_PORT: '7400' });
    expect(file).toBe(join(dir, 'configuration.yaml'));
    expect(config.server.port).toBe(7400);
    expect(config.server.token).toBe('from-file');
    expect(config.nomad.namespace).toBe('poseidon');
  });

  it('reads the file named by -config in each of the flag spellings', () => {
    write('other.yaml', 'server:\n  address: 0.0.0.0\n');
    for (const argv of [['-config', 'other.yaml'], ['--config=other.yaml'], ['serve', '-config=other.yaml']]) {
      expect(load({}, argv).config.server.address).toBe('0.0.0.0');
    }
  });

  it('fails when the file named by -config does not exist', () => {
    const error = loadError({}, ['-config', 'missing.yaml']);
    expect(errorCodeOf(error)).toBe('Invalid');
    expect(error.message).toContain(`${join(dir, 'missing.yaml')} does not exist`);
  });

  it("coerces environment strings like Go's strconv, including nested and list fields", () => {
    const { config } = load({
      POSEIDON_SERVER_TLS_ACTIVE: 'T',
      POSEIDON_SERVER_INTERACTIVESTDERR: '0',
      POSEIDON_NOMAD_PORT: '+4647',
      POSEIDON_NOMAD_NETWORK_MODE: 'cni/secure-bridge',
      POSEIDON_NOMAD_NETWORK_DNS_SERVERS: '1.1.1.1, 9.9.9.9,',
      POSEIDON_BACKEND: 'NOMAD',
      POSEIDON_LOGGER_LEVEL: 'WARNING',
      POSEIDON_SERVER_ALERT_PREWARMINGPOOLTHRESHOLD: '0.5',
      POSEIDON_EMBEDDED_ROOTFS: 'python:3.12=/srv/py312, java=rootfs/java',
    });
    expect(config.server.tls.active).toBe(true);
    expect(config.server.interactivestderr).toBe(false);
    expect(config.nomad.port).toBe(4647);
    expect(config.nomad.network.mode).toBe('cni/secure-bridge');
    expect(config.nomad.network.dns.servers).toEqual(['1.1.1.1', '9.9.9.9']);
    expect(config.backend).toBe('nomad');
    expect(config.logger.level).toBe('warn');
    expect(config.server.alert.prewarmingpoolthreshold).toBe(0.5);
    expect(config.embedded.rootfs).toEqual({ 'python:3.12': '/srv/py312', java: join(dir, 'rootfs/java') });
  });

  it('names the variable, the expectation and the value when an environment value is invalid', () => {
    const error = loadError({ POSEIDON_SERVER_PORT: 'abc', POSEIDON_SERVER_TLS_ACTIVE: 'yes' });
    expect(errorCodeOf(error)).toBe('Invalid');
    expect(error.message).toContain('POSEIDON_SERVER_PORT: must be an integer between 0 and 65535, got "abc"');
    expect(error.message).toContain('POSEIDON_SERVER_TLS_ACTIVE: must be a boolean');
  });

  it('names the file and the key when a file value is invalid', () => {
    const file = write('configuration.yaml', 'server:\n  port: 70000\nlogger:\n  level: loud\n');
    const error = loadError();
    expect(error.message).toContain(`${file}: server.port: must be an integer between 0 and 65535, got 70000`);
    expect(error.message).toContain(`${file}: logger.level: must be one of trace, debug, info`);
  });

  it('reports malformed YAML with the file name', () => {
    write('configuration.yaml', 'server:\n  port: [1\n');
    expect(loadError().message).toMatch(/configuration\.yaml: /);
  });

  it('warns about unknown file keys and POSEIDON_ variables instead of failing', () => {
    write('configuration.yaml', 'server:\n  prot: 1\n  port: 7201\nextra: true\n');
    const { config, warnings } = load({ POSEIDON_SERVER_PROT: '1' });
    expect(config.server.port).toBe(7201);
    expect(warnings).toEqual([
      expect.stringContaining('unknown key "server.prot"'),
      expect.stringContaining('unknown key "extra"'),
      'unknown environment variable POSEIDON_SERVER_PROT ignored',
    ]);
  });

  it('loads an original Poseidon configuration file without warnings', () => {
    write(
      'configuration.yaml',
      [
        'server:',
        '  address: 127.0.0.1',
        '  port: 7200',
        '  systemdsocketactivation: false',
        '  token: SECRET',
        '  tls: { active: false, cafile: ./ca.crt, certfile: ./poseidon.crt, keyfile: ./poseidon.key }',
        '  interactivestderr: true',
        '  alert: { prewarmingpoolthreshold: 0.5, prewarmingpoolreloadtimeout: 300 }',
        'aws: { enabled: false, endpoint: "", functions: "" }',
        'nomad:',
        '  enabled: true',
        '  address: 127.0.0.1',
        '  port: 4646',
        '  token: ""',
        '  tls: { active: false, cafile: "", certfile: "", keyfile: "" }',
        '  namespace: poseidon',
        '  disableforcepull: false',
        '  network: { mode: cni/secure-bridge }',
        'logger: { level: DEBUG, formatter: TextFormatter }',
        'profiling: { cpuenabled: false, cpufile: cpu.prof, memoryinterval: 30 }',
        'sentry: { dsn: "", release: abc123 }',
        'influxdb: { url: "", token: "", organization: "", bucket: "", stage: "" }',
      ].join('\n'),
    );
    const { config, warnings } = load();
    expect(warnings).toEqual([]);
    expect(config.server.tls.cafile).toBe(join(dir, 'ca.crt'));
    expect(config.server.alert.prewarmingpoolthreshold).toBe(0.5);
    expect(config.logger).toEqual({ level: 'debug', formatter: 'TextFormatter' });
    expect(config.sentry.release).toBe('abc123');
  });

  it('ignores empty environment values for non-string fields but lets them clear strings', () => {
    write('configuration.yaml', 'server:\n  token: file-token\n');
    const { config, warnings } = load({ POSEIDON_SERVER_PORT: '', POSEIDON_SERVER_TOKEN: '' });
    expect(config.server.port).toBe(7200);
    expect(config.server.token).toBe('');
    expect(warnings).toEqual(['POSEIDON_SERVER_PORT: empty value ignored']);
  });
});

describe('configPathFromArgv', () => {
  it('rejects a -config flag without a value', () => {
    expect(() => configPathFromArgv(['-config'])).toThrow(/a configuration file path is required/);
  });
});
