import { isIP } from 'node:net';
import { Inject, Injectable, Logger, ServiceUnavailableException } from '@nestjs/common';
import type { Request } from 'express';
import { DataSource } from 'typeorm';
import type { AuditLocator, AuditSpec } from '../auth/access.decorators';
import { clinicContextOf } from '../auth/request-context';
import type { AppConfig } from '../config/app.config';
import { safeErrorFields } from '../http/clinic-exceptions.filter';
import { requestIdOf } from '../http/json-body';
import { APP_CONFIG } from '../platform.tokens';
import { auditRowOf, AUDIT_SELECT } from './audit-chain';
import { auditEntryHash, auditTimeOf, GENESIS_HASH, type AuditRow } from './audit-hash';

/** What a caller of {@link AuditTrail.append} says; seq, time and hashes are the trail's. */
export type AuditEntryInput = Omit<AuditRow, 'seq' | 'at' | 'app' | 'prevHash' | 'hash'>;

/**
 * Key of the advisory lock that serialises appends to one database's chain (ASCII "audi").
 * Held for the transaction only, so a crashed request never leaves it taken.
 */
export const AUDIT_CHAIN_LOCK = 0x61756469;

/** How long a refusal's answer waits for its best-effort audit entry, in ms. */
const REFUSAL_AUDIT_WAIT_MS = 2_000;

/**
 * Only id-shaped values enter the trail: a UUID, or a number (a seq cursor). A locator points at
 * client input, and a route that refuses it (400) is audited too: `?patientId=Jane Doe` must not
 * put a name in the table.
 */
const ID_SHAPE = /^([0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}|\d{1,19})$/;
const SUBJECT_SHAPE = /^[A-Za-z0-9._:|-]{1,128}$/;
const CODE_SHAPE = /^[A-Za-z0-9._:-]{1,64}$/;

const idOrNull = (value: unknown): string | null =>
  typeof value === 'string' && ID_SHAPE.test(value) ? value.toLowerCase() : null;

/** The 503 a request gets when its audit entry could not be written: no unaudited PHI leaves. */
export class AuditUnavailableError extends ServiceUnavailableException {
  readonly code = 'AUDIT_UNAVAILABLE';
  readonly retryAfterS = 5;
  constructor() {
    super({
      statusCode: 503,
      error: 'Service Unavailable',
      code: 'AUDIT_UNAVAILABLE',
      message:
        'The audit trail could not record this access, so the answer is withheld. Retry after 5 s; a request that creates something may have been saved, so look for it before sending it again.',
    });
  }
}

/**
 * Requests that have their entry (or whose refusal entry is under way): the filter adds none for
 * them, so an answer that fails after its entry was written (a 500 while serialising) still
 * leaves exactly one entry.
 */
const recorded = new WeakSet<object>();

/** Where a locator points: a route parameter, a query parameter, or a field of the result. */
function locate(locator: AuditLocator | undefined, request: Request, result?: unknown): string | null {
  if (!locator) return null;
  const dot = locator.indexOf('.');
  const where = locator.slice(0, dot);
  const key = locator.slice(dot + 1);
  const source: unknown =
    where === 'param'
      ? request.params
      : where === 'query'
        ? request.query
        : // A list answers no single id: its patient comes from the route's parameters.
          Array.isArray(result)
          ? undefined
          : result;
  if (typeof source !== 'object' || source === null) return null;
  return idOrNull((source as Record<string, unknown>)[key]);
}

/**
 * The tamper-evident audit trail of people's access to PHI, in this app's own database: one
 * entry per request to an `@Audited` route, hash-chained, append-only. Also one JSON log line per
 * entry (context `Audit`, ids only): in AWS those go to CloudWatch, a copy outside the database.
 */
@Injectable()
export class AuditTrail {
  private readonly logger = new Logger('Audit');

  constructor(
    private readonly dataSource: DataSource,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  /**
   * Appends one entry: under the chain's advisory lock, reads the last (seq, hash), computes the
   * next seq and the hash over every column and the previous hash, and inserts, in one
   * transaction. Concurrent appends queue on the lock, so seqs are gap-free.
   */
  async append(input: AuditEntryInput): Promise<AuditRow> {
    const row = await this.dataSource.transaction(async (manager) => {
      await manager.query('SELECT pg_advisory_xact_lock($1)', [AUDIT_CHAIN_LOCK]);
      const [last] = await manager.query<Record<string, unknown>[]>(
        `${AUDIT_SELECT} ORDER BY audit_entries.seq DESC LIMIT 1`,
      );
      const previous = last ? auditRowOf(last) : undefined;
      // Taken inside the lock, so times never go backwards along the chain.
      const unhashed: Omit<AuditRow, 'hash'> = {
        ...input,
        seq: previous ? String(BigInt(previous.seq) + 1n) : '1',
        at: auditTimeOf(new Date()),
        app: this.config.app,
        prevHash: previous?.hash ?? GENESIS_HASH,
      };
      const entry: AuditRow = { ...unhashed, hash: auditEntryHash(unhashed) };
      await manager.query(
        `INSERT INTO audit_entries (seq, at, app, subject, roles, action, resource_type, resource_id,
           patient_id, outcome, refusal, client_address, request_id, route, prev_hash, hash)
         VALUES ($1::bigint, $2::timestamptz, $3, $4, $5::text[], $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16)`,
        [
          entry.seq,
          entry.at,
          entry.app,
          entry.subject,
          entry.roles,
          entry.action,
          entry.resourceType,
          entry.resourceId,
          entry.patientId,
          entry.outcome,
          entry.refusal,
          entry.clientAddress,
          entry.requestId,
          entry.route,
          entry.prevHash,
          entry.hash,
        ],
      );
      return entry;
    });
    this.logger.log({ msg: 'audit entry', ...row });
    return row;
  }

  /**
   * The entry of a request that succeeded, written before the answer leaves: if it cannot be
   * written, the caller gets {@link AuditUnavailableError} (503) instead of the PHI, and the
   * filter then records that 503, best effort (the database may be back by then).
   */
  async recordSuccess(request: Request, spec: AuditSpec, outcome: number, result: unknown): Promise<void> {
    try {
      await this.append(this.entryOf(request, spec, outcome, result));
      recorded.add(request);
    } catch (error) {
      this.logger.error({
        msg: 'audit entry not written; answer withheld',
        status: 503,
        requestId: requestIdOf(request),
        ...safeErrorFields(error),
      });
      throw new AuditUnavailableError();
    }
  }

  /**
   * The entry of a request refused or failed (401, 403, 400, 404, 409, 429, 5xx), best effort:
   * the answer carries no PHI, so it is sent even when the entry cannot be written (after at most
   * 2 s; the append goes on), and the failure is logged. Requests to routes without `@Audited`,
   * and requests that already have their entry, add nothing.
   */
  async recordFailure(request: Request, outcome: number): Promise<void> {
    const spec = clinicContextOf(request).audit;
    if (!spec || recorded.has(request)) return;
    recorded.add(request);
    const written = this.append(this.entryOf(request, spec, outcome, undefined)).then(
      () => undefined,
      (error: unknown) =>
        this.logger.error({
          msg: 'audit entry of a refused request not written',
          status: outcome,
          requestId: requestIdOf(request),
          ...safeErrorFields(error),
        }),
    );
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<void>((resolve) => (timer = setTimeout(resolve, REFUSAL_AUDIT_WAIT_MS)));
    await Promise.race([written, late]);
    clearTimeout(timer);
  }

  /** The entry of a request: who, what, outcome, from where; ids only. */
  entryOf(request: Request, spec: AuditSpec, outcome: number, result: unknown): AuditEntryInput {
    const context = clinicContextOf(request);
    const principal = context.principal;
    const subject = principal && SUBJECT_SHAPE.test(principal.subject) ? principal.subject : null;
    return {
      subject,
      roles: principal ? [...principal.roles].sort() : [],
      action: spec.action,
      resourceType: spec.resource,
      resourceId: locate(spec.id, request, result),
      patientId: locate(spec.patient, request, result),
      outcome,
      refusal:
        context.refusal === undefined ? null : CODE_SHAPE.test(context.refusal) ? context.refusal : 'other',
      clientAddress: this.clientAddressOf(request),
      requestId: requestIdOf(request),
      route: routeTemplateOf(request),
    };
  }

  /** The socket's peer; the first X-Forwarded-For hop only behind a proxy the config trusts. */
  private clientAddressOf(request: Request): string | null {
    if (this.config.trustProxy) {
      const forwarded = request.headers['x-forwarded-for'];
      const first = (Array.isArray(forwarded) ? forwarded[0] : forwarded)?.split(',')[0]?.trim();
      if (first && isIP(first)) return first;
    }
    const peer = request.socket?.remoteAddress;
    return peer && isIP(peer) ? peer : null;
  }
}

/** The route template (`/patients/:id`), never the URL: paths and queries may hold values. */
export function routeTemplateOf(request: Request): string {
  const route: unknown = (request as { route?: unknown }).route;
  const path: unknown =
    typeof route === 'object' && route !== null ? (route as { path?: unknown }).path : undefined;
  return typeof path === 'string' ? path.slice(0, 200) : '(no route)';
}
