import { tokenCheck } from './auth';

describe('the token check', () => {
  it('accepts exactly the configured token', () => {
    const check = tokenCheck('s3cret');
    expect(check({ 'poseidon-token': 's3cret' })).toBe(true);
    for (const given of [undefined, '', 's3cre', 's3cret ', 'S3CRET', 's3cretx']) {
      expect(check(given === undefined ? {} : { 'poseidon-token': given })).toBe(false);
    }
  });

  it('lets everything through when no token is configured', () => {
    expect(tokenCheck('')({})).toBe(true);
  });
});
