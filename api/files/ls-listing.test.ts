import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import fc from 'fast-check';
import { LsListingParser, lsCommand } from './ls-listing';
import type { FileHeader } from './file-header';

function parse(output: Buffer, chunkSize = output.length): FileHeader[] {
  const parser = new LsListingParser();
  const entries: FileHeader[] = [];
  for (let i = 0; i < output.length; i += chunkSize) entries.push(...parser.push(output.subarray(i, i + chunkSize)));
  return [...entries, ...parser.end()];
}

/** Runs the real GNU ls the facade runs, in `cwd`. */
function ls(cwd: string, target: string, recursive: boolean): Buffer {
  const [file, ...args] = lsCommand(target, recursive);
  return execFileSync(file as string, args, { cwd, env: { LC_ALL: 'C', PATH: process.env.PATH } });
}

describe('parsing GNU ls output into file headers', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'ls-listing-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('names entries like the original: ./ prefixes when recursive, bare names otherwise, links with targets', () => {
    mkdirSync(path.join(dir, 'sub'));
    writeFileSync(path.join(dir, 'sub', 'inner.txt'), 'abc');
    writeFileSync(path.join(dir, 'top.txt'), '');
    writeFileSync(path.join(dir, '.hidden'), '');
    symlinkSync('top.txt', path.join(dir, 'link'));
    const recursive = parse(ls(dir, './', true));
    expect(recursive.map((entry) => entry.name)).toEqual(['./link', './sub', './top.txt', './sub/inner.txt']);
    expect(recursive[0]).toMatchObject({ entryType: 'l', linkTarget: 'top.txt' });
    expect(recursive[3]).toMatchObject({ entryType: '-', size: 3, permissions: 'rw-r--r--' });
    expect(parse(ls(dir, 'sub', false)).map((entry) => entry.name)).toEqual(['inner.txt']);
    expect(parse(ls(dir, 'sub/inner.txt', true)).map((entry) => entry.name)).toEqual(['sub/inner.txt']);
  });

  it('gives back any file name exactly, whatever bytes it contains and however the output is chunked', () => {
    const awkward = fc.constantFrom(
      '\n',
      '\t',
      '"',
      '\\',
      ' ',
      '-',
      ' -> ',
      ':',
      '\x01',
      '\x7f',
      '$',
      '`',
      "'",
      'ä',
      '😀',
    );
    const name = fc
      .array(fc.oneof(fc.string({ unit: 'grapheme', maxLength: 3 }), awkward), { minLength: 1, maxLength: 6 })
      .map((parts) => parts.join(''))
      .filter((text) => text !== '')
      .map((text) => text.replace(/[/\0]/g, '_'))
      .filter((text) => text !== '.' && text !== '..' && !text.startsWith('.'));
    fc.assert(
      fc.property(
        fc.uniqueArray(name, { minLength: 1, maxLength: 6 }),
        fc.integer({ min: 1, max: 64 }),
        (names, chunk) => {
          const run = mkdtempSync(path.join(dir, 'p-'));
          for (const file of names) writeFileSync(path.join(run, file), file);
          const parsed = parse(ls(run, '.', false), chunk);
          expect(parsed.map((entry) => entry.name).sort()).toEqual([...names].sort());
          for (const entry of parsed) expect(entry.size).toBe(Buffer.byteLength(entry.name));
        },
      ),
      { numRuns: 40 },
    );
  });

  it('parses device files, ACL markers and unparsable lines', () => {
    const lines = [
      'total 0',
      'crw-rw-rw- 1 root root 1, 3 1700000000 "null"',
      '-rw-rw-r--+ 1 kali kali 5 1660763446 "acl"',
      'garbage line',
      'drwxrwxrwt 2 root root 4096 0 "sticky"',
    ];
    expect(parse(Buffer.from(`${lines.join('\n')}\n`))).toEqual([
      {
        name: 'null',
        entryType: 'c',
        size: 0,
        modificationTime: 1700000000,
        permissions: 'rw-rw-rw-',
        owner: 'root',
        group: 'root',
      },
      {
        name: 'acl',
        entryType: '-',
        size: 5,
        modificationTime: 1660763446,
        permissions: 'rw-rw-r--+',
        owner: 'kali',
        group: 'kali',
      },
      {
        name: 'sticky',
        entryType: 'd',
        size: 4096,
        modificationTime: 0,
        permissions: 'rwxrwxrwt',
        owner: 'root',
        group: 'root',
      },
    ]);
  });
});
