/**
 * Writes resources as YAML (for `get -o yaml`): one document per resource, separated by `---`, keys in the
 * resource's own order (apiVersion, kind, metadata, spec, status), long strings never folded.
 */
import { stringify } from 'yaml';

/** One YAML document per value, joined by `---` lines; the empty list dumps as the empty string. */
export function dumpYaml(values: readonly unknown[]): string {
  return values.map((value) => stringify(value, { lineWidth: 0, aliasDuplicateObjects: false })).join('---\n');
}
