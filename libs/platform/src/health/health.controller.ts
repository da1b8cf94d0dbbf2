import { Controller, Get, HttpStatus, Res } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { InjectDataSource } from '@nestjs/typeorm';
import type { Response } from 'express';
import type { DataSource } from 'typeorm';
import { SkipThrottle } from '@nestjs/throttler';
import { MessagingProbe } from '../messaging/messaging-probe';
import { Public } from '../auth/access.decorators';

const CHECK_TIMEOUT_MS = 2_000;

/**
 * `GET /health`: database and queue reachability; 503 when either is down. Open to anyone (load
 * balancers and container health checks hold no token) and not rate limited: it holds no PHI.
 */
@ApiTags('health')
@Public()
@SkipThrottle({ reads: true, writes: true })
@Controller('health')
export class HealthController {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly probe: MessagingProbe,
  ) {}

  @Get()
  @ApiOperation({ summary: 'Database and messaging reachability' })
  async health(@Res({ passthrough: true }) response: Response) {
    const [database, messaging] = await Promise.all([this.database(), this.probe.check()]);
    const ok = database.status === 'up' && messaging.status === 'up';
    response.status(ok ? HttpStatus.OK : HttpStatus.SERVICE_UNAVAILABLE);
    return { status: ok ? 'ok' : 'degraded', database, messaging };
  }

  private async database(): Promise<{ status: 'up' | 'down'; detail?: string }> {
    try {
      await withTimeout(this.dataSource.query('SELECT 1'), CHECK_TIMEOUT_MS);
      return { status: 'up' };
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
