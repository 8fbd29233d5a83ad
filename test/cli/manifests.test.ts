/**
 * Every file in manifests/ is checked here: the example environments (schema, editor schema, modeline), the Nomad
 * job (HCL syntax, configuration keys the service knows), the Prometheus and Grafana files (every metric they query is
 * one the service exports), and the CI pipeline, whose `poseidon` steps run against a real service.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { parse as parseHcl } from '@cdktf/hcl2json';
import Ajv from 'ajv';
import { Registry } from 'prom-client';
import { parse as parseYaml } from 'yaml';
import { loadConfig } from '../../controllers/config/load-config';
import { createNomadMetrics } from '../../controllers/backends/nomad/nomad-metrics';
import { loadManifests, formatManifestError } from '../../crds/yaml-loader';
import { startCliWorld, type CliWorld } from './support/cli-harness';

const ROOT = path.join(__dirname, '..', '..', 'manifests');
const ENVIRONMENTS = path.join(ROOT, 'environments');
const SCHEMA = path.join(ROOT, 'schemas', 'execution-environment.schema.json');

/** Files this suite checks, by path relative to manifests/. */
const CHECKED: readonly RegExp[] = [
  /^README\.md$/,
  /^environments\/[a-z0-9-]+\.yaml$/,
  /^schemas\/execution-environment\.schema\.json$/,
  /^deploy\/poseidon\.nomad\.hcl$/,
  /^monitoring\/(prometheus|poseidon-alerts)\.yml$/,
  /^monitoring\/grafana-dashboard\.json$/,
  /^ci\/github-actions-poseidon-sync\.yml$/,
];

let world: CliWorld;
let metricNames: Set<string>;

beforeAll(async () => {
  world = await startCliWorld();
  const nomad = new Registry();
  createNomadMetrics(nomad);
  const exported = [...(await world.service.registry.getMetricsAsJSON()), ...(await nomad.getMetricsAsJSON())];
  metricNames = new Set(exported.map((metric) => metric.name));
});

afterAll(async () => {
  await world?.destroy();
});

function filesUnder(dir: string, prefix = ''): string[] {
  return readdirSync(dir).flatMap((name) => {
    const full = path.join(dir, name);
    return statSync(full).isDirectory() ? filesUnder(full, `${prefix}${name}/`) : [`${prefix}${name}`];
  });
}

/** The metric names a PromQL expression reads (histogram series map to their histogram). */
function metricsOf(expr: string): string[] {
  const names = expr.match(/\b(poseidon|controller_runtime|workqueue|process|nodejs)_[a-z0-9_]+\b/g) ?? [];
  return names.map((name) => name.replace(/_(bucket|sum|count)$/, (suffix) => (metricNames.has(name) ? suffix : '')));
}

describe('manifests/', () => {
  it('holds only files this suite checks', () => {
    const unchecked = filesUnder(ROOT).filter((file) => !CHECKED.some((pattern) => pattern.test(file)));
    expect(unchecked).toEqual([]);
  });

  it('has valid example environments with unique ids, for the schema and for editors', async () => {
    const result = await loadManifests([ENVIRONMENTS], { kinds: ['ExecutionEnvironment'] });
    if (!result.ok) throw new Error(result.errors.map(formatManifestError).join('\n'));
    const languages = result.resources.map(({ resource }) => resource.metadata.labels?.language);
    expect(new Set(languages)).toEqual(new Set(['python', 'java', 'ruby', 'javascript', 'c', 'go']));

    const validate = new Ajv({ allErrors: true, strict: false }).compile(JSON.parse(readFileSync(SCHEMA, 'utf8')));
    for (const file of readdirSync(ENVIRONMENTS)) {
      const text = readFileSync(path.join(ENVIRONMENTS, file), 'utf8');
      const modeline = /^# yaml-language-server: \$schema=(\S+)\n/.exec(text);
      expect(modeline && path.resolve(ENVIRONMENTS, modeline[1] as string)).toBe(SCHEMA);
      expect({ file, valid: validate(parseYaml(text)), errors: validate.errors ?? null }).toEqual({
        file,
        valid: true,
        errors: null,
      });
    }
  });

  it('has a Nomad job for the service: valid HCL, one instance, only configuration keys the service knows', async () => {
    const file = path.join(ROOT, 'deploy', 'poseidon.nomad.hcl');
    const hcl = (await parseHcl(file, readFileSync(file, 'utf8'))) as HclJob;
    const group = hcl.job.poseidon?.[0]?.group.poseidon?.[0];
    const task = group?.task.poseidon?.[0];
    expect(group?.count).toBe(1);
    expect(task?.config[0]?.args).toEqual(['serve']);
    expect(group?.service[0]?.check[0]?.path).toBe('/api/v1/version');

    const templateLines = (task?.template[0]?.data ?? '').split('\n').filter((line) => /^\s*POSEIDON_/.test(line));
    const names = [
      ...Object.keys(task?.env[0] ?? {}),
      ...templateLines.map((line) => line.trim().split('=')[0] as string),
    ];
    expect(names).toEqual(
      expect.arrayContaining(['POSEIDON_BACKEND', 'POSEIDON_SERVER_TOKEN', 'POSEIDON_NOMAD_TOKEN']),
    );
    const env = Object.fromEntries(names.map((name) => [name, sampleValue(name)]));
    const { config, warnings } = loadConfig({ argv: [], env, cwd: world.dir });
    expect(warnings).toEqual([]);
    expect(config.backend).toBe('nomad');
    expect(config.server.address).toBe('0.0.0.0');
  });

  it('has Prometheus files that scrape /metrics with the token and alert on exported metrics only', () => {
    const prometheus = parseYaml(readFileSync(path.join(ROOT, 'monitoring', 'prometheus.yml'), 'utf8')) as Prometheus;
    for (const job of prometheus.scrape_configs) {
      expect(job.metrics_path).toBe('/metrics');
      expect(Object.keys(job.http_headers)).toEqual(['Poseidon-Token']);
    }
    for (const ruleFile of prometheus.rule_files) {
      const rules = parseYaml(readFileSync(path.join(ROOT, 'monitoring', ruleFile), 'utf8')) as Rules;
      const exprs = rules.groups.flatMap((group) => group.rules.map((rule) => rule.expr));
      expect(exprs.length).toBeGreaterThan(0);
      for (const expr of exprs)
        expect({ expr, unknown: metricsOf(expr).filter((m) => !metricNames.has(m)) }).toEqual({ expr, unknown: [] });
    }
  });

  it('has a Grafana dashboard whose every query reads exported metrics', () => {
    const dashboard = JSON.parse(
      readFileSync(path.join(ROOT, 'monitoring', 'grafana-dashboard.json'), 'utf8'),
    ) as Dashboard;
    const exprs = dashboard.panels.flatMap((panel) => (panel.targets ?? []).map((target) => target.expr));
    expect(exprs.length).toBeGreaterThanOrEqual(20);
    const read = new Set(exprs.flatMap(metricsOf));
    for (const name of read) expect({ name, exported: metricNames.has(name) }).toEqual({ name, exported: true });
    for (const key of [
      'poseidon_idle_runners',
      'poseidon_claim_duration_seconds',
      'controller_runtime_reconcile_total',
    ]) {
      expect(read).toContain(key);
    }
    const ids = dashboard.panels.map((panel) => panel.id);
    expect(new Set(ids).size).toBe(ids.length);
  });

  it('has a CI pipeline whose poseidon steps plan on pull requests and sync on main, against a real service', async () => {
    const workflow = parseYaml(
      readFileSync(path.join(ROOT, 'ci', 'github-actions-poseidon-sync.yml'), 'utf8'),
    ) as Workflow;
    const steps = (job: string): string[] =>
      (workflow.jobs[job]?.steps ?? []).map((step) => step.run ?? '').filter((run) => run.startsWith('$POSEIDON '));
    const run = async (line: string): Promise<number> => {
      const accepts2 = line.endsWith(' || test $? -eq 2');
      const argv = line
        .replace(' || test $? -eq 2', '')
        .split(/\s+/)
        .slice(1)
        .map((arg) => (arg === 'environments' ? ENVIRONMENTS : arg));
      const result = await world.cli(argv);
      expect({ line, stderr: result.stderr }).toEqual({ line, stderr: '' });
      expect(result.code === 0 || (accepts2 && result.code === 2)).toBe(true);
      return result.code;
    };

    const plan = steps('plan');
    expect(plan).toHaveLength(3);
    expect(await Promise.all(plan.map(run))).toEqual([0, 2, 2]);
    expect(await world.service.store.list('ExecutionEnvironment')).toEqual([]);

    const sync = steps('sync');
    expect(sync).toEqual([expect.stringContaining('sync --prune --wait')]);
    expect(await run(sync[0] as string)).toBe(2);
    const live = await world.service.store.list('ExecutionEnvironment');
    expect(live.map((environment) => environment.metadata.name).sort()).toEqual(
      readdirSync(ENVIRONMENTS)
        .map((file) => file.replace(/\.yaml$/, ''))
        .sort(),
    );
    const runners = await world.service.store.list('Runner');
    const pools = live.reduce((sum, environment) => sum + environment.spec.prewarmingPoolSize, 0);
    expect(runners.filter((runner) => !runner.spec.claim)).toHaveLength(pools);
    expect(await run(plan[2] as string)).toBe(0);
  }, 180_000);
});

function sampleValue(name: string): string {
  if (name === 'POSEIDON_BACKEND') return 'nomad';
  if (name.endsWith('_PORT')) return '4646';
  if (name === 'POSEIDON_LOGGER_FORMATTER') return 'JSONFormatter';
  if (name === 'POSEIDON_LOGGER_LEVEL') return 'info';
  if (name === 'POSEIDON_SERVER_ADDRESS') return '0.0.0.0';
  return 'value';
}

interface HclJob {
  job: Record<
    string,
    {
      group: Record<
        string,
        {
          count: number;
          service: { check: { path: string }[] }[];
          task: Record<
            string,
            { config: { args: string[] }[]; env: Record<string, string>[]; template: { data: string }[] }[]
          >;
        }[]
      >;
    }[]
  >;
}

interface Prometheus {
  rule_files: string[];
  scrape_configs: { metrics_path: string; http_headers: Record<string, unknown> }[];
}

interface Rules {
  groups: { rules: { expr: string }[] }[];
}

interface Dashboard {
  panels: { id: number; targets?: { expr: string }[] }[];
}

interface Workflow {
  jobs: Record<string, { steps: { run?: string }[] }>;
}
