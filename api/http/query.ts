/**
 * Query parameters as Go's `r.URL.Query().Get(name)` reads them: the first value, form-decoded (`+` is a space).
 */
import type { Request } from 'express';

/** The first value of `name`, or undefined when absent. */
export function queryValue(req: Request, name: string): string | undefined {
  const value: unknown = (req.query as Record<string, unknown>)[name];
  const first: unknown = Array.isArray(value) ? value[0] : value;
  return typeof first === 'string' ? first : undefined;
}
