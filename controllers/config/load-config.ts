/**
 * Loads the configuration the way the original Poseidon does: defaults, then the YAML file named by `-config`
 * (default `./configuration.yaml`; a missing default file is fine, a missing named file is an error), then
 * `POSEIDON_<SECTION>_<FIELD>` environment variables. Invalid values stop start-up with one error listing every
 * problem with its key and source; unknown keys come back as warnings for the caller to log.
 */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { Value } from '@sinclair/typebox/value';
import { parseDocument } from 'yaml';
import { PoseidonError } from '../../crds/errors';
import { ConfigSchema, type Config } from './config-schema';
import { applyEnvLayer, applyFileLayer, defaultsOf, resolvePaths, type LayerReport } from './config-layers';
import { packageVersion } from './package-version';

/** Inputs of {@link loadConfig}: the process's arguments, environment and working directory. */
export interface LoadConfigOptions {
  /** Command-line arguments (only `-config <file>` / `--config=<file>` is read; the rest is ignored). */
  readonly argv: readonly string[];
  readonly env: Readonly<Record<string, string | undefined>>;
  /** Base of relative paths (the config file, store and state directories, TLS files). */
  readonly cwd: string;
  /** Default of `sentry.release` (the /version string). Default: this package's version. */
  readonly version?: string;
}

/** The result of {@link loadConfig}. */
export interface LoadedConfig {
  /** The complete, validated, deeply frozen configuration. */
  readonly config: Config;
  /** Unknown keys and ignored values, for the caller to log. */
  readonly warnings: readonly string[];
  /** Absolute path of the file that was read, if any. */
  readonly file: string | undefined;
}

/** The default configuration file, relative to the working directory. */
export const DEFAULT_CONFIG_FILE = './configuration.yaml';

/**
 * Loads, validates and freezes the configuration.
 * @throws PoseidonError `Invalid` naming each bad key and its source, or when a named file is missing or unreadable.
 */
export function loadConfig(options: LoadConfigOptions): LoadedConfig {
  const named = configPathFromArgv(options.argv);
  const file = resolve(options.cwd, named ?? DEFAULT_CONFIG_FILE);
  const report: LayerReport = { issues: [], warnings: [] };
  const tree = defaultsOf(ConfigSchema);
  const document = readConfigFile(file, named !== undefined);
  if (document.found) applyFileLayer(ConfigSchema, tree, document.value, file, report);
  applyEnvLayer(ConfigSchema, tree, options.env, report);
  if (report.issues.length > 0) {
    throw new PoseidonError('Invalid', `invalid configuration:\n  ${report.issues.join('\n  ')}`, {
      details: { issues: report.issues },
    });
  }
  resolvePaths(ConfigSchema, tree, options.cwd);
  const config = finish(tree, options.version);
  return { config, warnings: report.warnings, file: document.found ? file : undefined };
}

/** The value of `-config`/`--config` (`-config x`, `-config=x`, `--config x`, `--config=x`), if given. */
export function configPathFromArgv(argv: readonly string[]): string | undefined {
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] as string;
    const match = /^--?config(?:=(.*))?$/.exec(arg);
    if (!match) continue;
    const value = match[1] ?? argv[i + 1];
    if (value === undefined || value === '') {
      throw new PoseidonError('Invalid', `${arg}: a configuration file path is required`);
    }
    return value;
  }
  return undefined;
}

function readConfigFile(file: string, explicit: boolean): { found: false } | { found: true; value: unknown } {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' && !explicit) return { found: false };
    const reason = code === 'ENOENT' ? 'does not exist' : `cannot be read (${code ?? String(error)})`;
    throw new PoseidonError('Invalid', `configuration file ${file} ${reason}`, { cause: error });
  }
  const document = parseDocument(text, { prettyErrors: true, uniqueKeys: true });
  const [first] = document.errors;
  if (first) throw new PoseidonError('Invalid', `configuration file ${file}: ${first.message}`, { cause: first });
  return { found: true, value: document.toJS() as unknown };
}

function finish(tree: Record<string, unknown>, version: string | undefined): Config {
  const sentry = tree.sentry as Record<string, unknown>;
  if (sentry.release === '') sentry.release = version ?? packageVersion();
  const server = tree.server as Record<string, unknown>;
  const nomad = tree.nomad as Record<string, unknown>;
  if (server.templatejobfile === '') server.templatejobfile = nomad.templatejobfile;
  if (!Value.Check(ConfigSchema, tree)) {
    const [first] = Value.Errors(ConfigSchema, tree);
    throw new PoseidonError('Internal', `configuration does not match its schema at ${first?.path}: ${first?.message}`);
  }
  return deepFreeze(tree) as Config;
}

function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null) {
    for (const child of Object.values(value)) deepFreeze(child);
    Object.freeze(value);
  }
  return value;
}
