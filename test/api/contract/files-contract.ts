/**
 * Contract: the file routes (poseidon-api.md 4.10-4.13): PATCH semantics (delete then copy, modes, owners, mtime 0),
 * listings (names, fields, hidden files, 424), downloads (exact bytes and length, headers, 424), hostile names.
 */
import { createHash, randomBytes } from 'node:crypto';
import type { ApiTarget } from '../support/api-target';
import { ContractKit, base64 } from '../support/contract-kit';

interface FileHeader {
  name: string;
  entryType: string;
  linkTarget?: string;
  size: number;
  modificationTime: number;
  permissions: string;
  owner: string;
  group: string;
}

const HOSTILE_NAMES = [
  'with space.txt',
  'quote"double.txt',
  "quote'single.txt",
  '$HOME.txt',
  '`id`.txt',
  'ünïcödé 😀.txt',
  'line\nbreak.txt',
  '-leading-dash.txt',
  'arrow -> not a link.txt',
  'trailing colon:',
  'plus+sign.txt',
  'back\\slash.txt',
];

/** Registers the file tests. */
export function describeFilesContract(getTarget: () => ApiTarget): void {
  describe('files', () => {
    let kit: ContractKit;
    let environmentId: number;
    let runnerId: string;
    beforeAll(async () => {
      kit = new ContractKit(getTarget());
      environmentId = await kit.createEnvironment({ prewarmingPoolSize: 5 });
      runnerId = await kit.claim(environmentId, 300);
    });
    afterAll(() => kit.cleanup());

    async function list(runner: string, query: string): Promise<FileHeader[]> {
      const response = await kit.api('GET', `/runners/${runner}/files${query}`);
      expect(response.status).toBe(200);
      expect(response.headers['content-type']).toMatch(/^application\/json/);
      return response.json<{ files: FileHeader[] }>().files;
    }

    async function download(runner: string, path: string, privileged = false) {
      const query = `path=${encodeURIComponent(path)}${privileged ? '&privilegedExecution=true' : ''}`;
      return kit.api('GET', `/runners/${runner}/files/raw?${query}`);
    }

    describe('PATCH', () => {
      it('writes files root-owned 0744 with mtime 0 and directory entries 1777', async () => {
        const own = await kit.claim(environmentId, 300);
        await kit.patch(own, {
          copy: [
            { path: 'dir/' },
            { path: 'dir/a.txt', content: base64('hello') },
            { path: 'top.txt', content: base64('top') },
          ],
        });
        const files = await list(own, '?path=./&recursive=true');
        const byName = new Map(files.map((file) => [file.name, file]));
        expect(byName.get('./top.txt')).toMatchObject({
          entryType: '-',
          size: 3,
          modificationTime: 0,
          permissions: 'rwxr--r--',
          owner: 'root',
          group: 'root',
        });
        expect(byName.get('./dir')).toMatchObject({ entryType: 'd', permissions: 'rwxrwxrwt', owner: 'root' });
        expect(byName.get('./dir/a.txt')).toMatchObject({ size: 5, modificationTime: 0 });
        expect(Object.keys(byName.get('./top.txt') as object)).toEqual([
          'name',
          'entryType',
          'size',
          'modificationTime',
          'permissions',
          'owner',
          'group',
        ]);
      });

      it('lets the user add files in uploaded directories but not change uploaded files or implicit parents', async () => {
        const own = await kit.claim(environmentId, 300);
        await kit.patch(own, {
          copy: [
            { path: 'open/' },
            { path: 'open/mine.txt', content: base64('x') },
            { path: 'implicit/deep.txt', content: base64('x') },
          ],
        });
        const run = await kit.run(own, {
          command:
            'touch open/new.txt && echo created; echo more >> open/mine.txt || echo denied-append; ' +
            'rm -f open/mine.txt || echo denied-remove; touch implicit/new.txt || echo denied-implicit',
        });
        const out = run.stdout.replace(/\r\n/g, '\n');
        expect(out).toContain('created\n');
        expect(out).toContain('denied-append\n');
        expect(out).toContain('denied-remove\n');
        expect(out).toContain('denied-implicit\n');
        const implicit = (await list(own, '?path=./&recursive=false')).find((file) => file.name === 'implicit');
        expect(implicit).toMatchObject({ entryType: 'd', permissions: 'rwxr-xr-x', owner: 'root' });
      });

      it('deletes before it copies: ./* removes non-hidden entries, dotfiles survive, a copy of a deleted path wins', async () => {
        const own = await kit.claim(environmentId, 300);
        await kit.patch(own, {
          copy: [
            { path: '.hidden', content: base64('h') },
            { path: 'a.txt', content: base64('a') },
            { path: 'sub/b.txt', content: base64('b') },
          ],
        });
        await kit.patch(own, { delete: ['./*'], copy: [{ path: 'a.txt', content: base64('new') }] });
        expect((await list(own, '?path=./')).map((file) => file.name)).toEqual(['./a.txt']);
        expect((await download(own, 'a.txt')).text).toBe('new');
        expect((await download(own, '.hidden')).text).toBe('h');
      });

      it('treats delete paths as plain names: quotes, globs, missing paths, ./', async () => {
        const own = await kit.claim(environmentId, 300);
        await kit.patch(own, {
          copy: [
            { path: "a'b", content: base64('1') },
            { path: 'keep1', content: base64('1') },
            { path: 'keep2', content: base64('1') },
            { path: '*', content: base64('star') },
          ],
        });
        await kit.patch(own, { delete: ["a'b", 'missing/file', './', '*', 'x/../keep9'] });
        expect((await list(own, '?path=./')).map((file) => file.name).sort()).toEqual(['./keep1', './keep2']);
      });

      it('cleans copy paths and accepts absolute ones', async () => {
        const own = await kit.claim(environmentId, 300);
        const dir = `/tmp/poseidon-api-test-${randomBytes(6).toString('hex')}`;
        await kit.patch(own, {
          copy: [
            { path: './x/../clean.txt', content: base64('c') },
            { path: `${dir}/abs.txt`, content: base64('absolute') },
          ],
        });
        expect((await download(own, 'clean.txt')).text).toBe('c');
        expect((await download(own, `${dir}/abs.txt`)).text).toBe('absolute');
        expect((await list(own, `?path=${encodeURIComponent(dir)}`)).map((file) => file.name)).toEqual([
          `${dir}/abs.txt`,
        ]);
        await kit.patch(own, { delete: [dir] });
        expect((await kit.api('GET', `/runners/${own}/files?path=${encodeURIComponent(dir)}`)).status).toBe(424);
      });

      it('accepts padded base64 with line breaks and null content; rejects invalid base64 with 400', async () => {
        await kit.patch(runnerId, {
          copy: [
            { path: 'wrapped.txt', content: 'aGVs\nbG8g\r\nd29y\nbGQ=' },
            { path: 'empty.txt', content: null },
          ],
        });
        expect((await download(runnerId, 'wrapped.txt')).text).toBe('hello world');
        const empty = await download(runnerId, 'empty.txt');
        expect([empty.status, empty.body.length]).toEqual([200, 0]);
        for (const content of ['aGVsbG8', 'aGVsbG8*', 'aGV=sbG8=', 5]) {
          const response = await kit.api('PATCH', `/runners/${runnerId}/files`, {
            copy: [{ path: 'bad.txt', content }],
          });
          expect(response.status).toBe(400);
          expect(response.json()).toEqual({ message: expect.any(String) });
        }
        expect((await download(runnerId, 'bad.txt')).status).toBe(424);
      });

      it('treats an empty request as a no-op and rejects malformed bodies with 400', async () => {
        expect((await kit.api('PATCH', `/runners/${runnerId}/files`, {})).status).toBe(204);
        for (const payload of ['', 'nope', '{"copy": {}}', '{"delete": "a"}']) {
          expect((await kit.api('PATCH', `/runners/${runnerId}/files`, payload)).status).toBe(400);
        }
      });

      it('answers 500 UNKNOWN naming tar output when a copy cannot be written, still writing the others', async () => {
        const own = await kit.claim(environmentId, 300);
        const response = await kit.api('PATCH', `/runners/${own}/files`, {
          copy: [
            { path: '/proc/1/environ', content: base64('nope') },
            { path: 'good.txt', content: base64('good') },
          ],
        });
        expect(response.status).toBe(500);
        expect(response.json()).toEqual({
          message: expect.stringMatching(/^file copy failed: stderr output '.*Cannot open/s),
          errorCode: 'UNKNOWN',
        });
        expect((await download(own, 'good.txt')).text).toBe('good');
      });

      it('rejects paths no file can have with 400 before deleting or writing anything', async () => {
        const own = await kit.claim(environmentId, 300);
        await kit.patch(own, { copy: [{ path: 'keep.txt', content: base64('kept') }] });
        const bodies = [
          { delete: ['keep.txt'], copy: [{ path: 'nul\u0000byte.txt', content: base64('x') }] },
          { delete: ['keep.txt', 'bad\u0000path'] },
          {
            delete: ['keep.txt'],
            copy: [
              { path: 'new.txt', content: base64('x') },
              { path: '.', content: base64('x') },
            ],
          },
          { delete: ['keep.txt'], copy: [{ path: 'sub/..', content: base64('x') }] },
          { delete: ['keep.txt'], copy: [null] },
        ];
        for (const body of bodies) {
          const response = await kit.api('PATCH', `/runners/${own}/files`, body);
          expect({ body, status: response.status }).toEqual({ body, status: 400 });
          expect(response.json()).toEqual({ message: expect.any(String) });
        }
        expect((await list(own, '?recursive=false')).map((file) => file.name)).toEqual(['keep.txt']);
        for (const query of ['', '/raw']) {
          const response = await kit.api('GET', `/runners/${own}/files${query}?path=keep.txt%00x`);
          expect(response.status).toBe(400);
        }
      });

      it('writes a 20 MB file byte for byte', async () => {
        const own = await kit.claim(environmentId, 300);
        const content = randomBytes(20 * 1024 * 1024);
        await kit.patch(own, { copy: [{ path: 'big.bin', content: content.toString('base64') }] });
        const response = await download(own, 'big.bin');
        expect(response.status).toBe(200);
        expect(response.headers['content-length']).toBe(String(content.length));
        expect(createHash('sha256').update(response.body).digest('hex')).toBe(
          createHash('sha256').update(content).digest('hex'),
        );
      });

      it('works while an execution is running on the runner', async () => {
        const own = await kit.claim(environmentId, 300);
        const socket = await kit.attach(
          await kit.execute(own, { command: 'while [ ! -f go.txt ]; do sleep 0.05; done; cat go.txt' }),
        );
        await kit.patch(own, { copy: [{ path: 'go.txt', content: base64('went') }] });
        await socket.closed;
        expect(socket.output()).toBe('went');
      });
    });

    describe('listing', () => {
      it('lists recursively with ./ prefixes by default and bare names when not recursive; hides dotfiles', async () => {
        const own = await kit.claim(environmentId, 300);
        await kit.patch(own, {
          copy: [
            { path: 'd/' },
            { path: 'd/inner.txt', content: base64('i') },
            { path: 'f.txt', content: base64('f') },
            { path: '.secret', content: base64('s') },
          ],
        });
        expect((await list(own, '')).map((file) => file.name)).toEqual(['./d', './f.txt', './d/inner.txt']);
        expect((await list(own, '?recursive=false')).map((file) => file.name)).toEqual(['d', 'f.txt']);
        expect((await list(own, '?path=d&recursive=false')).map((file) => file.name)).toEqual(['inner.txt']);
        expect((await list(own, '?path=f.txt')).map((file) => file.name)).toEqual(['f.txt']);
        expect((await list(own, '?path=d/')).map((file) => file.name)).toEqual(['d/inner.txt']);
      });

      it('shows symlinks with their target', async () => {
        const own = await kit.claim(environmentId, 300);
        await kit.run(own, { command: 'echo data > target.txt; ln -s target.txt link', privilegedExecution: true });
        const link = (await list(own, '?recursive=false')).find((file) => file.name === 'link');
        expect(link).toMatchObject({ entryType: 'l', linkTarget: 'target.txt' });
        const download1 = await download(own, 'link');
        expect([download1.status, download1.text]).toEqual([200, 'data\n']);
      });

      it('answers 424 for a missing path', async () => {
        const response = await kit.api('GET', `/runners/${runnerId}/files?path=does/not/exist`);
        expect(response.status).toBe(424);
        expect(response.json()).toEqual({ message: 'file not found or insufficient permissions' });
      });

      it('lists as the unprivileged user unless privilegedExecution is set', async () => {
        const own = await kit.claim(environmentId, 300);
        await kit.run(own, {
          command: 'mkdir locked && echo x > locked/inside.txt && chmod 700 locked',
          privilegedExecution: true,
        });
        const names = (query: string) => list(own, query).then((files) => files.map((file) => file.name));
        expect(await names('')).toEqual(['./locked']);
        expect(await names('?privilegedExecution=true')).toEqual(['./locked', './locked/inside.txt']);
        expect((await kit.api('GET', `/runners/${own}/files?path=locked&recursive=false`)).status).toBe(424);
      });
    });

    describe('downloads', () => {
      it('streams exact bytes with Content-Length, a sniffed type and an attachment name', async () => {
        const own = await kit.claim(environmentId, 300);
        const binary = Buffer.from([0x00, 0x01, 0x02, 0xff, 0xfe, 0x0a, 0x1b]);
        await kit.patch(own, {
          copy: [
            { path: 'out/text.txt', content: base64('plain text\n') },
            { path: 'out/data.bin', content: binary.toString('base64') },
            { path: 'out/zero', content: '' },
          ],
        });
        const text = await download(own, 'out/text.txt');
        expect(text.status).toBe(200);
        expect(text.text).toBe('plain text\n');
        expect(text.headers['content-length']).toBe('11');
        expect(text.headers['content-type']).toBe('text/plain; charset=utf-8');
        expect(text.headers['content-disposition']).toBe('attachment; filename="out/text.txt"');
        const data = await download(own, 'out/data.bin');
        expect(data.body.equals(binary)).toBe(true);
        expect(data.headers['content-type']).toBe('application/octet-stream');
        const zero = await download(own, 'out/zero');
        expect([zero.status, zero.headers['content-length'], zero.body.length]).toEqual([200, '0', 0]);
      });

      it('answers 424 for a missing file, a directory and an empty path, with Content-Disposition', async () => {
        for (const path of ['missing.txt', '.', '']) {
          const response = await download(runnerId, path);
          expect({ path, status: response.status }).toEqual({ path, status: 424 });
          expect(response.json()).toEqual({ message: 'file not found or insufficient permissions' });
          expect(response.headers['content-disposition']).toMatch(/^attachment; filename=/);
        }
      });

      it('reads files the listing reports as empty, such as /proc files', async () => {
        const response = await download(runnerId, '/proc/version');
        expect(response.status).toBe(200);
        expect(response.text).toMatch(/^Linux/);
        expect(response.headers['content-length']).toBe(String(response.body.length));
      });

      it('encodes non-ASCII names in Content-Disposition (RFC 5987)', async () => {
        await kit.patch(runnerId, { copy: [{ path: 'résumé 😀.txt', content: base64('r') }] });
        const response = await download(runnerId, 'résumé 😀.txt');
        expect(response.status).toBe(200);
        expect(response.headers['content-disposition']).toBe(
          `attachment; filename="r_sum_ _.txt"; filename*=UTF-8''${encodeURIComponent('résumé 😀.txt')}`,
        );
      });
    });

    describe('hostile names', () => {
      it.each(HOSTILE_NAMES)('handles %j as a plain name in PATCH, listing, download and delete', async (name) => {
        const own = await kit.claim(environmentId, 300);
        await kit.patch(own, {
          copy: [
            { path: name, content: base64(`content of ${name}`) },
            { path: 'other', content: '' },
          ],
        });
        const names = (await list(own, '?recursive=false')).map((file) => file.name);
        expect(names.sort()).toEqual([name, 'other'].sort());
        const response = await download(own, name);
        expect([response.status, response.text]).toEqual([200, `content of ${name}`]);
        await kit.patch(own, { delete: [name] });
        expect((await list(own, '?recursive=false')).map((file) => file.name)).toEqual(['other']);
      });

      it('never lets a path become an option or a shell command', async () => {
        const own = await kit.claim(environmentId, 300);
        await kit.patch(own, { copy: [{ path: 'victim', content: base64('v') }] });
        const attempts = ['--help', '-rf', '$(touch pwned)', '`touch pwned`', '; touch pwned', '| touch pwned'];
        for (const path of attempts) {
          await kit.api('GET', `/runners/${own}/files?path=${encodeURIComponent(path)}`);
          await download(own, path);
          await kit.api('PATCH', `/runners/${own}/files`, { delete: [path] });
        }
        expect((await list(own, '?recursive=false')).map((file) => file.name)).toEqual(['victim']);
      });
    });
  });
}
