import { contentDisposition } from './content-disposition';
import { sniffContentType } from './sniff-content-type';

describe('download headers', () => {
  it('quotes plain names as they are and encodes others per RFC 5987', () => {
    expect(contentDisposition('out/plot.png')).toBe('attachment; filename="out/plot.png"');
    expect(contentDisposition('a"b\\c')).toBe(`attachment; filename="a_b_c"; filename*=UTF-8''a%22b%5Cc`);
    expect(contentDisposition('Grüße (1).txt')).toBe(
      `attachment; filename="Gr__e (1).txt"; filename*=UTF-8''Gr%C3%BC%C3%9Fe%20%281%29.txt`,
    );
    expect(contentDisposition('line\nbreak')).toBe(`attachment; filename="line_break"; filename*=UTF-8''line%0Abreak`);
  });

  it('sniffs text, binary and a few signatures from the first 512 bytes', () => {
    expect(sniffContentType(Buffer.alloc(0))).toBe('text/plain; charset=utf-8');
    expect(sniffContentType(Buffer.from('hello\tworld\r\n\x1b[0m ünï'))).toBe('text/plain; charset=utf-8');
    expect(sniffContentType(Buffer.from([0x68, 0x00, 0x69]))).toBe('application/octet-stream');
    expect(sniffContentType(Buffer.concat([Buffer.alloc(600, 0x61), Buffer.from([0])]))).toBe(
      'text/plain; charset=utf-8',
    );
    expect(sniffContentType(Buffer.from('\x89PNG\r\n\x1a\nrest', 'latin1'))).toBe('image/png');
    expect(sniffContentType(Buffer.from('%PDF-1.7'))).toBe('application/pdf');
  });
});
