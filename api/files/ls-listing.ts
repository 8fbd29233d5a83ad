/**
 * Turns the byte stream of `ls -l --time-style=+%s -1 --quoting-style=c [--recursive] -- <path>` into FileHeaders,
 * with the original's naming rules: in a recursive listing each `"<dir>":` header line sets the name prefix to that
 * directory with exactly one trailing `/` (so listing `./` yields `./a.txt`, `./dir/b.txt`); without headers (a
 * non-recursive listing, or a single file) names are as ls prints them. `total` lines, blank lines and anything
 * unparsable are skipped.
 */
import { parseDirectoryHeader, parseEntryLine, type FileHeader } from './file-header';

/** The argv that lists `path` (GNU ls; `--` keeps a leading `-` a name). */
export function lsCommand(path: string, recursive: boolean): string[] {
  return ['ls', '-l', '--time-style=+%s', '-1', '--quoting-style=c', ...(recursive ? ['--recursive'] : []), '--', path];
}

/** Incremental parser: feed chunks, get the entries completed by each. */
export class LsListingParser {
  private rest: Buffer = Buffer.alloc(0);
  private prefix = '';

  /** Parses the complete lines in `chunk` (plus what was left over). */
  push(chunk: Buffer): FileHeader[] {
    const data = this.rest.length > 0 ? Buffer.concat([this.rest, chunk]) : chunk;
    const entries: FileHeader[] = [];
    let start = 0;
    for (let end = data.indexOf(0x0a); end !== -1; end = data.indexOf(0x0a, start)) {
      const entry = this.line(data.subarray(start, end));
      if (entry) entries.push(entry);
      start = end + 1;
    }
    this.rest = Buffer.from(data.subarray(start));
    return entries;
  }

  /** Parses a last line without a newline. */
  end(): FileHeader[] {
    const last = this.rest;
    this.rest = Buffer.alloc(0);
    const entry = last.length > 0 ? this.line(last) : undefined;
    return entry ? [entry] : [];
  }

  private line(line: Buffer): FileHeader | undefined {
    if (line.length === 0) return undefined;
    const directory = parseDirectoryHeader(line);
    if (directory !== undefined) {
      this.prefix = `${directory.endsWith('/') ? directory.slice(0, -1) : directory}/`;
      return undefined;
    }
    return parseEntryLine(line, this.prefix);
  }
}
