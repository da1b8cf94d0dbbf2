import { Controller, Get, NotFoundException, Param, Query, Req, Res } from '@nestjs/common';
import type { Request, Response } from 'express';
import { cookieOf, Open, SESSION_COOKIE } from '../session/screen.guard';
import { WebSessions } from '../session/web-sessions';
import { HomePage } from './home.view';
import { landingOf } from './layout';
import { Pages } from './page-context';
import { sendPage } from './render';

const SIGN_IN_ERRORS: Record<string, string> = {
  provider:
    'The identity provider is not answering. Is the clinic running (npm start)? Try again in a moment.',
  stale: 'That sign-in had expired or was not started here. Sign in again.',
  refused: 'The sign-in did not complete. Sign in again.',
};

@Controller()
export class HomeController {
  constructor(
    private readonly pages: Pages,
    private readonly sessions: WebSessions,
  ) {}

  /** Signed in: the person's first screen. Signed out: the front door. */
  @Open()
  @Get()
  home(
    @Req() req: Request,
    @Res() res: Response,
    @Query('signed-out') signedOut?: string,
    @Query('error') error?: string,
  ): void {
    const { session } = this.sessions.find(cookieOf(req, SESSION_COOKIE));
    if (session) {
      res.redirect(303, landingOf(session.roles) ?? '/');
      return;
    }
    sendPage(
      res,
      HomePage({
        ctx: this.pages.context(),
        notice: signedOut,
        error: error ? SIGN_IN_ERRORS[error] : undefined,
      }),
    );
  }

  /** The script and the stylesheet, under content-hashed names: cached for a year. */
  @Open()
  @Get('assets/:name')
  asset(@Param('name') name: string, @Res() res: Response): void {
    const asset = Object.values(this.pages.assets).find((a) => a.path === `/assets/${name}`);
    if (!asset) throw new NotFoundException();
    res.type(asset.type).setHeader('Cache-Control', 'public, max-age=31536000, immutable').send(asset.body);
  }
}
