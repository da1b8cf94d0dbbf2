import { ThrottlerStorageService } from '@nestjs/throttler';
import { RateLimitStorage } from './rate-limit.storage';

/** A fixed pseudo-random sequence (an LCG), so a failure replays. */
function sequence(seed: number): () => number {
  let state = seed;
  return () => {
    state = (state * 1_103_515_245 + 12_345) % 2 ** 31;
    return state / 2 ** 31;
  };
}

describe('RateLimitStorage', () => {
  afterEach(() => jest.useRealTimers());

  it.each([
    ['blocking for the window (the clinic: blockDuration = ttl)', 60_000],
    ['blocking for 5 s', 5_000],
    ['without blocking', 0],
  ])('counts, blocks and expires exactly as the library storage does, %s', async (_, blockDuration) => {
    let now = 1_800_000_000_000;
    jest.useFakeTimers({ now });
    const ours = new RateLimitStorage();
    const library = new ThrottlerStorageService();
    const random = sequence(blockDuration + 7);
    const keys = ['a', 'b', 'c'];
    let blocked = 0;
    try {
      for (let step = 0; step < 4_000; step++) {
        // Bursts and pauses: several requests in one millisecond, and gaps past the window.
        const r = random();
        now += r < 0.6 ? 0 : r < 0.97 ? Math.floor(random() * 200) : 61_000;
        jest.setSystemTime(now);
        const key = keys[Math.floor(random() * keys.length)];
        const name = random() < 0.5 ? 'reads' : 'writes';
        const args = [key, 10_000, 10, blockDuration, name] as const;
        const expected = await library.increment(...args);
        expect({ step, ...(await ours.increment(...args)) }).toEqual({ step, ...expected });
        if (expected.isBlocked) blocked++;
      }
    } finally {
      ours.onApplicationShutdown();
      library.onApplicationShutdown();
    }
    expect(blocked).toBeGreaterThan(20); // the sequence does reach the limits
  });
});
