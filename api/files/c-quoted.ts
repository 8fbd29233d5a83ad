/**
 * Names as GNU `ls --quoting-style=c` prints them: in double quotes, with C escapes (`\"`, `\\`, `\n`, `\t`, octal
 * `\ooo` for other bytes, and `\:` in directory headers). Decoding them gives back the exact bytes, so names with
 * newlines, quotes, ` -> ` or a trailing `:` parse unambiguously, unlike `--literal` output.
 */

const SIMPLE_ESCAPES: Readonly<Record<string, number>> = {
  a: 0x07,
  b: 0x08,
  f: 0x0c,
  n: 0x0a,
  r: 0x0d,
  t: 0x09,
  v: 0x0b,
};

/** A quoted string found in a line: its decoded bytes and the index just past its closing quote. */
export interface QuotedString {
  readonly bytes: Buffer;
  readonly end: number;
}

function isOctal(code: number | undefined): boolean {
  return code !== undefined && code >= 0x30 && code <= 0x37;
}

/**
 * Decodes the C-quoted string that starts at `line[start]` (which must be `"`), or returns undefined when there is
 * none or it is unterminated.
 */
export function readCQuoted(line: Buffer, start: number): QuotedString | undefined {
  if (line[start] !== 0x22) return undefined;
  const bytes: number[] = [];
  for (let i = start + 1; i < line.length; i++) {
    const byte = line[i] as number;
    if (byte === 0x22) return { bytes: Buffer.from(bytes), end: i + 1 };
    if (byte !== 0x5c) {
      bytes.push(byte);
      continue;
    }
    const next = line[i + 1];
    if (next === undefined) return undefined;
    if (isOctal(next)) {
      let digits = 0;
      let value = 0;
      while (digits < 3 && isOctal(line[i + 1 + digits]))
        value = value * 8 + ((line[i + 1 + digits++] as number) - 0x30);
      bytes.push(value & 0xff);
      i += digits;
      continue;
    }
    bytes.push(SIMPLE_ESCAPES[String.fromCharCode(next)] ?? next);
    i++;
  }
  return undefined;
}
