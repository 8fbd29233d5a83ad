import fc from 'fast-check';
import { decodeStdBase64 } from './go-base64';

describe('Go StdEncoding base64', () => {
  it('decodes whatever Node encodes, also with line breaks inserted anywhere', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 200 }), fc.array(fc.nat(), { maxLength: 5 }), (bytes, cuts) => {
        let encoded = Buffer.from(bytes).toString('base64');
        for (const cut of cuts) {
          const at = cut % (encoded.length + 1);
          encoded = `${encoded.slice(0, at)}\r\n${encoded.slice(at)}`;
        }
        expect(decodeStdBase64(encoded).equals(Buffer.from(bytes))).toBe(true);
      }),
    );
  });

  it.each([
    ['aGk', 0],
    ['aGVsbG8', 4],
    ['aGVsbG8*', 7],
    ['aGV-bG8=', 3],
    ['aGV_bG8=', 3],
    ['aGk =', 3],
  ])('rejects %j naming byte %d', (input, position) => {
    expect(() => decodeStdBase64(input)).toThrow(`illegal base64 data at input byte ${position}`);
  });

  it.each(['aG==aGk=', 'a===', 'aGk=aGk=', '====', 'aGk=='])('rejects misplaced padding in %j', (input) => {
    expect(() => decodeStdBase64(input)).toThrow(/^illegal base64 data at input byte \d+$/);
  });

  it('accepts the empty string', () => {
    expect(decodeStdBase64('').length).toBe(0);
  });
});
