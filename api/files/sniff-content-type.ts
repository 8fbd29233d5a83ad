/**
 * A small version of Go's `http.DetectContentType`, which the original's downloads rely on: a few common signatures,
 * otherwise text (`text/plain; charset=utf-8`) unless the first 512 bytes hold a byte no text file has.
 */

/** How many leading bytes the sniffer looks at. */
export const SNIFF_BYTES = 512;

const SIGNATURES: readonly (readonly [string, Buffer])[] = [
  ['image/png', Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])],
  ['image/jpeg', Buffer.from([0xff, 0xd8, 0xff])],
  ['image/gif', Buffer.from('GIF87a')],
  ['image/gif', Buffer.from('GIF89a')],
  ['application/pdf', Buffer.from('%PDF-')],
  ['application/zip', Buffer.from([0x50, 0x4b, 0x03, 0x04])],
  ['application/x-gzip', Buffer.from([0x1f, 0x8b, 0x08])],
];

// Go's "binary data" bytes: control characters other than TAB, LF, FF, CR and ESC.
function isBinaryByte(byte: number): boolean {
  return byte <= 0x08 || byte === 0x0b || (byte >= 0x0e && byte <= 0x1a) || (byte >= 0x1c && byte <= 0x1f);
}

/** The Content-Type for a body starting with `head` (at most {@link SNIFF_BYTES} are looked at). */
export function sniffContentType(head: Buffer): string {
  const sample = head.subarray(0, SNIFF_BYTES);
  for (const [type, signature] of SIGNATURES) {
    if (sample.subarray(0, signature.length).equals(signature)) return type;
  }
  return sample.some(isBinaryByte) ? 'application/octet-stream' : 'text/plain; charset=utf-8';
}
