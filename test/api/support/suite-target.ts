/**
 * How a contract test file gets its target: the service named by `POSEIDON_TEST_URL`, or a fresh in-process facade
 * for this file (started before, stopped after its tests).
 */
import type { ApiTarget } from './api-target';
import { targetFromEnvironment } from './api-target';
import { startInProcessApi, type InProcessApi } from './in-process-api';

/** Registers set-up and tear-down; the returned function gives the target inside tests. */
export function useSuiteTarget(): () => ApiTarget {
  const external = targetFromEnvironment();
  let api: InProcessApi | undefined;
  beforeAll(async () => {
    if (!external) api = await startInProcessApi();
  });
  afterAll(async () => {
    await api?.close();
  });
  return () => {
    const target = external ?? api?.target;
    if (!target) throw new Error('the API target is not started');
    return target;
  };
}
