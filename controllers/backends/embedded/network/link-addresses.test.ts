import { freeSlot, hostLinkPrefix, linkFor, SLOTS } from './link-addresses';

describe('linkFor', () => {
  it('puts host and runner of a slot in their own /30 of the pool', () => {
    expect(linkFor([100, 70], 'abcd1234', 0)).toMatchObject({ hostAddress: '100.70.0.1', runnerAddress: '100.70.0.2' });
    expect(linkFor([100, 70], 'abcd1234', 64)).toMatchObject({
      hostAddress: '100.70.1.1',
      runnerAddress: '100.70.1.2',
    });
    expect(linkFor([100, 70], 'abcd1234', SLOTS - 1)).toMatchObject({ runnerAddress: '100.70.255.254' });
  });

  it('names links within 15 characters, distinct per slot and instance', () => {
    const names = new Set<string>();
    for (const slot of [0, 1, 35, 36, SLOTS - 1]) {
      for (const tag of ['abcd1234', 'ffff0000']) {
        const { hostLink, peerLink } = linkFor([10, 0], tag, slot);
        expect(hostLink.length).toBeLessThanOrEqual(15);
        names.add(hostLink).add(peerLink);
      }
    }
    expect(names.size).toBe(20);
  });

  it('finds the lowest free slot', () => {
    expect(freeSlot(new Set([0, 1, 3]))).toBe(2);
    expect(freeSlot(new Set(Array.from({ length: SLOTS }, (_, i) => i)))).toBeUndefined();
  });

  it('skips slots whose addresses are already in use on the machine', () => {
    expect(freeSlot(new Set([0]), (slot) => slot === 1 || slot === 2)).toBe(3);
  });

  it('starts every host link name with the prefix the firewall matches', () => {
    for (const slot of [0, 35, SLOTS - 1]) {
      expect(linkFor([10, 0], 'abcd1234', slot).hostLink.startsWith(hostLinkPrefix('abcd1234'))).toBe(true);
    }
    expect(linkFor([10, 0], 'abcd1234', 0).hostLink.startsWith(hostLinkPrefix('abce1234'))).toBe(false);
  });
});
