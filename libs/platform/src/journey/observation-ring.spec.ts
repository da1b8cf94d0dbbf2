import type { HopObservation } from '@app/crypto-messaging';
import { ObservationRing } from './observation-ring';

const seen = (eventId: string, n: number): HopObservation => ({
  eventId,
  hop: 'received',
  at: new Date(Date.UTC(2026, 0, 1, 0, 0, n)).toISOString(),
  app: 'billing',
  receiveCount: n,
});

describe('ObservationRing', () => {
  it("returns one event's observations oldest first", () => {
    const ring = new ObservationRing(10);
    ring.observe(seen('a', 1));
    ring.observe(seen('b', 2));
    ring.observe(seen('a', 3));
    expect(ring.forEvent('a').map((o) => o.receiveCount)).toEqual([1, 3]);
    expect(ring.forEvent('c')).toEqual([]);
  });

  it('keeps only the last `capacity` observations, still in order after wrapping', () => {
    const ring = new ObservationRing(3);
    for (let n = 1; n <= 7; n++) ring.observe(seen('a', n));
    expect(ring.forEvent('a').map((o) => o.receiveCount)).toEqual([5, 6, 7]);
  });

  it('refuses a capacity that is not a positive integer', () => {
    expect(() => new ObservationRing(0)).toThrow('capacity must be a positive integer, got 0');
  });
});
