import { Inject, Injectable, Logger, NotFoundException } from '@nestjs/common';
import { SignInError, SignInErrorCode } from '@app/identity/client';
import type { ClinicApp } from '@app/platform';
import { SignInRequired, ScreenForbidden, ServiceUnavailable } from '../session/screen-errors';
import { WebSessions, type WebSession } from '../session/web-sessions';
import { WEB_CONFIG } from '../web.tokens';
import type { WebConfig } from '../web.config';

/** An answer of an app's API the screen shows: success bodies, and 400/404/409/422 problems. */
export interface ApiAnswer<T> {
  readonly status: number;
  readonly body: T;
}

/** The problem body of a 4xx answer (the apps' exception filter). */
export interface ApiProblem {
  readonly statusCode?: number;
  readonly message?: string | string[];
  readonly code?: string;
  readonly requestId?: string;
}

const TIMEOUT_MS = 15_000;

/**
 * The apps' APIs, called as the signed-in person: their access token (refreshed when near
 * expiry) as the bearer, never the browser's cookies. 401 ends the screen's session (the
 * provider ended it), 403 is the forbidden page, an app down is a 503 page; other answers go to
 * the screen, which shows 4xx problems beside the fields they name.
 */
@Injectable()
export class ClinicApi {
  private readonly logger = new Logger(ClinicApi.name);

  constructor(
    @Inject(WEB_CONFIG) private readonly config: WebConfig,
    private readonly sessions: WebSessions,
  ) {}

  get<T>(session: WebSession, app: ClinicApp, path: string): Promise<ApiAnswer<T>> {
    return this.call<T>(session, app, 'GET', path);
  }

  /** `headers`: extra request headers the route defines (an Idempotency-Key), never a value of PHI. */
  post<T>(
    session: WebSession,
    app: ClinicApp,
    path: string,
    body?: unknown,
    headers?: Readonly<Record<string, string>>,
  ): Promise<ApiAnswer<T>> {
    return this.call<T>(session, app, 'POST', path, body, headers);
  }

  async call<T>(
    session: WebSession,
    app: ClinicApp,
    method: 'GET' | 'POST',
    path: string,
    body?: unknown,
    headers: Readonly<Record<string, string>> = {},
  ): Promise<ApiAnswer<T>> {
    let token: string;
    try {
      token = await session.staff.freshAccessToken();
    } catch (error) {
      if (error instanceof SignInError && error.code === SignInErrorCode.SessionEnded) {
        await this.ended(session);
        throw new SignInRequired('expired');
      }
      // The provider did not answer the refresh: the session may well be alive. Try again later.
      this.logger.warn({ msg: 'token refresh failed', error: (error as Error).name });
      throw new ServiceUnavailable('identity provider', '5');
    }
    let response: Response;
    try {
      response = await fetch(`${this.config.apis[app]}${path}`, {
        method,
        headers: {
          ...headers,
          authorization: `Bearer ${token}`,
          accept: 'application/json',
          ...(body === undefined ? {} : { 'content-type': 'application/json' }),
        },
        body: body === undefined ? undefined : JSON.stringify(body),
        signal: AbortSignal.timeout(TIMEOUT_MS),
      });
    } catch (error) {
      // The path may hold a patient id; the log says which app and what failed, nothing else.
      this.logger.warn({ msg: 'app unreachable', app, error: (error as Error).name });
      throw new ServiceUnavailable(app);
    }
    const text = await response.text();
    let parsed: unknown = undefined;
    if (text) {
      try {
        parsed = JSON.parse(text);
      } catch {
        parsed = undefined;
      }
    }
    if (response.status === 401) {
      // The app no longer accepts this person's token (signed out elsewhere, expired grant):
      // end the screen's session too, or the front door would send them straight back here.
      await this.ended(session);
      throw new SignInRequired('expired');
    }
    if (response.status === 429) {
      throw new ServiceUnavailable(
        app,
        response.headers.get('retry-after') ?? undefined,
        'Too many requests from you in the last minute; try again in a few seconds.',
      );
    }
    if (response.status === 403) throw new ScreenForbidden(problemMessages(parsed as ApiProblem)[0]);
    if (response.status >= 500) {
      this.logger.warn({ msg: 'app answered an error', app, status: response.status });
      throw new ServiceUnavailable(
        app,
        response.headers.get('retry-after') ?? undefined,
        response.status === 503 ? problemMessages(parsed as ApiProblem)[0] : undefined,
      );
    }
    return { status: response.status, body: parsed as T };
  }

  /**
   * A read that must succeed: the body of a 200; a 404 is the not-found page, and any other
   * answer an error page (never an empty list shown as if there were nothing).
   */
  async read<T>(session: WebSession, app: ClinicApp, path: string): Promise<T> {
    const answer = await this.get<T>(session, app, path);
    if (answer.status === 200) return answer.body;
    if (answer.status === 404) throw new NotFoundException();
    this.logger.warn({ msg: 'unexpected answer', app, status: answer.status });
    throw new ServiceUnavailable(app);
  }

  private async ended(session: WebSession): Promise<void> {
    await this.sessions.end(session);
  }
}

/** The messages of a problem body, always as a list. */
export function problemMessages(problem: ApiProblem | undefined): string[] {
  if (!problem?.message) return [];
  return Array.isArray(problem.message) ? problem.message : [problem.message];
}

/**
 * Sorts an API's 400 messages by the field they name ("diagnoses.0.icd10: unknown ..." or
 * "visit.date must be ..."): field -> messages, and the rest under `''`.
 */
export function fieldErrorsOf(problem: ApiProblem | undefined): Record<string, string[]> {
  const errors: Record<string, string[]> = {};
  for (const message of problemMessages(problem)) {
    const match = /^([A-Za-z][\w]*(?:\.[\w]+)*)(?::\s|\s)/.exec(message);
    const field = match ? match[1] : '';
    (errors[field] ??= []).push(message);
  }
  return errors;
}
