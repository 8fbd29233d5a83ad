/**
 * The part of Nomad's `filter` expressions (go-bexpr) the double understands: `Selector == "v"`, `!= "v"`,
 * `matches "re"`, `contains "v"`, joined by `and`. Anything else is refused with Nomad's 400 wording.
 */
import { HttpError } from './sim-types';

const CLAUSE = /^\s*([A-Za-z][A-Za-z0-9_.]*)\s+(==|!=|matches|contains)\s+"((?:[^"\\]|\\.)*)"\s*$/;

/** Compiles a filter into a predicate over plain objects. */
export function compileFilter(expression: string): (value: unknown) => boolean {
  const clauses = expression.split(/\s+and\s+/).map((text) => {
    const match = CLAUSE.exec(text);
    if (!match)
      throw new HttpError(400, `failed to read filter expression: unsupported expression ${JSON.stringify(text)}`);
    const [, selector = '', operator, raw = ''] = match;
    const literal = raw.replace(/\\(.)/g, '$1');
    const regex = operator === 'matches' ? new RegExp(literal) : undefined;
    return (value: unknown) => {
      const field = select(value, selector.split('.'));
      if (operator === '==') return field === literal;
      if (operator === '!=') return field !== literal;
      if (operator === 'contains')
        return typeof field === 'string' ? field.includes(literal) : Array.isArray(field) && field.includes(literal);
      return typeof field === 'string' && (regex as RegExp).test(field);
    };
  });
  return (value) => clauses.every((clause) => clause(value));
}

function select(value: unknown, path: readonly string[]): unknown {
  let current = value;
  for (const part of path) {
    if (typeof current !== 'object' || current === null) return undefined;
    current = (current as Record<string, unknown>)[part];
  }
  return current;
}
