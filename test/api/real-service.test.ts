/**
 * The shared API contract against the real service: `startService` (the composition root) on the embedded backend,
 * configured through `loadConfig`, in a temp directory. Everything the in-process suites prove against the fakes must
 * hold here too: the store, the reconcilers, the caches and real sandboxes behind the facade.
 */
import { describeApiContract } from './api-contract';
import { eventually } from '../support/eventually';
import { liveDescendants } from './support/leaks';
import { startRealService, type RealService } from './support/real-service';

jest.setTimeout(120_000);

let real: RealService | undefined;

beforeAll(async () => {
  real = await startRealService();
});

afterAll(async () => {
  await real?.destroy();
  await eventually(() => expect(liveDescendants()).toEqual([]), { timeoutMs: 5000 });
});

describeApiContract(() => {
  if (!real) throw new Error('the service did not start');
  return real.target;
});
