import { Injectable, Logger } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource } from 'typeorm';
import { ATTRIBUTE, EventRegistry, MessagingError } from '@app/crypto-messaging';
import { OutboxSealError } from './outbox-seal.error';
import { OutboxWriter } from './outbox.writer';

/** Legacy rows sealed per transaction. */
const BATCH_SIZE = 100;

interface LegacyRow {
  id: string;
  event_type: string;
  schema_version: number;
  payload: unknown;
  attributes: Record<string, string>;
  created_at: Date;
}

/**
 * Seals outbox rows written before ADR 0007 (plaintext `payload`, no `body`), pending and
 * published alike, and clears their plaintext. The relay runs it at start and whenever a commit
 * notifies that it wrote an unsealed row (the outbox trigger), so a pending legacy event is still
 * published, sealed, and so are rows an old EMR instance writes during a rolling deploy.
 */
@Injectable()
export class LegacyOutboxSealer {
  private readonly logger = new Logger('Outbox');
  /** Rows whose event no longer validates: left for an operator, not retried every pass. */
  private readonly refused = new Set<string>();

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly writer: OutboxWriter,
  ) {}

  /**
   * Seals every legacy row; returns how many. A row whose event no longer validates keeps its
   * code in `last_error` and is left for an operator (it could never have been published).
   * A key failure throws: the relay tries again on its next pass.
   */
  async sealAll(events: EventRegistry): Promise<number> {
    let sealed = 0;
    const refused = this.refused;
    // The common case, once the upgrade is done: one lookup on an empty partial index.
    const any = await this.dataSource.query<unknown[]>(
      'SELECT 1 FROM outbox_events WHERE payload IS NOT NULL AND NOT (id = ANY($1)) LIMIT 1',
      [[...refused]],
    );
    if (any.length === 0) return 0;
    for (;;) {
      const done = await this.dataSource.transaction(async (manager) => {
        const rows = await manager.query<LegacyRow[]>(
          `SELECT id, event_type, schema_version, payload, attributes, created_at FROM outbox_events
            WHERE payload IS NOT NULL AND NOT (id = ANY($1)) ORDER BY created_at LIMIT ${BATCH_SIZE}
            FOR UPDATE SKIP LOCKED`,
          [[...refused]],
        );
        for (const row of rows) {
          const event = events.find(row.event_type, row.schema_version);
          try {
            if (!event) throw new LegacyRowError('UNKNOWN_EVENT_TYPE');
            const routing = Object.fromEntries(
              Object.entries(row.attributes).filter(([name]) => !IDENTITY.has(name)),
            );
            const result = await this.writer.seal({
              event,
              data: row.payload,
              id: row.id,
              occurredAt: row.created_at,
              attributes: routing,
            });
            await manager.query(
              'UPDATE outbox_events SET body = $2, attributes = $3, payload = NULL WHERE id = $1',
              [row.id, result.body, JSON.stringify(result.attributes)],
            );
            sealed++;
          } catch (error) {
            const code = codeOf(error);
            if (code.startsWith('KMS_')) throw error;
            refused.add(row.id);
            await manager.query('UPDATE outbox_events SET last_error = $2 WHERE id = $1', [row.id, code]);
            this.logger.error({ msg: 'legacy outbox row cannot be sealed', eventId: row.id, code });
          }
        }
        return rows.length < BATCH_SIZE;
      });
      if (done) break;
    }
    if (sealed > 0) this.logger.log({ msg: 'sealed legacy outbox rows', events: sealed });
    return sealed;
  }
}

/** Attributes the sealer adds itself. */
const IDENTITY = new Set<string>([ATTRIBUTE.eventType, ATTRIBUTE.schemaVersion, ATTRIBUTE.eventId]);

class LegacyRowError extends Error {
  constructor(readonly code: string) {
    super(code);
  }
}

/** A failure's code; never its message (it could quote the payload). */
function codeOf(error: unknown): string {
  if (error instanceof OutboxSealError || error instanceof LegacyRowError) return error.code;
  return error instanceof MessagingError ? error.code : error instanceof Error ? error.name : 'UNKNOWN';
}
