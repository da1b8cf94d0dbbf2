import { randomUUID } from 'node:crypto';
import { Logger } from '@nestjs/common';
import type { NestExpressApplication } from '@nestjs/platform-express';
import type { NextFunction, Request, RequestHandler, Response } from 'express';

/** Largest JSON body the apps read, in bytes. A record with 50 of every list fits in a tenth. */
export const MAX_JSON_BODY_BYTES = 256 * 1024;
/**
 * Deepest nesting of objects and arrays a body may have. The deepest valid body (a record's
 * lists of objects) has 3; a body 5,000 deep would overflow the stack of class-transformer and
 * class-validator, which recurse, so it is refused before it is even parsed.
 */
export const MAX_JSON_DEPTH = 16;

/** The request's id: the caller's `x-request-id` if it looks like an id, else a new UUID. */
export function requestIdOf(request: Request): string {
  return (request as Request & { requestId?: string }).requestId ?? 'none';
}

const SAFE_REQUEST_ID = /^[A-Za-z0-9._-]{8,64}$/;

/** Gives every request an id (echoed as `x-request-id`) that logs and error bodies carry. */
export const assignRequestId: RequestHandler = (request, response, next) => {
  const given = request.headers['x-request-id'];
  const id = typeof given === 'string' && SAFE_REQUEST_ID.test(given) ? given : randomUUID();
  (request as Request & { requestId?: string }).requestId = id;
  response.setHeader('x-request-id', id);
  next();
};

/** A body nested deeper than {@link MAX_JSON_DEPTH}: counted on the raw bytes, before parsing. */
class TooDeepError extends Error {
  readonly status = 400;
  readonly type = 'entity.too.deep';
  constructor() {
    super('too deep');
  }
}

/** Depth of JSON text, skipping brackets inside strings. Linear; no recursion. */
export function jsonDepthExceeds(buf: Buffer, maxDepth: number): boolean {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < buf.length; i++) {
    const c = buf[i];
    if (inString) {
      if (c === 0x5c)
        i++; // backslash: skip the escaped character
      else if (c === 0x22) inString = false;
    } else if (c === 0x22) inString = true;
    else if (c === 0x7b || c === 0x5b) {
      if (++depth > maxDepth) return true;
    } else if (c === 0x7d || c === 0x5d) depth--;
  }
  return false;
}

/** Body-parser error types and what the client is told; the text names the body, never its content. */
const BODY_MESSAGES: Record<string, { status: number; message: string }> = {
  'entity.parse.failed': { status: 400, message: 'body must be valid JSON' },
  'entity.too.deep': {
    status: 400,
    message: `body must not nest objects or arrays more than ${MAX_JSON_DEPTH} levels deep`,
  },
  'entity.too.large': { status: 413, message: `body must be at most ${MAX_JSON_BODY_BYTES / 1024} KB` },
  'encoding.unsupported': { status: 415, message: 'body must not be compressed' },
  'charset.unsupported': { status: 415, message: 'body must be UTF-8 JSON' },
  'request.size.invalid': { status: 400, message: 'body length differs from Content-Length' },
  'request.aborted': { status: 400, message: 'body was not received in full' },
};

/** True for the errors the JSON body parser raises (http-errors with a `type`). */
export function isBodyError(error: unknown): error is { type: string; status: number } {
  return (
    typeof error === 'object' &&
    error !== null &&
    typeof (error as { type?: unknown }).type === 'string' &&
    typeof (error as { status?: unknown }).status === 'number' &&
    (error as { status: number }).status < 500
  );
}

/** Status and message for a body error. */
export function bodyErrorResponse(error: { type: string; status: number }): {
  status: number;
  message: string;
} {
  return BODY_MESSAGES[error.type] ?? { status: error.status, message: 'body could not be read' };
}

const logger = new Logger('HttpBody');

/**
 * The apps' JSON body handling, in place of Nest's default parser: a size limit, a depth limit
 * checked on the raw bytes, a JSON object at the top, and a 4xx naming the body for each
 * problem. The parser's own errors hold the raw body (`error.body`), so they are answered here
 * and never reach a logger. Call before the app is initialised (it then skips its own parser),
 * after {@link assignRequestId}.
 */
export function useJsonBody(app: NestExpressApplication): void {
  app.use(decodablePath);
  // Nest's typing hides `verify` (it uses it for rawBody, which the apps do not enable).
  app.useBodyParser<Record<string, unknown>>('json', {
    limit: MAX_JSON_BODY_BYTES,
    strict: true,
    verify: (_request: unknown, _response: unknown, buf: Buffer) => {
      if (jsonDepthExceeds(buf, MAX_JSON_DEPTH)) throw new TooDeepError();
    },
  });
  app.use(objectOnly);
  app.use(bodyErrors);
}

/**
 * A path with a broken escape (`/patients/%`) made Express answer "Failed to decode param '%'",
 * quoting the path: refuse it first, naming what is wrong and quoting nothing.
 */
const decodablePath: RequestHandler = (request, response, next) => {
  try {
    decodeURIComponent(request.path);
  } catch {
    refuse(
      request,
      response,
      400,
      'path must be valid percent-encoding (% and two hex digits)',
      'path.malformed',
    );
    return;
  }
  next();
};

/** express.json only sets a body for JSON requests, and `strict` already refused bare values. */
const objectOnly: RequestHandler = (request, response, next) => {
  if (Array.isArray(request.body)) {
    refuse(request, response, 400, 'body must be a JSON object', 'entity.not.object');
    return;
  }
  next();
};

function bodyErrors(error: unknown, request: Request, response: Response, next: NextFunction): void {
  if (!isBodyError(error)) {
    next(error);
    return;
  }
  const { status, message } = bodyErrorResponse(error);
  refuse(request, response, status, message, error.type);
}

function refuse(request: Request, response: Response, status: number, message: string, type: string): void {
  const requestId = requestIdOf(request);
  logger.warn({ msg: 'request body refused', status, type, method: request.method, requestId });
  response.status(status).json({ statusCode: status, message: [message], requestId });
}
