import { chmodSync, mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import {
  ChangeMessageVisibilityCommand,
  CreateQueueCommand,
  DeleteMessageCommand,
  ReceiveMessageCommand,
  SendMessageCommand,
  SQSClient,
} from '@aws-sdk/client-sqs';
import { listeningSockets } from './testing/proc';
import { startBroker, type Broker } from './broker';
import { PortInUseError } from './launch';

function sqsOf(broker: Broker): SQSClient {
  return new SQSClient({
    endpoint: broker.endpoint,
    region: 'us-east-1',
    credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
  });
}

describe('the embedded broker', () => {
  it('answers its health check on loopback, refuses a taken port by name, and stops cleanly', async () => {
    const broker = await startBroker({ port: 0 });
    try {
      expect(broker.endpoint).toBe(`http://127.0.0.1:${broker.port}`);
      expect(await broker.healthy()).toBe(true);
      const second = await startBroker({ port: broker.port }).catch((e: unknown) => e);
      expect(second).toBeInstanceOf(PortInUseError);
      expect((second as Error).message).toContain(`Port ${broker.port}`);
      expect((second as Error).message).toContain('CLINIC_BROKER_PORT');
    } finally {
      await broker.stop();
    }
    expect(await broker.healthy()).toBe(false);
  });

  it('listens on 127.0.0.1 only, never on every address', async () => {
    const broker = await startBroker({ port: 0 });
    try {
      // 0100007F is 127.0.0.1 in /proc/net/tcp's byte order; 00000000 would be 0.0.0.0.
      expect(listeningSockets(broker.port).map((s) => s.address)).toEqual(['0100007F']);
    } finally {
      await broker.stop();
    }
  });

  it('with a data folder, keeps waiting messages through kill -9 and delivers each once', async () => {
    const dataDir = mkdtempSync(path.join(tmpdir(), 'broker-durable-'));
    chmodSync(dataDir, 0o755); // as an earlier version may have left it
    let broker = await startBroker({ port: 0, dataDir });
    try {
      let sqs = sqsOf(broker);
      const { QueueUrl } = await sqs.send(new CreateQueueCommand({ QueueName: 'durable' }));
      const bodies = Array.from({ length: 25 }, (_, i) => `message-${i}`);
      for (const body of bodies) await sqs.send(new SendMessageCommand({ QueueUrl, MessageBody: body }));
      // One message is received (in flight) when the broker dies: it must come back, not vanish.
      const inFlight = await sqs.send(
        new ReceiveMessageCommand({ QueueUrl, MaxNumberOfMessages: 1, VisibilityTimeout: 2 }),
      );
      expect(inFlight.Messages).toHaveLength(1);
      sqs.destroy();

      process.kill(broker.pid, 'SIGKILL');
      await broker.exited;
      broker = await startBroker({ port: broker.port, dataDir });
      sqs = sqsOf(broker);

      const received: string[] = [];
      for (let attempt = 0; attempt < 20 && received.length < bodies.length; attempt++) {
        const out = await sqs.send(
          new ReceiveMessageCommand({
            QueueUrl,
            MaxNumberOfMessages: 10,
            WaitTimeSeconds: 1,
            VisibilityTimeout: 60,
          }),
        );
        for (const m of out.Messages ?? []) {
          received.push(m.Body!);
          await sqs.send(new DeleteMessageCommand({ QueueUrl, ReceiptHandle: m.ReceiptHandle! }));
        }
      }
      sqs.destroy();
      expect(received.sort()).toEqual([...bodies].sort());
      // The store is the owner's alone: the folder and every file in it.
      expect(statSync(dataDir).mode & 0o777).toBe(0o700);
      const files = readdirSync(dataDir);
      expect(files.length).toBeGreaterThan(0);
      for (const file of files) expect(statSync(path.join(dataDir, file)).mode & 0o077).toBe(0);
    } finally {
      await broker.stop();
      rmSync(dataDir, { recursive: true, force: true });
    }
  }, 60_000);

  it('with a data folder, a message released with visibility 0 is there again at once, and after a crash', async () => {
    const dataDir = mkdtempSync(path.join(tmpdir(), 'broker-release-'));
    let broker = await startBroker({ port: 0, dataDir });
    try {
      let sqs = sqsOf(broker);
      const { QueueUrl } = await sqs.send(new CreateQueueCommand({ QueueName: 'release' }));
      await sqs.send(new SendMessageCommand({ QueueUrl, MessageBody: 'released' }));
      const first = await sqs.send(new ReceiveMessageCommand({ QueueUrl, VisibilityTimeout: 600 }));
      await sqs.send(
        new ChangeMessageVisibilityCommand({
          QueueUrl,
          ReceiptHandle: first.Messages![0].ReceiptHandle!,
          VisibilityTimeout: 0,
        }),
      );
      const again = await sqs.send(new ReceiveMessageCommand({ QueueUrl, VisibilityTimeout: 0 }));
      expect(again.Messages?.map((m) => m.Body)).toEqual(['released']);
      sqs.destroy();
      // The release was stored too: after kill -9 the message is ready, not in flight for 600 s.
      process.kill(broker.pid, 'SIGKILL');
      await broker.exited;
      broker = await startBroker({ port: broker.port, dataDir });
      sqs = sqsOf(broker);
      const afterCrash = await sqs.send(new ReceiveMessageCommand({ QueueUrl, WaitTimeSeconds: 2 }));
      expect(afterCrash.Messages?.map((m) => m.Body)).toEqual(['released']);
      sqs.destroy();
    } finally {
      await broker.stop();
      rmSync(dataDir, { recursive: true, force: true });
    }
  }, 60_000);
});
