import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { IndexKeeper } from './index-keeper';

describe('IndexKeeper', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'index-keeper-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('hands out strictly increasing indexes that stay above every earlier one after a reopen', () => {
    const file = path.join(dir, 'index.json');
    const first = new IndexKeeper(file);
    const seen = Array.from({ length: 2500 }, () => first.next());
    expect(seen.every((value, i) => i === 0 || value > (seen[i - 1] ?? 0))).toBe(true);
    const second = new IndexKeeper(file);
    expect(second.bootIndex).toBeGreaterThanOrEqual(seen.at(-1) ?? 0);
    expect(second.next()).toBeGreaterThan(seen.at(-1) ?? 0);
  });

  it('starts from zero without a file and refuses a corrupt one', () => {
    const file = path.join(dir, 'index.json');
    expect(new IndexKeeper(file).bootIndex).toBe(0);
    writeFileSync(file, 'not json');
    expect(() => new IndexKeeper(file)).toThrow(expect.objectContaining({ code: 'Internal' }));
  });
});
