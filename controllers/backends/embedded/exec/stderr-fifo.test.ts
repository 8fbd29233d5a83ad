import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { createStderrFifo, crlf, StderrFifos } from './stderr-fifo';

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

describe('StderrFifos', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'fifos-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('hands out distinct working FIFOs, made ahead in batches', async () => {
    let n = 0;
    const fifos = new StderrFifos(dir, () => `f${++n}`, 4);
    const taken = [];
    for (let i = 0; i < 6; i++) taken.push(await fifos.take());
    expect(new Set(taken.map((fifo) => fifo.path)).size).toBe(6);
    const last = taken[5];
    if (!last) throw new Error('no fifo');
    const received = text(last.stream);
    const writer = spawn('/bin/sh', ['-c', 'printf x > "$0"', last.path]);
    await new Promise((resolve) => writer.once('exit', resolve));
    last.release();
    expect(await received).toBe('x');
    await Promise.all(taken.map((fifo) => fifo.remove()));
  });
});
