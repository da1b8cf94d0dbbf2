import {
  createParamDecorator,
  Inject,
  Injectable,
  SetMetadata,
  type CanActivate,
  type ExecutionContext,
} from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { Request } from 'express';
import type { Role } from '@app/identity';
import { WEB_CONFIG } from '../web.tokens';
import type { WebConfig } from '../web.config';
import { CsrfRefused, ScreenForbidden, SignInRequired } from './screen-errors';
import { sameSecret, WebSessions, type WebSession } from './web-sessions';

/** The session cookie: an opaque handle; HttpOnly, SameSite=Lax, never readable by a script. */
export const SESSION_COOKIE = 'clinic_session';
/** The sign-in-in-progress cookie, sent back to /callback only. */
export const SIGN_IN_COOKIE = 'clinic_signin';
/** Header a page's script sends its form token in (keep-alive, lab actions). */
export const CSRF_HEADER = 'x-csrf-token';
export const CSRF_FIELD = '_csrf';

const SCREEN_ROLES = 'web:screen-roles';
const OPEN = 'web:open';
const NOT_ACTIVITY = 'web:not-activity';

/** Who may open a screen (a controller or a handler). Every other route is {@link Open} or refused. */
export const Screen = (...roles: Role[]) => SetMetadata(SCREEN_ROLES, roles);
/** A route anyone may open (sign-in, assets, health). */
export const Open = () => SetMetadata(OPEN, true);
/**
 * A route a page's script calls on its own (live updates): not the person's activity, so it
 * does not keep the session from going idle.
 */
export const NotActivity = () => SetMetadata(NOT_ACTIVITY, true);

type WithSession = Request & { webSession?: WebSession };

/** The signed-in person of a {@link Screen} route. */
export const CurrentSession = createParamDecorator(
  (_: unknown, ctx: ExecutionContext): WebSession => ctx.switchToHttp().getRequest<WithSession>().webSession!,
);

/** Reads one cookie from the Cookie header (no cookie library: two names, opaque values). */
export function cookieOf(req: Request, name: string): string | undefined {
  const header = req.headers.cookie;
  if (!header) return undefined;
  for (const part of header.split(';')) {
    const at = part.indexOf('=');
    if (at > 0 && part.slice(0, at).trim() === name) return part.slice(at + 1).trim() || undefined;
  }
  return undefined;
}

/**
 * The screen's one gate, for every route: a route must be {@link Open} or name its roles with
 * {@link Screen}. A screen needs a live session (else the sign-in page, saying whether the
 * session went idle) and one of its roles (else 403). A write must come from the screen's own
 * origin and carry the session's form token. Activity (anything but live updates) keeps the
 * session alive.
 */
@Injectable()
export class ScreenGuard implements CanActivate {
  constructor(
    private readonly reflector: Reflector,
    private readonly sessions: WebSessions,
    @Inject(WEB_CONFIG) private readonly config: WebConfig,
  ) {}

  canActivate(context: ExecutionContext): boolean {
    const targets = [context.getHandler(), context.getClass()];
    if (this.reflector.getAllAndOverride<boolean>(OPEN, targets)) return true;
    const roles = this.reflector.getAllAndOverride<Role[] | undefined>(SCREEN_ROLES, targets);
    // Fail closed: a route that forgot its declaration is not reachable.
    if (!roles) throw new ScreenForbidden('This page declares no roles.');
    const req = context.switchToHttp().getRequest<WithSession>();
    const { session, ended } = this.sessions.find(cookieOf(req, SESSION_COOKIE));
    if (!session) throw new SignInRequired(ended ?? 'required');
    if (req.method !== 'GET' && req.method !== 'HEAD') this.checkWrite(req, session);
    if (!session.roles.some((r) => roles.includes(r))) throw new ScreenForbidden();
    if (!this.reflector.getAllAndOverride<boolean>(NOT_ACTIVITY, targets)) this.sessions.touch(session);
    req.webSession = session;
    return true;
  }

  /** Origin (or Referer) must be the screen's own, and the form token the session's. */
  private checkWrite(req: Request, session: WebSession): void {
    const origin = req.headers.origin ?? originOf(req.headers.referer);
    if (origin !== this.config.origin) throw new CsrfRefused('origin');
    const body = req.body as Record<string, unknown> | undefined;
    const sent = req.headers[CSRF_HEADER] ?? body?.[CSRF_FIELD];
    if (typeof sent !== 'string' || !sameSecret(sent, session.csrf)) throw new CsrfRefused('token');
  }
}

function originOf(referer: string | undefined): string | undefined {
  if (!referer) return undefined;
  try {
    return new URL(referer).origin;
  } catch {
    return undefined;
  }
}
