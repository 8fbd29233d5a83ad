import { PoseidonError, type ErrorCode } from '../../crds/errors';
import { ApiError } from './api-error';
import { problemOf } from './error-catalog';

describe('the error catalog', () => {
  it.each([
    ['Invalid', 400, undefined],
    ['EnvironmentNotFound', 404, undefined],
    ['ExecutionNotFound', 404, undefined],
    ['RunnerGone', 410, undefined],
    ['FileNotFound', 424, undefined],
    ['NoRunnerAvailable', 500, 'NOMAD_OVERLOAD'],
    ['BackendUnavailable', 500, 'NOMAD_INTERNAL_SERVER_ERROR'],
    ['Conflict', 500, 'UNKNOWN'],
    ['Internal', 500, 'UNKNOWN'],
  ] as const)('renders %s as %d with errorCode %s', (code, status, errorCode) => {
    const problem = problemOf(new PoseidonError(code as ErrorCode, 'the message'));
    expect(problem).toEqual({
      status,
      body: errorCode === undefined ? { message: 'the message' } : { message: 'the message', errorCode },
    });
  });

  it('renders HTTP-edge problems and anything unknown', () => {
    expect(problemOf(new ApiError('PoolDepleting', 'low'))).toEqual({
      status: 503,
      body: { message: 'low', errorCode: 'PREWARMING_POOL_DEPLETING' },
    });
    expect(problemOf(new ApiError('PayloadTooLarge', 'big')).status).toBe(413);
    expect(problemOf(new Error('boom'))).toEqual({ status: 500, body: { message: 'boom', errorCode: 'UNKNOWN' } });
    expect(problemOf('text')).toEqual({ status: 500, body: { message: 'text', errorCode: 'UNKNOWN' } });
  });

  it('recognizes errors by code even from another copy of the module', () => {
    const foreign = Object.assign(new Error('gone'), { code: 'RunnerGone', retryable: false });
    expect(problemOf(foreign).status).toBe(410);
  });
});
