/**
 * The whole configuration as one TypeBox schema; the `Config` type derives from it. Keys are the original Poseidon's
 * (lower-case YAML keys, `POSEIDON_<SECTION>_<FIELD>` environment variables) plus this design's `backend`, `store`,
 * `embedded` and a few server limits. Keys the original knows but this service ignores (aws, influxdb, profiling,
 * most of sentry) are accepted so an original configuration file loads without warnings.
 *
 * Schema options read by the loader besides the JSON-schema ones: `default` (every leaf has one), `path: true`
 * (a relative path is resolved against the working directory), `aliases` (extra accepted spellings of an enum value).
 */
import { Type, type Static } from '@sinclair/typebox';

const str = (def: string, description: string) => Type.String({ default: def, description });
const filePath = (def: string, description: string) => Type.String({ default: def, description, path: true });
const bool = (def: boolean, description: string) => Type.Boolean({ default: def, description });
const strings = (description: string) => Type.Array(Type.String(), { default: [], description });

function tls(what: string) {
  return Type.Object({
    active: Type.Boolean({ default: false, description: `Use TLS for ${what}.` }),
    cafile: Type.String({ default: '', path: true, description: 'CA certificate file.' }),
    certfile: Type.String({ default: '', path: true, description: 'Certificate file.' }),
    keyfile: Type.String({ default: '', path: true, description: 'Private key file.' }),
  });
}

/** Log levels (pino's names); Go's names are accepted as aliases in any case. */
export const LOG_LEVELS = ['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent'] as const;

const ServerSchema = Type.Object({
  address: str('127.0.0.1', 'Address the API listens on.'),
  port: Type.Integer({ minimum: 0, maximum: 65535, default: 7200, description: 'Port the API listens on.' }),
  token: str('', 'Value of the Poseidon-Token header required on every route but /health and /version; empty = off.'),
  systemdsocketactivation: bool(false, 'Listen on the socket passed by systemd instead of address:port.'),
  tls: tls('the API'),
  interactivestderr: bool(true, 'With a TTY, deliver stderr separately from stdout.'),
  templatejobfile: filePath('', 'Nomad job file replacing the built-in template job; empty = built-in.'),
  alert: Type.Object({
    prewarmingpoolthreshold: Type.Number({
      minimum: 0,
      maximum: 1,
      default: 0,
      description: 'Idle/desired ratio below which /health answers 503; 0 = off.',
    }),
    prewarmingpoolreloadtimeout: Type.Integer({
      minimum: 0,
      default: 0,
      description: 'Seconds below the threshold before the pool is reloaded; 0 = off.',
    }),
  }),
  loggingfiltertoken: str('', 'Accepted for compatibility; unused.'),
  loginterval: Type.Integer({ minimum: 0, default: 0, description: 'Seconds between status log lines; 0 = off.' }),
  maxbodybytes: Type.Integer({
    minimum: 1,
    default: 64 * 1024 * 1024,
    description: 'Largest accepted request body in bytes.',
  }),
  keepalivetimeout: Type.Integer({
    minimum: 0,
    default: 65,
    description: 'Seconds an idle keep-alive connection stays open.',
  }),
});

const NomadSchema = Type.Object({
  enabled: bool(true, 'Accepted for compatibility; the backend is chosen by `backend`.'),
  address: str('127.0.0.1', 'Host of the Nomad API.'),
  port: Type.Integer({ minimum: 0, maximum: 65535, default: 4646, description: 'Port of the Nomad API.' }),
  token: str('', 'Nomad ACL token (X-Nomad-Token); empty = none.'),
  namespace: str('default', 'Nomad namespace of every job and call.'),
  tls: tls('Nomad'),
  network: Type.Object({
    mode: str('bridge', 'Group network mode of network-enabled environments (bridge, host, cni/<name>).'),
    hostname: str('', 'Hostname inside the network namespace.'),
    dns: Type.Object({
      servers: strings('DNS servers of network-enabled runners.'),
      searches: strings('DNS search domains.'),
      options: strings('DNS options.'),
    }),
  }),
  disableforcepull: bool(false, 'Never set force_pull on jobs.'),
  templatejobfile: filePath('', 'Alias of server.templatejobfile.'),
});

const LoggerSchema = Type.Object({
  level: Type.Union(
    LOG_LEVELS.map((level) => Type.Literal(level)),
    {
      default: 'info',
      aliases: { warning: 'warn', panic: 'fatal' },
      description: 'Log level: trace, debug, info, warn, error, fatal (Go names, any case).',
    },
  ),
  formatter: Type.Union([Type.Literal(''), Type.Literal('TextFormatter'), Type.Literal('JSONFormatter')], {
    default: '',
    description: 'JSONFormatter = JSON lines, TextFormatter = readable; empty = readable only on a terminal.',
  }),
});

const SentrySchema = Type.Object({
  dsn: str('', 'Accepted for compatibility; unused.'),
  environment: str('', 'Accepted for compatibility; unused.'),
  release: str('', 'The /version string; empty = the package version.'),
  debug: bool(false, 'Accepted for compatibility; unused.'),
  attachstacktrace: bool(true, 'Accepted for compatibility; unused.'),
  enabletracing: bool(false, 'Accepted for compatibility; unused.'),
  tracessamplerate: Type.Number({ minimum: 0, maximum: 1, default: 0, description: 'Accepted; unused.' }),
  samplerate: Type.Number({ minimum: 0, maximum: 1, default: 1, description: 'Accepted; unused.' }),
  servername: str('', 'Accepted for compatibility; unused.'),
});

/** The configuration schema. Every leaf has a default, so the loaded config is complete. */
export const ConfigSchema = Type.Object({
  backend: Type.Union([Type.Literal('embedded'), Type.Literal('nomad')], {
    default: 'embedded',
    description: 'embedded: local bubblewrap sandboxes; nomad: a Nomad cluster.',
  }),
  server: ServerSchema,
  nomad: NomadSchema,
  logger: LoggerSchema,
  sentry: SentrySchema,
  store: Type.Object({
    path: filePath(
      './.state/store',
      'Directory of the file-backed declarative store (embedded); with nomad, a local copy of the Variables for fast restarts.',
    ),
  }),
  embedded: Type.Object({
    statedir: filePath('./.state/embedded', 'Directory of the embedded backend job state.'),
    rootfs: Type.Record(Type.String(), Type.String({ path: true }), {
      default: {},
      description: 'Image name -> root filesystem directory (env: name=dir,name2=dir2).',
    }),
    exposedportshost: str('127.0.0.1', 'Host address exposed runner ports are published on.'),
  }),
  aws: Type.Object({
    enabled: bool(false, 'Accepted for compatibility; unused.'),
    endpoint: str('', 'Accepted for compatibility; unused.'),
    functions: strings('Accepted for compatibility; unused.'),
  }),
  influxdb: Type.Object({
    url: str('', 'Accepted for compatibility; unused.'),
    token: str('', 'Accepted for compatibility; unused.'),
    organization: str('', 'Accepted for compatibility; unused.'),
    bucket: str('', 'Accepted for compatibility; unused.'),
    stage: str('', 'Accepted for compatibility; unused.'),
  }),
  profiling: Type.Object({
    cpuenabled: bool(false, 'Accepted for compatibility; unused.'),
    cpufile: str('cpu.prof', 'Accepted for compatibility; unused.'),
    memoryinterval: Type.Integer({ minimum: 0, default: 0, description: 'Accepted; unused.' }),
  }),
});

/** The loaded configuration. */
export type Config = Static<typeof ConfigSchema>;
/** A log level name as pino knows it. */
export type LogLevel = (typeof LOG_LEVELS)[number];
