import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { createStderrFifo, crlf } from './stderr-fifo';

async function text(stream: Readable): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString();
}

describe('crlf', () => {
  it('turns every line feed into CR LF, as a terminal does', async () => {
    expect(await text(Readable.from([Buffer.from('a\nb'), Buffer.from('\n\nc')]).pipe(crlf()))).toBe('a\r\nb\r\n\r\nc');
  });
});

describe('createStderrFifo', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'fifo-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('delivers what a writer process wrote and ends only after release', async () => {
    const fifo = await createStderrFifo(dir, 'x1');
    const received = text(fifo.stream);
    const writer = spawn('/bin/sh', ['-c', 'printf "one\\ntwo\\n" > "$0"', fifo.path]);
    await new Promise((resolve) => writer.once('exit', resolve));
    fifo.release();
    expect(await received).toBe('one\r\ntwo\r\n');
    await fifo.remove();
    expect(existsSync(fifo.path)).toBe(false);
  });

  it('ends empty when no writer ever came', async () => {
    const fifo = await createStderrFifo(dir, 'x2');
    const received = text(fifo.stream);
    await fifo.remove();
    expect(await received).toBe('');
  });
});
