import { Logger } from '@nestjs/common';
import type { NestExpressApplication } from '@nestjs/platform-express';
import type { Request, RequestHandler, Response } from 'express';
import helmet from 'helmet';
import type { EdgeConfig } from '../config/app.config';
import { requestIdOf } from './json-body';

/** Where the OpenAPI UI and document are served (when `CLINIC_API_DOCS=on`). */
export const API_DOCS_PATH = 'docs';

const WRITE_METHODS = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);
const JSON_MEDIA_TYPE = /^application\/json\s*(;\s*charset\s*=\s*"?utf-8"?\s*)?$/i;
/** Headers a browser page on an allowed origin may send (CORS). */
export const CORS_ALLOWED_HEADERS = ['Authorization', 'Content-Type', 'Idempotency-Key', 'X-Request-Id'];
/** Answer headers such a page may read. */
export const CORS_EXPOSED_HEADERS = ['X-Request-Id', 'Retry-After', 'WWW-Authenticate', 'Location'];
const CORS_MAX_AGE_S = 600;

const logger = new Logger('HttpEdge');

/**
 * The first middleware of every app, before any body is read or any handler runs: security
 * headers, `Cache-Control: no-store`, the Host allowlist (DNS rebinding), the Origin allowlist
 * and CORS for the web app, and JSON-only writes (a cross-site HTML form can only send
 * urlencoded, multipart or text/plain bodies, so this alone stops form CSRF). Each refusal is a
 * 4xx naming the header at fault, logged at warn with the request id and never the value.
 */
export function useHttpEdge(app: NestExpressApplication, edge: EdgeConfig): void {
  app.disable('x-powered-by');
  app.use(apiHelmet(), noStore, allowedHost(edge), allowedOrigin(edge));
  app.enableCors({
    origin: [...edge.allowedOrigins],
    methods: ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE'],
    allowedHeaders: CORS_ALLOWED_HEADERS,
    exposedHeaders: CORS_EXPOSED_HEADERS,
    credentials: false,
    maxAge: CORS_MAX_AGE_S,
  });
  app.use(jsonWritesOnly);
}

/**
 * helmet with a CSP for JSON answers (nothing may load, frame or submit anything) and a looser
 * one for the Swagger UI pages, whose scripts come from /docs itself and whose styles are inline.
 */
function apiHelmet(): RequestHandler {
  const common = {
    crossOriginResourcePolicy: { policy: 'same-origin' as const },
    referrerPolicy: { policy: 'no-referrer' as const },
    // Loopback HTTP in the embedded profile; TLS terminates in front of the apps on AWS.
    strictTransportSecurity: false,
    // Old browsers' frame-ancestors: no page may frame an answer, same origin or not.
    xFrameOptions: { action: 'deny' as const },
  };
  const api = helmet({
    ...common,
    contentSecurityPolicy: {
      useDefaults: false,
      directives: {
        defaultSrc: ["'none'"],
        frameAncestors: ["'none'"],
        baseUri: ["'none'"],
        formAction: ["'none'"],
      },
    },
  });
  const docs = helmet({
    ...common,
    contentSecurityPolicy: {
      useDefaults: false,
      directives: {
        defaultSrc: ["'self'"],
        scriptSrc: ["'self'"],
        styleSrc: ["'self'", "'unsafe-inline'"],
        imgSrc: ["'self'", 'data:'],
        connectSrc: ["'self'"],
        fontSrc: ["'self'", 'data:'],
        objectSrc: ["'none'"],
        frameAncestors: ["'none'"],
        baseUri: ["'none'"],
        formAction: ["'self'"],
      },
    },
  });
  const docsPrefix = `/${API_DOCS_PATH}`;
  return (request, response, next) =>
    (request.path === docsPrefix ||
      request.path.startsWith(`${docsPrefix}/`) ||
      request.path.startsWith(`${docsPrefix}-`)
      ? docs
      : api)(request, response, next);
}

/** Answers hold PHI: no browser, proxy or CDN may keep a copy. */
const noStore: RequestHandler = (_request, response, next) => {
  response.setHeader('Cache-Control', 'no-store');
  response.setHeader('Pragma', 'no-cache');
  next();
};

/** The loopback names of the port a request came in on, always answered (health checks, `npm start`). */
function loopbackNames(port: number | undefined): string[] {
  return port ? [`127.0.0.1:${port}`, `localhost:${port}`, `[::1]:${port}`] : [];
}

function allowedHost(edge: EdgeConfig): RequestHandler {
  const configured = new Set(edge.allowedHosts);
  return (request, response, next) => {
    const host = request.headers.host?.toLowerCase();
    if (host && (configured.has(host) || loopbackNames(request.socket.localPort).includes(host))) {
      next();
      return;
    }
    refuse(
      request,
      response,
      400,
      'host header is not one this app answers to: add the name clients use to CLINIC_ALLOWED_HOSTS',
      'host.refused',
    );
  };
}

/**
 * A browser sends `Origin` on cross-origin requests (and same-origin writes). Only the web app's
 * origins, and the app's own (its Swagger UI), may call it; anything else is another site's
 * page acting with the user's browser.
 */
function allowedOrigin(edge: EdgeConfig): RequestHandler {
  const allowed = new Set(edge.allowedOrigins);
  return (request, response, next) => {
    const origin = request.headers.origin;
    if (origin === undefined) {
      next();
      return;
    }
    const lower = origin.toLowerCase();
    const host = request.headers.host?.toLowerCase();
    const sameOrigin = host !== undefined && (lower === `http://${host}` || lower === `https://${host}`);
    if (allowed.has(lower) || sameOrigin) {
      next();
      return;
    }
    refuse(
      request,
      response,
      403,
      'origin is not allowed: set CLINIC_ALLOWED_ORIGINS to admit a web app',
      'origin.refused',
    );
  };
}

/**
 * Writes take JSON only. Checked on the header before the body is read; a POST, PUT or PATCH
 * without a Content-Type is refused too (a bodiless cross-site `fetch` sends none), a DELETE
 * only when it carries a body.
 */
const jsonWritesOnly: RequestHandler = (request, response, next) => {
  if (!WRITE_METHODS.has(request.method)) {
    next();
    return;
  }
  const type = request.headers['content-type'];
  const hasBody =
    request.headers['content-length'] !== undefined
      ? request.headers['content-length'] !== '0'
      : request.headers['transfer-encoding'] !== undefined;
  if (request.method === 'DELETE' && !hasBody && type === undefined) {
    next();
    return;
  }
  if (type !== undefined && JSON_MEDIA_TYPE.test(type)) {
    next();
    return;
  }
  refuse(request, response, 415, 'content-type must be application/json', 'content-type.refused');
};

function refuse(request: Request, response: Response, status: number, message: string, type: string): void {
  const requestId = requestIdOf(request);
  logger.warn({ msg: 'request refused at the edge', status, type, method: request.method, requestId });
  response.status(status).json({ statusCode: status, message: [message], requestId });
}
