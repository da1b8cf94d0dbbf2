import { EventEmitter } from 'node:events';
import type { DataSource } from 'typeorm';
import { PoolProgress } from './pool-progress';

/** A pg pool's counters and its 'release' event, nothing else. */
class FakePool extends EventEmitter {
  options = { max: 4 };
  totalCount = 0;
  idleCount = 0;
  waitingCount = 0;
  /** A connection handed back whose server last answered at `answeredAt` (performance.now()). */
  handBack(answeredAt: number): void {
    this.emit('release', undefined, { answeredAt });
  }
}

const progressOf = (pool: FakePool) =>
  PoolProgress.of({ driver: { master: pool } } as unknown as DataSource)!;

describe('PoolProgress', () => {
  it('is saturated only when the pool is full and requests wait', () => {
    const pool = new FakePool();
    const progress = progressOf(pool);
    Object.assign(pool, { totalCount: 4, waitingCount: 0 });
    expect(progress.saturated).toBe(false);
    Object.assign(pool, { totalCount: 3, waitingCount: 2 }); // a new connection is on its way
    expect(progress.saturated).toBe(false);
    Object.assign(pool, { totalCount: 4, waitingCount: 2 });
    expect(progress.saturated).toBe(true);
  });

  it("counts the server's answers carried by connections handed back, not the hand-backs", () => {
    const pool = new FakePool();
    const progress = progressOf(pool);
    expect(progress.answeredWithin(2_000)).toBe(false);
    // A connection whose statement the client gave up on comes back with its last answer long past.
    pool.handBack(performance.now() - 5_000);
    expect(progress.answeredWithin(2_000)).toBe(false);
    pool.handBack(performance.now());
    expect(progress.answeredWithin(2_000)).toBe(true);
  });

  it('wakes a waiter for an answer given after it began waiting, not for an older one', async () => {
    const pool = new FakePool();
    const progress = progressOf(pool);
    const before = performance.now() - 1;
    const waiting = progress.nextAnswer(200);
    pool.handBack(before); // news to the pool, yet given before the wait began
    await expect(
      Promise.race([waiting, new Promise((r) => setTimeout(() => r('pending'), 50))]),
    ).resolves.toBe('pending');
    pool.handBack(performance.now());
    await expect(waiting).resolves.toBe(true);
    await expect(progress.nextAnswer(50)).resolves.toBe(false);
  });

  it('is one watcher per pool, and none for a data source without a pool', () => {
    const pool = new FakePool();
    expect(progressOf(pool)).toBe(progressOf(pool));
    expect(pool.listenerCount('release')).toBe(1);
    expect(PoolProgress.of({ driver: {} } as unknown as DataSource)).toBeUndefined();
    expect(PoolProgress.of({} as unknown as DataSource)).toBeUndefined();
  });
});
