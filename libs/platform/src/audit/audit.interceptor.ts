import { Injectable, type CallHandler, type ExecutionContext, type NestInterceptor } from '@nestjs/common';
import { HTTP_CODE_METADATA } from '@nestjs/common/constants';
import { Reflector } from '@nestjs/core';
import type { Request } from 'express';
import { concatMap, type Observable } from 'rxjs';
import { AUDIT_METADATA, type AuditSpec } from '../auth/access.decorators';
import { clinicContextOf } from '../auth/request-context';
import { AuditTrail } from './audit-trail';

/**
 * Records every successful request to an `@Audited` route, before its answer is sent: the
 * handler's result waits for the entry, and a failed append becomes a 503 (no unaudited PHI).
 * Refused and failed requests are recorded by the exception filter instead, so each request
 * leaves exactly one entry (one per patient answered, for a list across patients).
 */
@Injectable()
export class AuditInterceptor implements NestInterceptor {
  constructor(
    private readonly reflector: Reflector,
    private readonly trail: AuditTrail,
  ) {}

  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    if (context.getType() !== 'http') return next.handle();
    const spec = this.reflector.getAllAndOverride<AuditSpec | undefined>(AUDIT_METADATA, [
      context.getHandler(),
      context.getClass(),
    ]);
    if (!spec) return next.handle();
    const request = context.switchToHttp().getRequest<Request>();
    // The guard sets it first thing; set here too, so a request refused later by a pipe (400)
    // or the handler (404, 409) is audited by the filter even where no guard runs.
    clinicContextOf(request).audit ??= spec;
    const outcome =
      this.reflector.get<number | undefined>(HTTP_CODE_METADATA, context.getHandler()) ??
      (request.method === 'POST' ? 201 : 200);
    return next.handle().pipe(
      concatMap(async (result: unknown) => {
        await this.trail.recordSuccess(request, spec, outcome, result);
        return result;
      }),
    );
  }
}
