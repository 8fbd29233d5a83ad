/**
 * The backend's one monotonically increasing index, kept across restarts without a write per change: the file holds
 * a ceiling that the index never passes before the ceiling has been raised (synchronously, once per block). After a
 * restart the index continues from the old ceiling, so it is higher than every index handed out before, and every
 * index from before the restart is older than the new event buffer (the feed reports a gap for it).
 */
import { existsSync, readFileSync } from 'node:fs';
import { PoseidonError } from '../../../../crds/errors';
import { writeFileAtomicSync } from './atomic-file';

/** How many indexes one ceiling write reserves. */
const BLOCK = 1000;

/** A persisted, strictly increasing counter. */
export class IndexKeeper {
  private current: number;
  private ceiling: number;
  /** The index at start-up: every index of an earlier run is lower or equal. */
  readonly bootIndex: number;

  /** Loads the ceiling from `file` (absent: 0); the first index handed out is higher than every earlier one. */
  constructor(private readonly file: string) {
    this.current = readCeiling(file);
    this.bootIndex = this.current;
    this.ceiling = this.current;
    this.raiseCeiling();
  }

  /** The last index handed out (or the boot index). */
  get value(): number {
    return this.current;
  }

  /** Hands out the next index, raising the persisted ceiling first when needed. */
  next(): number {
    if (this.current + 1 > this.ceiling) this.raiseCeiling();
    this.current += 1;
    return this.current;
  }

  private raiseCeiling(): void {
    this.ceiling = this.current + BLOCK;
    writeFileAtomicSync(this.file, `${JSON.stringify({ ceiling: this.ceiling })}\n`);
  }
}

function readCeiling(file: string): number {
  if (!existsSync(file)) return 0;
  const text = readFileSync(file, 'utf8');
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (cause) {
    throw new PoseidonError('Internal', `embedded backend: index file ${file} is not JSON`, { cause });
  }
  const ceiling = (parsed as { ceiling?: unknown }).ceiling;
  if (typeof ceiling !== 'number' || !Number.isSafeInteger(ceiling) || ceiling < 0) {
    throw new PoseidonError('Internal', `embedded backend: index file ${file} holds no valid ceiling`);
  }
  return ceiling;
}
