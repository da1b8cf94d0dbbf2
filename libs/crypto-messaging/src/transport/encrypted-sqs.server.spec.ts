import { AsyncLocalStorage } from 'node:async_hooks';
import type { Message } from '@aws-sdk/client-sqs';
import { z } from 'zod';
import { defineEvent } from '../events/event-definition';
import { ENCRYPTED_SQS_TRANSPORT, SqsStatus } from './encrypted-sqs.server';
import { deliveredMessage, FakeSqs, settled, unitServerSetup } from './fake-sqs.spec-helper';
import type { SqsContext } from './sqs.context';

const Thing = defineEvent('test-thing.happened', 1, z.object({ text: z.string() }));

describe('EncryptedSqsServer (unit, fake SQS)', () => {
  const { codec, serve } = unitServerSetup();

  const message = (text = 'hello'): Promise<Message> =>
    deliveredMessage(codec, { event: Thing, data: { text } });

  function server(sqs: FakeSqs, handler: (data: unknown, ctx: SqsContext) => Promise<unknown>) {
    const { s, outcomes } = serve(sqs, { events: [Thing] });
    s.addHandler(Thing.pattern, handler as never, true);
    const statuses: string[] = [];
    s.status.subscribe((status) => statuses.push(status));
    return { s, outcomes, statuses };
  }

  const settle = settled;

  it("runs the handler inside Nest's processing hooks, with the SQS context", async () => {
    const sqs = new FakeSqs();
    sqs.waiting.push(await message());
    const trace = new AsyncLocalStorage<string>();
    const seen: Array<string | undefined> = [];
    const { s, outcomes } = server(sqs, (data, ctx) => {
      seen.push(trace.getStore(), (data as { text: string }).text, ctx.getMessageId());
      return Promise.resolve();
    });
    const started: unknown[] = [];
    const ended: Array<[unknown, SqsContext]> = [];
    s.setOnProcessingStartHook((id, _ctx, done) => {
      started.push(id);
      // A hook need not return `done`'s promise: the transport waits for the handler itself.
      void trace.run('span-1', done);
    });
    s.setOnProcessingEndHook((id, ctx) => ended.push([id, ctx as SqsContext]));
    s.listen(() => undefined);
    await settle(outcomes);
    expect(outcomes[0]).toMatchObject({ outcome: 'acked', pattern: Thing.pattern });
    expect(seen).toEqual(['span-1', 'hello', outcomes[0].messageId]);
    expect(started).toEqual([ENCRYPTED_SQS_TRANSPORT]);
    expect(ended).toHaveLength(1);
    expect(ended[0][0]).toBe(ENCRYPTED_SQS_TRANSPORT);
    expect(ended[0][1].getEventId()).toBe(outcomes[0].eventId);
  });

  it('retries, without running the handler, when the start hook fails', async () => {
    const sqs = new FakeSqs();
    sqs.waiting.push(await message());
    const handler = jest.fn(() => Promise.resolve());
    const { s, outcomes } = server(sqs, handler);
    s.setOnProcessingStartHook(() => {
      throw new RangeError('tracer broken');
    });
    s.listen(() => undefined);
    await settle(outcomes);
    expect(outcomes[0]).toMatchObject({ outcome: 'retry', code: 'RangeError' });
    expect(handler).not.toHaveBeenCalled();
  });

  it('retries, and frees the slot, when the start hook returns without running the handler', async () => {
    const sqs = new FakeSqs();
    sqs.waiting.push(await message());
    const handler = jest.fn(() => Promise.resolve());
    const { s, outcomes } = server(sqs, handler);
    // Nest types the hook as returning void; tracers' hooks return promises, which the transport awaits.
    // eslint-disable-next-line @typescript-eslint/no-misused-promises
    s.setOnProcessingStartHook(() => Promise.resolve('forgot to call done'));
    s.listen(() => undefined);
    await settle(outcomes);
    expect(outcomes[0]).toMatchObject({ outcome: 'retry', code: 'Error' });
    expect(handler).not.toHaveBeenCalled();
  });

  it('lets the handler decide once the hook has run it, whatever the hooks throw afterwards', async () => {
    const sqs = new FakeSqs();
    sqs.waiting.push(await message());
    let finished = false;
    const { s, outcomes } = server(sqs, async () => {
      await new Promise((r) => setTimeout(r, 50));
      finished = true;
    });
    // Nest types the hook as returning void; tracers' hooks return promises, which the transport awaits.
    // eslint-disable-next-line @typescript-eslint/no-misused-promises
    s.setOnProcessingStartHook(async (_id, _ctx, done) => {
      void done();
      await Promise.resolve();
      throw new RangeError('tracer broke after starting the span');
    });
    s.setOnProcessingEndHook(() => {
      throw new RangeError('tracer broke on the way out');
    });
    s.listen(() => undefined);
    await settle(outcomes);
    // Settled only when the handler finished, and acked: the hooks' failures are not the message's.
    expect(finished).toBe(true);
    expect(outcomes[0]).toMatchObject({ outcome: 'acked' });
  });

  it('retries a failed handler, and still calls the end hook', async () => {
    const sqs = new FakeSqs();
    sqs.waiting.push(await message());
    const ended = jest.fn();
    const { s, outcomes } = server(sqs, () => Promise.reject(new TypeError('db down')));
    s.setOnProcessingEndHook(ended);
    s.listen(() => undefined);
    await settle(outcomes);
    expect(outcomes[0]).toMatchObject({ outcome: 'retry', code: 'TypeError' });
    expect(ended).toHaveBeenCalledTimes(1);
  });

  it('reports its status: disconnected while the queue cannot be reached, connected, then closed', async () => {
    const sqs = new FakeSqs();
    sqs.failReceives = 1;
    sqs.waiting.push(await message());
    const { s, outcomes, statuses } = server(sqs, () => Promise.resolve());
    s.listen(() => undefined);
    await settle(outcomes);
    s.pause();
    expect(s.state).toBe('paused');
    await s.close();
    expect(statuses).toEqual([
      SqsStatus.DISCONNECTED,
      SqsStatus.CONNECTED,
      SqsStatus.PAUSED,
      SqsStatus.CLOSED,
    ]);
  });

  it("looks each message's handler up without Nest's per-message JSON.parse of the pattern", async () => {
    const sqs = new FakeSqs();
    sqs.waiting.push(await message(), await message());
    const { s, outcomes } = server(sqs, () => Promise.resolve());
    const lookup = jest.spyOn(s, 'getHandlerByPattern');
    s.listen(() => undefined);
    await settle(outcomes, 2);
    expect(outcomes.map((o) => o.outcome)).toEqual(['acked', 'acked']);
    expect(lookup).not.toHaveBeenCalled();
  });

  it('dead-letters an event it has no handler for', async () => {
    const sqs = new FakeSqs();
    sqs.waiting.push(await message());
    const { s, outcomes } = server(sqs, () => Promise.resolve());
    s.getHandlers().clear();
    s.listen(() => undefined);
    await settle(outcomes);
    expect(outcomes[0]).toMatchObject({ outcome: 'dead-lettered', code: 'INVALID_EVENT' });
    expect(sqs.named('SendMessageCommand')[0].input).toMatchObject({ QueueUrl: 'dlq' });
  });
});
