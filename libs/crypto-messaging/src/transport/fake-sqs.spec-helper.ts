import { randomBytes } from 'node:crypto';
import type { Message, SQSClient } from '@aws-sdk/client-sqs';
import { Logger } from '@nestjs/common';
import { EventCodec, wireOf } from '../codec/event.codec';
import type { PublishRequest } from '../core/publish-request';
import { EnvelopeCipher } from '../crypto/envelope.cipher';
import { localKeyProvider } from '../keys/key-provider';
import { KeyUseMonitor } from '../keys/key-use.monitor';
import type { MessageOutcome } from './delivery.policy';
import { EncryptedSqsServer, type EncryptedSqsServerOptions } from './encrypted-sqs.server';

interface UnitServerSetup {
  readonly cipher: EnvelopeCipher;
  readonly codec: EventCodec;
  /** A server on `sqs` (queue `q`, dead-letter queue `dlq`, topic `t`), its outcomes recorded. */
  serve(
    sqs: FakeSqs,
    options: Pick<EncryptedSqsServerOptions, 'events'> & Partial<EncryptedSqsServerOptions>,
  ): { s: EncryptedSqsServer; outcomes: MessageOutcome[] };
}

/**
 * What a unit spec of the server needs, registered in the calling `describe`: a cipher under a
 * fresh local key, a codec to seal messages with, quiet logs, and `servers` closed after each test.
 */
export function unitServerSetup(): UnitServerSetup {
  const monitor = new KeyUseMonitor('test');
  const cipher = new EnvelopeCipher({ keys: localKeyProvider(randomBytes(32), 'k', monitor), monitor });
  const codec = new EventCodec({ topicName: 't', cipher });
  const servers: EncryptedSqsServer[] = [];
  beforeAll(() => {
    Logger.overrideLogger(false);
  });
  afterAll(() => {
    Logger.overrideLogger(['log', 'error', 'warn']);
  });
  afterEach(async () => {
    for (const s of servers.splice(0)) await s.close();
  });
  const serve: UnitServerSetup['serve'] = (sqs, options) => {
    const s = new EncryptedSqsServer({
      sqs: sqs.client,
      queueUrl: 'q',
      deadLetterQueueUrl: 'dlq',
      topicName: 't',
      cipher,
      waitTimeS: 1,
      ...options,
    });
    const outcomes: MessageOutcome[] = [];
    s.on('outcome', (o) => outcomes.push(o));
    servers.push(s);
    return { s, outcomes };
  };
  return { cipher, codec, serve };
}

/** Waits (5 s at most) until `n` outcomes were recorded, and expects exactly `n`. */
export async function settled(outcomes: MessageOutcome[], n = 1): Promise<void> {
  const deadline = Date.now() + 5_000;
  while (outcomes.length < n && Date.now() < deadline) await new Promise((r) => setTimeout(r, 2));
  expect(outcomes).toHaveLength(n);
}

let sealed = 0;

/** An event sealed by `codec` as SQS delivers it: base64 body, String attributes, first receive. */
export async function deliveredMessage(codec: EventCodec, request: PublishRequest): Promise<Message> {
  const wire = wireOf(await codec.seal(request));
  const attributes = Object.fromEntries(
    Object.entries(wire.attributes).map(([k, v]) => [k, { DataType: 'String', StringValue: v }]),
  );
  sealed++;
  return {
    MessageId: `m${sealed}`,
    ReceiptHandle: `r${sealed}`,
    Body: wire.body,
    MessageAttributes: attributes,
    Attributes: { ApproximateReceiveCount: '1' },
  };
}

/** One call the fake received: the command's class name and its input. */
export interface FakeSqsCall {
  readonly name: string;
  readonly input: Record<string, unknown>;
  /** When the call was made (`performance.now()`, ms). */
  readonly at: number;
}

/**
 * A unit-level fake of SQS for the transport's parts: one queue in memory, every call recorded.
 * An empty long poll answers after a few milliseconds (or at once when aborted), so loops idle
 * without spinning and tests need no broker.
 */
export class FakeSqs {
  readonly calls: FakeSqsCall[] = [];
  /** Messages waiting to be received. */
  readonly waiting: Message[] = [];
  /** Receives to fail (as a network fault) before answering again. */
  failReceives = 0;
  /** Receives under way now, and the most there ever were at once. */
  receivesUnderWay = 0;
  mostReceivesAtOnce = 0;
  /** Names of commands that fail (rejected with an error of that name). */
  readonly failing = new Set<string>();

  get client(): SQSClient {
    return this as unknown as SQSClient;
  }

  /** Calls of one command. */
  named(name: string): FakeSqsCall[] {
    return this.calls.filter((c) => c.name === name);
  }

  async send(
    command: { constructor: { name: string }; input: Record<string, unknown> },
    options?: { abortSignal?: AbortSignal },
  ): Promise<unknown> {
    const { name } = command.constructor;
    const input = command.input;
    this.calls.push({ name, input, at: performance.now() });
    if (this.failing.has(name)) throw Object.assign(new Error('refused'), { name: 'ServiceUnavailable' });
    switch (name) {
      case 'ReceiveMessageCommand':
        this.mostReceivesAtOnce = Math.max(this.mostReceivesAtOnce, ++this.receivesUnderWay);
        try {
          return await this.receive(input, options?.abortSignal);
        } finally {
          this.receivesUnderWay--;
        }
      case 'DeleteMessageBatchCommand': {
        const entries = input.Entries as Array<{ Id: string }>;
        return { Successful: entries.map((e) => ({ Id: e.Id })), Failed: [] };
      }
      default:
        return {};
    }
  }

  private async receive(input: Record<string, unknown>, signal?: AbortSignal): Promise<unknown> {
    if (this.failReceives > 0) {
      this.failReceives--;
      throw Object.assign(new Error('connect ECONNREFUSED'), { name: 'TimeoutError' });
    }
    const taken = this.waiting.splice(0, input.MaxNumberOfMessages as number);
    if (taken.length === 0 && (input.WaitTimeSeconds as number) > 0) {
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, 5);
        signal?.addEventListener('abort', () => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
    return { Messages: taken };
  }
}
