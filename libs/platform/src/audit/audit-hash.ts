import { createHash } from 'node:crypto';

/** `prev_hash` of the first entry of a chain: 64 zeros. */
export const GENESIS_HASH = '0'.repeat(64);

/** Version tag hashed with every entry, so a future change of the serialisation cannot collide. */
const CANONICAL_VERSION = 'clinic-audit-v1';

/**
 * One stored audit entry: ids, codes and types only, never a PHI value. Field names follow the
 * columns of `audit_entries`.
 */
export interface AuditRow {
  /** Position in the chain, from 1, gap-free (a bigint, kept as its decimal text). */
  readonly seq: string;
  /** When, in UTC with microseconds: `2026-11-29T20:41:07.123000Z` (as PostgreSQL's `to_char` gives it). */
  readonly at: string;
  readonly app: string;
  /** The token's subject; `null` when no one was signed in (a 401). */
  readonly subject: string | null;
  readonly roles: readonly string[];
  readonly action: string;
  readonly resourceType: string;
  readonly resourceId: string | null;
  readonly patientId: string | null;
  /** The HTTP status the caller got. */
  readonly outcome: number;
  /** Why access was refused (`missing`, `expired`, `role`...), else `null`. */
  readonly refusal: string | null;
  readonly clientAddress: string | null;
  readonly requestId: string;
  /** The route template (`/patients/:id`), never the URL. */
  readonly route: string;
  readonly prevHash: string;
  readonly hash: string;
}

/**
 * The canonical serialisation of an entry: a JSON array of every column but `hash`, in a fixed
 * order. An array of strings, numbers and nulls has exactly one JSON text, so the hash does not
 * depend on key order, and a null stays distinct from an empty string.
 */
export function canonicalAuditEntry(row: Omit<AuditRow, 'hash'>): string {
  return JSON.stringify([
    CANONICAL_VERSION,
    row.seq,
    row.at,
    row.app,
    row.subject,
    [...row.roles],
    row.action,
    row.resourceType,
    row.resourceId,
    row.patientId,
    row.outcome,
    row.refusal,
    row.clientAddress,
    row.requestId,
    row.route,
    row.prevHash,
  ]);
}

/** SHA-256 (hex) of the canonical serialisation: the entry's `hash`, the next entry's `prev_hash`. */
export function auditEntryHash(row: Omit<AuditRow, 'hash'>): string {
  return createHash('sha256').update(canonicalAuditEntry(row), 'utf8').digest('hex');
}

/**
 * A JS time as the chain stores it: ISO 8601 UTC with six fractional digits, the way
 * PostgreSQL's `to_char(.. 'US')` reads a timestamptz back, so a microsecond edit is caught too.
 */
export function auditTimeOf(date: Date): string {
  return date.toISOString().replace(/\.(\d{3})Z$/, '.$1000Z');
}
