import { Body, Controller, Get, HttpCode, Inject, Logger, Post, Req, Res } from '@nestjs/common';
import type { CookieOptions, Request, Response } from 'express';
import { decodeJwt } from 'jose';
import { ROLES } from '@app/identity';
import { finishWebSignIn, SignInError, startWebSignIn } from '@app/identity/client';
import { landingOf } from '../pages/layout';
import { WEB_CONFIG } from '../web.tokens';
import type { WebConfig } from '../web.config';
import { cookieOf, CurrentSession, Open, Screen, SESSION_COOKIE, SIGN_IN_COOKIE } from './screen.guard';
import { WebSessions, type WebSession } from './web-sessions';

/**
 * Sign-in as a backend for frontend (OAuth 2.0 for Browser-Based Apps, "BFF"): the screen's
 * server runs authorization code + PKCE with the clinic's provider and keeps the tokens; the
 * browser holds one opaque, HttpOnly session cookie and never sees a token.
 */
@Controller()
export class AuthController {
  private readonly logger = new Logger('SignIn');

  constructor(
    private readonly sessions: WebSessions,
    @Inject(WEB_CONFIG) private readonly config: WebConfig,
  ) {}

  private cookie(maxAgeSeconds: number, path = '/'): CookieOptions {
    return {
      httpOnly: true,
      sameSite: 'lax',
      secure: this.config.origin.startsWith('https:'),
      path,
      maxAge: maxAgeSeconds * 1000,
    };
  }

  @Open()
  @Get('login')
  async login(@Res() res: Response): Promise<void> {
    let authorization;
    try {
      authorization = await startWebSignIn({
        issuer: this.config.identity.issuer,
        clientId: this.config.clientId,
        redirectUri: `${this.config.origin}/callback`,
        // oidc-provider issues a refresh token only with prompt=consent; Cognito has no such prompt.
        promptConsent: !this.config.identity.issuer.includes('cognito-idp'),
      });
    } catch (error) {
      this.logger.warn({ msg: 'identity provider unreachable', error: (error as Error).name });
      res.redirect(303, '/?error=provider');
      return;
    }
    const handle = this.sessions.beginSignIn(authorization, '/');
    res.cookie(SIGN_IN_COOKIE, handle, this.cookie(600, '/callback'));
    res.redirect(303, authorization.url);
  }

  @Open()
  @Get('callback')
  async callback(@Req() req: Request, @Res() res: Response): Promise<void> {
    res.clearCookie(SIGN_IN_COOKIE, { path: '/callback' });
    const pending = this.sessions.takeSignIn(cookieOf(req, SIGN_IN_COOKIE));
    if (!pending) {
      // No sign-in of this browser in progress: a forged or replayed callback (login CSRF).
      res.redirect(303, '/?error=stale');
      return;
    }
    try {
      const staff = await finishWebSignIn({
        issuer: this.config.identity.issuer,
        clientId: this.config.clientId,
        callback: new URL(req.originalUrl, this.config.origin),
        authorization: pending,
        claims: { roles: this.config.identity.rolesClaim, pharmacy: this.config.identity.pharmacyClaim },
      });
      const idToken = staff.stored().idToken;
      const claimed = idToken ? decodeJwt(idToken).preferred_username : undefined;
      const username = typeof claimed === 'string' ? claimed : staff.subject;
      // Signing in again in the same browser ends the session it had (and revokes its grant).
      const previous = this.sessions.find(cookieOf(req, SESSION_COOKIE)).session;
      if (previous) await this.sessions.end(previous);
      const session = this.sessions.create(staff, username);
      this.logger.log({ msg: 'signed in', subject: session.subject, roles: session.roles.join(',') });
      res.cookie(SESSION_COOKIE, session.id, this.cookie(this.config.identity.sessionMaxSeconds));
      res.redirect(303, landingOf(session.roles) ?? '/');
    } catch (error) {
      this.logger.warn({
        msg: 'sign-in failed',
        error: error instanceof SignInError ? error.code : (error as Error).name,
      });
      res.redirect(303, '/?error=refused');
    }
  }

  /** Sign-out (a button, or the idle timer): the refresh token is revoked, the cookie cleared. */
  @Screen(...ROLES)
  @Post('logout')
  async logout(
    @CurrentSession() session: WebSession,
    @Body() body: { reason?: string },
    @Res() res: Response,
  ): Promise<void> {
    await this.sessions.end(session);
    this.logger.log({
      msg: 'signed out',
      subject: session.subject,
      reason: body.reason === 'idle' ? 'idle' : 'button',
    });
    res.clearCookie(SESSION_COOKIE, { path: '/' });
    res.redirect(303, body.reason === 'idle' ? '/?signed-out=idle' : '/?signed-out=1');
  }

  /** The page's "stay signed in" (and activity while typing): the session's idle clock restarts. */
  @Screen(...ROLES)
  @Post('session/keepalive')
  @HttpCode(204)
  keepAlive(): void {
    // ScreenGuard has already checked the session and the form token, and touched the session.
  }

  @Open()
  @Get('health')
  health(): { status: 'ok' } {
    return { status: 'ok' };
  }
}
