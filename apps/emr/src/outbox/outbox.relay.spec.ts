import { Logger } from '@nestjs/common';
import type { DataSource } from 'typeorm';
import type { LegacyOutboxSealer } from './legacy-outbox.sealer';
import type { BatchOutcome, OutboxBatchPublisher } from './outbox-batch.publisher';
import { outboxErrorCode } from './outbox-batch.publisher';
import { OutboxRelay } from './outbox.relay';

/** An error as PostgreSQL sends it (pg's DatabaseError): a severity and an SQLSTATE. */
const serverError = (code: string) =>
  Object.assign(new Error('refused'), { name: 'error', code, severity: 'ERROR' });

describe('outboxErrorCode', () => {
  it('names a server error by its SQLSTATE, also inside a QueryFailedError, and nothing else so', () => {
    expect(outboxErrorCode(serverError('42501'))).toBe('DB_42501');
    expect(
      outboxErrorCode(
        Object.assign(new Error('x'), { name: 'QueryFailedError', driverError: serverError('42P01') }),
      ),
    ).toBe('DB_42P01');
    // A socket error has a code, but no severity: the client's, not the server's.
    expect(outboxErrorCode(Object.assign(new Error('x'), { code: 'ECONNREFUSED' }))).toBe('Error');
    expect(outboxErrorCode('thrown string')).toBe('UNKNOWN');
  });
});

describe("the relay's status, for /health", () => {
  beforeAll(() => jest.spyOn(Logger.prototype, 'error').mockImplementation(() => undefined));
  afterAll(() => jest.restoreAllMocks());

  /** A relay whose passes each take the next outcome (an error is thrown). */
  function relayWith(outcomes: Array<BatchOutcome | Error>) {
    const batches = {
      publishDue: () => {
        const next = outcomes.shift() ?? { claimed: 0, published: 0 };
        return next instanceof Error ? Promise.reject(next) : Promise.resolve(next);
      },
    } as unknown as OutboxBatchPublisher;
    const legacy = { sealAll: () => Promise.resolve() } as unknown as LegacyOutboxSealer;
    const relay = new OutboxRelay({} as DataSource, batches, legacy);
    const pass = async () => {
      relay.nudge();
      await (relay as unknown as { running?: Promise<void> }).running;
    };
    return { relay, pass };
  }

  it('reads a failed pass as messaging down until a pass completes, even one with nothing to publish', async () => {
    const { relay, pass } = relayWith([serverError('42501')]);
    await pass();
    expect(relay.status).toMatchObject({ ok: false, code: 'DB_42501', pass: true });
    await pass();
    expect(relay.status).toMatchObject({ ok: true });
  });

  it('leaves it as it was when the database is not answering (its own part of /health)', async () => {
    const { relay, pass } = relayWith([new Error('timeout exceeded when trying to connect')]);
    await pass();
    expect(relay.status).toBeUndefined();
  });

  it('keeps a failed publish until a publish succeeds', async () => {
    const { relay, pass } = relayWith([
      { claimed: 3, published: 0, failure: 'BROKER_UNAVAILABLE', retryInMs: 60_000 },
    ]);
    await pass();
    await pass();
    expect(relay.status).toMatchObject({ ok: false, code: 'BROKER_UNAVAILABLE' });
    await relay.onApplicationShutdown().catch(() => undefined);
  });
});
