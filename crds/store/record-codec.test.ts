import fc from 'fast-check';
import { RECORD_HEADER_BYTES, crc32, decodeRecords, encodeRecord } from './record-codec';

const jsonValues = fc.array(fc.jsonValue({ maxDepth: 3 }), { minLength: 1, maxLength: 8 });

describe('record framing', () => {
  it('decodes what it encoded, record for record', () => {
    fc.assert(
      fc.property(jsonValues, (values) => {
        const decoded = decodeRecords(Buffer.concat(values.map((value) => encodeRecord(value))));
        expect(decoded.stop).toBe('end');
        expect(decoded.values).toEqual(values.map((value) => JSON.parse(JSON.stringify(value))));
      }),
    );
  });

  it('returns exactly the complete records of a log cut at any byte', () => {
    fc.assert(
      fc.property(jsonValues, fc.nat(), (values, cutSeed) => {
        const records = values.map((value) => encodeRecord(value));
        const whole = Buffer.concat(records);
        const cut = cutSeed % (whole.length + 1);
        const decoded = decodeRecords(whole.subarray(0, cut));
        let complete = 0;
        let end = 0;
        for (const record of records) {
          if (end + record.length > cut) break;
          end += record.length;
          complete += 1;
        }
        expect(decoded.values).toHaveLength(complete);
        expect(decoded.validLength).toBe(end);
        expect(decoded.stop).toBe(cut === end ? 'end' : 'torn');
      }),
    );
  });

  it('stops at a record whose payload was changed, and at a zeroed header', () => {
    const records = [encodeRecord({ a: 1 }), encodeRecord({ b: 2 }), encodeRecord({ c: 3 })];
    const damaged = Buffer.concat(records);
    const second = records[0]?.length ?? 0;
    damaged[second + RECORD_HEADER_BYTES + 2] = 0x5a;
    expect(decodeRecords(damaged)).toEqual({ values: [{ a: 1 }], validLength: second, stop: 'corrupt' });
    const zeroed = Buffer.concat([records[0] ?? Buffer.alloc(0), Buffer.alloc(64)]);
    expect(decodeRecords(zeroed)).toMatchObject({ values: [{ a: 1 }], validLength: second, stop: 'corrupt' });
  });

  it('computes the standard CRC-32', () => {
    expect(crc32(Buffer.from('123456789'))).toBe(0xcbf43926);
  });
});
