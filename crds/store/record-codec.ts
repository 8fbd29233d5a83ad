/**
 * The framing of the store's files: each record is `[u32 length][u32 crc32(payload)][payload]` (little-endian), the
 * payload UTF-8 JSON. A reader stops at the first record that is cut short (a write torn by a crash) or whose checksum
 * does not match, and reports where the good data ends.
 */
import * as zlib from 'node:zlib';

/** Bytes before each payload. */
export const RECORD_HEADER_BYTES = 8;
/** Largest payload accepted; anything larger is treated as corruption. */
export const MAX_RECORD_BYTES = 64 * 1024 * 1024;

/** Frames one JSON value as a record. */
export function encodeRecord(value: unknown): Buffer {
  const payload = Buffer.from(JSON.stringify(value), 'utf8');
  const record = Buffer.allocUnsafe(RECORD_HEADER_BYTES + payload.length);
  record.writeUInt32LE(payload.length, 0);
  record.writeUInt32LE(crc32(payload), 4);
  payload.copy(record, RECORD_HEADER_BYTES);
  return record;
}

/** Result of reading a buffer of records: the decoded values, where valid data ends, and why reading stopped. */
export interface DecodedRecords {
  values: unknown[];
  /** Offset just after the last good record (the length to truncate a damaged log to). */
  validLength: number;
  /** `end` when the whole buffer was read; otherwise what was found at `validLength`. */
  stop: 'end' | 'torn' | 'corrupt';
}

/** Decodes every record of `buffer` up to the first torn or corrupt one. */
export function decodeRecords(buffer: Buffer): DecodedRecords {
  const values: unknown[] = [];
  let offset = 0;
  while (offset < buffer.length) {
    if (buffer.length - offset < RECORD_HEADER_BYTES) return { values, validLength: offset, stop: 'torn' };
    const length = buffer.readUInt32LE(offset);
    const checksum = buffer.readUInt32LE(offset + 4);
    if (length === 0 || length > MAX_RECORD_BYTES) return { values, validLength: offset, stop: 'corrupt' };
    const end = offset + RECORD_HEADER_BYTES + length;
    if (end > buffer.length) return { values, validLength: offset, stop: 'torn' };
    const payload = buffer.subarray(offset + RECORD_HEADER_BYTES, end);
    if (crc32(payload) !== checksum) return { values, validLength: offset, stop: 'corrupt' };
    try {
      values.push(JSON.parse(payload.toString('utf8')));
    } catch {
      return { values, validLength: offset, stop: 'corrupt' };
    }
    offset = end;
  }
  return { values, validLength: offset, stop: 'end' };
}

type Crc32 = (data: Uint8Array) => number;

/** CRC-32 (IEEE): zlib's native one where Node has it (20.15+), else a table-driven fallback. */
export const crc32: Crc32 = (zlib as unknown as { crc32?: Crc32 }).crc32 ?? tableCrc32;

let table: Uint32Array | undefined;

function tableCrc32(data: Uint8Array): number {
  table ??= Uint32Array.from({ length: 256 }, (_, n) => {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    return c >>> 0;
  });
  let crc = 0xffffffff;
  for (const byte of data) crc = (table[(crc ^ byte) & 0xff] ?? 0) ^ (crc >>> 8);
  return (crc ^ 0xffffffff) >>> 0;
}
