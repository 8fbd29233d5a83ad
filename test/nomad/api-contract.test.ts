/**
 * The API suite (test/api/api-contract.ts, the black-box contract of spec/poseidon-api.md) against the whole service
 * on the Nomad backend: every route, status, WebSocket message and file operation must behave as on the embedded
 * backend, with Nomad's alloc exec WebSocket underneath.
 */
import { describeApiContract } from '../api/api-contract';
import { startNomadService, type NomadServiceFixture } from './support/nomad-service';

jest.setTimeout(120_000);

let fixture: NomadServiceFixture | undefined;

beforeAll(async () => {
  fixture = await startNomadService({ env: { POSEIDON_SERVER_TOKEN: 'contract-token' } });
});

afterAll(async () => {
  await fixture?.close();
});

describeApiContract(() => {
  if (!fixture) throw new Error('the service is not started');
  return fixture.target;
});
