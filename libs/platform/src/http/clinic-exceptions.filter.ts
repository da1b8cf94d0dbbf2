import {
  Catch,
  HttpException,
  HttpStatus,
  Logger,
  type ArgumentsHost,
  type ExceptionFilter,
} from '@nestjs/common';
import { RpcException } from '@nestjs/microservices';
import type { Request, Response } from 'express';
import { throwError, type Observable } from 'rxjs';
import { DATABASE_RETRY_AFTER_S, isDatabaseUnavailable } from './database-unavailable';
import { bodyErrorResponse, isBodyError, requestIdOf } from './json-body';

/**
 * What may be logged of an error: its class name and the codes drivers attach (a PostgreSQL
 * SQLSTATE, the table and constraint involved). Never its message, stack, query, parameters or
 * `detail`: PostgreSQL puts the offending values there (`Key (mrn)=(SYN-000123) already exists`,
 * `invalid input syntax for type date: "..."`), and TypeORM's QueryFailedError carries the
 * statement's parameters, which are PHI.
 */
export function safeErrorFields(error: unknown): Record<string, string> {
  const out: Record<string, string> = {};
  if (typeof error !== 'object' || error === null) {
    out.error = typeof error;
    return out;
  }
  const e = error as { name?: unknown; code?: unknown; table?: unknown; constraint?: unknown };
  out.error = typeof e.name === 'string' ? e.name.slice(0, 64) : 'Object';
  // Only identifier-shaped codes: a driver could put anything in `code`.
  const identifier = (v: unknown) =>
    typeof v === 'string' && /^[A-Za-z0-9_.-]{1,64}$/.test(v) ? v : undefined;
  const code = identifier(e.code);
  const table = identifier(e.table);
  const constraint = identifier(e.constraint);
  if (code) out.code = code;
  if (table) out.table = table;
  if (constraint) out.constraint = constraint;
  return out;
}

/** The route template (`/patients/:id/records`), never the URL: paths and queries may hold values. */
function routeOf(request: Request): string {
  const route: unknown = (request as { route?: unknown }).route;
  const path: unknown =
    typeof route === 'object' && route !== null ? (route as { path?: unknown }).path : undefined;
  return typeof path === 'string' ? path : '(no route)';
}

/** Records the audit entry of a request refused or failed; never throws. */
export interface FailureAuditor {
  recordFailure(request: Request, outcome: number): Promise<void>;
}

/** The status {@link ClinicExceptionsFilter} answers an exception with. */
function statusOf(exception: unknown): number {
  if (exception instanceof HttpException) return exception.getStatus();
  if (isBodyError(exception)) return bodyErrorResponse(exception).status;
  if (isDatabaseUnavailable(exception)) return HttpStatus.SERVICE_UNAVAILABLE;
  return HttpStatus.INTERNAL_SERVER_ERROR;
}

/** Writes an HttpException's own answer (written for the client), with the request id. */
function answerAsThrown(response: Response, exception: HttpException, requestId: string): void {
  const status = exception.getStatus();
  const body = exception.getResponse();
  response
    .status(status)
    .json(
      typeof body === 'object' ? { ...body, requestId } : { statusCode: status, message: body, requestId },
    );
}

/**
 * The apps' one exception filter, for HTTP and message handlers alike. It replaces Nest's
 * default, which logs an unexpected error whole (message, stack and every property, so a failed
 * query's parameters: names, birth dates, notes).
 *
 * HTTP: a 4xx is the client's mistake, answered as thrown and logged at warn with status, route
 * template and request id only; an unavailable database is a 503 with Retry-After; anything else
 * is a generic 500 with the request id, logged with the error's name and codes only.
 *
 * Messages: an {@link RpcException} (a dead-letter signal) passes through unchanged; anything
 * else is logged the same safe way and handed to the transport as a generic failure (retry).
 */
@Catch()
export class ClinicExceptionsFilter implements ExceptionFilter {
  private readonly logger = new Logger('Exceptions');

  /** `auditor` records refused and failed requests to audited routes (401, 403, 4xx, 5xx). */
  constructor(private readonly auditor?: FailureAuditor) {}

  catch(exception: unknown, host: ArgumentsHost): void | Observable<never> {
    if (host.getType() === 'rpc') return this.catchRpc(exception, host);
    const request = host.switchToHttp().getRequest<Request>();
    const response = host.switchToHttp().getResponse<Response>();
    if (!this.auditor) return this.answer(exception, request, response);
    // The entry is written before the answer leaves (best effort, bounded by the auditor), so a
    // client that reads the trail after its 403 finds the entry there.
    const auditor = this.auditor;
    void auditor
      .recordFailure(request, statusOf(exception))
      .catch(() => undefined)
      .then(() => this.answer(exception, request, response));
  }

  private answer(exception: unknown, request: Request, response: Response): void {
    const requestId = requestIdOf(request);
    const where = { method: request.method, route: routeOf(request), requestId };

    if (exception instanceof HttpException && exception.getStatus() < 500) {
      const status = exception.getStatus();
      this.logger.warn({ msg: 'request refused', status, ...where });
      answerAsThrown(response, exception, requestId);
      return;
    }
    if (isBodyError(exception)) {
      const { status, message } = bodyErrorResponse(exception);
      this.logger.warn({ msg: 'request body refused', status, type: exception.type, ...where });
      response.status(status).json({ statusCode: status, message: [message], requestId });
      return;
    }
    if (isDatabaseUnavailable(exception)) {
      this.logger.warn({ msg: 'database unavailable', status: 503, ...safeErrorFields(exception), ...where });
      response
        .status(HttpStatus.SERVICE_UNAVAILABLE)
        .setHeader('Retry-After', String(DATABASE_RETRY_AFTER_S))
        .json({
          statusCode: 503,
          error: 'Service Unavailable',
          message: `The database did not answer in time. Retry after ${DATABASE_RETRY_AFTER_S} s; a request that creates something may have been saved just as the database came back, so look for it before sending it again.`,
          requestId,
        });
      return;
    }
    if (exception instanceof HttpException) {
      // A 5xx the app chose to answer: its body was written for the client. One that says when
      // to come back (a key service out of reach) gets its Retry-After header.
      const status = exception.getStatus();
      this.logger.error({ msg: 'request failed', status, ...safeErrorFields(exception), ...where });
      const retryAfterS = (exception as { retryAfterS?: unknown }).retryAfterS;
      if (typeof retryAfterS === 'number') response.setHeader('Retry-After', String(retryAfterS));
      answerAsThrown(response, exception, requestId);
      return;
    }
    this.logger.error({ msg: 'request failed', status: 500, ...safeErrorFields(exception), ...where });
    response.status(HttpStatus.INTERNAL_SERVER_ERROR).json({
      statusCode: 500,
      error: 'Internal Server Error',
      message: `Internal server error; quote request id ${requestId} to the operator.`,
      requestId,
    });
  }

  private catchRpc(exception: unknown, host: ArgumentsHost): Observable<never> {
    if (exception instanceof RpcException) {
      const error = exception.getError();
      return throwError(() =>
        typeof error === 'object' && error !== null ? error : { status: 'error', message: String(error) },
      );
    }
    const context = host.switchToRpc().getContext<{ getEventId?: () => string } | undefined>();
    const eventId = typeof context?.getEventId === 'function' ? context.getEventId() : undefined;
    this.logger.error({ msg: 'message handler failed', eventId, ...safeErrorFields(exception) });
    return throwError(() => ({ status: 'error', message: 'Internal server error' }));
  }
}
