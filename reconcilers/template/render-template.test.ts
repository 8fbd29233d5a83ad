import fc from 'fast-check';
import { envSpec } from '../../test/reconcilers/support/reconciler-builders';
import {
  narrowsIsolation,
  renderRunnerJob,
  renderSettings,
  renderTemplateJob,
  runnerJobMeta,
  templateRevision,
} from './render-template';
import { settingsRevision } from './template-revision';

describe('template rendering', () => {
  it('renders the template job with the six settings, a forced pull and the config meta', () => {
    const spec = envSpec(7, { prewarmingPoolSize: 3, networkAccess: true, exposedPorts: [8080, 80] });
    const job = renderTemplateJob(spec);
    expect(job).toEqual({
      id: 'template-7',
      settings: {
        image: spec.image,
        cpuLimit: 20,
        memoryLimit: 256,
        networkAccess: true,
        exposedPorts: [80, 8080],
        forcePull: true,
      },
      meta: { used: 'false', prewarmingPoolSize: '3', templateHash: templateRevision(spec) },
    });
  });

  it('never forces a pull when force pulls are disabled', () => {
    expect(renderTemplateJob(envSpec(1), { disableForcePull: true }).settings.forcePull).toBe(false);
  });

  it('drops exposed ports without network access', () => {
    expect(renderSettings(envSpec(1, { networkAccess: false, exposedPorts: [80] })).exposedPorts).toEqual([]);
  });

  it('gives equal specs the same revision and any changed setting a new one', () => {
    const base = envSpec(1);
    expect(templateRevision(envSpec(1))).toBe(templateRevision(base));
    expect(templateRevision({ ...base, prewarmingPoolSize: 9 })).toBe(templateRevision(base));
    for (const change of [
      { image: 'other' },
      { cpuLimit: 21 },
      { memoryLimit: 0 },
      { networkAccess: true },
      { networkAccess: true, exposedPorts: [80] },
    ]) {
      expect(templateRevision({ ...base, ...change })).not.toBe(templateRevision(base));
    }
  });

  it('treats exposed ports as a set in the revision', () => {
    fc.assert(
      fc.property(fc.uniqueArray(fc.integer({ min: 1, max: 65535 }), { maxLength: 6 }), (ports) => {
        const a = envSpec(1, { networkAccess: true, exposedPorts: ports });
        const b = envSpec(1, { networkAccess: true, exposedPorts: [...ports].reverse() });
        expect(templateRevision(a)).toBe(templateRevision(b));
        expect(templateRevision(a)).toMatch(/^[0-9a-f]{16}$/);
      }),
    );
  });

  it('derives an idle runner job from the template with a fresh config meta and no forced pull', () => {
    const template = renderTemplateJob(envSpec(3, { networkAccess: true, exposedPorts: [80] }));
    const job = renderRunnerJob(template, '3-abc', { environmentId: 3, templateRevision: 'x' });
    expect(job.id).toBe('3-abc');
    expect(job.settings).toEqual({ ...template.settings, forcePull: false });
    expect(job.meta).toEqual({ used: 'false', templateHash: template.meta.templateHash });
    expect(settingsRevision(job.settings)).toBe(template.meta.templateHash);
  });

  it('mirrors a claim into the runner meta as the original records it', () => {
    const claim = { inactivityTimeout: 90, claimedAt: '2025-01-01T00:00:00.000Z' };
    expect(runnerJobMeta({ environmentId: 1, templateRevision: 'r', claim }, 'h')).toEqual({
      used: 'true',
      timeout: '90',
      claimedAt: claim.claimedAt,
      templateHash: 'h',
    });
  });

  it('says isolation narrows exactly when network access or an exposed port is removed', () => {
    const open = renderSettings(envSpec(1, { networkAccess: true, exposedPorts: [80, 443] }));
    const fewer = renderSettings(envSpec(1, { networkAccess: true, exposedPorts: [80] }));
    const more = renderSettings(envSpec(1, { networkAccess: true, exposedPorts: [80, 443, 8080] }));
    const closed = renderSettings(envSpec(1, { networkAccess: false }));
    expect(narrowsIsolation(open, fewer)).toBe(true);
    expect(narrowsIsolation(open, closed)).toBe(true);
    expect(narrowsIsolation(open, more)).toBe(false);
    expect(narrowsIsolation(closed, open)).toBe(false);
    expect(narrowsIsolation(open, { ...open, image: 'new', cpuLimit: 1 })).toBe(false);
  });
});
