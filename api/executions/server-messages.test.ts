import { OutputDecoder } from './output-decoder';
import { encodeMessage, exitMessage } from './server-messages';

describe('server messages and output decoding', () => {
  it('encodes exactly the schema keys with Go escaping', () => {
    expect(encodeMessage({ type: 'start' })).toBe('{"type":"start"}');
    expect(encodeMessage({ type: 'stdout', data: '<a&b>' })).toBe('{"type":"stdout","data":"\\u003ca\\u0026b\\u003e"}');
    expect(encodeMessage(exitMessage(0))).toBe('{"type":"exit","data":0}');
  });

  it('reduces exit statuses to 0-255', () => {
    expect(
      [256, 257, -1, 137].map((code) => {
        const message = exitMessage(code);
        return message.type === 'exit' ? message.data : undefined;
      }),
    ).toEqual([0, 1, 255, 137]);
  });

  it('keeps split characters whole, replaces invalid bytes and keeps a leading BOM', () => {
    const decoder = new OutputDecoder();
    const bytes = Buffer.from('\ufeffä😀', 'utf8');
    const parts = [...bytes].map((byte) => decoder.write(Buffer.from([byte])));
    expect(parts.join('') + decoder.end()).toBe('\ufeffä😀');
    expect(decoder.write(Buffer.from([0xff, 0x41, 0xc3])) + decoder.end()).toBe('\ufffdA\ufffd');
  });
});
