import 'reflect-metadata';
import type { LoggerService } from '@nestjs/common';
import { createLogger } from '@app/platform';
import { NestFactory } from '@nestjs/core';
import type { NestExpressApplication } from '@nestjs/platform-express';
import express, { type NextFunction, type Request, type Response } from 'express';
import helmet from 'helmet';
import { WebModule } from './web.module';
import type { WebConfig } from './web.config';

/** Form bodies: flat fields, small, few (a record form has about a hundred). */
const FORM_LIMITS = { extended: false, limit: '64kb', parameterLimit: 400 } as const;

/** The apps' logger: JSON lines in the aws profile, one compact line each locally. */
export const createWebLogger = (config: Pick<WebConfig, 'logFormat'>): LoggerService =>
  createLogger({ app: 'web', logFormat: config.logFormat });

/**
 * The screen's server: pages rendered here, tokens kept here. A strict Content Security Policy
 * (scripts and styles from this origin only, no inline script, forms post here or to the
 * identity provider), no-store on pages, a Host allowlist against DNS rebinding, urlencoded
 * form bodies only.
 */
export async function createWebApp(
  config: WebConfig,
  options: { logger?: LoggerService | false } = {},
): Promise<NestExpressApplication> {
  const app = await NestFactory.create<NestExpressApplication>(WebModule.forRoot(config), {
    logger: options.logger ?? createWebLogger(config),
    bodyParser: false,
    abortOnError: false,
  });
  app.disable('x-powered-by');
  const issuer = new URL(config.identity.issuer).origin;
  app.use(
    helmet({
      contentSecurityPolicy: {
        useDefaults: false,
        directives: {
          defaultSrc: ["'none'"],
          scriptSrc: ["'self'"],
          styleSrc: ["'self'"],
          imgSrc: ["'self'", 'data:'],
          connectSrc: ["'self'"],
          formAction: ["'self'", issuer],
          frameAncestors: ["'none'"],
          baseUri: ["'none'"],
          objectSrc: ["'none'"],
        },
      },
      // same-origin: the browser then sends the screen's own Origin on its form posts (with
      // no-referrer it sends "Origin: null"), and never a URL of the screen to another site.
      referrerPolicy: { policy: 'same-origin' },
      strictTransportSecurity: config.origin.startsWith('https:'),
      crossOriginResourcePolicy: { policy: 'same-origin' },
    }),
  );
  app.use(allowedHosts(config));
  app.use(express.urlencoded(FORM_LIMITS), oneValuePerField);
  // No Nest shutdown hooks on signals: main.ts stops on them itself (app.close() runs every
  // shutdown hook, then a last line), and tests close the app directly.
  return app;
}

/**
 * A form field sent twice (`query=a&query=b`) keeps its first value: every screen reads fields
 * as strings, and a list where a string is expected must not become a 500.
 */
function oneValuePerField(req: Request, _res: Response, next: NextFunction): void {
  const body = req.body as Record<string, unknown> | undefined;
  if (body && typeof body === 'object') {
    for (const [key, value] of Object.entries(body)) {
      if (Array.isArray(value)) body[key] = typeof value[0] === 'string' ? value[0] : '';
    }
  }
  next();
}

/**
 * Only the names people reach the screen by: the origin's host is served; 127.0.0.1 and localhost
 * on its port are sent there (DNS rebinding gets 421).
 */
function allowedHosts(config: WebConfig) {
  const allowed = new Set([
    new URL(config.origin).host,
    `127.0.0.1:${config.port}`,
    `localhost:${config.port}`,
  ]);
  const own = new URL(config.origin).host;
  return (req: Request, res: Response, next: NextFunction) => {
    const host = (req.headers.host ?? '').toLowerCase();
    if (host === own) return next();
    if (allowed.has(host) && (req.method === 'GET' || req.method === 'HEAD')) {
      // Another name of the same screen (localhost for 127.0.0.1): go to the origin's own, where
      // the session cookie and the sign-in redirect live.
      res.redirect(308, `${config.origin}${req.originalUrl}`);
      return;
    }
    res.status(421).type('text/plain').send(`Misdirected request: the clinic screen is ${config.origin}.\n`);
  };
}
