/**
 * CodeOcean's per-stream output buffer (codeocean-client.md B.5): chunks are concatenated, CRLF becomes LF, complete
 * lines are emitted, a line that looks like the start of a JSON object but does not parse yet is held back until it
 * does (a JSON event split over chunks), and the lines `#exit` and `{"cmd": "exit"}` are dropped.
 */

const FILTERED = new Set(['#exit', '{"cmd": "exit"}', '{"cmd":"exit"}']);

function looksLikeIncompleteJson(line: string): boolean {
  if (!line.trimStart().startsWith('{')) return false;
  try {
    JSON.parse(line);
    return false;
  } catch {
    return true;
  }
}

/** A line buffer for one stream. */
export class LineBuffer {
  private pending = '';
  private held = '';
  readonly lines: string[] = [];

  /** Adds a chunk and emits every complete line in it. */
  append(chunk: string): void {
    this.pending += chunk.replace(/\r\n/g, '\n');
    let newline = this.pending.indexOf('\n');
    while (newline >= 0) {
      this.emit(this.pending.slice(0, newline));
      this.pending = this.pending.slice(newline + 1);
      newline = this.pending.indexOf('\n');
    }
  }

  /** Emits what is left (on close). */
  flush(): void {
    const rest = this.held + this.pending;
    this.held = '';
    this.pending = '';
    if (rest !== '') this.push(rest);
  }

  /** Everything emitted, joined with LF (each line ends with one). */
  text(): string {
    return this.lines.map((line) => `${line}\n`).join('');
  }

  private emit(line: string): void {
    const candidate = this.held === '' ? line : `${this.held}\n${line}`;
    if (looksLikeIncompleteJson(candidate)) {
      this.held = candidate;
      return;
    }
    this.held = '';
    this.push(candidate);
  }

  private push(line: string): void {
    if (!FILTERED.has(line.trim())) this.lines.push(line);
  }
}
