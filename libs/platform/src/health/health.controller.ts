import { Controller, Get, HttpStatus, Res, type OnApplicationBootstrap } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { InjectDataSource } from '@nestjs/typeorm';
import type { Response } from 'express';
import type { DataSource } from 'typeorm';
import { SkipThrottle } from '@nestjs/throttler';
import { MessagingProbe } from '../messaging/messaging-probe';
import { Public } from '../auth/access.decorators';
import { PoolProgress } from '../database/pool-progress';

const CHECK_TIMEOUT_MS = 2_000;

/**
 * `GET /health`: database and queue reachability; 503 when either is down. Open to anyone (load
 * balancers and container health checks hold no token) and not rate limited: it holds no PHI.
 */
@ApiTags('health')
@Public()
@SkipThrottle({ reads: true, writes: true })
@Controller('health')
export class HealthController implements OnApplicationBootstrap {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly probe: MessagingProbe,
  ) {}

  /** The pool is watched from the app's start: the evidence of progress the check may use. */
  onApplicationBootstrap(): void {
    PoolProgress.of(this.dataSource);
  }

  @Get()
  @ApiOperation({ summary: 'Database and messaging reachability' })
  async health(@Res({ passthrough: true }) response: Response) {
    const [database, messaging] = await Promise.all([this.database(), this.probe.check()]);
    const ok = database.status === 'up' && messaging.status === 'up';
    response.status(ok ? HttpStatus.OK : HttpStatus.SERVICE_UNAVAILABLE);
    return { status: ok ? 'ok' : 'degraded', database, messaging };
  }

  /**
   * `up` when the database answers within the check's 2 s. A pool whose every connection is
   * taken, with requests waiting for one, would make a `SELECT 1` wait behind them and read a
   * busy database as down (and get the app replaced in the middle of its load). So while
   * requests wait: if PostgreSQL answered a statement on any connection returned to the pool in
   * the last 2 s, the check says `up` (`busy`) at once; if it does within the next 2 s, that
   * counts as well as the `SELECT 1` would. Statements the client gave up on do not count. A
   * database that stops answering gives neither, and reads `down`.
   */
  private async database(): Promise<{ status: 'up' | 'down'; detail?: string }> {
    const pool = PoolProgress.of(this.dataSource);
    const busy = { status: 'up', detail: 'busy' } as const;
    if (pool?.saturated && pool.answeredWithin(CHECK_TIMEOUT_MS)) return busy;
    const asked = withTimeout(this.dataSource.query('SELECT 1'), CHECK_TIMEOUT_MS).then(() => ({
      status: 'up' as const,
    }));
    const seen = pool
      ? pool.nextAnswer(CHECK_TIMEOUT_MS).then((answered) => (answered && pool.saturated ? busy : asked))
      : asked;
    try {
      return await Promise.race([asked, seen]);
    } catch (error) {
      return { status: 'down', detail: (error as Error).name };
    }
  }
}

/** Rejects when `promise` takes longer than `ms`. */
export function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms`)), ms);
    promise.then(
      (v) => {
        clearTimeout(timer);
        resolve(v);
      },
      (e: unknown) => {
        clearTimeout(timer);
        reject(e instanceof Error ? e : new Error(String(e)));
      },
    );
  });
}
