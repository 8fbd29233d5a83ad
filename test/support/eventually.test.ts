import { eventually } from './eventually';

describe('eventually', () => {
  it('returns the first value that is not false', async () => {
    let calls = 0;
    await expect(eventually(() => (++calls >= 3 ? calls : false))).resolves.toBe(3);
  });

  it('retries assertion blocks until they stop throwing', async () => {
    const started = Date.now();
    await eventually(() => expect(Date.now() - started).toBeGreaterThanOrEqual(10));
  });

  it('gives up after the timeout with the last failure in the message', async () => {
    await expect(
      eventually(
        () => {
          throw new Error('still 0');
        },
        { timeoutMs: 20, message: 'counter reaches 1' },
      ),
    ).rejects.toThrow(/counter reaches 1 not met within 20 ms: still 0/);
  });
});
