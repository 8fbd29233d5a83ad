/**
 * Plain-text tables for `get` and `describe`: left-aligned columns separated by three spaces, no trailing blanks.
 */

/** Formats `rows` (the first is the header) as lines ending in a newline. */
export function formatTable(rows: readonly (readonly string[])[]): string {
  const widths: number[] = [];
  for (const row of rows) row.forEach((cell, index) => (widths[index] = Math.max(widths[index] ?? 0, cell.length)));
  return rows
    .map((row) => {
      const cells = row.map((cell, index) => (index === row.length - 1 ? cell : cell.padEnd(widths[index] ?? 0)));
      return `${cells.join('   ').trimEnd()}\n`;
    })
    .join('');
}

/** Prefixes every line of `text` with `indent`. */
export function indent(text: string, prefix: string): string {
  return text
    .split('\n')
    .map((line) => (line === '' ? line : `${prefix}${line}`))
    .join('\n');
}
