/**
 * FileHeader, one entry of `GET /runners/{id}/files`, and how it is parsed from a line of GNU `ls -l
 * --time-style=+%s --quoting-style=c` output (see ls-listing.ts for the stream around it).
 */
import { readCQuoted } from './c-quoted';

/** One listed entry (keys in the original's order; `linkTarget` only for a symlink whose target could be read). */
export interface FileHeader {
  readonly name: string;
  /** One character: `-` file, `d` directory, `l` symlink, `c`, `b`, `p`, `s`, ... */
  readonly entryType: string;
  readonly linkTarget?: string;
  readonly size: number;
  /** Unix seconds. */
  readonly modificationTime: number;
  /** Nine characters from `rwxXsStT-`, plus `+` when an ACL exists. */
  readonly permissions: string;
  readonly owner: string;
  readonly group: string;
}

// type, permissions, ACL/SELinux marker, link count, owner, group, [major,] size-or-minor, mtime; the name follows.
const ENTRY_PREFIX = /^([-aAbcCdDlMnpPsw?])([-rwxXsStT]{9})([+.]?) +\d+ +(.+?) +(.+?) +(?:(\d+), +)?(\d+) +(-?\d+) +$/;
const ARROW = Buffer.from(' -> ');
const utf8 = new TextDecoder('utf-8');

/** Decodes bytes as UTF-8, replacing invalid sequences with U+FFFD (as Go's JSON encoder does). */
export function utf8Text(bytes: Buffer): string {
  return utf8.decode(bytes);
}

/** The directory a recursive listing's header line (`"./dir":`) names, or undefined when `line` is not one. */
export function parseDirectoryHeader(line: Buffer): string | undefined {
  const quoted = readCQuoted(line, 0);
  if (!quoted || quoted.end !== line.length - 1 || line[quoted.end] !== 0x3a) return undefined;
  return utf8Text(quoted.bytes);
}

/** Parses one entry line; `prefix` is prepended to the name. Undefined for lines that are not entries. */
export function parseEntryLine(line: Buffer, prefix: string): FileHeader | undefined {
  const nameStart = line.indexOf(0x22);
  if (nameStart <= 0) return undefined;
  const match = ENTRY_PREFIX.exec(utf8Text(line.subarray(0, nameStart)));
  const name = readCQuoted(line, nameStart);
  if (!match || !name) return undefined;
  const [, entryType = '-', permissions = '', acl, owner = '', group = '', major, size = '0', mtime = '0'] = match;
  let linkTarget: string | undefined;
  if (entryType === 'l' && line.subarray(name.end, name.end + ARROW.length).equals(ARROW)) {
    const target = readCQuoted(line, name.end + ARROW.length);
    if (target) linkTarget = utf8Text(target.bytes);
  }
  return {
    name: prefix + utf8Text(name.bytes),
    entryType,
    ...(linkTarget !== undefined ? { linkTarget } : {}),
    // Device files show "major, minor" instead of a size.
    size: major === undefined ? Number(size) : 0,
    modificationTime: Number(mtime),
    permissions: acl === '+' ? `${permissions}+` : permissions,
    owner,
    group,
  };
}
