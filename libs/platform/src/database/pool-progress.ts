import type { Pool, PoolClient } from 'pg';
import type { DataSource } from 'typeorm';
import { pgPoolOf } from './pg-client';

/**
 * What an app's connection pool says about its database without asking it: whether every
 * connection is taken with requests waiting, and when the server last answered a statement of
 * a connection handed back (`DeadlineClient.answeredAt`: rows or a server error; a statement the
 * client gave up on does not count). One per pool, watched from its first use.
 */
export class PoolProgress {
  private static readonly watched = new WeakMap<Pool, PoolProgress>();
  private lastAnswerAt = 0;
  private readonly waiters = new Set<(at: number) => void>();

  private constructor(private readonly pool: Pool) {
    pool.on('release', (_error: Error | undefined, client: PoolClient) => {
      const at = (client as PoolClient & { answeredAt?: unknown }).answeredAt;
      if (typeof at !== 'number' || at <= this.lastAnswerAt) return;
      this.lastAnswerAt = at;
      for (const wake of this.waiters) wake(at);
    });
  }

  /**
   * The progress of the data source's pool; `undefined` for a data source without one (not
   * connected, or a test's stand-in): nothing to tell, the caller asks the database instead.
   */
  static of(dataSource: DataSource): PoolProgress | undefined {
    let pool: Pool;
    try {
      pool = pgPoolOf(dataSource);
    } catch {
      return undefined;
    }
    if (typeof pool.on !== 'function') return undefined;
    let progress = PoolProgress.watched.get(pool);
    if (!progress) {
      progress = new PoolProgress(pool);
      PoolProgress.watched.set(pool, progress);
    }
    return progress;
  }

  /** Every connection the pool may open is taken, and requests wait for one. */
  get saturated(): boolean {
    const { pool } = this;
    return pool.waitingCount > 0 && pool.totalCount >= pool.options.max;
  }

  /** The server answered a statement of a connection handed back within the last `ms`. */
  answeredWithin(ms: number): boolean {
    return this.lastAnswerAt > 0 && performance.now() - this.lastAnswerAt <= ms;
  }

  /**
   * Resolves true as soon as a connection handed back brings an answer the server gave after
   * this call (one given before, on a connection whose next statement then hung, is no news),
   * false after `ms`.
   */
  nextAnswer(ms: number): Promise<boolean> {
    const since = performance.now();
    return new Promise((resolve) => {
      const done = (answered: boolean) => {
        clearTimeout(timer);
        this.waiters.delete(wake);
        resolve(answered);
      };
      const wake = (at: number) => {
        if (at >= since) done(true);
      };
      const timer = setTimeout(() => done(false), ms);
      timer.unref();
      this.waiters.add(wake);
    });
  }
}
