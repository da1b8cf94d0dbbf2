import { Controller, Get, Query, Res } from '@nestjs/common';
import type { Response } from 'express';
import { CLINIC_APP_NAMES } from '@app/clinic';
import { ClinicApi, fieldErrorsOf, type ApiProblem } from '../../api/clinic-api';
import { Pages } from '../../pages/page-context';
import { sendPage } from '../../pages/render';
import { CurrentSession, Screen } from '../../session/screen.guard';
import type { WebSession } from '../../session/web-sessions';
import { AuditPage, type AuditEntry, type ChainVerification } from './audit.view';

const APPS = CLINIC_APP_NAMES;
/** Entries asked of each app, and shown in all: the newest of each app cover the newest overall. */
export const AUDIT_SHOWN = 100;
const FILTERS = ['patientId', 'subject', 'from', 'to'] as const;

/** "2026-11-29T09:30" from the date-time input is UTC; anything else goes as typed, for the API to name. */
const instantOf = (value: string) => (/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}$/.test(value) ? `${value}:00Z` : value);

/** Newest first across apps; an app's own seq breaks a tie within it. */
export function mergeNewestFirst(pages: readonly (readonly AuditEntry[])[], max: number): AuditEntry[] {
  return pages
    .flat()
    .sort(
      (a, b) =>
        b.at.localeCompare(a.at) || a.app.localeCompare(b.app) || Number(BigInt(b.seq) - BigInt(a.seq)),
    )
    .slice(0, max);
}

/**
 * The privacy officer's screen: the audit trails of the four apps merged, newest first, filtered
 * by patient id, person (subject id) and time range (a GET form: ids and dates, never a name),
 * and each app's chain verified.
 */
@Controller('audit')
@Screen('privacy-officer')
export class AuditController {
  constructor(
    private readonly pages: Pages,
    private readonly api: ClinicApi,
  ) {}

  @Get()
  async index(
    @CurrentSession() session: WebSession,
    @Query() query: Record<string, unknown>,
    @Res() res: Response,
  ): Promise<void> {
    const filters: Record<string, string> = {};
    for (const name of FILTERS) {
      const value = typeof query[name] === 'string' ? query[name].trim() : '';
      if (value) filters[name] = value;
    }
    const params = new URLSearchParams({ order: 'desc', limit: String(AUDIT_SHOWN) });
    for (const [name, value] of Object.entries(filters))
      params.set(name, name === 'from' || name === 'to' ? instantOf(value) : value);
    const [pages, chains] = await Promise.all([
      Promise.all(
        APPS.map((app) =>
          this.api.get<{ entries: AuditEntry[]; nextAfter: string | null } | ApiProblem>(
            session,
            app,
            `/audit?${params.toString()}`,
          ),
        ),
      ),
      Promise.all(APPS.map((app) => this.api.get<ChainVerification>(session, app, '/audit/verification'))),
    ]);
    const refused = pages.find((p) => p.status !== 200);
    const ok = pages
      .filter((p) => p.status === 200)
      .map((p) => p.body as { entries: AuditEntry[]; nextAfter: string | null });
    const merged = refused
      ? []
      : mergeNewestFirst(
          ok.map((p) => p.entries),
          AUDIT_SHOWN,
        );
    // Every app checks the filters alike: the first refusal names the fields at fault.
    const errors = refused ? fieldErrorsOf(refused.body as ApiProblem) : {};
    const shownFields = new Set<string>(FILTERS);
    sendPage(
      res,
      AuditPage({
        ctx: this.pages.context(session),
        filters: filters,
        chains: chains.filter((c) => c.status === 200).map((c) => c.body),
        entries: merged,
        shownMax: AUDIT_SHOWN,
        more:
          ok.some((p) => p.nextAfter !== null) ||
          ok.reduce((n, p) => n + p.entries.length, 0) > merged.length,
        errors,
        problems: Object.entries(errors)
          .filter(([field]) => !shownFields.has(field))
          .flatMap(([, messages]) => messages),
      }),
      refused ? 400 : 200,
    );
  }
}
