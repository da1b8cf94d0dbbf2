import type { Pool } from 'pg';
import type { DataSource } from 'typeorm';
import { pgPoolOf } from './pg-client';

/**
 * What an app's connection pool says about its database without asking it: whether every
 * connection is taken with requests waiting, and when a connection last came back in good order
 * (its work done: the database answered). One per pool, watched from its first use.
 */
export class PoolProgress {
  private static readonly watched = new WeakMap<Pool, PoolProgress>();
  private lastAnswerAt = 0;

  private constructor(private readonly pool: Pool) {
    pool.on('release', (error: Error | undefined) => {
      if (!error) this.lastAnswerAt = performance.now();
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
    let progress = PoolProgress.watched.get(pool);
    if (!progress) {
      progress = new PoolProgress(pool);
      PoolProgress.watched.set(pool, progress);
    }
    return progress;
  }

  /** Every connection the pool may open is taken, and requests wait for one. */
  get saturated(): boolean {
    return this.pool.waitingCount > 0;
  }

  /** A connection came back in good order within the last `ms`. */
  answeredWithin(ms: number): boolean {
    return this.lastAnswerAt > 0 && performance.now() - this.lastAnswerAt <= ms;
  }
}
