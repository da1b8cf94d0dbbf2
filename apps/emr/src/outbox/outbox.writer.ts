import { Injectable } from '@nestjs/common';
import {
  EventSealer,
  MessagingError,
  MessagingErrorCode,
  MessagingRuntime,
  type PublishRequest,
  type SealedEvent,
} from '@app/crypto-messaging';
import { OutboxSealError } from './outbox-seal.error';

/**
 * Bound on sealing a record's event. With a cached data key sealing takes under a millisecond;
 * only a data-key miss calls KMS (the SDK retries 4 times). Past this the key is deemed
 * unavailable, nothing is written and the client is told to retry.
 */
const SEAL_TIMEOUT_MS = 10_000;

/**
 * Writes outbox rows sealed (ADR 0007): the event is validated, PHI-guarded, encrypted and
 * size-checked here, in the caller's transaction, so the row never holds the payload in
 * plaintext. If sealing fails nothing is written and the transaction rolls back.
 */
@Injectable()
export class OutboxWriter {
  private sealer?: Promise<EventSealer>;

  constructor(private readonly runtime: MessagingRuntime) {}

  /**
   * The INSERT of sealed events' rows, to run as a data-modifying `WITH` part of the statement
   * that saves what they announce (one statement, one round trip, atomic). Its parameters, one
   * array per column (the same text for any number of rows), are numbered from `$<first>`.
   * Sealing happens earlier, outside any transaction, so a data-key miss never holds a
   * connection while KMS answers. The table's trigger wakes the relay on commit (once per
   * statement).
   */
  insertion(sealed: readonly SealedEvent[], first: number): { sql: string; params: unknown[] } {
    const p = (k: number) => `$${first + k}`;
    return {
      sql: `INSERT INTO outbox_events (id, event_type, schema_version, body, attributes)
            SELECT * FROM unnest(${p(0)}::uuid[], ${p(1)}::text[], ${p(2)}::integer[], ${p(3)}::bytea[],
              ${p(4)}::jsonb[])`,
      params: [
        sealed.map((event) => event.eventId),
        sealed.map((event) => event.eventType),
        sealed.map((event) => event.schemaVersion),
        sealed.map((event) => event.body),
        sealed.map((event) => JSON.stringify(event.attributes)),
      ],
    };
  }

  /** Seals an event; failures become an {@link OutboxSealError} (503 when the key is out of reach). */
  async seal<T>(request: PublishRequest<T>): Promise<SealedEvent> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () =>
          reject(
            new MessagingError(
              MessagingErrorCode.KmsUnavailable,
              `Sealing an event took longer than ${SEAL_TIMEOUT_MS} ms.`,
            ),
          ),
        SEAL_TIMEOUT_MS,
      );
    });
    try {
      return await Promise.race([this.getSealer().then((sealer) => sealer.seal(request)), timeout]);
    } catch (error) {
      throw OutboxSealError.from(error);
    } finally {
      clearTimeout(timer);
    }
  }

  /** The sealer needs the key (the process's one cipher and data-key cache), not the broker. */
  private getSealer(): Promise<EventSealer> {
    this.sealer ??= this.runtime.cipher().then(
      (cipher) =>
        new EventSealer({
          topicName: this.runtime.topology.topic.name,
          cipher,
          allowedAttributes: this.runtime.allowedAttributes,
          tap: this.runtime.tap,
          app: this.runtime.app,
        }),
    );
    // Not cached on failure: KMS may be back for the next record.
    this.sealer.catch(() => (this.sealer = undefined));
    return this.sealer;
  }
}
