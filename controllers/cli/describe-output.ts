/**
 * The text of `describe`: the resource's identity, its spec, its status (with pool figures taken live from the
 * caches at the time of the request), its conditions and its recent events.
 */
import type { EnvironmentEvent, EnvironmentStatusView } from '../../api/ports';
import type { ExecutionEnvironment } from '../../crds/execution-environment';
import { formatAge } from './duration';
import { formatTable, indent } from './text-table';

/** Renders one environment. `now` (ms) is for ages. */
export function renderDescribe(resource: ExecutionEnvironment, view: EnvironmentStatusView, now: number): string {
  const { metadata, spec } = resource;
  const age = (time: string | undefined): string => {
    const at = time === undefined ? NaN : Date.parse(time);
    return Number.isNaN(at) ? '-' : `${formatAge(now - at)} ago`;
  };
  const fields = (rows: [string, string][]): string => formatTable(rows.map(([key, value]) => [`${key}:`, value]));
  const sections = [
    fields([
      ['Name', metadata.name],
      ['Environment ID', String(spec.id)],
      ['Labels', mapText(metadata.labels)],
      ['Annotations', mapText(metadata.annotations)],
      ['Created', `${metadata.creationTimestamp ?? '-'} (${age(metadata.creationTimestamp)})`],
      ['Generation', `${view.generation} (observed: ${view.observedGeneration ?? 'not yet'})`],
      ['Resource Version', view.resourceVersion],
    ]),
    'Spec:\n' +
      indent(
        fields([
          ['Image', spec.image],
          ['Prewarming Pool Size', String(spec.prewarmingPoolSize)],
          ['CPU Limit', `${spec.cpuLimit} MHz`],
          ['Memory Limit', spec.memoryLimit === 0 ? 'none' : `${spec.memoryLimit} MB`],
          ['Network Access', spec.networkAccess ? 'yes' : 'no'],
          ['Exposed Ports', spec.exposedPorts.length > 0 ? spec.exposedPorts.join(', ') : '<none>'],
        ]),
        '  ',
      ),
    'Status:\n' +
      indent(
        fields([
          ['Template Revision', view.templateRevision ?? '<none yet>'],
          ['Pool', `${view.pool.idle} idle of ${view.pool.desired}, ${view.pool.used} in use`],
          ['Warm', view.warm ? 'yes' : 'no'],
        ]),
        '  ',
      ),
    'Conditions:\n' +
      (view.conditions.length === 0
        ? '  <none>\n'
        : indent(
            formatTable([
              ['TYPE', 'STATUS', 'REASON', 'SINCE', 'MESSAGE'],
              ...view.conditions.map((c) => [c.type, c.status, c.reason, age(c.lastTransitionTime), c.message]),
            ]),
            '  ',
          )),
    'Events:\n' + eventsText(view.events, now),
  ];
  return sections.join('');
}

function eventsText(events: readonly EnvironmentEvent[], now: number): string {
  if (events.length === 0) return '  <none since the service started>\n';
  const rows = events.map((event) => {
    const last = formatAge(now - Date.parse(event.lastTime));
    const seen = event.count > 1 ? `${last} (x${event.count})` : last;
    return [seen, event.type, event.reason, event.message];
  });
  return indent(formatTable([['AGE', 'TYPE', 'REASON', 'MESSAGE'], ...rows]), '  ');
}

function mapText(map: Readonly<Record<string, string>> | undefined): string {
  const entries = Object.entries(map ?? {});
  return entries.length === 0 ? '<none>' : entries.map(([key, value]) => `${key}=${value}`).join(', ');
}
