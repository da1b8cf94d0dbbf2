/**
 * `npm run clinic -- outbox replay`: publishes again the outbox events created in a time window,
 * exactly as they were sealed (same ciphertext, same event id), for when a queue was purged or
 * a consumer's database restored from a backup. Consumers are idempotent on the event id, so a
 * consumer that already had an event does nothing; one that lost it applies it once.
 * It reads the EMR's database and needs `sns:Publish` on the topic only: never the key, never
 * plaintext. It prints ids, counts and types, never payloads.
 */
import { DataSource } from 'typeorm';
import { PatientRecordCreatedV1Event } from '@app/contracts';
import { EncryptedPublisher, EventRegistry, sizeOf, type SealedEvent } from '@app/crypto-messaging';
import { databaseUrlOf, type Output } from './commands';
import { printable } from './printable';
import { AppError, AppErrorCode } from '@app/platform';
import { type MessagingConfig, clinicRuntime } from '@app/clinic';

/** The events the EMR writes to its outbox. */
const OUTBOX_EVENTS = new EventRegistry([PatientRecordCreatedV1Event]);
/** Rows read and published per round (PublishBatch sends them ten at a time). */
const PAGE_SIZE = 100;
/** Default of `outbox purge`: published events are kept this many days (replay reaches back as far). */
export const DEFAULT_RETENTION_DAYS = 30;

export const OUTBOX_USAGE = `Usage: npm run clinic -- outbox replay --since <time> [--until <time>] [--event-type <type>] [--dry-run]
       npm run clinic -- outbox purge [--older-than-days N]

  Publishes again every outbox event created in [--since, --until) (--until defaults to now),
  as stored: same ciphertext, same event id; consumers apply each event once. Times are
  ISO-8601: 2026-11-29T17:00:00Z (without a zone: local time), or 2026-11-29 (midnight UTC).
  --event-type narrows to one type (${OUTBOX_EVENTS.all()
    .map((e) => e.type)
    .join(', ')}). --dry-run counts without publishing.

  purge deletes events published more than N days ago (default CLINIC_OUTBOX_RETENTION_DAYS,
  else ${DEFAULT_RETENTION_DAYS}); pending events are never deleted. Replay reaches back as far.`;

export interface ReplayOptions {
  readonly since: Date;
  readonly until: Date;
  readonly eventType?: string;
  readonly dryRun: boolean;
  /** Rows per page (default 100); tests page by one to exercise the keyset. */
  readonly pageSize?: number;
}

export interface ReplaySummary {
  /** Sealed events in the window: what was (or would be) replayed. */
  readonly matched: number;
  readonly replayed: number;
  readonly failed: number;
  /**
   * Of those, events the relay had not published yet. Replayed too: the relay sends them as
   * well, and consumers apply the event once whichever copy comes first.
   */
  readonly pending: number;
  /** Rows from before ADR 0007 not sealed yet: the EMR's relay seals them when it starts. */
  readonly unsealed: number;
}

const usageError = (message: string) =>
  new AppError(AppErrorCode.BadSettings, `${message}\n\n${OUTBOX_USAGE}`);

/** Parses `replay`'s flags; a bad one is a CONFIG error (exit 2) that names it. */
export function parseReplayArgs(args: readonly string[], now = new Date()): ReplayOptions {
  const flags = new Map<string, string>();
  let dryRun = false;
  for (let i = 0; i < args.length; i++) {
    const flag = args[i];
    if (flag === '--dry-run') {
      dryRun = true;
    } else if (flag === '--since' || flag === '--until' || flag === '--event-type') {
      const value = args[i + 1];
      if (value === undefined || value.startsWith('--')) throw usageError(`${flag} needs a value.`);
      flags.set(flag, value);
      i++;
    } else {
      throw usageError(`Unknown option "${printable(flag)}" for outbox replay.`);
    }
  }
  if (!flags.has('--since')) throw usageError('--since is required: the start of the window to replay.');
  const since = parseTime('--since', flags.get('--since')!);
  const until = flags.has('--until') ? parseTime('--until', flags.get('--until')!) : now;
  if (since.getTime() >= until.getTime()) {
    throw usageError(
      `--since (${since.toISOString()}) must be before --until (${until.toISOString()}${flags.has('--until') ? '' : ', now'}).`,
    );
  }
  const type = flags.get('--event-type');
  let eventType: string | undefined;
  if (type !== undefined) {
    const known = OUTBOX_EVENTS.all().find((e) => e.type === type || e.pattern === type);
    if (!known) {
      throw usageError(
        `--event-type "${printable(type)}" is not an event the EMR publishes: one of ${OUTBOX_EVENTS.all()
          .map((e) => e.type)
          .join(', ')}.`,
      );
    }
    eventType = known.type;
  }
  return { since, until, eventType, dryRun };
}

/** An ISO-8601 date or date-time; anything `Date` would guess at (e.g. "yesterday", "1/2/3") is refused. */
function parseTime(flag: string, value: string): Date {
  const iso = /^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:?\d{2})?)?$/;
  const time = iso.test(value) ? new Date(value) : new Date(NaN);
  // Date rolls 2026-02-31 over to March 3rd: the calendar date must exist as written.
  const [y, m, d] = value.slice(0, 10).split('-').map(Number);
  const calendar = new Date(Date.UTC(y, m - 1, d));
  if (Number.isNaN(time.getTime()) || calendar.getUTCMonth() !== m - 1 || calendar.getUTCDate() !== d) {
    throw usageError(
      `${flag} "${printable(value)}" is not an ISO-8601 time: use e.g. 2026-11-29T17:00:00Z, or 2026-11-29.`,
    );
  }
  return time;
}

/** The columns of an `outbox_events` row that make up its sealed event. */
export const SEALED_EVENT_COLUMNS = 'id, event_type, schema_version, body, attributes';

/** Those columns as `pg` returns them. */
export interface SealedOutboxRow {
  id: string;
  event_type: string;
  schema_version: number;
  body: Buffer;
  attributes: Record<string, string>;
}

interface Row extends SealedOutboxRow {
  /** created_at as PostgreSQL prints it: microseconds kept (a JS Date would drop them). */
  cursor: string;
}

/** `outbox replay`: re-publishes the window's sealed events; prints progress and a summary. */
export async function replayOutbox(
  config: MessagingConfig,
  out: Output,
  options: ReplayOptions,
  env: NodeJS.ProcessEnv = process.env,
): Promise<ReplaySummary> {
  const db = await openEmrDatabase(config, env);
  const runtime = clinicRuntime(config, 'outbox-replay');
  try {
    const window: unknown[] = [options.since, options.until, options.eventType ?? null];
    const where = 'created_at >= $1 AND created_at < $2 AND ($3::text IS NULL OR event_type = $3)';
    const [counts] = await db.query<Array<{ matched: number; pending: number; unsealed: number }>>(
      `SELECT count(*) FILTER (WHERE body IS NOT NULL)::int AS matched,
              count(*) FILTER (WHERE body IS NOT NULL AND published_at IS NULL)::int AS pending,
              count(*) FILTER (WHERE body IS NULL)::int AS unsealed
         FROM outbox_events WHERE ${where}`,
      window,
    );
    const { matched, pending, unsealed } = counts;
    out.line(
      `Outbox events created from ${options.since.toISOString()} to ${options.until.toISOString()}` +
        `${options.eventType ? ` of type ${options.eventType}` : ''}: ${matched} sealed` +
        `${pending ? ` (${pending} not yet published by the relay)` : ''}` +
        `${unsealed ? `, ${unsealed} written before ADR 0007 and not sealed yet (start the EMR once: its relay seals them)` : ''}.`,
    );
    if (options.dryRun || matched === 0) {
      out.line(
        options.dryRun
          ? `Dry run: ${matched} event(s) would be replayed; nothing was published.`
          : 'Nothing to replay.',
      );
      return { matched, replayed: 0, failed: 0, pending, unsealed };
    }
    // Send-only: replay ships the stored ciphertext; it never needs the key.
    const publisher = EncryptedPublisher.sendOnly({
      sns: runtime.clients.sns,
      topicArn: await runtime.topicArn(),
      topicName: runtime.topology.topic.name,
    });
    let replayed = 0;
    let failed = 0;
    let after: { cursor: string; id: string } | undefined;
    for (;;) {
      // Keyset pages in creation order: stable while the relay adds rows behind us.
      const rows = await db.query<Row[]>(
        `SELECT ${SEALED_EVENT_COLUMNS}, created_at::text AS cursor FROM outbox_events
          WHERE ${where} AND body IS NOT NULL
            AND ($4::timestamptz IS NULL OR (created_at, id) > ($4, $5::uuid))
          ORDER BY created_at, id LIMIT ${options.pageSize ?? PAGE_SIZE}`,
        [...window, after?.cursor ?? null, after?.id ?? null],
      );
      if (rows.length === 0) break;
      const outcomes = await publisher.sendBatch(rows.map(sealedEventOf));
      for (const outcome of outcomes) {
        if (outcome.ok) {
          replayed++;
        } else {
          failed++;
          out.line(`  failed: event ${outcome.eventId} (${outcome.error.code})`);
        }
      }
      out.line(`  replayed ${replayed} of ${matched}${failed ? ` (${failed} failed)` : ''}`);
      const last = rows[rows.length - 1];
      after = { cursor: last.cursor, id: last.id };
    }
    out.line(
      failed === 0
        ? `Replayed ${replayed} event(s). Consumers that already had them ignore them (idempotent on the event id).`
        : `Replayed ${replayed} event(s); ${failed} failed (codes above). Run the same command again: a replay is safe to repeat.`,
    );
    return { matched, replayed, failed, pending, unsealed };
  } finally {
    runtime.close();
    await db.destroy();
  }
}

/** The sealed event as the EMR's outbox holds it (ciphertext and attributes, ADR 0007). */
export function sealedEventOf(row: SealedOutboxRow): SealedEvent {
  return {
    eventId: row.id,
    eventType: row.event_type,
    schemaVersion: row.schema_version,
    body: row.body,
    attributes: row.attributes,
    bytes: sizeOf(row.body, row.attributes),
  };
}

/**
 * `outbox purge`'s retention: `--older-than-days N`, else CLINIC_OUTBOX_RETENTION_DAYS, else 30.
 * A bad value is a CONFIG error (exit 2) naming the flag or the variable.
 */
export function parsePurgeArgs(args: readonly string[], env: NodeJS.ProcessEnv = process.env): number {
  let source = 'CLINIC_OUTBOX_RETENTION_DAYS';
  let value = env.CLINIC_OUTBOX_RETENTION_DAYS || String(DEFAULT_RETENTION_DAYS);
  for (let i = 0; i < args.length; i++) {
    if (args[i] !== '--older-than-days') throw usageError(`Unknown option "${args[i]}" for outbox purge.`);
    if (args[i + 1] === undefined) throw usageError('--older-than-days needs a value.');
    source = '--older-than-days';
    value = args[++i];
  }
  if (!/^\d+$/.test(value) || Number(value) < 1 || Number(value) > 3650) {
    throw usageError(`${source} "${printable(value)}" must be a whole number of days from 1 to 3650.`);
  }
  return Number(value);
}

/**
 * `outbox purge`: deletes outbox rows published more than `days` ago (ciphertext only since
 * ADR 0007; kept for replay until then). Pending rows are never deleted, however old.
 */
export async function purgeOutbox(
  config: MessagingConfig,
  out: Output,
  days: number,
  env: NodeJS.ProcessEnv = process.env,
): Promise<number> {
  const db = await openEmrDatabase(config, env);
  try {
    // TypeORM answers a DELETE on PostgreSQL with [rows, affected count].
    const [, deleted] = await db.query<[unknown, number]>(
      `DELETE FROM outbox_events WHERE published_at IS NOT NULL AND published_at < now() - make_interval(days => $1)`,
      [days],
    );
    out.line(
      `Deleted ${deleted} outbox event(s) published more than ${days} day(s) ago; pending events are kept. ` +
        `Replay reaches back ${days} day(s).`,
    );
    return deleted;
  } finally {
    await db.destroy();
  }
}

async function openEmrDatabase(config: MessagingConfig, env: NodeJS.ProcessEnv): Promise<DataSource> {
  const db = new DataSource({ type: 'postgres', url: databaseUrlOf('emr', config, env) });
  return db.initialize().catch((error: unknown) => {
    throw new AppError(
      AppErrorCode.DatabaseUnavailable,
      `Cannot open the EMR database (${(error as Error).message}).`,
      {
        cause: error,
        fix: 'Is PostgreSQL running ("npm run clinic -- stack"), and CLINIC_EMR_DATABASE_URL right if set?',
      },
    );
  });
}

/** `outbox <subcommand>`: the exit code. */
export async function outboxCommand(
  config: MessagingConfig,
  out: Output,
  args: readonly string[],
): Promise<number> {
  const [sub, ...rest] = args;
  if (sub === 'purge') {
    await purgeOutbox(config, out, parsePurgeArgs(rest));
    return 0;
  }
  if (sub !== 'replay') {
    throw usageError(
      sub === undefined ? 'outbox needs a subcommand.' : `Unknown outbox subcommand "${sub}".`,
    );
  }
  const summary = await replayOutbox(config, out, parseReplayArgs(rest));
  return summary.failed === 0 ? 0 : 1;
}
