/**
 * Go's `strconv.ParseBool` and the query-parameter conventions of the original routes built on it.
 */

const TRUE = new Set(['1', 't', 'T', 'TRUE', 'true', 'True']);
const FALSE = new Set(['0', 'f', 'F', 'FALSE', 'false', 'False']);

/** `strconv.ParseBool`: the boolean, or undefined when `text` is not one of Go's spellings. */
export function parseGoBool(text: string): boolean | undefined {
  if (TRUE.has(text)) return true;
  if (FALSE.has(text)) return false;
  return undefined;
}

/** A boolean query parameter that falls back to `fallback` when absent or unparsable (`recursive`, `privilegedExecution`). */
export function lenientBool(text: string | undefined, fallback: boolean): boolean {
  return text === undefined ? fallback : (parseGoBool(text) ?? fallback);
}

/** Go's error text for an unparsable boolean. */
export function parseBoolError(text: string): string {
  return `strconv.ParseBool: parsing ${JSON.stringify(text)}: invalid syntax`;
}
