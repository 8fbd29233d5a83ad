import { ndjsonLines } from './ndjson-lines';

async function collect(chunks: (string | Buffer)[]): Promise<string[]> {
  async function* source() {
    for (const chunk of chunks) yield chunk;
  }
  const lines: string[] = [];
  for await (const line of ndjsonLines(source())) lines.push(line);
  return lines;
}

describe('NDJSON line splitting', () => {
  it('joins lines split across chunks and skips empty lines', async () => {
    expect(await collect(['{}\n{"Ind', 'ex":1}\r\n\n', '{"Index":2}\n'])).toEqual(['{}', '{"Index":1}', '{"Index":2}']);
  });

  it('decodes a multi-byte character split between chunks', async () => {
    const bytes = Buffer.from('{"K":"ä€"}\n');
    expect(await collect([bytes.subarray(0, 8), bytes.subarray(8)])).toEqual(['{"K":"ä€"}']);
  });

  it('yields an unterminated trailing fragment (an error text some Nomad versions append)', async () => {
    expect(await collect(['{}\nsubscription closed by server'])).toEqual(['{}', 'subscription closed by server']);
  });
});
