import type { Message } from '@aws-sdk/client-sqs';
import { z } from 'zod';
import { defineEvent } from '../events/event-definition';
import { markDuplicateDelivery, type HopObservation } from '../journey/delivery-tap';
import {
  PATTERN_EXTRAS_METADATA,
  PATTERN_METADATA,
  TRANSPORT_METADATA,
} from '@nestjs/microservices/constants';
import { of, type Observable } from 'rxjs';
import { EventBatchPattern, SqsBatchContext, type BatchFailures } from './batch-handler';
import { DeadLetterException } from './dead-letter.exception';
import type { MessageOutcome } from './delivery.policy';
import { ENCRYPTED_SQS_TRANSPORT } from './encrypted-sqs.server';
import { deliveredMessage, FakeSqs, settled, unitServerSetup } from './fake-sqs.spec-helper';
import type { SqsContext } from './sqs.context';

const Thing = defineEvent('test-thing.happened', 1, z.object({ text: z.string() }));
const Other = defineEvent('test-other.happened', 1, z.object({ n: z.number() }));

type BatchHandler = (
  payloads: unknown[],
  ctx: SqsBatchContext,
) => Promise<BatchFailures | void | Observable<BatchFailures | undefined>>;

describe('EventBatchPattern', () => {
  it("is Nest's EventPattern for the event's pattern with { batch: true }, for this transport if named", () => {
    class Handlers {
      @EventBatchPattern(Thing)
      any(): void {}
      @EventBatchPattern('test-other.happened.v1', ENCRYPTED_SQS_TRANSPORT)
      ours(): void {}
    }
    const meta = (key: string, method: () => void): unknown => Reflect.getMetadata(key, method);
    const { any, ours } = Handlers.prototype;
    expect(meta(PATTERN_METADATA, any)).toEqual([Thing.pattern]);
    expect(meta(PATTERN_EXTRAS_METADATA, any)).toEqual({ batch: true });
    expect(meta(TRANSPORT_METADATA, any)).toBeUndefined();
    expect(meta(PATTERN_METADATA, ours)).toEqual(['test-other.happened.v1']);
    expect(meta(PATTERN_EXTRAS_METADATA, ours)).toEqual({ batch: true });
    expect(meta(TRANSPORT_METADATA, ours)).toBe(ENCRYPTED_SQS_TRANSPORT);
  });
});

describe('EncryptedSqsServer batch handlers (unit, fake SQS)', () => {
  const { codec, serve } = unitServerSetup();

  const things = (n: number): Promise<Message[]> =>
    Promise.all(
      Array.from({ length: n }, (_, i) => deliveredMessage(codec, { event: Thing, data: { text: `t${i}` } })),
    );
  const eventIdOf = (m: Message) => m.MessageAttributes!['event-id'].StringValue!;

  /** A server whose Thing handler takes batches; `sqs.waiting` is filled before it listens. */
  function server(sqs: FakeSqs, handler: BatchHandler, hops: HopObservation[] = []) {
    const served = serve(sqs, { events: [Thing, Other], tap: { observe: (o) => hops.push(o) } });
    served.s.addHandler(Thing.pattern, handler as never, true, { batch: true });
    return served;
  }
  const settle = settled;

  const outcomeOf = (outcomes: MessageOutcome[], m: Message) =>
    outcomes.find((o) => o.eventId === eventIdOf(m));
  const deleted = (sqs: FakeSqs) =>
    sqs
      .named('DeleteMessageBatchCommand')
      .flatMap((c) => (c.input.Entries as Array<{ ReceiptHandle: string }>).map((e) => e.ReceiptHandle));

  it('hands a received group of ten to the handler in one call, in order, and deletes them in one batch', async () => {
    const sqs = new FakeSqs();
    const messages = await things(10);
    sqs.waiting.push(...messages);
    const calls: Array<{ texts: string[]; ids: string[]; first: unknown }> = [];
    const { s, outcomes } = server(sqs, (payloads, ctx) => {
      calls.push({
        texts: payloads.map((p) => (p as { text: string }).text),
        ids: ctx.getEventIds(),
        first: ctx.deliveries[0],
      });
      return Promise.resolve();
    });
    s.listen(() => undefined);
    await settle(outcomes, 10);
    expect(calls).toHaveLength(1);
    expect(calls[0].texts).toEqual(messages.map((_, i) => `t${i}`));
    expect(calls[0].ids).toEqual(messages.map(eventIdOf));
    expect(calls[0].first).toMatchObject({
      messageId: messages[0].MessageId,
      pattern: Thing.pattern,
      receiveCount: 1,
    });
    expect(outcomes.every((o) => o.outcome === 'acked')).toBe(true);
    expect(sqs.named('DeleteMessageBatchCommand')).toHaveLength(1);
    expect(deleted(sqs).sort()).toEqual(messages.map((m) => m.ReceiptHandle).sort());
  });

  it('retries only the events in the failures map, deletes the others', async () => {
    const sqs = new FakeSqs();
    const messages = await things(4);
    sqs.waiting.push(...messages);
    const { s, outcomes } = server(sqs, () =>
      Promise.resolve(new Map([[eventIdOf(messages[2]), new TypeError('row locked')]])),
    );
    s.listen(() => undefined);
    await settle(outcomes, 4);
    expect(outcomeOf(outcomes, messages[2])).toMatchObject({ outcome: 'retry', code: 'TypeError' });
    expect(outcomes.filter((o) => o.outcome === 'acked')).toHaveLength(3);
    const retried = sqs.named('ChangeMessageVisibilityCommand').map((c) => c.input.ReceiptHandle);
    expect(retried).toEqual([messages[2].ReceiptHandle]);
    expect(deleted(sqs)).not.toContain(messages[2].ReceiptHandle);
    expect(deleted(sqs)).toHaveLength(3);
  });

  it("takes the failures from an observable's last value (a handler behind Nest's interceptors)", async () => {
    const sqs = new FakeSqs();
    const messages = await things(2);
    sqs.waiting.push(...messages);
    const { s, outcomes } = server(sqs, () =>
      Promise.resolve(of(undefined, new Map([[eventIdOf(messages[1]), new TypeError('row locked')]]))),
    );
    s.listen(() => undefined);
    await settle(outcomes, 2);
    expect(outcomeOf(outcomes, messages[0])).toMatchObject({ outcome: 'acked' });
    expect(outcomeOf(outcomes, messages[1])).toMatchObject({ outcome: 'retry', code: 'TypeError' });
  });

  it('dead-letters only the event failed with a DeadLetterException', async () => {
    const sqs = new FakeSqs();
    const messages = await things(3);
    sqs.waiting.push(...messages);
    const { s, outcomes } = server(sqs, () =>
      Promise.resolve(new Map([[eventIdOf(messages[0]), new DeadLetterException('UNKNOWN_SKU', 'never')]])),
    );
    s.listen(() => undefined);
    await settle(outcomes, 3);
    expect(outcomeOf(outcomes, messages[0])).toMatchObject({ outcome: 'dead-lettered', code: 'UNKNOWN_SKU' });
    const copies = sqs.named('SendMessageCommand').map((c) => c.input);
    expect(copies).toHaveLength(1);
    expect(copies[0]).toMatchObject({ QueueUrl: 'dlq', MessageBody: messages[0].Body });
    expect(outcomes.filter((o) => o.outcome === 'acked')).toHaveLength(2);
  });

  it('retries every event of the batch when the handler throws', async () => {
    const sqs = new FakeSqs();
    sqs.waiting.push(...(await things(5)));
    const { s, outcomes } = server(sqs, () => Promise.reject(new RangeError('database down')));
    s.listen(() => undefined);
    await settle(outcomes, 5);
    expect(outcomes.map((o) => `${o.outcome}:${o.code}`)).toEqual(Array(5).fill('retry:RangeError'));
    expect(sqs.named('DeleteMessageBatchCommand')).toHaveLength(0);
  });

  it.each([
    ['a list', [] as unknown],
    ['an object', { failures: new Map() }],
  ])(
    'retries every event when the handler resolves to %s instead of a Map (fails closed)',
    async (_, result) => {
      const sqs = new FakeSqs();
      sqs.waiting.push(...(await things(3)));
      const { s, outcomes } = server(sqs, () => Promise.resolve(result as BatchFailures));
      s.listen(() => undefined);
      await settle(outcomes, 3);
      expect(outcomes.map((o) => `${o.outcome}:${o.code}`)).toEqual(Array(3).fill('retry:TypeError'));
      expect(sqs.named('DeleteMessageBatchCommand')).toHaveLength(0);
    },
  );

  it('dead-letters a tampered message of the group on its own and hands the rest on', async () => {
    const sqs = new FakeSqs();
    const messages = await things(5);
    const body = Buffer.from(messages[3].Body!, 'base64');
    body[body.length - 5] ^= 0xff;
    messages[3] = { ...messages[3], Body: body.toString('base64') };
    sqs.waiting.push(...messages);
    const sizes: number[] = [];
    const { s, outcomes } = server(sqs, (payloads) => {
      sizes.push(payloads.length);
      return Promise.resolve();
    });
    s.listen(() => undefined);
    await settle(outcomes, 5);
    expect(outcomeOf(outcomes, messages[3])).toMatchObject({
      outcome: 'dead-lettered',
      code: 'DECRYPT_FAILED',
    });
    expect(sizes).toEqual([4]);
    expect(outcomes.filter((o) => o.outcome === 'acked')).toHaveLength(4);
  });

  it('reports, per event, the duplicates the handler named to the tap; an unnamed mark counts for none', async () => {
    const sqs = new FakeSqs();
    const messages = await things(3);
    sqs.waiting.push(...messages);
    const hops: HopObservation[] = [];
    const { s, outcomes } = server(
      sqs,
      (_payloads, ctx) => {
        markDuplicateDelivery(ctx.getEventIds()[1]);
        markDuplicateDelivery(); // names no event: ignored in a batch
        return Promise.resolve();
      },
      hops,
    );
    s.listen(() => undefined);
    await settle(outcomes, 3);
    const last = (m: Message) => hops.filter((h) => h.eventId === eventIdOf(m)).map((h) => h.hop);
    expect(last(messages[0])).toEqual(['received', 'decrypted', 'handled']);
    expect(last(messages[1])).toEqual(['received', 'decrypted', 'duplicate']);
    expect(last(messages[2])).toEqual(['received', 'decrypted', 'handled']);
  });

  it("runs Nest's processing hooks once per batch, with the batch context", async () => {
    const sqs = new FakeSqs();
    sqs.waiting.push(...(await things(6)));
    const { s, outcomes } = server(sqs, () => Promise.resolve());
    const started: unknown[] = [];
    const ended: unknown[] = [];
    s.setOnProcessingStartHook((_id, ctx, done) => {
      started.push(ctx);
      void done();
    });
    s.setOnProcessingEndHook((_id, ctx) => ended.push(ctx));
    s.listen(() => undefined);
    await settle(outcomes, 6);
    expect(started).toHaveLength(1);
    expect(ended).toEqual(started);
    expect(started[0]).toBeInstanceOf(SqsBatchContext);
    expect((started[0] as SqsBatchContext).deliveries).toHaveLength(6);
  });

  it('drains a batch in flight on close: resolves after the handler finished and its deletes were sent', async () => {
    const sqs = new FakeSqs();
    sqs.waiting.push(...(await things(3)));
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    let called = 0;
    const { s, outcomes } = server(sqs, async () => {
      called++;
      await gate;
    });
    s.listen(() => undefined);
    const deadline = Date.now() + 5_000;
    while (called === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 2));
    expect(s.inFlightCount).toBe(3);
    const closed = s.close();
    setTimeout(release, 20);
    await closed;
    expect(outcomes.map((o) => o.outcome)).toEqual(['acked', 'acked', 'acked']);
    expect(deleted(sqs)).toHaveLength(3);
    expect(s.inFlightCount).toBe(0);
  });

  it('serves a batch handler and a per-message handler from one group', async () => {
    const sqs = new FakeSqs();
    const others = await Promise.all(
      [1, 2].map((n) => deliveredMessage(codec, { event: Other, data: { n } })),
    );
    const messages = await things(3);
    sqs.waiting.push(messages[0], others[0], messages[1], others[1], messages[2]);
    const batches: number[][] = [];
    const singles: string[] = [];
    const { s, outcomes } = server(sqs, (payloads) => {
      batches.push(payloads.map((p) => Number((p as { text: string }).text.slice(1))));
      return Promise.resolve();
    });
    s.addHandler(
      Other.pattern,
      ((_data: unknown, ctx: SqsContext) => {
        singles.push(ctx.getEventId());
        return Promise.resolve();
      }) as never,
      true,
    );
    s.listen(() => undefined);
    await settle(outcomes, 5);
    expect(batches).toEqual([[0, 1, 2]]);
    expect(singles.sort()).toEqual(others.map(eventIdOf).sort());
    expect(outcomes.every((o) => o.outcome === 'acked')).toBe(true);
  });
});
