import { classifyNomadFailure } from './nomad-errors';

const failure = (status: number, body: string) =>
  classifyNomadFailure({ method: 'PUT', path: '/v1/jobs', status, body });

describe('classifying Nomad failures', () => {
  it.each([
    [500, 'Enforcing job modify index 4: job exists with conflicting job modify index: 9', 'Conflict', true],
    [409, '{"Namespace":"default","Path":"x"}', 'Conflict', true],
    [500, '1 error occurred:\n\t* Task group default-group validation failed: ...', 'Invalid', false],
    [400, 'Job must be specified', 'Invalid', false],
    [404, 'job not found', 'NotFound', false],
    [403, 'Permission denied', 'BackendUnavailable', false],
    [429, 'Your IP is issuing too many concurrent connections', 'BackendUnavailable', true],
    [500, 'rpc error: No cluster leader', 'BackendUnavailable', true],
    [503, '', 'BackendUnavailable', true],
  ])('answers %i %j with %s (retryable: %s)', (status, body, code, retryable) => {
    const error = failure(status, body);
    expect(error).toMatchObject({ code, retryable });
    expect(error.message).toContain(String(status));
  });
});
