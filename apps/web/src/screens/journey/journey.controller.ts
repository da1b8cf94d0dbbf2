import { setTimeout as sleep } from 'node:timers/promises';
import {
  Controller,
  Get,
  Inject,
  Logger,
  NotFoundException,
  type OnModuleDestroy,
  Param,
  ParseUUIDPipe,
  Post,
  Query,
  Req,
  Res,
} from '@nestjs/common';
import type { Request, Response } from 'express';
import { render } from 'preact-render-to-string';
import { ClinicApi } from '../../api/clinic-api';
import { Pages } from '../../pages/page-context';
import { sendPage } from '../../pages/render';
import { SignInRequired } from '../../session/screen-errors';
import { CurrentSession, NotActivity, Screen } from '../../session/screen.guard';
import { WebSessions, type WebSession } from '../../session/web-sessions';
import { WEB_CONFIG } from '../../web.tokens';
import type { WebConfig } from '../../web.config';
import { CONSUMERS, label, type Consumer, type JourneyModel } from './journey.model';
import { JourneyReader, NoSuchRecord } from './journey.reader';
import { journeyPath, JourneyLive, JourneyPage, LAB_ACTIONS, type LabAction } from './journey.view';

const uuid = new ParseUUIDPipe({ version: '4' });

/** Live updates: often while something moves, seldom once it rests, and not forever. */
export const LIVE = {
  /** Poll interval while a copy is on its way (3 apps x 2/s = 120 reads/min each, under 300). */
  fastMs: 500,
  /** Poll interval once everything rests (or waits for a stopped consumer). */
  slowMs: 3_000,
  /** The stream ends after this; the page says to reload. */
  forMs: 120_000,
  /** A comment line at least this often, so idle connections are not cut by proxies. */
  keepAliveMs: 15_000,
  /** Live streams one person may have open at once (2 x 120 reads/min stays under 300). */
  streamsPerSession: 2,
} as const;

/** The notices after a lab action (fixed texts: nothing from the URL is echoed). */
const SENT: Record<string, string> = {
  tamper: 'Sent a tampered copy: the stored ciphertext with 4 bytes flipped. Watch each consumer catch it.',
  forge: 'Sent a forged plaintext message under the record’s attributes. Watch each consumer catch it.',
  replay: 'Sent the stored ciphertext again. Each consumer must acknowledge it without acting twice.',
  ...Object.fromEntries(
    CONSUMERS.flatMap((c) => [
      [`pause-${c}`, `Stopped ${label(c)}: new messages wait in its queue.`],
      [`resume-${c}`, `Started ${label(c)}: it takes what waited in its queue.`],
    ]),
  ),
};

/**
 * The journey view (physician, administrator): a record's trip through the outbox, the topic,
 * each queue and consumer, rendered complete on the server and kept live by server-sent events;
 * in the embedded profile, the workshop's break-it panel, whose forms post here and reach the
 * apps' lab routes as the signed-in person.
 */
@Controller('records')
@Screen('physician', 'administrator')
export class JourneyController implements OnModuleDestroy {
  private readonly logger = new Logger(JourneyController.name);
  /** The open live streams: ended when the screen shuts down, which would otherwise wait for them. */
  private readonly streams = new Set<AbortController>();
  /**
   * Open streams per session: each polls four apps as that person, whose per-person read limit
   * (300 a minute) the screen must not use up; a third tab's journey stays as rendered.
   */
  private readonly perSession = new Map<string, number>();

  constructor(
    private readonly pages: Pages,
    private readonly api: ClinicApi,
    private readonly reader: JourneyReader,
    private readonly sessions: WebSessions,
    @Inject(WEB_CONFIG) private readonly config: WebConfig,
  ) {}

  @Get(':id/journey')
  async journey(
    @CurrentSession() session: WebSession,
    @Param('id', uuid) id: string,
    @Query('lab') lab: string | undefined,
    @Query('refused') refused: string | undefined,
    @Res() res: Response,
  ): Promise<void> {
    const model = await this.modelOr404(session, id);
    const notice =
      refused && Object.hasOwn(SENT, refused)
        ? {
            kind: 'warning' as const,
            text: 'The lab could not do that: the record has no sealed event yet, or the app refused.',
          }
        : lab && Object.hasOwn(SENT, lab)
          ? { kind: 'info' as const, text: SENT[lab] }
          : undefined;
    sendPage(res, JourneyPage({ ctx: this.pages.context(session), session, model, notice }));
  }

  /**
   * Server-sent events: the diagram again whenever it changed (a server-rendered fragment the
   * page swaps in), polled from the apps every {@link LIVE.fastMs} while something is in flight,
   * else every {@link LIVE.slowMs}, for {@link LIVE.forMs}. Not counted as activity (the guard
   * is told so by `@NotActivity()`), so an open page still signs out when idle.
   */
  @Get(':id/journey/events')
  @NotActivity()
  async events(
    @CurrentSession() session: WebSession,
    @Param('id', uuid) id: string,
    @Req() req: Request,
    @Res() res: Response,
  ): Promise<void> {
    const open = this.perSession.get(session.id) ?? 0;
    if (open >= LIVE.streamsPerSession) {
      // EventSource gives up on a non-200: that page keeps the diagram it has, and Reload works.
      res
        .status(429)
        .setHeader('Retry-After', String(LIVE.forMs / 1000))
        .end();
      return;
    }
    this.perSession.set(session.id, open + 1);
    res.status(200);
    res.setHeader('Content-Type', 'text/event-stream; charset=utf-8');
    res.setHeader('Cache-Control', 'no-store');
    res.setHeader('X-Accel-Buffering', 'no');
    res.flushHeaders();
    const stop = new AbortController();
    this.streams.add(stop);
    req.on('close', () => stop.abort());
    const started = Date.now();
    let lastSent = '';
    let lastWrite = Date.now();
    const write = (chunk: string) => {
      res.write(chunk);
      lastWrite = Date.now();
    };
    write('retry: 5000\n\n');
    let ending = 'Live updates stopped after two minutes. Reload the page to follow again.';
    try {
      while (!stop.signal.aborted && Date.now() - started < LIVE.forMs) {
        if (!this.sessions.find(session.id).session) {
          ending = 'You are signed out. Sign in again to follow this record.';
          break;
        }
        let model: JourneyModel | undefined;
        try {
          model = await this.reader.read(session, id);
        } catch (error) {
          if (error instanceof SignInRequired || error instanceof NoSuchRecord) {
            ending = 'Live updates stopped. Reload the page.';
            break;
          }
          // An app busy or down for a moment: try again at the slow pace.
          this.logger.warn({ msg: 'journey poll failed', error: (error as Error).name });
        }
        if (stop.signal.aborted) break;
        if (model) {
          const fragment = render(JourneyLive({ model, session, lab: this.config.profile === 'embedded' }));
          if (fragment !== lastSent) {
            write(event('journey', fragment));
            lastSent = fragment;
          }
        }
        if (Date.now() - lastWrite >= LIVE.keepAliveMs) write(': still here\n\n');
        await sleep(model?.inFlight ? LIVE.fastMs : LIVE.slowMs, undefined, { signal: stop.signal }).catch(
          () => undefined,
        );
      }
      if (!stop.signal.aborted) write(event('end', ending));
    } catch (error) {
      this.logger.warn({ msg: 'journey stream failed', error: (error as Error).name });
    } finally {
      this.streams.delete(stop);
      const left = (this.perSession.get(session.id) ?? 1) - 1;
      if (left > 0) this.perSession.set(session.id, left);
      else this.perSession.delete(session.id);
      res.end();
    }
  }

  /** Shutting down: every stream ends now (the browser reconnects to the next screen process). */
  onModuleDestroy(): void {
    for (const stream of this.streams) stream.abort();
  }

  /** The break-it panel's record actions: tamper, forge, replay (EMR lab routes). */
  @Post(':id/journey/lab/:action')
  async labAction(
    @CurrentSession() session: WebSession,
    @Param('id', uuid) id: string,
    @Param('action') action: string,
    @Res() res: Response,
  ): Promise<void> {
    this.labOnly();
    if (!Object.hasOwn(LAB_ACTIONS, action)) throw new NotFoundException();
    const answer = await this.api.post(session, 'emr', `/lab/records/${id}/${action as LabAction}`, {});
    res.redirect(303, `${journeyPath(id)}?${answer.status === 202 ? 'lab' : 'refused'}=${action}`);
  }

  /** The break-it panel's "Stop <consumer>" and "Start <consumer>" (the consumer's lab routes). */
  @Post(':id/journey/transport/:consumer/:action')
  async transportAction(
    @CurrentSession() session: WebSession,
    @Param('id', uuid) id: string,
    @Param('consumer') consumer: string,
    @Param('action') action: string,
    @Res() res: Response,
  ): Promise<void> {
    this.labOnly();
    if (!(CONSUMERS as readonly string[]).includes(consumer)) throw new NotFoundException();
    if (action !== 'pause' && action !== 'resume') throw new NotFoundException();
    const answer = await this.api.post(session, consumer as Consumer, `/lab/transport/${action}`, {});
    const key = `${action}-${consumer}`;
    res.redirect(303, `${journeyPath(id)}?${answer.status === 202 ? 'lab' : 'refused'}=${key}`);
  }

  /** The lab exists in the embedded profile only: in the aws profile these routes are not there. */
  private labOnly(): void {
    if (this.config.profile !== 'embedded') throw new NotFoundException();
  }

  private async modelOr404(session: WebSession, id: string): Promise<JourneyModel> {
    try {
      return await this.reader.read(session, id);
    } catch (error) {
      if (error instanceof NoSuchRecord) throw new NotFoundException();
      throw error;
    }
  }
}

/** One server-sent event; every line of the data gets its own `data:` field. */
function event(name: string, data: string): string {
  return `event: ${name}\n${data
    .split(/\r?\n/)
    .map((line) => `data: ${line}`)
    .join('\n')}\n\n`;
}
