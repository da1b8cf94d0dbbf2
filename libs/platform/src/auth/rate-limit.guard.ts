import { HttpException, HttpStatus, Injectable, type ExecutionContext } from '@nestjs/common';
import { ThrottlerGuard, type ThrottlerLimitDetail, type ThrottlerModuleOptions } from '@nestjs/throttler';
import { createHash } from 'node:crypto';
import type { Request, Response } from 'express';
import type { EdgeConfig } from '../config/app.config';
import { RateLimitStorage } from './rate-limit.storage';
import { clinicContextOf } from './request-context';

/** The two buckets every person (or client address) has, per minute. */
export const RATE_WINDOW_MS = 60_000;
const READ_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

const isRead = (context: ExecutionContext) =>
  READ_METHODS.has(context.switchToHttp().getRequest<Request>().method);

/** `reads` counts GET/HEAD, `writes` everything else; one bucket each across all routes. */
export function rateLimitOptions(edge: EdgeConfig): ThrottlerModuleOptions {
  return {
    throttlers: [
      { name: 'reads', ttl: RATE_WINDOW_MS, limit: edge.readsPerMinute, skipIf: (c) => !isRead(c) },
      { name: 'writes', ttl: RATE_WINDOW_MS, limit: edge.writesPerMinute, skipIf: isRead },
    ],
    // The guard sets the one standard Retry-After itself (the library would add `-reads`).
    setHeaders: false,
    // The library's counting at a constant cost per request (its own storage's grows with the hits).
    storage: new RateLimitStorage(),
  };
}

/** A 429 naming the bucket, without the tracker (a subject or address). */
export class RateLimitedException extends HttpException {
  constructor(bucket: string, limit: number) {
    super(
      `Too many ${bucket}: at most ${limit} per minute per person. Wait for the Retry-After seconds.`,
      HttpStatus.TOO_MANY_REQUESTS,
    );
  }
}

/**
 * Rate limits per person. Registered after the access guard, so the principal is known and
 * verified: a person's bucket follows them across workstations and cannot be drained by someone
 * else sending a forged `sub`, and colleagues behind one clinic NAT do not share one. Routes
 * without a principal (public, or refused before this guard ran) count per client address.
 * One bucket per person per kind over all routes (the library's default is per route).
 */
@Injectable()
export class RateLimitGuard extends ThrottlerGuard {
  override async canActivate(context: ExecutionContext): Promise<boolean> {
    // Message handlers run through the same app (inheritAppConfig): the broker is not a caller.
    if (context.getType() !== 'http') return true;
    return super.canActivate(context);
  }

  protected override getTracker(request: Record<string, unknown>): Promise<string> {
    const principal = clinicContextOf(request).principal;
    const address = typeof request.ip === 'string' ? request.ip : 'unknown';
    return Promise.resolve(principal ? `subject:${principal.subject}` : `address:${address}`);
  }

  protected override generateKey(_context: ExecutionContext, tracker: string, name: string): string {
    return createHash('sha256').update(`${name}\u0000${tracker}`).digest('hex');
  }

  protected override throwThrottlingException(
    context: ExecutionContext,
    detail: ThrottlerLimitDetail,
  ): Promise<void> {
    const response = context.switchToHttp().getResponse<Response>();
    response.setHeader('Retry-After', String(Math.max(1, Math.ceil(detail.timeToBlockExpire))));
    clinicContextOf(context.switchToHttp().getRequest<Request>()).refusal = 'rate-limited';
    return Promise.reject(new RateLimitedException(isRead(context) ? 'reads' : 'writes', detail.limit));
  }
}
