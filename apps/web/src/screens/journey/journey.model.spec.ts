import type { HopObservation } from '@app/crypto-messaging';
import type { ConsumerJourney } from '@app/platform';
import { render } from 'preact-render-to-string';
import { journeyModel, outcomesOf, type EmrJourney } from './journey.model';
import { headWords, JourneyLive } from './journey.view';

const EVENT = '11111111-1111-4111-8111-111111111111';
const names = {
  profile: 'embedded' as const,
  topic: 'clinic-patient-records',
  deadLetterQueueOf: (c: string) => `clinic-${c}-dlq`,
};
const at = (s: number) => new Date(Date.UTC(2026, 10, 29, 12, 0, s)).toISOString();
const hop = (h: HopObservation['hop'], s: number, extra: Partial<HopObservation> = {}): HopObservation => ({
  eventId: EVENT,
  hop: h,
  at: at(s),
  app: 'billing',
  ...extra,
});
const head = { length: 1213, headHex: '02047800112233445566778899aabbcc' };

const emr = (observations: HopObservation[], billable = true): EmrJourney => ({
  recordId: '22222222-2222-4222-8222-222222222222',
  eventId: EVENT,
  outbox: {
    createdAt: at(0),
    publishedAt: at(1),
    attempts: 0,
    lastError: null,
    messageId: 'sns-1',
    ciphertext: head,
    attributes: { 'event-type': 'patient-record.created', billable: String(billable) },
  },
  subscriptions: ['billing', 'scheduling', 'prescription'].map((consumer) => ({
    consumer,
    queue: `clinic-${consumer}`,
    filterPolicy: consumer === 'billing' ? { billable: ['true'] } : {},
    admitted: consumer !== 'billing' || billable,
    why: consumer === 'billing' && !billable ? 'billable is "false"' : 'every condition matched',
  })),
  observations: [
    { eventId: EVENT, hop: 'sealed', at: at(0), app: 'emr', keyOp: 'data-key-generated', ciphertext: head },
    ...observations,
  ],
});

const consumer = (
  app: string,
  observations: HopObservation[],
  done?: number,
  transport: 'running' | 'paused' = 'running',
): ConsumerJourney => ({
  app,
  queue: `clinic-${app}`,
  observations,
  effect: done === undefined ? null : { processedAt: at(done), kind: 'x', ids: ['1'], parts: [] },
  transport,
});

const handledAt = (s: number) => [
  hop('received', s, { ciphertext: head }),
  hop('decrypted', s, { keyOp: 'data-key-decrypted' }),
  hop('handled', s + 1),
];

describe('the journey model', () => {
  it('times "record saved" to the last admitted consumer done, and is no longer in flight', () => {
    const model = journeyModel(
      emr([{ eventId: EVENT, hop: 'published', at: at(1), app: 'emr', messageId: 'sns-1' }]),
      {
        billing: consumer('billing', handledAt(2), 2),
        scheduling: consumer('scheduling', handledAt(3), 3),
        prescription: consumer('prescription', handledAt(5), 5),
      },
      names,
    );
    expect(model.allDone).toBe(true);
    expect(model.elapsedMs).toBe(6000);
    expect(model.inFlight).toBe(false);
    expect(model.summary).toBe('All 3 admitted consumers done in 6.00 s.');
  });

  it('counts the event published once a consumer has its effect, before the outbox row says so', () => {
    // The poll can read the EMR between the relay's publish and its commit: row not yet marked.
    const before = emr([]);
    const unmarked: EmrJourney = { ...before, outbox: { ...before.outbox!, publishedAt: null } };
    const model = journeyModel(
      unmarked,
      {
        billing: consumer('billing', handledAt(2), 2),
        scheduling: consumer('scheduling', handledAt(3), 3),
        prescription: consumer('prescription', handledAt(5), 5),
      },
      names,
    );
    expect(model.published).toBe(true);
    expect(model.allDone).toBe(true);
    expect(model.summary).toBe('All 3 admitted consumers done in 6.00 s.');
    // With nothing anywhere yet, it is still waiting for the relay.
    expect(journeyModel(unmarked, {}, names).summary).toBe(
      'Saved in the outbox; waiting for the relay to publish it.',
    );
  });

  it('matches the lab copies to what each consumer made of them, in order', () => {
    const published = [
      { eventId: EVENT, hop: 'published' as const, at: at(1), app: 'emr', messageId: 'sns-1' },
      {
        eventId: EVENT,
        hop: 'published' as const,
        at: at(10),
        app: 'emr',
        messageId: 'sns-2',
        lab: 'tamper',
      },
      {
        eventId: EVENT,
        hop: 'published' as const,
        at: at(20),
        app: 'emr',
        messageId: 'sns-3',
        lab: 'replay',
      },
    ];
    const billing = [
      ...handledAt(2),
      hop('received', 11),
      hop('dead-lettered', 11, { reason: 'DECRYPT_FAILED' }),
      hop('received', 21),
      hop('failed', 21, { reason: 'DB_DOWN' }),
      hop('received', 25, { receiveCount: 2 }),
      hop('decrypted', 25),
      hop('duplicate', 25),
    ];
    const model = journeyModel(emr(published), { billing: consumer('billing', billing, 2) }, names);
    expect(model.copies.map((c) => c.kind)).toEqual(['original', 'tamper', 'replay']);
    const lane = model.lanes.find((l) => l.consumer === 'billing')!;
    expect(lane.outcomes).toEqual([
      expect.objectContaining({ copy: 1, state: 'handled', receives: 1 }),
      expect.objectContaining({ copy: 2, state: 'dead-lettered', reason: 'DECRYPT_FAILED' }),
      expect.objectContaining({ copy: 3, state: 'duplicate', receives: 2 }),
    ]);
    // The other consumers did not answer: they are not done, so the journey is not either.
    expect(model.allDone).toBe(false);
    expect(render(JourneyLive({ model, lab: false }))).toContain('clinic-billing-dlq');
  });

  it('says a copy waits in the queue of a stopped consumer, and does not poll fast for it', () => {
    const outcomes = outcomesOf([hop('received', 2), hop('released', 2)], 1, true, 'paused');
    expect(outcomes).toEqual([{ copy: 1, state: 'waiting', receives: 0 }]);
    const model = journeyModel(
      emr([{ eventId: EVENT, hop: 'published', at: at(1), app: 'emr', messageId: 'sns-1' }]),
      {
        billing: consumer('billing', [], undefined, 'paused'),
        scheduling: consumer('scheduling', handledAt(3), 3),
        prescription: consumer('prescription', handledAt(3), 3),
      },
      names,
    );
    expect(model.lanes[0].state).toBe('waiting');
    expect(model.inFlight).toBe(false);
    expect(model.summary).toBe('2 of 3 admitted consumers done; waiting for Billing (stopped).');
  });

  it('leaves a filtered-out consumer out of "done" and says why', () => {
    const model = journeyModel(
      emr([{ eventId: EVENT, hop: 'published', at: at(1), app: 'emr', messageId: 'sns-1' }], false),
      {
        billing: consumer('billing', []),
        scheduling: consumer('scheduling', handledAt(3), 3),
        prescription: consumer('prescription', handledAt(4), 4),
      },
      names,
    );
    expect(model.lanes[0]).toMatchObject({ admitted: false, state: 'skipped', why: 'billable is "false"' });
    expect(model.lanes[0].outcomes).toEqual([{ copy: 1, state: 'filtered-out', receives: 0 }]);
    expect(model.allDone).toBe(true);
    expect(model.elapsedMs).toBe(5000);
  });

  it('is in flight until the relay publishes', () => {
    const unpublished = emr([]);
    const model = journeyModel(
      { ...unpublished, outbox: { ...unpublished.outbox!, publishedAt: null } },
      {},
      names,
    );
    expect(model).toMatchObject({ published: false, inFlight: true, allDone: false, copies: [] });
  });

  it('reads the Encryption SDK header from the first bytes, and names a plaintext body', () => {
    expect(headWords('02047800')).toBe(
      'Encryption SDK message, format version 2, algorithm AES-256-GCM, HKDF-SHA512, key commitment.',
    );
    expect(headWords('7b226964223a')).toBe('Plaintext JSON ("{"): not an Encryption SDK message.');
  });
});
