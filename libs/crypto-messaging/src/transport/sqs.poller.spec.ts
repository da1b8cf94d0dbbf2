import type { Message } from '@aws-sdk/client-sqs';
import type { Logger } from '@nestjs/common';
import { FakeSqs } from './fake-sqs.spec-helper';
import { SqsPoller, SqsStatus } from './sqs.poller';
import { VisibilityHeartbeat, type Lease } from './visibility.heartbeat';

const quiet = { log: () => undefined, warn: () => undefined, error: () => undefined } as unknown as Logger;

const messages = (n: number, from = 0): Message[] =>
  Array.from({ length: n }, (_, i) => ({ MessageId: `m${from + i}`, ReceiptHandle: `r${from + i}` }));

/** Resolves once `condition` holds; fails after `timeoutMs`. */
async function until(condition: () => boolean, timeoutMs = 5_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 2));
  }
}

describe('SqsPoller', () => {
  let poller: SqsPoller | undefined;
  afterEach(() => poller?.close());

  function start(sqs: FakeSqs, consume: (m: Message, lease: Lease) => Promise<void>, concurrency = 10) {
    const statuses: SqsStatus[] = [];
    const released: string[] = [];
    poller = new SqsPoller(
      { sqs: sqs.client, queueUrl: 'q', concurrency, waitTimeS: 20, visibilityTimeoutS: 30, logger: quiet },
      {
        consume,
        status: (s) => statuses.push(s),
        released: (m) => released.push(m.MessageId!),
      },
    );
    poller.start();
    return { poller, statuses, released };
  }

  it('says connected once the queue answers a short first poll, then long-polls', async () => {
    const sqs = new FakeSqs();
    const { statuses } = start(sqs, () => Promise.resolve());
    await until(() => sqs.named('ReceiveMessageCommand').length >= 2);
    const waits = sqs.named('ReceiveMessageCommand').map((c) => c.input.WaitTimeSeconds);
    expect(waits.slice(0, 2)).toEqual([0, 20]);
    expect(statuses[0]).toBe(SqsStatus.CONNECTED);
  });

  it('says disconnected while receives fail, keeps polling, and connected once they work again', async () => {
    const sqs = new FakeSqs();
    sqs.failReceives = 1;
    sqs.waiting.push(...messages(1));
    const consumed: string[] = [];
    const { statuses } = start(sqs, (m) => {
      consumed.push(m.MessageId!);
      return Promise.resolve();
    });
    await until(() => consumed.length === 1);
    expect(statuses.slice(0, 2)).toEqual([SqsStatus.DISCONNECTED, SqsStatus.CONNECTED]);
  });

  it('keeps at most `concurrency` messages in hand, receiving at most ten at a time', async () => {
    const sqs = new FakeSqs();
    sqs.waiting.push(...messages(30));
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const { poller } = start(sqs, () => gate, 12);
    await until(() => poller.inFlightCount === 12);
    await new Promise((r) => setTimeout(r, 30));
    expect(poller.inFlightCount).toBe(12);
    expect(sqs.waiting).toHaveLength(18);
    const asked = sqs.named('ReceiveMessageCommand').map((c) => c.input.MaxNumberOfMessages as number);
    expect(Math.max(...asked)).toBeLessThanOrEqual(10);
    release();
    await until(() => sqs.waiting.length === 0);
  });

  it('hands a listener that takes batches each received group whole, counting slots per message', async () => {
    const sqs = new FakeSqs();
    sqs.waiting.push(...messages(25));
    const groups: string[][] = [];
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const consume = jest.fn(() => Promise.resolve());
    poller = new SqsPoller(
      {
        sqs: sqs.client,
        queueUrl: 'q',
        concurrency: 15,
        waitTimeS: 20,
        visibilityTimeoutS: 30,
        logger: quiet,
      },
      {
        consume,
        consumeBatch: (group, leases) => {
          expect(leases).toHaveLength(group.length);
          groups.push(group.map((m) => m.MessageId!));
          return gate;
        },
      },
    );
    poller.start();
    await until(() => poller!.inFlightCount === 15);
    await new Promise((r) => setTimeout(r, 30));
    expect(groups.map((g) => g.length).sort()).toEqual([10, 5]);
    expect(sqs.waiting).toHaveLength(10);
    release();
    await until(() => sqs.waiting.length === 0 && poller!.inFlightCount === 0);
    expect(groups.flat()).toHaveLength(25);
    expect(consume).not.toHaveBeenCalled();
  });

  it('keeps one long poll under way per 10 slots by default, and `receivers` of them when set', async () => {
    const pollsAtOnce = async (receivers?: number) => {
      const sqs = new FakeSqs();
      sqs.waiting.push(...messages(60));
      poller = new SqsPoller(
        { sqs: sqs.client, queueUrl: 'q', concurrency: 20, receivers, waitTimeS: 20, logger: quiet },
        { consume: () => Promise.resolve(), consumeBatch: () => Promise.resolve() },
      );
      poller.start();
      await until(() => sqs.waiting.length === 0 && sqs.named('ReceiveMessageCommand').length > 12);
      await poller.close();
      return sqs.mostReceivesAtOnce;
    };
    expect(await pollsAtOnce()).toBe(2);
    expect(await pollsAtOnce(1)).toBe(1);
  });

  it('names `receivers` when it is not an integer from 1 to concurrency', () => {
    for (const receivers of [0, 1.5, 11]) {
      expect(
        () =>
          new SqsPoller(
            { sqs: new FakeSqs().client, queueUrl: 'q', concurrency: 10, receivers },
            { consume: () => Promise.resolve() },
          ),
      ).toThrow(`receivers must be an integer from 1 to concurrency (10), got ${receivers}`);
    }
  });

  it("names `waitTimeS` when it is not a whole number of seconds from 0 to 20 (SQS's range)", () => {
    for (const waitTimeS of [-1, 2.5, 21, Number.NaN]) {
      expect(
        () =>
          new SqsPoller(
            { sqs: new FakeSqs().client, queueUrl: 'q', waitTimeS },
            { consume: () => Promise.resolve() },
          ),
      ).toThrow(`waitTimeS must be a whole number of seconds from 0 to 20, got ${waitTimeS}`);
    }
    for (const waitTimeS of [0, 20]) {
      expect(
        () =>
          new SqsPoller(
            { sqs: new FakeSqs().client, queueUrl: 'q', waitTimeS },
            { consume: () => Promise.resolve() },
          ),
      ).not.toThrow();
    }
  });

  describe('batchWindowMs', () => {
    /** A poller with a batch listener and a batching window; the groups it handed over. */
    function startWindowed(sqs: FakeSqs, batchWindowMs: number, concurrency = 10) {
      const groups: string[][] = [];
      poller = new SqsPoller(
        { sqs: sqs.client, queueUrl: 'q', concurrency, batchWindowMs, waitTimeS: 20, logger: quiet },
        {
          consume: () => Promise.resolve(),
          consumeBatch: (batch) => {
            groups.push(batch.map((m) => m.MessageId!));
            return Promise.resolve();
          },
        },
      );
      poller.start();
      return groups;
    }
    const receives = (sqs: FakeSqs) => sqs.named('ReceiveMessageCommand');

    it('waits the window after a receive of at least five messages (half of ten) but fewer than it asked for', async () => {
      const sqs = new FakeSqs();
      sqs.waiting.push(...messages(5));
      const groups = startWindowed(sqs, 600);
      await until(() => groups.length === 1);
      sqs.waiting.push(...messages(4, 5));
      await new Promise((r) => setTimeout(r, 100));
      // Inside the window: no receive yet, so the four wait for the next one, together.
      expect(receives(sqs)).toHaveLength(1);
      await until(() => groups.length === 2);
      expect(groups).toEqual([
        ['m0', 'm1', 'm2', 'm3', 'm4'],
        ['m5', 'm6', 'm7', 'm8'],
      ]);
      const [first, second] = receives(sqs);
      expect(second.at - first.at).toBeGreaterThanOrEqual(590);
    });

    it('opens no window when few slots are free: two of the three asked for is no sign of load', async () => {
      const sqs = new FakeSqs();
      sqs.waiting.push(...messages(2));
      const groups = startWindowed(sqs, 5_000, 3);
      await until(() => groups.length === 1);
      sqs.waiting.push(...messages(2, 2));
      await until(() => groups.length === 2, 1_000);
      expect(groups.map((g) => g.length)).toEqual([2, 2]);
    });

    it('receives again at once after a receive of fewer than five, or a full one: no delay when quiet or saturated', async () => {
      const sqs = new FakeSqs();
      sqs.waiting.push(...messages(1));
      const groups = startWindowed(sqs, 5_000);
      await until(() => groups.length === 1);
      sqs.waiting.push(...messages(4, 1));
      await until(() => groups.length === 2, 1_000);
      sqs.waiting.push(...messages(13, 5));
      // Well inside the window: one and four of ten opened none, and a full ten opens none either.
      await until(() => groups.length === 4, 1_000);
      expect(groups.map((g) => g.length)).toEqual([1, 4, 10, 3]);
    });

    it('ends a window under way when the poller closes', async () => {
      const sqs = new FakeSqs();
      sqs.waiting.push(...messages(5));
      const groups = startWindowed(sqs, 10_000);
      await until(() => groups.length === 1);
      const closing = Date.now();
      await poller!.close();
      expect(Date.now() - closing).toBeLessThan(1_000);
      expect(receives(sqs)).toHaveLength(1);
    });

    it('names `batchWindowMs` when it is not a number of milliseconds from 0 to 10,000', () => {
      for (const batchWindowMs of [-1, Number.NaN, 10_001, Number.POSITIVE_INFINITY]) {
        expect(
          () =>
            new SqsPoller(
              { sqs: new FakeSqs().client, queueUrl: 'q', batchWindowMs },
              { consume: () => Promise.resolve() },
            ),
        ).toThrow(`batchWindowMs must be a number of milliseconds from 0 to 10000, got ${batchWindowMs}`);
      }
    });
  });

  it("frees a message's slot when its lease ends (handler done), before its ack has settled", async () => {
    const sqs = new FakeSqs();
    sqs.waiting.push(...messages(4));
    let release!: () => void;
    const acks = new Promise<void>((r) => (release = r));
    const { poller } = start(
      sqs,
      async (_m, lease) => {
        await lease.end(); // the handler is done; its ack's round trip is still under way
        await acks;
      },
      2,
    );
    await until(() => sqs.waiting.length === 0);
    expect(poller.inFlightCount).toBe(4);
    release();
    await until(() => poller.inFlightCount === 0);
  });

  it('puts back, unhandled, what a poll under way returns after pause, and says paused', async () => {
    const sqs = new FakeSqs();
    sqs.waiting.push(...messages(2));
    const consume = jest.fn(() => Promise.resolve());
    const { poller, statuses, released } = start(sqs, consume);
    poller.pause(); // the first receive is already on its way
    await until(() => released.length === 2);
    expect(consume).not.toHaveBeenCalled();
    expect(poller.isPaused).toBe(true);
    expect(statuses).toEqual([SqsStatus.PAUSED]);
    const putBack = sqs.named('ChangeMessageVisibilityCommand').map((c) => c.input.VisibilityTimeout);
    expect(putBack).toEqual([0, 0]);
    sqs.waiting.push(...messages(1, 2));
    poller.resume();
    await until(() => consume.mock.calls.length === 1);
    expect(statuses.at(-1)).toBe(SqsStatus.CONNECTED);
  });

  it('closes at once while receives fail: the backoff wait ends with close()', async () => {
    const sqs = new FakeSqs();
    sqs.failReceives = 100;
    const { statuses } = start(sqs, () => Promise.resolve());
    await until(() => statuses.includes(SqsStatus.DISCONNECTED));
    const closing = Date.now();
    await poller!.close();
    // The first backoff is 1 s: a close that waited it out would take that long.
    expect(Date.now() - closing).toBeLessThan(500);
  });

  it('drains on close: resolves only after the handlers in hand finished', async () => {
    const sqs = new FakeSqs();
    sqs.waiting.push(...messages(3));
    let finished = 0;
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const { poller } = start(sqs, async () => {
      await gate;
      finished++;
    });
    await until(() => poller.inFlightCount === 3);
    const closed = poller.close();
    setTimeout(release, 20);
    await closed;
    expect(finished).toBe(3);
    expect(poller.inFlightCount).toBe(0);
  });
});

describe('VisibilityHeartbeat', () => {
  beforeEach(() => jest.useFakeTimers());
  afterEach(() => jest.useRealTimers());

  it('extends every held message with one timer, in batches of ten, and stops when none is held', async () => {
    const sqs = new FakeSqs();
    const heartbeat = new VisibilityHeartbeat(sqs.client, 'q', 3, quiet);
    const leases = messages(12).map((m) => heartbeat.hold(m));
    expect(jest.getTimerCount()).toBe(1);
    await jest.advanceTimersByTimeAsync(1_000); // a tick is a third of the visibility timeout
    const batches = sqs.named('ChangeMessageVisibilityBatchCommand').map((c) => c.input);
    expect(batches.map((b) => (b.Entries as unknown[]).length)).toEqual([10, 2]);
    expect(batches[0].Entries).toContainEqual({ Id: '0', ReceiptHandle: 'r0', VisibilityTimeout: 3 });
    await Promise.all(leases.slice(1).map((l) => l.end()));
    await jest.advanceTimersByTimeAsync(1_000);
    const last = sqs.named('ChangeMessageVisibilityBatchCommand').at(-1)!.input;
    expect(last.Entries).toEqual([{ Id: '0', ReceiptHandle: 'r0', VisibilityTimeout: 3 }]);
    await leases[0].end();
    expect(jest.getTimerCount()).toBe(0);
  });

  it('leaves a message received just before a tick for the next one, still well inside its timeout', async () => {
    const sqs = new FakeSqs();
    const heartbeat = new VisibilityHeartbeat(sqs.client, 'q', 3, quiet);
    heartbeat.hold(messages(1)[0]);
    await jest.advanceTimersByTimeAsync(900);
    heartbeat.hold(messages(1, 1)[0]);
    await jest.advanceTimersByTimeAsync(100); // tick at 1.0 s: m1 held for 0.1 s only
    expect(sqs.named('ChangeMessageVisibilityBatchCommand')[0].input.Entries).toEqual([
      { Id: '0', ReceiptHandle: 'r0', VisibilityTimeout: 3 },
    ]);
    await jest.advanceTimersByTimeAsync(1_000); // tick at 2.0 s: m1 held 1.1 s of its 3 s
    const second = sqs.named('ChangeMessageVisibilityBatchCommand')[1].input.Entries as Array<{
      ReceiptHandle: string;
    }>;
    expect(second.map((e) => e.ReceiptHandle).sort()).toEqual(['r0', 'r1']);
  });
});
