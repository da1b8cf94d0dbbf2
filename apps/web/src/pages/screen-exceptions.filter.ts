import { randomUUID } from 'node:crypto';
import { ArgumentsHost, Catch, HttpException, Logger, type ExceptionFilter } from '@nestjs/common';
import type { Request, Response } from 'express';
import { CsrfRefused, ScreenForbidden, ServiceUnavailable, SignInRequired } from '../session/screen-errors';
import { CSRF_HEADER, SESSION_COOKIE } from '../session/screen.guard';
import { ProblemPage } from './home.view';
import { Pages } from './page-context';
import { sendPage } from './render';

/**
 * Every failure as a page a person can act on, and never a value from the request in it or in
 * the log: sign in again (303 to the front door, saying why), 403, 404, 503 naming the app and
 * when to retry, 500 with a reference. Script requests (keep-alive, live updates) get the status only.
 */
@Catch()
export class ScreenExceptionsFilter implements ExceptionFilter {
  private readonly logger = new Logger('Screen');

  constructor(private readonly pages: Pages) {}

  catch(exception: unknown, host: ArgumentsHost): void {
    const res = host.switchToHttp().getResponse<Response>();
    const req = host.switchToHttp().getRequest<Request>();
    const fromScript = req.headers[CSRF_HEADER] !== undefined || req.headers.accept === 'text/event-stream';
    const page = (status: number, title: string, message: string) =>
      fromScript
        ? res.status(status).end()
        : sendPage(res, ProblemPage({ ctx: this.pages.context(), title, message }), status);

    if (exception instanceof SignInRequired) {
      res.clearCookie(SESSION_COOKIE, { path: '/' });
      if (fromScript) res.status(401).end();
      else res.redirect(303, `/?signed-out=${exception.reason}`);
      return;
    }
    if (exception instanceof CsrfRefused) {
      this.logger.warn({
        msg: 'write refused',
        check: exception.message,
        path: (req.route as { path?: string } | undefined)?.path,
      });
      page(
        403,
        'Not sent',
        'This form was not sent from the clinic’s own page, or it has expired. Reload the page and try again.',
      );
      return;
    }
    if (exception instanceof ScreenForbidden) {
      page(403, 'Not for your role', exception.detail ?? 'Your role does not open this page.');
      return;
    }
    if (exception instanceof ServiceUnavailable) {
      if (exception.retryAfter) res.setHeader('Retry-After', exception.retryAfter);
      page(
        503,
        'Try again shortly',
        exception.detail ??
          `The ${exception.app} service is not answering right now. Try again in a few seconds.`,
      );
      return;
    }
    const parserStatus = (exception as { status?: unknown }).status;
    if (
      !(exception instanceof HttpException) &&
      typeof parserStatus === 'number' &&
      parserStatus >= 400 &&
      parserStatus < 500
    ) {
      // The body parser's refusals (too large, too many fields, a charset it cannot read).
      page(parserStatus, 'Not possible', 'The form could not be read. Reload the page and send it again.');
      return;
    }
    if (exception instanceof HttpException) {
      const status = exception.getStatus();
      page(
        status,
        status === 404 ? 'Not found' : 'Not possible',
        status === 404 ? 'There is no such page.' : 'The request was not understood.',
      );
      return;
    }
    const reference = randomUUID().slice(0, 8);
    this.logger.error({ msg: 'page failed', error: (exception as Error)?.name ?? 'unknown', reference });
    page(500, 'Something went wrong', `The page failed. Quote reference ${reference} to the operator.`);
  }
}
