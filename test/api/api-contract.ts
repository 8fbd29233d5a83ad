/**
 * The whole black-box contract of the Poseidon API (spec/poseidon-api.md, spec/codeocean-client.md) as one
 * registration function, so it can run against any service: the in-process facade (the *.test.ts files beside this
 * one register the parts one per file, so jest runs them in parallel), or a running service via
 * `POSEIDON_TEST_URL`, or a test that builds its own target (for example the whole service over the embedded or the
 * Nomad backend):
 *
 *   describeApiContract(() => ({ baseUrl, token, image }));
 */
import { describeCodeOceanFlows } from './contract/codeocean-flows-contract';
import { describeEnvironmentsContract } from './contract/environments-contract';
import { describeExecutionsContract } from './contract/executions-contract';
import { describeFilesContract } from './contract/files-contract';
import { describeRoutingContract } from './contract/routing-contract';
import { describeRunnersContract } from './contract/runners-contract';
import type { ApiTarget } from './support/api-target';

export type { ApiTarget } from './support/api-target';

/** Registers every part of the contract against the target `getTarget` returns (called inside tests). */
export function describeApiContract(getTarget: () => ApiTarget): void {
  describe('Poseidon API contract', () => {
    describeRoutingContract(getTarget);
    describeEnvironmentsContract(getTarget);
    describeRunnersContract(getTarget);
    describeExecutionsContract(getTarget);
    describeFilesContract(getTarget);
    describeCodeOceanFlows(getTarget);
  });
}
