/**
 * Turns a program's output bytes into the `data` strings of stdout/stderr messages: one streaming UTF-8 decoder per
 * stream, so a character split across reads stays whole and invalid bytes become U+FFFD (text frames must always be
 * valid UTF-8).
 */

/** A per-stream incremental decoder. */
export class OutputDecoder {
  private readonly decoder = new TextDecoder('utf-8', { fatal: false, ignoreBOM: true });

  /** The text completed by `chunk` (may be empty while a character is incomplete). */
  write(chunk: Buffer): string {
    return this.decoder.decode(chunk, { stream: true });
  }

  /** What is left at the end of the stream (U+FFFD for an incomplete character). */
  end(): string {
    return this.decoder.decode();
  }
}
