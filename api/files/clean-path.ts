/**
 * Go's `path.Clean` (lexical, slash-separated): the original cleans every delete and copy path with it, so
 * `./a/../b` is `b`, `//x` is `/x`, `a/` is `a` and the empty path is `.`.
 */

/** `path.Clean(p)`. */
export function cleanPath(p: string): string {
  if (p === '') return '.';
  const rooted = p.startsWith('/');
  const out: string[] = [];
  for (const part of p.split('/')) {
    if (part === '' || part === '.') continue;
    if (part !== '..') out.push(part);
    else if (out.length > 0 && out[out.length - 1] !== '..') out.pop();
    else if (!rooted) out.push('..');
  }
  const joined = out.join('/');
  if (rooted) return `/${joined}`;
  return joined === '' ? '.' : joined;
}
