import type { OnApplicationShutdown } from '@nestjs/common';
import type { ThrottlerStorage } from '@nestjs/throttler';

/** What the throttler guard reads back (the library's `ThrottlerStorageRecord`). */
interface Counted {
  totalHits: number;
  timeToExpire: number;
  isBlocked: boolean;
  timeToBlockExpire: number;
}

/** A key's record, as the library keeps it: one window and one block over its named limits. */
interface Bucket {
  expiresAt: number;
  isBlocked: boolean;
  /** Epoch ms the last block ends (kept after it ended, as the library does); 0 before any. */
  blockExpiresAt: number;
  /** Per limit name, the expiry of each hit in time order. */
  readonly hits: Map<string, Hits>;
}

interface Hits {
  list: number[];
  /** Index of the first hit still live: the ones before it have expired. */
  head: number;
}

/** Idle buckets are forgotten this often, ms (the library's sweep). */
const SWEEP_MS = 60_000;

/**
 * The rate limits' in-memory storage: the library's counting and blocking, at a constant cost
 * per request. The library's storage copies a bucket's whole list of hit expirations on every
 * request (`pruneExpiredHits`), so a busy person's request costs in proportion to their hits in
 * the window (15,000 at 250 records a second). Expirations are appended in time order (one TTL
 * per bucket), so the expired ones are a prefix: a cursor skips it, one splice drops it once
 * long. Equivalence with the library's storage is what its spec checks.
 */
export class RateLimitStorage implements ThrottlerStorage, OnApplicationShutdown {
  private readonly buckets = new Map<string, Bucket>();
  private sweeper?: NodeJS.Timeout;

  increment(key: string, ttl: number, limit: number, blockDuration: number, name: string): Promise<Counted> {
    const now = Date.now();
    this.sweeper ??= setInterval(() => this.sweep(), SWEEP_MS).unref();
    let bucket = this.buckets.get(key);
    if (!bucket) {
      bucket = { expiresAt: now + ttl, isBlocked: false, blockExpiresAt: 0, hits: new Map() };
      this.buckets.set(key, bucket);
    }
    let hits = bucket.hits.get(name);
    if (!hits) {
      hits = { list: [], head: 0 };
      bucket.hits.set(name, hits);
    }
    prune(hits, now);
    if (bucket.expiresAt - now <= 0) bucket.expiresAt = now + ttl;
    const timeToExpire = seconds(bucket.expiresAt - now);
    if (blockDuration <= 0) {
      const isBlocked = live(hits) >= limit;
      if (!isBlocked) hits.list.push(now + ttl);
      return Promise.resolve({
        totalHits: live(hits) + (isBlocked ? 1 : 0),
        timeToExpire,
        isBlocked,
        timeToBlockExpire: isBlocked ? seconds(hits.list[hits.head] - now) : 0,
      });
    }
    if (!bucket.isBlocked) hits.list.push(now + ttl);
    if (live(hits) > limit && !bucket.isBlocked) {
      bucket.isBlocked = true;
      bucket.blockExpiresAt = now + blockDuration;
    }
    const timeToBlockExpire = seconds(bucket.blockExpiresAt - now);
    if (timeToBlockExpire <= 0 && bucket.isBlocked) {
      bucket.isBlocked = false;
      hits.list = [now + ttl];
      hits.head = 0;
    }
    return Promise.resolve({
      totalHits: live(hits),
      timeToExpire,
      isBlocked: bucket.isBlocked,
      timeToBlockExpire,
    });
  }

  onApplicationShutdown(): void {
    clearInterval(this.sweeper);
    this.sweeper = undefined;
    this.buckets.clear();
  }

  private sweep(now = Date.now()): void {
    for (const [key, bucket] of this.buckets) {
      if ((bucket.isBlocked && bucket.blockExpiresAt > now) || bucket.expiresAt > now) continue;
      let idle = true;
      for (const hits of bucket.hits.values()) {
        prune(hits, now);
        if (live(hits) > 0) idle = false;
      }
      if (idle) this.buckets.delete(key);
    }
  }
}

const seconds = (ms: number) => Math.ceil(ms / 1000);
const live = (hits: Hits) => hits.list.length - hits.head;

function prune(hits: Hits, now: number): void {
  const { list } = hits;
  let head = hits.head;
  while (head < list.length && list[head] <= now) head++;
  if (head >= 1_024 || head * 2 >= list.length) {
    list.splice(0, head);
    head = 0;
  }
  hits.head = head;
}
