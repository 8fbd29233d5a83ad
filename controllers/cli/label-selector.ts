/**
 * Label selectors for `sync --prune --selector`: comma-separated `key=value`, `key!=value`, `key` (present) and
 * `!key` (absent) terms, all of which must hold (Kubernetes' equality-based selectors).
 */
import { CliError } from './cli-error';

/** A parsed selector. */
export type LabelSelector = (labels: Readonly<Record<string, string>> | undefined) => boolean;

const KEY = /^[A-Za-z0-9]([A-Za-z0-9._/-]*[A-Za-z0-9])?$/;

/** Parses `text`; throws a {@link CliError} naming the bad term. An empty selector matches everything. */
export function parseSelector(text: string): LabelSelector {
  const terms = text
    .split(',')
    .map((term) => term.trim())
    .filter((term) => term !== '')
    .map(parseTerm);
  return (labels) => terms.every((term) => term(labels ?? {}));
}

function parseTerm(term: string): (labels: Readonly<Record<string, string>>) => boolean {
  const match = /^(!?)([^=!]+?)\s*(?:(!=|==|=)\s*(.*))?$/.exec(term);
  const key = match?.[2]?.trim() ?? '';
  if (!match || !KEY.test(key) || (match[1] === '!' && match[3] !== undefined)) {
    throw new CliError(`--selector: cannot parse ${JSON.stringify(term)} (examples: team=python, tier!=beta, !legacy)`);
  }
  const value = match[4] ?? '';
  if (match[1] === '!') return (labels) => !(key in labels);
  if (match[3] === undefined) return (labels) => key in labels;
  if (match[3] === '!=') return (labels) => labels[key] !== value;
  return (labels) => labels[key] === value;
}
