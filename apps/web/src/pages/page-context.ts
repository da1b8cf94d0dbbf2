import { Inject, Injectable } from '@nestjs/common';
import { WebSessions, type WebSession } from '../session/web-sessions';
import { WEB_CONFIG } from '../web.tokens';
import type { WebConfig } from '../web.config';
import { buildAssets, type Asset } from './assets';
import type { PageContext } from './layout';

/** What every page needs beside its own data: who is looking, the profile, the assets, the idle timer. */
@Injectable()
export class Pages {
  readonly assets: { readonly script: Asset; readonly style: Asset } = buildAssets();

  constructor(
    @Inject(WEB_CONFIG) readonly config: WebConfig,
    private readonly sessions: WebSessions,
  ) {}

  context(session?: WebSession): PageContext {
    return {
      session,
      profile: this.config.profile,
      script: this.assets.script.path,
      style: this.assets.style.path,
      idle: session
        ? {
            seconds: this.sessions.idleSecondsLeft(session),
            warnSeconds: this.config.idleWarningSeconds,
          }
        : undefined,
    };
  }
}
