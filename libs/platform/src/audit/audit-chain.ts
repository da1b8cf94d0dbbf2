import { auditEntryHash, GENESIS_HASH, type AuditRow } from './audit-hash';

/**
 * Anything that runs a parameterised statement: a `pg` Client or Pool (`{ rows }`), a TypeORM
 * DataSource or EntityManager (the rows themselves).
 */
export interface AuditQueryable {
  query(sql: string, parameters?: unknown[]): Promise<unknown>;
}

const rowsOf = (result: unknown): Record<string, unknown>[] =>
  (Array.isArray(result) ? result : (result as { rows: unknown[] }).rows) as Record<string, unknown>[];

/**
 * The columns as the chain hashes them: `seq` as text (a bigint), `at` in UTC with microseconds.
 * Reading through `to_char` rather than a JS Date keeps the microseconds a Date would drop.
 * Order by `audit_entries.seq`, never by `seq`: that is the text alias, where "10" < "9".
 */
export const AUDIT_SELECT = `SELECT seq::text AS seq,
    to_char(at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') AS at,
    app, subject, roles, action, resource_type, resource_id, patient_id, outcome, refusal,
    client_address, request_id, route, prev_hash, hash
  FROM audit_entries`;

/** A row as `pg` returns {@link AUDIT_SELECT}. */
export function auditRowOf(r: Record<string, unknown>): AuditRow {
  // Text and bigint columns only: pg hands them over as strings.
  const text = (v: unknown): string | null =>
    typeof v === 'string' ? v : typeof v === 'number' || typeof v === 'bigint' ? String(v) : null;
  return {
    seq: String(r.seq),
    at: String(r.at),
    app: String(r.app),
    subject: text(r.subject),
    roles: Array.isArray(r.roles) ? r.roles.map(String) : [],
    action: String(r.action),
    resourceType: String(r.resource_type),
    resourceId: text(r.resource_id),
    patientId: text(r.patient_id),
    outcome: Number(r.outcome),
    refusal: text(r.refusal),
    clientAddress: text(r.client_address),
    requestId: String(r.request_id),
    route: String(r.route),
    prevHash: String(r.prev_hash),
    hash: String(r.hash),
  };
}

/** Why an entry breaks the chain. */
export type AuditChainBreak = 'hash mismatch' | 'prev-hash mismatch' | 'seq gap' | 'seq out of order';

/** What {@link verifyAuditChain} found. */
export interface AuditChainReport {
  readonly ok: boolean;
  /** Entries checked (all of them when `ok`; up to and including the broken one otherwise). */
  readonly entries: number;
  /** The first entry that does not follow from the one before it, and why. */
  readonly firstBroken?: { readonly seq: string; readonly reason: AuditChainBreak };
}

/**
 * Walks entries in chain order, carrying the previous seq and hash. Returns the first break, or
 * `undefined` while the chain holds. `expected` is the state after the last entry seen.
 */
export class AuditChainChecker {
  private previous: { seq: bigint; hash: string } = { seq: 0n, hash: GENESIS_HASH };
  entries = 0;

  check(row: AuditRow): AuditChainBreak | undefined {
    this.entries++;
    const seq = BigInt(row.seq);
    // Order first: a row edited and moved would otherwise be reported as a hash mismatch.
    if (seq <= this.previous.seq) return 'seq out of order';
    if (seq !== this.previous.seq + 1n) return 'seq gap';
    // An entry re-hashed after an edit matches its own hash; its successor's prev_hash does not.
    if (row.prevHash !== this.previous.hash) return 'prev-hash mismatch';
    if (auditEntryHash(row) !== row.hash) return 'hash mismatch';
    this.previous = { seq, hash: row.hash };
    return undefined;
  }
}

/** Rows read per round trip while verifying. */
const VERIFY_PAGE = 1_000;

/**
 * Re-computes an app's audit chain from its database: every entry's hash over its columns and
 * its predecessor's hash, and seqs 1, 2, 3... without gaps. Names the first entry that breaks.
 * A superuser who deletes the newest entries leaves a shorter valid chain: the count of
 * entries (and in AWS the CloudWatch copy) is what shows that.
 */
export async function verifyAuditChain(db: AuditQueryable): Promise<AuditChainReport> {
  const checker = new AuditChainChecker();
  // Keyset by seq, so a long chain is read in pages. A row whose seq is not greater than the last
  // one is not reachable this way; the ORDER BY makes that impossible while seq is the key.
  let after = '0';
  for (;;) {
    const page = rowsOf(
      await db.query(
        `${AUDIT_SELECT} WHERE seq > $1::bigint ORDER BY audit_entries.seq LIMIT ${VERIFY_PAGE}`,
        [after],
      ),
    ).map(auditRowOf);
    for (const row of page) {
      const reason = checker.check(row);
      if (reason) return { ok: false, entries: checker.entries, firstBroken: { seq: row.seq, reason } };
    }
    if (page.length < VERIFY_PAGE) return { ok: true, entries: checker.entries };
    after = page[page.length - 1].seq;
  }
}

/** What the privacy officer asks for: by patient, by person, by time range, in pages. */
export interface AuditFilter {
  readonly patientId?: string;
  readonly subject?: string;
  /** Entries at or after this time. */
  readonly from?: Date;
  /** Entries before this time. */
  readonly to?: Date;
  /**
   * The cursor of the previous page: entries that follow this seq in the list's order (a greater
   * seq oldest first, a smaller one newest first).
   */
  readonly after?: string;
  readonly limit: number;
  /** `asc` (default): oldest first, chain order; `desc`: the newest first. */
  readonly order?: 'asc' | 'desc';
}

/** Entries matching the filter, in seq order. */
export async function listAuditEntries(db: AuditQueryable, filter: AuditFilter): Promise<AuditRow[]> {
  const where: string[] = [];
  const params: unknown[] = [];
  const add = (clause: string, value: unknown) => {
    params.push(value);
    where.push(clause.replace('?', `$${params.length}`));
  };
  if (filter.patientId !== undefined) add('patient_id = ?', filter.patientId);
  if (filter.subject !== undefined) add('subject = ?', filter.subject);
  if (filter.from !== undefined) add('at >= ?', filter.from);
  if (filter.to !== undefined) add('at < ?', filter.to);
  if (filter.after !== undefined)
    add(filter.order === 'desc' ? 'seq < ?::bigint' : 'seq > ?::bigint', filter.after);
  params.push(filter.limit);
  const sql = `${AUDIT_SELECT}${where.length ? ` WHERE ${where.join(' AND ')}` : ''} ORDER BY audit_entries.seq ${filter.order === 'desc' ? 'DESC' : 'ASC'} LIMIT $${params.length}`;
  return rowsOf(await db.query(sql, params)).map(auditRowOf);
}
