import { isIP } from 'node:net';
import {
  Inject,
  Injectable,
  Logger,
  ServiceUnavailableException,
  type OnApplicationShutdown,
} from '@nestjs/common';
import type { Request } from 'express';
import { DataSource } from 'typeorm';
import type { AuditLocator, AuditSpec } from '../auth/access.decorators';
import { clinicContextOf } from '../auth/request-context';
import type { AppConfig } from '../config/app.config';
import { safeErrorFields } from '../http/clinic-exceptions.filter';
import { requestIdOf } from '../http/json-body';
import { Coalescer } from '../database/coalescer';
import { DedicatedConnection } from '../database/dedicated-connection';
import { APP_CONFIG } from '../platform.tokens';
import { settledOrLater } from '../settled-or-later';
import { auditRowOf, AUDIT_SELECT } from './audit-chain';
import { auditEntryHash, auditTimeOf, GENESIS_HASH, type AuditRow } from './audit-hash';

/** What a caller of {@link AuditTrail.append} says; seq, time and hashes are the trail's. */
export type AuditEntryInput = Omit<AuditRow, 'seq' | 'at' | 'app' | 'prevHash' | 'hash'>;

/**
 * Key of the advisory lock that serialises appends to one database's chain (ASCII "audi").
 * Held for the transaction only, so a crashed request never leaves it taken.
 */
export const AUDIT_CHAIN_LOCK = 0x61756469;

/** Most entries one group commit writes (16 parameters each; PostgreSQL allows 65,535). */
export const AUDIT_BATCH_MAX = 200;

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
export class AuditTrail implements OnApplicationShutdown {
  private readonly logger = new Logger('Audit');
  /**
   * The group commits' own connection: they never wait for one in the pool's queue, behind the
   * requests whose answers wait for them (ADR 0022). One commit runs at a time anyway.
   */
  private readonly connection: DedicatedConnection;

  constructor(
    dataSource: DataSource,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {
    this.connection = new DedicatedConnection(dataSource, `${config.app}-audit`);
  }

  /** Ends the commits' connection once the commit under way, if any, is done. */
  async onApplicationShutdown(): Promise<void> {
    await this.connection.close();
  }

  /**
   * Entries that arrive while a commit is under way are written together by the next one (a group
   * commit: one lock, one read of the tail, one INSERT, one COMMIT for up to
   * {@link AUDIT_BATCH_MAX}), so concurrent requests do not queue on the chain's lock one by one.
   * A failed commit fails every entry in it.
   */
  private readonly commits = new Coalescer<AuditEntryInput, AuditRow>(
    async (inputs) => {
      const rows = await this.commit(inputs);
      return rows.map((row) => {
        this.logger.log({ msg: 'audit entry', ...row });
        return { value: row };
      });
    },
    { max: AUDIT_BATCH_MAX },
  );

  /** Appends one entry, resolved once it is committed (in a group commit: see `commits`). */
  append(input: AuditEntryInput): Promise<AuditRow> {
    return this.commits.submit(input);
  }

  /**
   * Writes entries to the chain in one transaction of three round trips: `BEGIN`, the chain's
   * advisory lock (other processes of this app append to the same chain) and the read of the last
   * (seq, hash) go as one simple query, whose statements each take their own snapshot, so the read
   * sees every entry committed before the lock was granted (under READ COMMITTED one statement's
   * snapshot would predate the lock it waits on); then the INSERT of every entry, each chained to
   * the one before, and the COMMIT. Seqs are gap-free. A failure closes the connection, and with
   * it the transaction: the server rolls it back.
   */
  private async commit(inputs: readonly AuditEntryInput[]): Promise<AuditRow[]> {
    return this.connection.use(async (client) => {
      const opened = (await client.query(
        `BEGIN; SELECT pg_advisory_xact_lock(${AUDIT_CHAIN_LOCK}); ${AUDIT_SELECT} ORDER BY audit_entries.seq DESC LIMIT 1`,
      )) as unknown as Array<{ rows: Record<string, unknown>[] }>;
      const last = opened[2].rows[0];
      const previous = last ? auditRowOf(last) : undefined;
      let seq = previous ? BigInt(previous.seq) : 0n;
      let prevHash = previous?.hash ?? GENESIS_HASH;
      // Taken inside the lock, so times never go backwards along the chain.
      const at = auditTimeOf(new Date());
      const rows = inputs.map((input) => {
        seq += 1n;
        const unhashed: Omit<AuditRow, 'hash'> = {
          ...input,
          seq: String(seq),
          at,
          app: this.config.app,
          prevHash,
        };
        const row: AuditRow = { ...unhashed, hash: auditEntryHash(unhashed) };
        prevHash = row.hash;
        return row;
      });
      const values: unknown[] = [];
      const tuples = rows.map((r) => {
        const at0 = values.length;
        values.push(
          r.seq,
          r.at,
          r.app,
          r.subject,
          r.roles,
          r.action,
          r.resourceType,
          r.resourceId,
          r.patientId,
          r.outcome,
          r.refusal,
          r.clientAddress,
          r.requestId,
          r.route,
          r.prevHash,
          r.hash,
        );
        const p = (k: number) => `$${at0 + k}`;
        return `(${p(1)}::bigint, ${p(2)}::timestamptz, ${p(3)}, ${p(4)}, ${p(5)}::text[], ${p(6)}, ${p(7)}, ${p(8)}, ${p(9)}, ${p(10)}::smallint, ${p(11)}, ${p(12)}, ${p(13)}, ${p(14)}, ${p(15)}, ${p(16)})`;
      });
      // Not prepared: its text grows with the number of entries (up to AUDIT_BATCH_MAX), and a
      // prepared statement per size would stay on every connection (about 1.6 MB for 200 rows).
      await client.query(
        `INSERT INTO audit_entries (seq, at, app, subject, roles, action, resource_type, resource_id,
           patient_id, outcome, refusal, client_address, request_id, route, prev_hash, hash)
         VALUES ${tuples.join(', ')}`,
        values,
      );
      await client.query('COMMIT');
      return rows;
    });
  }

  /**
   * The entry of a request that succeeded, written before the answer leaves: if it cannot be
   * written, the caller gets {@link AuditUnavailableError} (503) instead of the PHI, and the
   * filter then records that 503, best effort (the database may be back by then).
   */
  async recordSuccess(request: Request, spec: AuditSpec, outcome: number, result: unknown): Promise<void> {
    try {
      // Appended together, so they go into one group commit (up to AUDIT_BATCH_MAX per commit).
      await Promise.all(this.entriesOf(request, spec, outcome, result).map((entry) => this.append(entry)));
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
    await settledOrLater(written, REFUSAL_AUDIT_WAIT_MS);
  }

  /**
   * The entries of a successful request: one, or for a list across patients
   * ({@link AuditSpec.patients}) one per distinct patient id in the answer, in answer order.
   */
  entriesOf(request: Request, spec: AuditSpec, outcome: number, result: unknown): AuditEntryInput[] {
    const entry = this.entryOf(request, spec, outcome, result);
    if (!spec.patients || !Array.isArray(result)) return [entry];
    const field = spec.patients.slice('result[].'.length);
    const patients = new Set<string>();
    for (const item of result as unknown[]) {
      if (typeof item !== 'object' || item === null) continue;
      const id = idOrNull((item as Record<string, unknown>)[field]);
      if (id) patients.add(id);
    }
    return patients.size === 0 ? [entry] : [...patients].map((patientId) => ({ ...entry, patientId }));
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

  /**
   * The socket's peer; behind a proxy the config trusts, the last X-Forwarded-For hop: the one
   * that proxy appended. Earlier hops are whatever the client sent, and would let anyone choose
   * the address an audit entry records.
   */
  private clientAddressOf(request: Request): string | null {
    if (this.config.trustProxy) {
      const forwarded = request.headers['x-forwarded-for'];
      const joined = Array.isArray(forwarded) ? forwarded.join(',') : forwarded;
      const last = joined?.split(',').at(-1)?.trim();
      if (last && isIP(last)) return last;
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
