import { loopbackResolvers } from './runner-networks';

describe('loopbackResolvers', () => {
  it('names the resolvers a runner cannot reach from its own network namespace', () => {
    const conf = '# generated\nnameserver 127.0.0.53\nnameserver 10.0.0.2\n  nameserver ::1\noptions edns0\n';
    expect(loopbackResolvers(conf)).toEqual(['127.0.0.53', '::1']);
    expect(loopbackResolvers('nameserver 10.255.255.53\n')).toEqual([]);
  });
});
