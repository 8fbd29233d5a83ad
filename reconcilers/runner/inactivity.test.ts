import { ClaimSightings, inactivityDeadline } from './inactivity';

describe('inactivityDeadline', () => {
  const claim = (inactivityTimeout: number) => ({ inactivityTimeout, claimedAt: '2025-01-01T00:00:00.000Z' });

  it('counts the timeout from the last activity', () => {
    expect(inactivityDeadline(claim(30), 5000, 1000)).toBe(35000);
  });

  it('counts from the first sighting of the claim when no activity was recorded', () => {
    expect(inactivityDeadline(claim(30), undefined, 1000)).toBe(31000);
  });

  it('never expires with a timeout of 0 and expires at once with a negative one', () => {
    expect(inactivityDeadline(claim(0), 5000, 1000)).toBeUndefined();
    expect(inactivityDeadline(claim(-1), 5000, 1000)).toBeLessThan(5000);
  });
});

describe('ClaimSightings', () => {
  it('remembers the first sighting of a claim and starts over for a new claim', () => {
    const sightings = new ClaimSightings();
    expect(sightings.firstSeen('r', 'a', 10)).toBe(10);
    expect(sightings.firstSeen('r', 'a', 20)).toBe(10);
    expect(sightings.firstSeen('r', 'b', 30)).toBe(30);
    sightings.forget('r');
    expect(sightings.size).toBe(0);
  });
});
